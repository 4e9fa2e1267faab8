"""Erasure leaves nothing, or does nothing (issue 11 §4; docs/contract/call-lifecycle.md §3).

Every room is found with a strongly consistent read (the visitor's room index), whatever the lag of
the Rooms table's index; an erasure refused because a call arrived changes nothing, however long
the history; an interrupted one (a crash, a 503, a history longer than one request's time) is
finished by the next DELETE, or by the next registration of the token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff
from voip_core.domain.room_listing import RoomListQuery
from voip_core.domain.rooms import RoomQuery
from voip_core.settings import Settings
from voip_core.store.dynamo import make_client
from voip_core.store.snapshot import SnapshotKeys
from voip_core.store.visitor_erasure import ERASE_CALLS_WITHIN_SECONDS, Deadline, VisitorErasure
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit import fault_injection as faults
from tests.unit.calls import Api, open_room
from tests.unit.conftest import Actors, scan_tables

TOKEN = "t-mary"
PERSONAL = ("Mary Jones", "+15550100", "mary@example.com", "mary.j")
INVALID_TOKEN = '{"success":false,"error":"[invalid-token]","errorType":"invalid-token"}'
HAS_OPEN_ROOMS = compact(
    {
        "success": False,
        "error": "Cannot remove visitors with opened rooms [visitor-has-open-rooms]",
        "errorType": "visitor-has-open-rooms",
    }
)
UNAVAILABLE = '{"success":false,"error":"Service unavailable, try again"}'


@pytest.fixture
def settings() -> Settings:
    """Rocket.Chat's public visitor routes (whatever the default), and no rate limit: these tests
    make hundreds of requests from one address."""
    limits = (
        "RATE_LIMIT_REQUESTS",
        "RATE_LIMIT_ROOM_CLOSE_REQUESTS",
        "RATE_LIMIT_VISITOR_REGISTER_REQUESTS",
        "RATE_LIMIT_VISITOR_GET_REQUESTS",
        "RATE_LIMIT_VISITOR_DELETE_REQUESTS",
    )
    return Settings.from_env({"VISITOR_API_REQUIRES_AUTH": "false", **dict.fromkeys(limits, "0")})


@pytest.fixture
def wire(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> faults.WireFaults:
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    return faults.WireFaults(dynamodb)


@pytest.fixture
def calls(api: Api) -> Api:
    return api


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    return actors.user("kim.jane")


def register_mary(calls: Api) -> dict[str, Any]:
    visitor = {
        "token": TOKEN,
        "name": PERSONAL[0],
        "phone": PERSONAL[1],
        "email": PERSONAL[2],
        "username": PERSONAL[3],
    }
    status, _, text = calls.register({"visitor": visitor})
    assert status == 200, text
    registered: dict[str, Any] = json.loads(text)["visitor"]
    return registered


def history(api: Api, calls: Api, agent: tuple[str, str], rooms: int) -> list[str]:
    """`rooms` calls of the visitor, each opened and closed through the API."""
    room_ids = []
    for _ in range(rooms):
        room = open_room(api, agent, TOKEN)
        assert calls.close({"rid": room["_id"], "token": TOKEN}, *agent)[0] == 200
        room_ids.append(room["_id"])
    return room_ids


def assert_nothing_of_mary(dynamodb: Any, visitor_id: str) -> None:
    everything = json.dumps(scan_tables(dynamodb), ensure_ascii=False)
    for value in (*PERSONAL, TOKEN, visitor_id):
        assert value not in everything, value


def stored(dynamodb: Any, services: Services) -> dict[str, list[str]]:
    tables = scan_tables(dynamodb)
    tables.pop(services.settings.tables.rate_limits)
    return tables


def test_rooms_created_and_closed_within_the_index_lag_are_erased(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    dynamodb: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Rooms table's visitorId-index has not caught up with any of the three rooms yet."""
    mary = register_mary(calls)
    rooms = history(api, calls, agent, 3)
    monkeypatch.setattr(services.rooms, "ids_for_visitor", lambda visitor_id: [])
    assert calls.delete(TOKEN)[0] == 200
    assert [services.rooms.get(rid) for rid in rooms] == [None, None, None]
    assert_nothing_of_mary(dynamodb, mary["_id"])


