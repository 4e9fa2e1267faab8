"""template.yaml's metric filters, applied to the log lines the function really writes: the handler
is driven through every outcome and refusal the filters count, its Powertools lines are captured,
and each filter pattern is evaluated on them (tests/template/filter_pattern.py)."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from voip_admin.template import load_template
from voip_core.errors import ServiceUnavailable
from voip_core.http import OUTCOMES

from tests.conftest import load_event
from tests.template.filter_pattern import Line, Matcher, PatternError, compile_pattern
from tests.unit.calls import Api
from tests.unit.conftest import Actors, Configure

RESOURCES: dict[str, Any] = load_template()["Resources"]
# The lines that report a request's outcome; every other line must match no filter.
REQUEST_LINES = {"request handled", "request refused", "unexpected failure", "unreadable event"}


@dataclass(frozen=True)
class Filter:
    logical_id: str
    metric: str
    matches: Matcher
    dimensions: dict[str, str]  # dimension name -> selector ($.route)
    pattern: str


def metric_filters() -> dict[str, Filter]:
    found: dict[str, Filter] = {}
    for logical_id, resource in RESOURCES.items():
        if resource["Type"] != "AWS::Logs::MetricFilter":
            continue
        properties = resource["Properties"]
        assert properties["LogGroupName"] == {"Ref": "VoipRoomFunctionLogGroup"}
        (transformation,) = properties["MetricTransformations"]
        assert transformation["MetricNamespace"] == {"Fn::Sub": "VoipRoom/${AWS::StackName}"}
        assert (transformation["MetricValue"], transformation["Unit"]) == ("1", "Count")
        assert "DefaultValue" not in transformation, "a filter with dimensions may have none"
        name = transformation["MetricName"]
        assert name not in found, f"two filters publish {name}"
        dimensions = {d["Key"]: d["Value"] for d in transformation.get("Dimensions", [])}
        pattern = properties["FilterPattern"]
        found[name] = Filter(logical_id, name, compile_pattern(pattern), dimensions, pattern)
    return found


FILTERS = metric_filters()


@dataclass
class Scenes:
    """Runs requests through the handler; records, per request, the metric it should count and
    the log lines it wrote."""

    api: Api
    logs: io.StringIO
    calls: Api
    agent: tuple[str, str]
    recorded: list[tuple[list[str], list[Line]]] = field(default_factory=list)
    _addresses: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def auth(self) -> dict[str, str]:
        # Sent on the visitor routes too: harmless when they are public, needed when not.
        return {"x-user-id": self.agent[0], "x-auth-token": self.agent[1]}

    def ip(self) -> str:
        """A fresh client address: no request counts against another's rate limit."""
        return f"198.51.100.{next(self._addresses)}"

    def expect(self, metrics: list[str], status: int | list[int], action: Callable[[], Any]) -> Any:
        start = len(self.logs.getvalue())
        answer = action()
        statuses = status if isinstance(status, list) else [status]
        got = [answer[0]] if isinstance(answer, tuple) else [a[0] for a in answer]
        assert got == statuses
        text = self.logs.getvalue()[start:]
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        self.recorded.append((metrics, lines))
        return answer

    def room(self, query: dict[str, str] | str, caller: tuple[str, str] | None = None) -> Any:
        return self.api.call(query, *(caller or self.agent), source_ip=self.ip())


