"""`GET` and `DELETE /api/v1/livechat/visitor/{token}` (docs/contract/call-lifecycle.md §3, §5): the
stored visitor, and erasure: rooms deleted, no personal data left, the token free again."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from voip_core.domain.ids import random_id
from voip_core.domain.rooms import closed_call_room, new_call_room
from voip_core.store.visitor_erasure import VisitorErasure
from voip_core.store.visitor_rooms import VisitorRoomIndex
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api, rate_headers, too_many
from tests.unit.conftest import (
    PUBLIC_VISITOR_API,
    START_MS,
    Actors,
    Configure,
    FakeClock,
    scan_tables,
)

INVALID_TOKEN = '{"success":false,"error":"[invalid-token]","errorType":"invalid-token"}'
HAS_OPEN_ROOMS = compact(
    {
        "success": False,
        "error": "Cannot remove visitors with opened rooms [visitor-has-open-rooms]",
        "errorType": "visitor-has-open-rooms",
    }
)
PERSONAL = ("Mary Jones", "+15550100", "mary@example.com", "sales", "mary.j", "crm-42")


@pytest.fixture
def base_env() -> Mapping[str, str]:
    """Rocket.Chat's GET and DELETE, on its public routes: VISITOR_API_REQUIRES_AUTH=false."""
    return PUBLIC_VISITOR_API


@pytest.fixture
def calls(api: Api) -> Api:
    return api.rotating_ips()


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    return actors.user("kim.jane")


def register(calls: Api, token: str, **fields: Any) -> dict[str, Any]:
    status, _, text = calls.register({"visitor": {"token": token, **fields}})
    assert status == 200, text
    visitor: dict[str, Any] = json.loads(text)["visitor"]
    return visitor


def mary(calls: Api, token: str = "t-mary") -> dict[str, Any]:
    return register(
        calls,
        token,
        name="Mary Jones",
        phone="+15550100",
        email="Mary@Example.com",
        department="sales",
        username="mary.j",
        customFields=[{"key": "crm", "value": "crm-42", "overwrite": False}],
    )


def open_room(api: Api, agent: tuple[str, str], token: str) -> dict[str, Any]:
    status, _, text = api.call({"token": token, "agentId": agent[0]}, *agent)
    assert status == 200, text
    room: dict[str, Any] = json.loads(text)["room"]
    return room


# --- GET -----------------------------------------------------------------------------------------


def test_get_returns_the_visitor_as_stored(calls: Api, services: Services) -> None:
    registered = mary(calls)
    status, headers, text = calls.get("t-mary")
    assert (status, text) == (200, compact({"visitor": registered, "success": True}))
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("token", ["nobody", " ", "t" * 3000, "t-mary "])
def test_get_unknown_token(calls: Api, dynamodb: Any, token: str) -> None:
    mary(calls)
    assert calls.get(token)[::2] == (400, INVALID_TOKEN)


def test_token_with_spaces_and_unicode_in_the_path(calls: Api, dynamodb: Any) -> None:
    registered = register(calls, "tök en+1")
    assert json.loads(calls.get("tök en+1")[2])["visitor"] == registered


def test_get_ignores_credentials(calls: Api, dynamodb: Any) -> None:
    mary(calls)
    status, _, _ = calls.get("t-mary", headers={"x-user-id": "x", "x-auth-token": "bad"})
    assert status == 200


# --- DELETE --------------------------------------------------------------------------------------


def test_delete_unknown_token(calls: Api, dynamodb: Any) -> None:
    assert calls.delete("nobody")[::2] == (400, INVALID_TOKEN)


def test_delete_with_an_open_room_is_refused_and_keeps_everything(
    api: Api, calls: Api, agent: tuple[str, str], dynamodb: Any, services: Services
) -> None:
    mary(calls)
    open_room(api, agent, "t-mary")
    before = scan_tables(dynamodb)
    assert calls.delete("t-mary")[::2] == (400, HAS_OPEN_ROOMS)
    after = scan_tables(dynamodb)
    rate_limits = services.settings.tables.rate_limits
    assert {k: v for k, v in after.items() if k != rate_limits} == {
        k: v for k, v in before.items() if k != rate_limits
    }


def test_erasure_deletes_rooms_and_personal_data_and_frees_the_token(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    dynamodb: Any,
    services: Services,
    clock: FakeClock,
) -> None:
    registered = mary(calls)
    other = register(calls, "t-other", name="Other Person")
    rooms = []
    for _ in range(3):
        room = open_room(api, agent, "t-mary")
        assert calls.close({"rid": room["_id"], "token": "t-mary"}, *agent)[0] == 200
        rooms.append(room["_id"])
    others_room = open_room(api, agent, "t-other")
    clock.advance(30)
    status, _, text = calls.delete("t-mary")
    assert (status, text) == (
        200,
        compact(
            {
                "visitor": {"_id": registered["_id"], "ts": "2024-05-01T12:00:30.000Z"},
                "success": True,
            }
        ),
    )
    for rid in rooms:
        assert services.rooms.get(rid) is None
    assert services.rooms.get(others_room["_id"]) is not None
    # nothing of Mary's is left anywhere (the rate-limit counters hold source IPs only)
    everything = json.dumps(scan_tables(dynamodb), ensure_ascii=False)
    for value in (*PERSONAL, "t-mary", registered["_id"]):
        assert value not in everything, value
    assert "Other Person" in everything
    assert calls.get("t-mary")[::2] == (400, INVALID_TOKEN)
    assert calls.delete("t-mary")[::2] == (400, INVALID_TOKEN)
    # the token is free: a new registration makes a new visitor, found by nobody's phone/email
    again = register(calls, "t-mary", phone="+15550100")
    assert again["_id"] != registered["_id"]
    assert again["username"] == "guest-3"  # guest-2 went to t-other
    assert other["_id"] != again["_id"]