def test_an_erased_visitors_rooms_never_appear_in_a_listing(
    api: Api, calls: Api, agent: tuple[str, str], actors: Actors, services: Services
) -> None:
    """Call history (docs/contract/call-history.md): after the erasure, no listing — by state, by
    agent, by visitor, by name — finds any of the visitor's rooms; another visitor's still lists."""
    mary = register_mary(calls)
    rooms = history(api, calls, agent, 3)
    actors.visitor("t-other", name="Other")
    other = open_room(api, agent, "t-other")
    assert calls.close({"rid": other["_id"], "token": "t-other"}, *agent)[0] == 200
    queries = [
        RoomListQuery(open=False),
        RoomListQuery(open=False, agents=(agent[0],)),
        RoomListQuery(open=False, visitor_id=mary["_id"]),
        RoomListQuery(open=False, room_name="mary", sort_key="fname"),
    ]
    before = [services.room_listing.list(q) for q in queries]
    assert [sorted(r["_id"] for r in page.rooms) for page in before[2:]] == [sorted(rooms)] * 2
    assert calls.delete(TOKEN)[0] == 200
    after = [services.room_listing.list(q) for q in queries]
    assert [[r["_id"] for r in page.rooms] for page in after] == [[other["_id"]]] * 2 + [[], []]
    assert [page.total for page in after] == [1, 1, 0, 0]


def test_a_refused_erasure_of_a_long_history_changes_nothing(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    dynamodb: Any,
    wire: faults.WireFaults,
) -> None:
    """A call arrives just before the erasure's first write: 400, and every one of the 130 rooms
    (more than one transaction holds) is still there."""
    mary = register_mary(calls)
    rooms = history(api, calls, agent, 130)
    before = stored(dynamodb, services)
    rival = Services.build(services.settings, make_client(), services.clock)
    arrived: list[dict[str, Any]] = []

    def a_call_arrives_first(request: Any, params: dict[str, Any], forward: Any) -> Any:
        if not arrived:
            read = rival.snapshots.read(SnapshotKeys(visitor_token=TOKEN, agent_id=agent[0]))
            query = RoomQuery(token=TOKEN, agent_id=agent[0])
            room, _ = rival.room_service.create_or_get(query, read.visitor, None, read.agent)
            arrived.append(room)
        return forward()

    for write in ("TransactWriteItems", "BatchWriteItem", "DeleteItem", "UpdateItem"):
        wire.arm(write, a_call_arrives_first, times=1, label="call-during-erasure")
    assert calls.delete(TOKEN)[::2] == (400, HAS_OPEN_ROOMS)
    (call,) = arrived
    assert [services.rooms.get(rid) is not None for rid in rooms] == [True] * 130
    after = stored(dynamodb, services)
    rooms_table = services.settings.tables.rooms
    added = sorted(set(after[rooms_table]) - set(before[rooms_table]))
    assert [json.loads(item)["_id"]["S"] for item in added] == [call["_id"]]
    visitor = services.visitors.get(TOKEN)
    assert visitor is not None and visitor.doc == mary and visitor.open_room == call


