"""The HTTP API's routes, read from template.yaml (each function's `HttpApi` events), and the
matching of a request to one of them the way API Gateway chooses a route.

A route added to the template is served by the local stack with no change here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

DEFAULT_ROUTE = "$default"
ANY_METHOD = "ANY"


class UnsupportedRoute(ValueError):
    """A template route the local stack cannot emulate faithfully."""


@dataclass(frozen=True)
class Route:
    method: str  # upper case, or "ANY"
    path: str  # "/api/v1/livechat/visitor/{token}", or "$default"
    function_id: str  # the logical id of the function that serves it
    segments: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = () if self.path == DEFAULT_ROUTE else tuple(self.path.split("/")[1:])
        object.__setattr__(self, "segments", parts)
        for position, part in enumerate(parts):
            if _is_greedy(part) and position != len(parts) - 1:
                raise UnsupportedRoute(f"{self.path}: a greedy variable must be the last segment")

    @property
    def key(self) -> str:
        """API Gateway's routeKey: "GET /api/v1/voip/room", or "$default"."""
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    def path_parameters(self, segments: list[str]) -> dict[str, str] | None:
        """The route's variables for a request path (decoded segments), or None if it does not
        match. A variable matches one non-empty segment; a greedy one, the non-empty rest."""
        if self.path == DEFAULT_ROUTE:
            return {}
        greedy = bool(self.segments) and _is_greedy(self.segments[-1])
        fixed = self.segments[:-1] if greedy else self.segments
        rest = segments[len(fixed) :]
        if len(segments) < len(fixed) or (not greedy and rest) or (greedy and not "".join(rest)):
            return None
        parameters: dict[str, str] = {}
        for part, segment in zip(fixed, segments, strict=False):
            if _is_variable(part) and segment:
                parameters[part[1:-1]] = segment
            elif part != segment:
                return None
        if greedy:
            parameters[self.segments[-1][1:-2]] = "/".join(rest)
        return parameters

    def precedence(self) -> tuple[int, int, int, int]:
        """Lower sorts first: exact paths, then fewer variables, then greedy ones, then $default;
        a route for the request's own method before ANY."""
        variables = sum(1 for part in self.segments if _is_variable(part))
        greedy = any(_is_greedy(part) for part in self.segments)
        return (
            int(self.path == DEFAULT_ROUTE),
            int(greedy),
            variables,
            int(self.method == ANY_METHOD),
        )


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


def _is_variable(part: str) -> bool:
    return part.startswith("{") and part.endswith("}")


def _is_greedy(part: str) -> bool:
    return _is_variable(part) and part.endswith("+}")


def http_api_routes(template: dict[str, Any]) -> list[Route]:
    """Every `HttpApi` event of every function in the template, as a route."""
    routes: list[Route] = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        events = (resource.get("Properties") or {}).get("Events") or {}
        for event_id, event in events.items():
            if event.get("Type") != "HttpApi":
                continue
            properties = event.get("Properties") or {}
            version = str(properties.get("PayloadFormatVersion", "2.0"))
            if version != "2.0":
                raise UnsupportedRoute(
                    f"{logical_id}.{event_id}: payload format {version} (only 2.0 is emulated)"
                )
            path = properties.get("Path") or DEFAULT_ROUTE
            method = str(properties.get("Method") or ANY_METHOD).upper()
            routes.append(Route(method, path, logical_id))
    return routes


def split_path(raw_path: str) -> list[str]:
    """The request path's segments, each percent-decoded (`+` stays a plus, as in a path)."""
    return [unquote(part) for part in raw_path.split("/")[1:]]


def match_route(routes: list[Route], method: str, raw_path: str) -> RouteMatch | None:
    """The route API Gateway would choose for this method and (still encoded) path, if any."""
    segments = split_path(raw_path)
    candidates: list[RouteMatch] = []
    for route in routes:
        if route.method not in (method, ANY_METHOD) and route.path != DEFAULT_ROUTE:
            continue
        parameters = route.path_parameters(segments)
        if parameters is not None:
            candidates.append(RouteMatch(route, parameters))
    if not candidates:
        return None
    return min(candidates, key=lambda candidate: candidate.route.precedence())