def drive_every_outcome(
    scenes: Scenes, actors: Actors, configure: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, calls, agent_id = scenes, scenes.calls, scenes.agent[0]
    plain = actors.user("plain.user", roles=("user",))
    visitor = {"visitor": {"token": "vt-outcomes", "name": "Mary"}}
    s.expect(["VisitorRegisteredNew"], 200, lambda: calls.register(visitor, headers=s.auth))
    s.expect(["VisitorRegisteredMatched"], 200, lambda: calls.register(visitor, headers=s.auth))
    s.expect(["VisitorFetched"], 200, lambda: calls.get("vt-outcomes", headers=s.auth))
    create = {"token": "vt-outcomes", "agentId": agent_id}
    created = s.expect(["RoomCreated"], 200, lambda: s.room(create))
    rid = json.loads(created[2])["room"]["_id"]
    s.expect(["RoomReused"], 200, lambda: s.room(create))
    s.expect(["RoomFetchedByRid"], 200, lambda: s.room({"token": "vt-outcomes", "rid": rid}))
    close = {"rid": rid, "token": "vt-outcomes"}
    s.expect(["RoomClosed"], 200, lambda: calls.close(close, *s.agent))
    s.expect(["RefusedOther"], 400, lambda: calls.close(close, *s.agent))  # room-closed
    own_history = {"agents[]": agent_id}
    s.expect(["RoomsListed"], 200, lambda: calls.list_rooms(own_history, *s.agent))
    s.expect(["VisitorErased"], 200, lambda: calls.delete("vt-outcomes", headers=s.auth))
    s.expect(["Refused401"], 401, lambda: s.room(create, (agent_id, "not-the-token")))
    s.expect(["Refused403"], 403, lambda: s.room({"token": "vt-outcomes", "agentId": "a"}, plain))
    both = "token=vt-2&agentId=a&rid=r"
    s.expect(["RefusedInvalidParams"], 400, lambda: s.room(both))
    s.expect(["RefusedInvalidToken"], 400, lambda: s.room({"token": "nobody", "agentId": agent_id}))
    second = {"visitor": {"token": "vt-2"}}
    s.expect(["VisitorRegisteredNew"], 200, lambda: calls.register(second, headers=s.auth))
    s.expect(["RefusedInvalidRoom"], 400, lambda: s.room({"token": "vt-2", "rid": "nope"}))
    not_agent = {"token": "vt-2", "agentId": plain[0]}
    s.expect(["RefusedAgentNotFound"], 400, lambda: s.room(not_agent))

    configure({"RATE_LIMIT_REQUESTS": "1"})
    address = s.ip()

    def twice() -> list[Any]:
        return [s.api.call(not_agent, *s.agent, source_ip=address) for _ in range(2)]

    s.expect(["RefusedAgentNotFound", "Refused429"], [400, 429], twice)

    services = configure({})

    def unavailable(*_: Any, **__: Any) -> Any:
        raise ServiceUnavailable()

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.room_service, "create_or_get", unavailable)
    s.expect(["Refused503"], 503, lambda: s.room(not_agent))
    monkeypatch.setattr(services.room_service, "create_or_get", broken)
    s.expect(["Failed500"], 500, lambda: s.room(not_agent))
    event = load_event("voip_room_create.json")
    event["body"], event["isBase64Encoded"] = "not base64!", True
    s.expect(["Failed500"], 500, lambda: s.api.invoke(event))


@pytest.fixture
def scenes(
    api: Api,
    actors: Actors,
    configure: Configure,
    service_logs: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> Scenes:
    recorded = Scenes(api, service_logs, api.rotating_ips(), actors.user("kim.jane"))
    drive_every_outcome(recorded, actors, configure, monkeypatch)
    return recorded


def counted_by(line: Line) -> list[str]:
    return [name for name, metric_filter in FILTERS.items() if metric_filter.matches(line)]


def test_each_request_is_counted_once_by_the_filter_for_its_outcome(scenes: Scenes) -> None:
    for expected, lines in scenes.recorded:
        reported = [line for line in lines if line.get("message") in REQUEST_LINES]
        assert [counted_by(line) for line in reported] == [[metric] for metric in expected], lines
        for line in lines:
            if line.get("message") not in REQUEST_LINES:
                assert counted_by(line) == [], line


def test_every_filter_counts_something_the_function_writes(scenes: Scenes) -> None:
    counted = {metric for expected, _ in scenes.recorded for metric in expected}
    assert counted == set(FILTERS), "a filter no log line can match, or an untested one"


def test_dimensions_resolve_to_the_route_on_every_line_they_count(scenes: Scenes) -> None:
    routes = {route for route in _template_routes()} | {"-"}
    for _, lines in scenes.recorded:
        for line in lines:
            for name in counted_by(line):
                for selector in FILTERS[name].dimensions.values():
                    assert selector == "$.route"
                    assert line["route"] in routes, line


def _template_routes() -> set[str]:
    events = RESOURCES["VoipRoomFunction"]["Properties"]["Events"].values()
    return {f"{e['Properties']['Method']} {e['Properties']['Path']}" for e in events}


def test_refusals_have_the_route_dimension_and_outcomes_name_theirs() -> None:
    for name, metric_filter in FILTERS.items():
        if '"request handled"' in metric_filter.pattern:
            assert metric_filter.dimensions == {}, name  # the outcome names the route
        else:
            assert metric_filter.dimensions == {"Route": "$.route"}, name


def test_every_outcome_the_routes_report_has_its_filter() -> None:
    outcomes = {
        line_outcome
        for metric_filter in FILTERS.values()
        for line_outcome in OUTCOMES
        if f'$.outcome = "{line_outcome}"' in metric_filter.pattern
    }
    assert outcomes == set(OUTCOMES)


def test_the_evaluator_follows_cloudwatch_json_pattern_rules() -> None:
    line: Line = {"message": "request refused", "status": 401, "route": "GET /x", "n": 2.5}
    assert compile_pattern('{ $.message = "request refused" && $.status = 401 }')(line)
    assert not compile_pattern('{ $.message = "request handled" || $.status = 403 }')(line)
    assert compile_pattern('{ $.route = "GET *" }')(line)
    assert compile_pattern("{ ($.n > 2) && ($.n <= 2.5) }")(line)
    assert not compile_pattern('{ $.status = "401" }')(line), "a string never equals a number"
    assert not compile_pattern('{ $.missing != "x" }')(line), "a missing field matches nothing"
    for unsupported in ("[ip, user]", "{ $.a = 1 && $.b = 2 || $.c = 3 }", "{ $.a IS NULL }"):
        with pytest.raises(PatternError):
            compile_pattern(unsupported)
