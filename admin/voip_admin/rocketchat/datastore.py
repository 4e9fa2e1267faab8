"""The importer's DynamoDB calls: consistent BatchGetItem of at most 100 keys, BatchWriteItem of at
most 25 items with no key twice, and what DynamoDB leaves unprocessed sent again after 0.05 s
doubling to 5 s with full jitter, 10 times, before the run gives up (exit 1; a re-run completes
it: docs/migrating-from-rocketchat.md)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from typing import Any

from voip_core.store.dynamo import datastore_errors
from voip_core.store.retry import Sleep

from voip_admin.rocketchat.units import Delete, Found, Item, Put, Ref, ref

MAX_READ_KEYS = 100
MAX_WRITE_ITEMS = 25
RESENDS = 10
FIRST_PAUSE = 0.05
LONGEST_PAUSE = 5.0
_JITTER = random.SystemRandom()


class ImportUnavailable(Exception):
    """DynamoDB left part of a batch unprocessed through every re-send."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"DynamoDB left part of a {operation} unprocessed {RESENDS + 1} times")


def pauses(sleep: Sleep) -> Iterator[int]:
    """Attempt numbers, with a full-jitter pause before each but the first."""
    yield 0
    for number in range(1, RESENDS + 1):
        sleep(_JITTER.uniform(0, min(LONGEST_PAUSE, FIRST_PAUSE * 2 ** (number - 1))))
        yield number


class Datastore:
    def __init__(self, client: Any, sleep: Sleep = time.sleep) -> None:
        self.client = client
        self.sleep = sleep

    def read(self, reads: Iterable[tuple[str, Item]]) -> Found:
        """Every item found among `reads`, read consistently, 100 keys a call."""
        unique = {ref(table, key): (table, key) for table, key in reads}
        found = Found()
        wanted = list(unique.values())
        for start in range(0, len(wanted), MAX_READ_KEYS):
            request: dict[str, Any] = {}
            for table, key in wanted[start : start + MAX_READ_KEYS]:
                request.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
            self._get(request, found, unique)
        return found

    def _get(self, request: dict[str, Any], found: Found, unique: dict[Any, Any]) -> None:
        for _ in pauses(self.sleep):
            with datastore_errors():
                response = self.client.batch_get_item(RequestItems=request)
            for table, items in response.get("Responses", {}).items():
                keys = request[table]["Keys"]
                names = set().union(*(key.keys() for key in keys))
                for item in items:
                    found.add(table, {name: item[name] for name in names if name in item}, item)
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return
        raise ImportUnavailable("BatchGetItem")

    def write(self, puts: Iterable[Put], deletes: Iterable[Delete] = ()) -> int:
        """Put and delete, 25 a call, never one key twice in a call; the number of calls."""
        requests = [(ref(p.table, p.key), p.table, {"PutRequest": {"Item": p.item}}) for p in puts]
        requests += [
            (ref(d.table, d.key), d.table, {"DeleteRequest": {"Key": d.key}}) for d in deletes
        ]
        calls = 0
        chunk: dict[str, list[Item]] = {}
        seen: set[Ref] = set()
        for key, table, request in requests:
            if key in seen or len(seen) == MAX_WRITE_ITEMS:
                self._write(chunk)
                calls += 1
                chunk, seen = {}, set()
            seen.add(key)
            chunk.setdefault(table, []).append(request)
        if chunk:
            self._write(chunk)
            calls += 1
        return calls

    def _write(self, request: dict[str, list[Item]]) -> None:
        for _ in pauses(self.sleep):
            with datastore_errors():
                response = self.client.batch_write_item(RequestItems=request)
            request = response.get("UnprocessedItems") or {}
            if not request:
                return
        raise ImportUnavailable("BatchWriteItem")
