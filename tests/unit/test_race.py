"""The lost race (docs/contract/voip-room.md §5, deviation): a visitor never has two open rooms; the
loser answers with the winner's room and `newRoom: false`."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from voip_core.domain.ids import random_id
from voip_core.domain.models import Visitor
from voip_core.domain.rooms import RoomQuery, new_call_room
from voip_core.store.snapshot import SnapshotKeys
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api
from tests.unit.conftest import Actors, FakeClock

VISITOR = "visitor-race-1"


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR, name="Mary")
    return actors.user("kim.jane")


def rooms_in_table(dynamodb: Any, services: Services) -> list[dict[str, Any]]:
    items = dynamodb.scan(TableName=services.settings.tables.rooms, ConsistentRead=True)["Items"]
    return [json.loads(item["doc"]["S"]) for item in items]


def winner_first(
    services: Services, clock: FakeClock, agent_id: str, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """Make another request win between this request's batch read and its transaction."""
    real_create: Callable[[dict[str, Any]], None] = services.rooms.create_open_room
    winners: list[dict[str, Any]] = []

    def create_after_a_winner(doc: dict[str, Any]) -> None:
        if not winners:
            visitor = services.visitors.get(doc["v"]["token"])
            agent = services.users.get(agent_id)
            assert visitor is not None and visitor.open_room is None and agent is not None
            winner = new_call_room(random_id(), visitor, agent, "outbound", clock() - 5)
            real_create(winner)
            winners.append(winner)
        real_create(doc)

    monkeypatch.setattr(services.rooms, "create_open_room", create_after_a_winner)
    return winners


def test_loser_returns_the_winners_room(
    api: Api,
    agent: tuple[str, str],
    services: Services,
    clock: FakeClock,
    dynamodb: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    winners = winner_first(services, clock, agent[0], monkeypatch)
    status, _, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert status == 200, body
    assert len(winners) == 1
    assert body == compact({"room": winners[0], "newRoom": False, "success": True})
    assert rooms_in_table(dynamodb, services) == [winners[0]]
    visitor = services.visitors.get(VISITOR)
    assert visitor is not None and visitor.open_room == winners[0]


def test_loser_retries_until_the_winner_is_visible(
    api: Api,
    agent: tuple[str, str],
    services: Services,
    clock: FakeClock,
    dynamodb: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first re-read does not see the winner yet: the loser tries again, loses again, and then
    answers with the winner's room."""
    winners = winner_first(services, clock, agent[0], monkeypatch)
    real_get: Callable[[str], Visitor | None] = services.visitors.get
    stale_reads: list[str] = []

    def stale_once(token: str) -> Visitor | None:
        current = real_get(token)
        if winners and not stale_reads and current is not None:
            stale_reads.append(token)
            return Visitor(doc=current.doc, open_room=None)
        return current

    monkeypatch.setattr(services.visitors, "get", stale_once)
    status, _, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert status == 200, body
    assert stale_reads == [VISITOR]
    assert json.loads(body) == {"room": winners[0], "newRoom": False, "success": True}
    assert rooms_in_table(dynamodb, services) == [winners[0]]


def test_concurrent_creates_make_one_room(
    agent: tuple[str, str], services: Services, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests that all read "no open room" and then race to create: exactly one wins.

    moto checks a transaction's conditions and applies it in separate steps; DynamoDB does both
    atomically, which a lock around each TransactWriteItems call restores here."""
    atomic = threading.Lock()
    real_transact = dynamodb.transact_write_items

    def transact_atomically(**request: Any) -> Any:
        with atomic:
            return real_transact(**request)

    monkeypatch.setattr(dynamodb, "transact_write_items", transact_atomically)
    read = services.snapshots.read(SnapshotKeys(visitor_token=VISITOR, agent_id=agent[0]))
    assert read.visitor is not None and read.visitor.open_room is None
    query = RoomQuery(token=VISITOR, agent_id=agent[0])
    barrier = threading.Barrier(4)
    results: list[tuple[dict[str, Any], bool]] = []
    errors: list[BaseException] = []

    def race() -> None:
        barrier.wait()
        try:
            results.append(
                services.room_service.create_or_get(query, read.visitor, None, read.agent)
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(is_new for _, is_new in results) == [False, False, False, True]
    winner = next(room for room, is_new in results if is_new)
    assert all(room == winner for room, _ in results)
    assert rooms_in_table(dynamodb, services) == [winner]
