"""`GET /api/v1/voip/rooms` through the handler (docs/contract/call-history.md §1, §3, §6): the
answer's keys and values, the permission (an agent's own rooms, not another's), the order of the
checks around the listing, and the work cap's 503."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.services.room_listing import RoomListing
from voip_core.wiring import Services

from tests.unit.calls import Api, open_room
from tests.unit.conftest import Actors, Configure, FakeClock

FORBIDDEN = '{"success":false,"error":"unauthorized"}'
UNAUTHORIZED = '{"status":"error","message":"You must be logged in to do this."}'
TOO_BROAD = (
    '{"success":false,"error":"Too many rooms match; narrow the listing with filters'
    ' [error-listing-too-broad]","errorType":"error-listing-too-broad"}'
)


@pytest.fixture
def calls(api: Api) -> Api:
    return api.rotating_ips()


@pytest.fixture
def history(calls: Api, actors: Actors, clock: FakeClock) -> dict[str, Any]:
    """Two agents; three rooms of the first (two closed), a minute apart, one open room of the
    second."""
    kim, lee = actors.user("kim.jane"), actors.user("lee.ann")
    rooms = []
    for n in range(3):
        actors.visitor(f"t-{n}", name=f"Caller {n}")
        rooms.append(open_room(calls, kim, f"t-{n}"))
        clock.advance(60)
    for n in range(2):
        assert calls.close({"rid": rooms[n]["_id"], "token": f"t-{n}"}, *kim)[0] == 200
    actors.visitor("t-lee", name="Lee's caller")
    rooms.append(open_room(calls, lee, "t-lee"))
    return {"kim": kim, "lee": lee, "rooms": rooms}


def answer(reply: tuple[int, dict[str, str], str]) -> tuple[int, Any]:
    status, _, text = reply
    return status, json.loads(text)


def test_an_agent_lists_its_own_rooms(
    calls: Api, history: dict[str, Any], services: Services
) -> None:
    kim = history["kim"]
    status, body = answer(calls.list_rooms({"agents[]": kim[0]}, *kim))
    assert status == 200
    assert list(body) == ["rooms", "count", "total", "offset", "success"]
    closed = [services.rooms.get(room["_id"]) for room in history["rooms"][:2]]
    newest_first = sorted((room.doc for room in closed if room), key=lambda d: d["ts"])[::-1]
    assert body == {"rooms": newest_first, "count": 2, "total": 2, "offset": 0, "success": True}
    status, body = answer(calls.list_rooms({"agents[]": kim[0], "open": "true"}, *kim))
    assert (status, [r["_id"] for r in body["rooms"]]) == (200, [history["rooms"][2]["_id"]])
    status, body = answer(calls.list_rooms({"agents[]": kim[0], "offset": "5"}, *kim))
    assert (status, body) == (
        200,
        {"rooms": [], "count": 0, "total": 2, "offset": 5, "success": True},
    )


def test_an_agent_may_not_list_another_agents_rooms(calls: Api, history: dict[str, Any]) -> None:
    kim, lee = history["kim"], history["lee"]
    assert calls.list_rooms({"agents[]": lee[0]}, *kim)[::2] == (403, FORBIDDEN)
    assert calls.list_rooms({"open": "true"}, *kim)[::2] == (403, FORBIDDEN)
    two = [("agents[]", kim[0]), ("agents[]", lee[0])]
    assert calls.list_rooms(two, *kim)[::2] == (403, FORBIDDEN)


def test_a_supervisor_lists_every_agents_rooms(
    calls: Api, history: dict[str, Any], actors: Actors
) -> None:
    boss = actors.user("boss", roles=("livechat-manager",))
    status, body = answer(calls.list_rooms({"open": "true", "sort": '{"fname":1}'}, *boss))
    assert status == 200
    assert [r["fname"] for r in body["rooms"]] == ["Caller 2", "Lee's caller"]
    two = [("agents[]", history["kim"][0]), ("agents[]", history["lee"][0]), ("open", "true")]
    assert answer(calls.list_rooms(two, *boss))[1]["total"] == 2


def test_checks_before_the_listing_read_nothing_of_it(
    calls: Api, history: dict[str, Any], monkeypatch: pytest.MonkeyPatch, services: Services
) -> None:
    def never(*_: Any) -> Any:
        raise AssertionError("listed")

    monkeypatch.setattr(services.room_listing, "list", never)
    kim = history["kim"]
    assert calls.list_rooms({"agents[]": kim[0]})[::2] == (401, UNAUTHORIZED)
    assert calls.list_rooms({"foo": "1"}, *kim)[0] == 400
    assert calls.list_rooms({"agents[]": history["lee"][0]}, *kim)[0] == 403


def test_the_work_cap_answers_503(
    calls: Api, history: dict[str, Any], actors: Actors, configure: Configure
) -> None:
    services = configure({})
    boss = actors.user("boss", roles=("livechat-manager",))
    capped = RoomListing(services.room_listing.store, max_entries=1)
    object.__setattr__(services, "room_listing", capped)
    assert calls.list_rooms({"open": "true"}, *boss)[::2] == (503, TOO_BROAD)
