"""Secure by default (docs/contract/call-lifecycle.md §2, §5): with no setting, the three visitor
routes put `voip/room`'s authentication (401) and permission (403) first, then their own order (rate
limit → body validation → handler). Public, anyone who knows a caller's phone number gets that
caller's visitor token and personal data."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from voip_core.settings import Settings

from tests.unit.calls import Answer, Api, too_many
from tests.unit.conftest import Actors, Configure

UNAUTHORIZED = '{"status":"error","message":"You must be logged in to do this."}'
FORBIDDEN = (
    '{"success":false,"error":"User does not have the permissions required for this action'
    ' [error-unauthorized]"}'
)
ROUTES = ["register", "get", "delete"]


@pytest.fixture
def calls(api: Api) -> Api:
    return api.from_ip("198.51.100.20")


def send(calls: Api, route: str, headers: dict[str, str]) -> Answer:
    if route == "register":
        return calls.register(
            {"visitor": {"token": "t-mary", "phone": "+15550001"}}, headers=headers
        )
    if route == "get":
        return calls.get("t-mary", headers=headers)
    return calls.delete("t-mary", headers=headers)


def test_the_default_is_on() -> None:
    assert Settings().visitor_api_requires_auth is True
    assert Settings.from_env({}).visitor_api_requires_auth is True


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-User-Id": "someone"},
        {"X-Auth-Token": "something"},
        {"X-User-Id": "", "X-Auth-Token": ""},
    ],
)
def test_without_credentials_every_visitor_route_is_401(
    calls: Api, actors: Actors, route: str, headers: dict[str, str]
) -> None:
    actors.visitor("t-mary", name="Mary", phone="+15550001")
    status, response_headers, body = send(calls, route, headers)
    assert (status, body) == (401, UNAUTHORIZED)
    assert not [name for name in response_headers if name.lower().startswith("x-ratelimit")]


@pytest.mark.parametrize("route", ROUTES)
def test_a_caller_without_the_permission_is_403(calls: Api, actors: Actors, route: str) -> None:
    actors.visitor("t-mary", name="Mary", phone="+15550001")
    user_id, token = actors.user("plain.user", roles=("user",))
    status, _, body = send(calls, route, {"X-User-Id": user_id, "X-Auth-Token": token})
    assert (status, body) == (403, FORBIDDEN)


def test_the_phone_match_hands_out_nothing_to_a_stranger(calls: Api, actors: Actors) -> None:
    """The issue's attack: a new token and the victim's phone used to answer with the victim's
    visitor document, the victim's own token in it."""
    actors.visitor("victims-token", name="Mary", phone="+15550001")
    body = {"visitor": {"token": "attacker", "phone": "+15550001", "name": "Eve"}}
    status, _, text = calls.register(body)
    assert (status, text) == (401, UNAUTHORIZED)
    assert "victims-token" not in text
    assert calls.get("victims-token")[::2] == (401, UNAUTHORIZED)
    assert calls.delete("victims-token")[::2] == (401, UNAUTHORIZED)


def test_an_agent_runs_the_visitor_routes_with_its_credentials(calls: Api, actors: Actors) -> None:
    user_id, token = actors.user("kim.jane")
    auth = {"X-User-Id": user_id, "X-Auth-Token": token}
    status, headers, text = calls.register(
        {"visitor": {"token": "t-new", "name": "Ann"}}, headers=auth
    )
    assert status == 200, text
    assert headers["X-RateLimit-Remaining"] == "4"
    assert json.loads(calls.get("t-new", headers=auth)[2])["visitor"]["name"] == "Ann"
    assert calls.delete("t-new", headers=auth)[0] == 200


@pytest.mark.parametrize("route", ROUTES)
def test_then_the_routes_own_order(
    calls: Api, actors: Actors, configure: Configure, route: str
) -> None:
    """Authenticated, the rate limit comes before the body: an invalid registration over the
    limit is 429; no role is exempt (an admin holding the permission is counted too)."""
    configure(
        {
            "VOIP_ROOM_ROLES": "livechat-agent,admin",
            "RATE_LIMIT_VISITOR_REGISTER_REQUESTS": "1",
            "RATE_LIMIT_VISITOR_GET_REQUESTS": "1",
            "RATE_LIMIT_VISITOR_DELETE_REQUESTS": "1",
        }
    )
    user_id, token = actors.user("boss", roles=("admin",))
    auth = {"X-User-Id": user_id, "X-Auth-Token": token}
    requests: dict[str, Callable[[], Answer]] = {
        "register": lambda: calls.register(b"not json", headers=auth),
        "get": lambda: calls.get("nobody", headers=auth),
        "delete": lambda: calls.delete("nobody", headers=auth),
    }
    assert requests[route]()[0] == 400
    assert requests[route]()[::2] == (429, too_many(60))