def test_erasure_after_an_email_move_deletes_rooms_under_both_tokens(
    api: Api, calls: Api, agent: tuple[str, str], services: Services
) -> None:
    register(calls, "t-first", email="x@y.z")
    room = open_room(api, agent, "t-first")
    assert calls.close({"rid": room["_id"], "token": "t-first"}, *agent)[0] == 200
    register(calls, "t-second", email="X@Y.Z")  # moves the visitor to t-second
    assert calls.delete("t-first")[::2] == (400, INVALID_TOKEN)
    assert calls.delete("t-second")[0] == 200
    assert services.rooms.get(room["_id"]) is None


def test_erasure_finds_the_newest_room_even_when_the_index_lags(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mary(calls)
    room = open_room(api, agent, "t-mary")
    assert calls.close({"rid": room["_id"], "token": "t-mary"}, *agent)[0] == 200
    monkeypatch.setattr(services.rooms, "ids_for_visitor", lambda visitor_id: [])
    assert calls.delete("t-mary")[0] == 200
    assert services.rooms.get(room["_id"]) is None


def test_erasure_of_more_rooms_than_one_transaction_holds(
    calls: Api, agent: tuple[str, str], services: Services, dynamodb: Any
) -> None:
    registered = mary(calls)
    visitor = services.visitors.get("t-mary")
    user = services.users.get(agent[0])
    assert visitor is not None and user is not None
    count = 130  # a transaction takes at most 100 actions
    tables = services.settings.tables
    for index in range(count):
        room = new_call_room(random_id(), visitor, user, "inbound", START_MS + index)
        closed = closed_call_room(room, "visitor", {"_id": visitor.id}, START_MS + index + 1)
        dynamodb.put_item(TableName=tables.rooms, Item=services.rooms.item(closed))
        entry = VisitorRoomIndex.key(visitor.id, room["_id"])
        dynamodb.put_item(TableName=tables.visitor_rooms, Item=entry)
    assert len(services.rooms.index.room_ids(registered["_id"], lambda: None)) == count
    assert calls.delete("t-mary")[0] == 200
    assert scan_tables(dynamodb)[tables.rooms] == []
    assert scan_tables(dynamodb)[tables.visitor_rooms] == []


def test_a_room_opened_during_erasure_stops_it(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The visitor opens a room between the erasure's read and its write: the conditional delete
    fails, the re-read sees the open room, and the answer is visitor-has-open-rooms."""
    mary(calls)
    original = VisitorErasure.mark
    opened: list[dict[str, Any]] = []

    def mark_after_a_call(self: Any, record: Any) -> None:
        if not opened:
            opened.append(open_room(api, agent, "t-mary"))
        original(self, record)

    monkeypatch.setattr(VisitorErasure, "mark", mark_after_a_call)
    assert calls.delete("t-mary")[::2] == (400, HAS_OPEN_ROOMS)
    assert services.rooms.get(opened[0]["_id"]) is not None
    assert services.visitors.get("t-mary") is not None


# --- rate limits: one counter per route and method -----------------------------------------------


@pytest.mark.parametrize("verb", ["get", "delete"])
def test_ten_per_window_per_verb(api: Api, calls: Api, dynamodb: Any, verb: str) -> None:
    fixed = api
    send = getattr(fixed, verb)
    for remaining in range(9, -1, -1):
        status, headers, _ = send("nobody")
        assert status == 400
        assert rate_headers(headers) == {
            "X-RateLimit-Limit": "10",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(START_MS + 60_000),
        }
    assert send("nobody")[::2] == (429, too_many(60))
    other = fixed.delete if verb == "get" else fixed.get
    assert other("nobody")[0] == 400
    assert fixed.register({})[0] == 400


def test_get_and_delete_limits_are_configurable(api: Api, configure: Configure) -> None:
    configure({"RATE_LIMIT_VISITOR_GET_REQUESTS": "1", "RATE_LIMIT_VISITOR_DELETE_REQUESTS": "2"})
    fixed = api
    assert [fixed.get("x")[0] for _ in range(2)] == [400, 429]
    assert [fixed.delete("x")[0] for _ in range(3)] == [400, 400, 429]


def test_requires_auth_setting_guards_get_and_delete(
    calls: Api, configure: Configure, agent: tuple[str, str]
) -> None:
    mary(calls)
    configure({"VISITOR_API_REQUIRES_AUTH": "true"})
    assert calls.get("t-mary")[0] == 401
    assert calls.delete("t-mary")[0] == 401
    auth = {"x-user-id": agent[0], "x-auth-token": agent[1]}
    assert calls.get("t-mary", headers=auth)[0] == 200
    assert calls.delete("t-mary", headers=auth)[0] == 200
