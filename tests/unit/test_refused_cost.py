"""A refused request costs almost nothing: over its rate limit, it is answered before its body is
parsed and before any DynamoDB call but the counter's UpdateItem (and, where authentication comes
first, the one BatchGetItem of the caller's token and user). The spec's order still decides which
error wins (docs/contract/call-lifecycle.md §5, docs/contract/voip-room.md §1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from voip_core.routes import room_close, visitors

from tests.unit.calls import Answer, Api, too_many
from tests.unit.conftest import Actors, Configure

UNAUTHORIZED = '{"status":"error","message":"You must be logged in to do this."}'
FORBIDDEN = (
    '{"success":false,"error":"User does not have the permissions required for this action'
    ' [error-unauthorized]"}'
)
LIMITS = {
    "RATE_LIMIT_VISITOR_REGISTER_REQUESTS": "2",
    "RATE_LIMIT_VISITOR_GET_REQUESTS": "2",
    "RATE_LIMIT_VISITOR_DELETE_REQUESTS": "2",
    "RATE_LIMIT_ROOM_CLOSE_REQUESTS": "2",
}
INVALID_REGISTRATION = b'{"visitor":{"token":1}}'


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which body readers ran: the visitor route's and room.close's."""
    seen: list[str] = []
    for module, name in ((visitors, "visitor"), (room_close, "close")):
        original = module.parse_body

        def spy(raw: bytes | None, original: Any = original, name: str = name) -> Any:
            seen.append(name)
            return original(raw)

        monkeypatch.setattr(module, "parse_body", spy)
    return seen


@pytest.fixture
def calls(api: Api) -> Api:
    return api.from_ip("198.51.100.7")


def visitor_requests(calls: Api, agent: dict[str, str]) -> dict[str, Callable[[], Answer]]:
    return {
        "register": lambda: calls.register(INVALID_REGISTRATION, headers=agent),
        "get": lambda: calls.get("nobody", headers=agent),
        "delete": lambda: calls.delete("nobody", headers=agent),
    }


def use_up(request: Callable[[], Answer]) -> None:
    for _ in range(2):
        assert request()[0] != 429


@pytest.mark.parametrize("route", ["register", "get", "delete"])
def test_public_visitor_route_over_its_limit_only_counts(
    calls: Api,
    configure: Configure,
    dynamodb_calls: list[str],
    parsed: list[str],
    route: str,
) -> None:
    configure({**LIMITS, "VISITOR_API_REQUIRES_AUTH": "false"})
    request = visitor_requests(calls, {})[route]
    use_up(request)
    dynamodb_calls.clear()
    parsed.clear()
    status, _, body = request()
    assert (status, body) == (429, too_many(60))  # an invalid body too: the limit comes first
    assert dynamodb_calls == ["UpdateItem"]
    assert parsed == []


@pytest.mark.parametrize("route", ["register", "get", "delete"])
def test_visitor_route_with_auth_over_its_limit_reads_only_the_credentials(
    calls: Api,
    configure: Configure,
    actors: Actors,
    dynamodb_calls: list[str],
    parsed: list[str],
    route: str,
) -> None:
    configure({**LIMITS, "VISITOR_API_REQUIRES_AUTH": "true"})
    user_id, token = actors.user("kim.jane")
    request = visitor_requests(calls, {"X-User-Id": user_id, "X-Auth-Token": token})[route]
    use_up(request)
    dynamodb_calls.clear()
    parsed.clear()
    assert request()[::2] == (429, too_many(60))
    assert sorted(dynamodb_calls) == ["BatchGetItem", "UpdateItem"]
    assert parsed == []


def test_room_close_over_its_limit_never_parses_its_body(
    calls: Api,
    configure: Configure,
    actors: Actors,
    dynamodb_calls: list[str],
    parsed: list[str],
) -> None:
    configure(LIMITS)
    agent = actors.user("kim.jane")
    body = b'{"rid":"r","token":"t","x":"' + b"y" * 60_000 + b'"}'
    use_up(lambda: calls.close(body, *agent))
    dynamodb_calls.clear()
    parsed.clear()
    assert calls.close(body, *agent)[::2] == (429, too_many(60))
    assert sorted(dynamodb_calls) == ["BatchGetItem", "UpdateItem"]
    assert parsed == []


def test_accepted_requests_still_parse_and_read(
    calls: Api, configure: Configure, actors: Actors, parsed: list[str]
) -> None:
    configure({**LIMITS, "VISITOR_API_REQUIRES_AUTH": "false"})
    assert calls.register({"visitor": {"token": "t-accepted"}})[0] == 200
    agent = actors.user("kim.jane")
    assert calls.close({"rid": "r", "token": "t-accepted"}, *agent)[0] == 400  # invalid-room
    assert parsed == ["visitor", "close"]


@pytest.mark.parametrize("route", ["register", "get", "delete"])
def test_with_auth_401_and_403_come_first_and_use_no_quota(
    calls: Api, configure: Configure, actors: Actors, route: str
) -> None:
    configure({**LIMITS, "VISITOR_API_REQUIRES_AUTH": "true"})
    agent_id, agent_token = actors.user("kim.jane")
    plain_id, plain_token = actors.user("plain.user", roles=("user",))
    nobody = visitor_requests(calls, {})[route]
    wrong = visitor_requests(calls, {"X-User-Id": agent_id, "X-Auth-Token": "wrong-token"})[route]
    plain = visitor_requests(calls, {"X-User-Id": plain_id, "X-Auth-Token": plain_token})[route]
    agent = visitor_requests(calls, {"X-User-Id": agent_id, "X-Auth-Token": agent_token})[route]
    for _ in range(3):
        assert nobody()[::2] == (401, UNAUTHORIZED)
        assert wrong()[::2] == (401, UNAUTHORIZED)
        assert plain()[::2] == (403, FORBIDDEN)
    status, headers, _ = agent()
    assert status != 429 and headers["X-RateLimit-Remaining"] == "1"
    agent()
    assert agent()[0] == 429
    # over the limit, the credentials are still checked first
    assert nobody()[::2] == (401, UNAUTHORIZED)
    assert plain()[::2] == (403, FORBIDDEN)


def test_voip_room_over_its_limit_makes_its_one_batch_read_and_the_count(
    api: Api, configure: Configure, actors: Actors, dynamodb_calls: list[str]
) -> None:
    """voip/room's keys ride in the batch read its authentication needs anyway: over the limit,
    that read and the counter, nothing more (no create, no second read)."""
    configure({"RATE_LIMIT_REQUESTS": "1"})
    agent = actors.user("kim.jane")
    actors.visitor("visitor-limited", name="Mary")
    query = {"token": "visitor-limited", "agentId": agent[0]}
    assert api.call(query, *agent)[0] == 200
    dynamodb_calls.clear()
    assert api.call(query, *agent)[::2] == (429, too_many(60))
    assert sorted(dynamodb_calls) == ["BatchGetItem", "UpdateItem"]
