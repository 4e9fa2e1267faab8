"""import-rocketchat's two phases (docs/migrating-from-rocketchat.md, "Re-runs and interruptions"):
conflicts refused before anything is written, batches re-read before they are written, staged and
interrupted runs ending as one whole run, and DynamoDB's batch limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from voip_admin.rocketchat import datastore as datastore_module
from voip_admin.rocketchat.datastore import Datastore, ImportUnavailable
from voip_admin.rocketchat.importer import Importer, ImportRefused, Options
from voip_admin.rocketchat.sources import MemorySource, Record
from voip_admin.rocketchat.units import Put
from voip_core.wiring import Services

from tests.unit.conftest import Actors, scan_tables
from tests.unit.import_example import EXAMPLE_NOW_MS, FILES, example, run_import


def many(count: int) -> dict[str, list[dict[str, Any]]]:
    """An export of `count` callers, a closed room each and an open room for every tenth."""
    docs = example()
    for n in range(count):
        docs["visitors"].append(
            {
                "_id": f"x{n}",
                "token": f"xt-{n}",
                "username": f"guest-{100 + n}",
                "ts": "2025-12-01T00:00:00.000Z",
            }
        )
        docs["rooms"].append(
            {
                "_id": f"xr{n}",
                "t": "v",
                "ts": "2025-12-01T00:00:00.000Z",
                "v": {"_id": f"x{n}", "token": f"xt-{n}"},
                **({"open": True} if n % 10 == 0 else {"closer": "visitor"}),
            }
        )
    return docs


def test_conflicts_without_overwrite_write_nothing(
    services: Services, actors: Actors, dynamodb: Any
) -> None:
    actors.visitor("vis-token-1")
    actors.user("ana.agent")
    before = scan_tables(dynamodb)
    with pytest.raises(ImportRefused) as refused:
        run_import(services, example())
    assert str(refused.value) == "2 records differ from the target; nothing written"
    assert scan_tables(dynamodb) == before
    summary = run_import(services, example(), dry_run=True)
    assert (summary["users"]["conflicts"], summary["visitors"]["conflicts"]) == (1, 1)
    assert scan_tables(dynamodb) == before


class ChangingSource(MemorySource):
    """Its second reading (the write phase's) first lets another writer take a visitor token."""

    def __init__(self, name: str, docs: list[dict[str, Any]], actors: Actors) -> None:
        super().__init__(name, docs)
        self.actors = actors
        self.readings = 0

    def __iter__(self) -> Iterator[Record]:
        self.readings += 1
        if self.readings == 2:
            self.actors.visitor("vis-token-2")
        return super().__iter__()


def test_a_conflict_arising_while_writing_is_left_alone(services: Services, actors: Actors) -> None:
    docs = example()
    sources = {name: MemorySource(FILES[name], found) for name, found in docs.items()}
    sources["visitors"] = ChangingSource(FILES["visitors"], docs["visitors"], actors)
    summary = Importer(services, sources, Options(), EXAMPLE_NOW_MS).run()
    assert (summary["visitors"]["imported"], summary["visitors"]["conflicts"]) == (1, 1)
    assert summary["problems"][0]["reason"] == "token-taken"
    record = services.visitors.get_record("vis-token-2")
    assert record is not None and record.visitor.id != "6650f1c2a1b2c3d4e5f60719"


def test_staged_runs_end_as_one_run(services: Services, dynamodb: Any) -> None:
    docs = many(30)
    run_import(services, docs)
    whole = scan_tables(dynamodb)
    for table in whole:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                key = {name: item[name] for name in _key_names(dynamodb, table)}
                dynamodb.delete_item(TableName=table, Key=key)
    first = run_import(services, {"users": docs["users"]})
    assert (first["users"]["imported"], first["visitors"]["imported"]) == (1, 0)
    later = run_import(services, {"rooms": docs["rooms"], "visitors": docs["visitors"]})
    assert (later["rooms"]["imported"], later["rooms"]["open"]) == (32, 4)
    assert scan_tables(dynamodb) == whole


def _key_names(client: Any, table: str) -> list[str]:
    schema = client.describe_table(TableName=table)["Table"]["KeySchema"]
    return [part["AttributeName"] for part in schema]


def test_an_interrupted_run_is_completed_by_the_next(
    services: Services, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = many(40)
    real = Datastore._write
    calls = {"n": 0}

    def failing(self: Datastore, request: dict[str, Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise ImportUnavailable("BatchWriteItem")
        real(self, request)

    monkeypatch.setattr(Datastore, "_write", failing)
    with pytest.raises(ImportUnavailable):
        run_import(services, docs)
    monkeypatch.setattr(Datastore, "_write", real)
    run_import(services, docs)
    interrupted = scan_tables(dynamodb)
    assert run_import(services, docs)["rooms"]["imported"] == 0
    for table in interrupted:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                key = {name: item[name] for name in _key_names(dynamodb, table)}
                dynamodb.delete_item(TableName=table, Key=key)
    run_import(services, docs)
    assert scan_tables(dynamodb) == interrupted


class RecordingClient:
    """A stand-in for DynamoDB that records each batch and leaves `unprocessed` calls' items
    unprocessed."""

    def __init__(self, unprocessed: int = 0) -> None:
        self.writes: list[dict[str, Any]] = []
        self.reads: list[dict[str, Any]] = []
        self.unprocessed = unprocessed

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(RequestItems)
        if len(self.writes) <= self.unprocessed:
            return {"UnprocessedItems": RequestItems}
        return {}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.reads.append(RequestItems)
        return {"Responses": {}}


def test_batch_writes_hold_25_items_and_no_key_twice() -> None:
    client = RecordingClient()
    puts = [Put("T", {"k": {"S": str(n % 40)}}, {"k": {"S": str(n % 40)}}) for n in range(90)]
    assert Datastore(client).write(puts) == 4  # 25, 25 (15 keys, then 10 again), 25, 15
    for request in client.writes:
        keys = [r["PutRequest"]["Item"]["k"]["S"] for r in request["T"]]
        assert len(keys) <= 25 and len(set(keys)) == len(keys)
    assert sum(len(request["T"]) for request in client.writes) == 90


def test_unprocessed_items_are_sent_again_with_growing_pauses_then_given_up() -> None:
    pauses: list[float] = []
    client = RecordingClient(unprocessed=100)
    with pytest.raises(ImportUnavailable):
        Datastore(client, pauses.append).write([Put("T", {"k": {"S": "1"}}, {"k": {"S": "1"}})])
    assert len(client.writes) == 11
    bounds = [min(5.0, 0.05 * 2**n) for n in range(10)]
    assert all(0 <= pause <= bound for pause, bound in zip(pauses, bounds, strict=True))
    client = RecordingClient(unprocessed=3)
    Datastore(client, pauses.append).write([Put("T", {"k": {"S": "1"}}, {"k": {"S": "1"}})])
    assert len(client.writes) == 4


def test_batch_reads_ask_for_100_keys_at_most_consistently() -> None:
    client = RecordingClient()
    Datastore(client).read(("T", {"k": {"S": str(n % 250)}}) for n in range(300))
    assert [len(request["T"]["Keys"]) for request in client.reads] == [100, 100, 50]
    assert all(request["T"]["ConsistentRead"] for request in client.reads)


def test_pauses_double_to_five_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datastore_module._JITTER, "uniform", lambda low, high: high)
    slept: list[float] = []
    assert list(datastore_module.pauses(slept.append)) == list(range(11))
    assert slept == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