@pytest.fixture
def interrupted(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    wire: faults.WireFaults,
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Mary, 60 closed rooms, and a DELETE that failed (503) after deleting the first 25 rooms:
    the deletes of their index entries fail on every attempt."""
    mary = register_mary(calls)
    rooms = history(api, calls, agent, 60)
    index_table = services.settings.tables.visitor_rooms
    failing = wire.arm(
        "BatchWriteItem",
        faults.error_response("ProvisionedThroughputExceededException"),
        matches=lambda params: index_table in params["RequestItems"],
        label="index-delete",
    )
    assert calls.delete(TOKEN)[::2] == (503, UNAVAILABLE)
    failing.times = failing.injected  # spent: DynamoDB is back
    assert sum(services.rooms.get(rid) is None for rid in rooms) == 25
    yield mary, rooms


def test_an_interrupted_erasure_hides_the_caller_and_the_next_delete_finishes_it(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    dynamodb: Any,
    interrupted: tuple[dict[str, Any], list[str]],
) -> None:
    mary, rooms = interrupted
    assert calls.get(TOKEN)[::2] == (400, INVALID_TOKEN)
    status, _, text = api.call({"token": TOKEN, "agentId": agent[0]}, *agent)
    assert (status, text) == (400, '{"success":false,"error":"invalid-token"}')
    (item,) = scan_tables(dynamodb)[services.settings.tables.visitors]
    for value in PERSONAL:
        assert value not in item  # the visitor's own item kept its token and _id only
    status, _, text = calls.delete(TOKEN)
    assert status == 200, text
    assert json.loads(text)["visitor"]["_id"] == mary["_id"]
    assert [services.rooms.get(rid) for rid in rooms] == [None] * 60
    assert_nothing_of_mary(dynamodb, mary["_id"])
    assert calls.delete(TOKEN)[::2] == (400, INVALID_TOKEN)


def test_a_registration_of_the_token_finishes_an_interrupted_erasure(
    calls: Api,
    services: Services,
    dynamodb: Any,
    interrupted: tuple[dict[str, Any], list[str]],
) -> None:
    mary, rooms = interrupted
    status, _, text = calls.register({"visitor": {"token": TOKEN, "name": "Bob Stone"}})
    assert status == 200, text
    bob = json.loads(text)["visitor"]
    assert bob["_id"] != mary["_id"] and bob["name"] == "Bob Stone"
    assert [services.rooms.get(rid) for rid in rooms] == [None] * 60
    everything = json.dumps(scan_tables(dynamodb), ensure_ascii=False)
    for value in (*PERSONAL, mary["_id"]):
        assert value not in everything, value


def test_a_history_longer_than_one_request_allows_is_erased_by_the_next_deletes(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    dynamodb: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each DynamoDB call of the erasure takes 1 s here: a request gets through ~9 of them, then
    answers 503 with its progress kept; the next DELETE goes on, and the last answers 200."""
    mary = register_mary(calls)
    rooms = history(api, calls, agent, 130)
    seconds = iter(range(10**6))
    slow = Deadline(lambda: float(next(seconds)), ERASE_CALLS_WITHIN_SECONDS)
    monkeypatch.setattr(VisitorErasure, "deadline", lambda self: slow)
    answers = []
    for _ in range(10):
        slow.ends_at = next(seconds) + ERASE_CALLS_WITHIN_SECONDS  # a new request's time
        status = calls.delete(TOKEN)[0]
        answers.append(status)
        if status != 503:
            break
    assert answers[-1] == 200 and set(answers[:-1]) == {503}
    assert len(answers) >= 2
    assert [services.rooms.get(rid) for rid in rooms] == [None] * 130
    assert_nothing_of_mary(dynamodb, mary["_id"])


def test_round_trips_of_an_erasure(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    wire: faults.WireFaults,
) -> None:
    """The calls DELETE makes for 30 rooms: the read (beside the rate-limit counter), the mark,
    the two queries side by side, two BatchWriteItem per 25 rooms (rooms, then their entries),
    the visitor's delete."""
    register_mary(calls)
    history(api, calls, agent, 30)
    wire.attempts.clear()
    assert calls.delete(TOKEN)[0] == 200
    assert dict(wire.attempts) == {
        "GetItem": 1,
        "TransactWriteItems": 1,
        "Query": 2,
        "BatchWriteItem": 4,
        "DeleteItem": 1,
    }
