"""Every writer of a room keeps call history right (docs/decisions.md, "Call history on DynamoDB"):
rooms created, closed and moved with their visitor (a new token) through the API list where they
belong, whole and current, with no step of their own."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from voip_core.domain.room_listing import RoomListQuery
from voip_core.store.room_index import listing_attributes
from voip_core.store.rooms import RoomStore
from voip_core.wiring import Services

from tests.unit.calls import Api, open_room
from tests.unit.cli_runner import Cli
from tests.unit.conftest import PUBLIC_VISITOR_API, Actors


@pytest.fixture
def base_env() -> Mapping[str, str]:
    return PUBLIC_VISITOR_API


def ids(services: Services, query: RoomListQuery) -> tuple[list[str], int]:
    page = services.room_listing.list(query)
    return [room["_id"] for room in page.rooms], page.total


def register(api: Api, token: str, email: str) -> None:
    status, _, text = api.rotating_ips().register({"visitor": {"token": token, "email": email}})
    assert status == 200, text


def test_created_closed_and_moved_rooms_list_where_they_belong(
    api: Api, actors: Actors, services: Services
) -> None:
    agent = actors.user("kim.jane")
    other = actors.user("lee.ann")
    register(api, "t-a", "a@x.io")
    actors.visitor("t-b", name="Bea")
    first = open_room(api, agent, "t-a")
    second = open_room(api, other, "t-b")
    open_all = RoomListQuery(open=True)
    assert ids(services, open_all) == (sorted([first["_id"], second["_id"]]), 2)
    assert ids(services, RoomListQuery(open=True, agents=(agent[0],))) == ([first["_id"]], 1)
    assert ids(services, RoomListQuery(open=False)) == ([], 0)

    # the visitor moves to a new token: its open room follows, and lists with the new token
    register(api, "t-a2", "A@x.io")
    listed = services.room_listing.list(RoomListQuery(open=True, agents=(agent[0],)))
    assert [room["v"]["token"] for room in listed.rooms] == ["t-a2"]
    stored = services.rooms.client.get_item(
        TableName=services.rooms.table, Key=RoomStore.key(first["_id"]), ConsistentRead=True
    )["Item"]
    assert stored == RoomStore.item(json.loads(stored["doc"]["S"]))  # derived, nothing stale

    assert api.rotating_ips().close({"rid": first["_id"], "token": "t-a2"}, *agent)[0] == 200
    assert ids(services, open_all) == ([second["_id"]], 1)
    closed = services.room_listing.list(RoomListQuery(open=False, agents=(agent[0],)))
    assert [room["_id"] for room in closed.rooms] == [first["_id"]]
    assert "closedAt" in closed.rooms[0] and "open" not in closed.rooms[0]
    by_close = RoomListQuery(open=False, sort_key="closedAt")
    assert ids(services, by_close) == ([first["_id"]], 1)


def test_only_call_rooms_have_listing_attributes() -> None:
    assert listing_attributes({"_id": "r1", "t": "l", "ts": "2024-05-01T12:00:00.000Z"}) == {}
    doc: dict[str, Any] = {"_id": "r1", "t": "v", "servedBy": {"_id": "x" * 3000}}
    attributes = listing_attributes(doc)
    assert attributes["lAgent"] is None  # an id too long for a key: not in the agent indexes
    assert attributes["lState"].startswith("closed#") and attributes["lTs"] == -(2**53)


def test_reindex_rooms_lists_rooms_written_before_the_indexes(cli: Cli, services: Services) -> None:
    """An upgraded stack: room items written before the listing attributes existed (as the old
    RoomStore.item built them) list nowhere until `voip-admin reindex-rooms` puts them again;
    then they list, and a second pass rewrites nothing."""
    docs = [
        {"_id": f"old{n}", "t": "v", "ts": f"2024-05-0{n}T12:00:00.000Z", "v": {"_id": "v1"}}
        for n in (1, 2, 3)
    ]
    for doc in docs:
        old = {k: v for k, v in RoomStore.item(doc).items() if not k.startswith("l")}
        services.rooms.client.put_item(TableName=services.rooms.table, Item=old)
    assert ids(services, RoomListQuery(open=False)) == ([], 0)
    assert cli.ok("reindex-rooms") == {"scanned": 3, "rewritten": 3}
    assert ids(services, RoomListQuery(open=False)) == (["old3", "old2", "old1"], 3)
    assert cli.ok("reindex-rooms") == {"scanned": 3, "rewritten": 0}
