"""Reading call history from the Rooms table's listing indexes (store/room_index.py): every match's
sort value and id, from index entries only; then the page's documents, by key, consistently
(docs/decisions.md, "Call history on DynamoDB"). No Scan: Queries on one partition each, and reads
by key."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from voip_core.domain.room_listing import RoomListQuery
from voip_core.errors import ListingTooBroad
from voip_core.store.batches import batch_get
from voip_core.store.dynamo import datastore_errors, load_document, usable_key
from voip_core.store.room_listing_plan import Plan, has_any_tag, plan_for, sort_reader
from voip_core.store.rooms import VISITOR_INDEX, RoomStore

# The work cap: index entries read and documents fetched by one listing, and the time after which
# it starts no more DynamoDB calls (the erasure's budget, store/visitor_erasure.py: the request
# still answers inside the function's timeout).
MAX_ENTRIES_READ = 200_000
MAX_DOCUMENTS = 1_000
CALLS_WITHIN_SECONDS = 9.0
BATCH_GET_SIZE = 100  # BatchGetItem's limit
PARALLEL_QUERIES = 16  # the client's connection pool (store/dynamo.py)

Candidate = tuple[tuple[Any, ...], str]
"""A match: its sort value (MongoDB's order, domain/room_order.py) and its `_id`."""


class WorkBudget:
    """What one listing may still read; ListingTooBroad (503) once it is spent. Shared by the
    listing's threads."""

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        entries: int = MAX_ENTRIES_READ,
        documents: int = MAX_DOCUMENTS,
        seconds: float = CALLS_WITHIN_SECONDS,
    ) -> None:
        self.monotonic = monotonic
        self.entries_left = entries
        self.documents_left = documents
        self.ends_at = monotonic() + seconds
        self.entries_read = 0
        self._lock = threading.Lock()

    def before_call(self) -> None:
        """Refuses a call once the time is up, or once another thread has spent the entries."""
        if self.entries_left < 0 or self.monotonic() > self.ends_at:
            raise ListingTooBroad()

    def read_entries(self, count: int) -> None:
        with self._lock:
            self.entries_left -= count
            self.entries_read += count
            if self.entries_left < 0:
                raise ListingTooBroad()

    def fetch_documents(self, count: int) -> None:
        with self._lock:
            self.documents_left -= count
            if self.documents_left < 0:
                raise ListingTooBroad()


class RoomListingStore:
    def __init__(self, client: Any, rooms_table: str) -> None:
        self.client = client
        self.table = rooms_table

    def candidates(self, query: RoomListQuery, budget: WorkBudget) -> list[Candidate]:
        """Every room the index says matches, with its sort value; unordered."""
        plan = plan_for(query)
        if plan is None:
            return []
        sort_of = sort_reader(query.sort_key)
        found: list[Candidate] = []
        workers = min(PARALLEL_QUERIES, len(plan.partitions))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            reads = [
                pool.submit(self._partition, plan, partition, sort_of, budget)
                for partition in plan.partitions
            ]
            for read in reads:
                found.extend(read.result())
        return found

    def documents(self, room_ids: list[str], budget: WorkBudget) -> dict[str, dict[str, Any]]:
        """The rooms' documents by id, read consistently (absent ones left out), in batches of 100
        side by side."""
        budget.fetch_documents(len(room_ids))
        chunks = [room_ids[i : i + BATCH_GET_SIZE] for i in range(0, len(room_ids), BATCH_GET_SIZE)]

        def read(chunk: list[str]) -> list[dict[str, Any]]:
            budget.before_call()
            keys = [RoomStore.key(room_id) for room_id in chunk]
            return batch_get(self.client, {self.table: keys}).get(self.table, [])

        with ThreadPoolExecutor(max_workers=max(1, min(PARALLEL_QUERIES, len(chunks)))) as pool:
            items = [item for found in pool.map(read, chunks) for item in found]
        return {
            item["_id"]["S"]: load_document(item["doc"]["S"]) for item in items if "doc" in item
        }

    def visitor_room_ids(self, visitor_id: str, budget: WorkBudget) -> list[str]:
        """The ids of the visitor's rooms, from the keys-only visitorId-index."""
        if not usable_key(visitor_id):
            return []
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": VISITOR_INDEX,
            "KeyConditionExpression": "visitorId = :v",
            "ExpressionAttributeValues": {":v": {"S": visitor_id}},
        }
        return [item["_id"]["S"] for item in self._pages(request, budget)]

    def _partition(
        self,
        plan: Plan,
        partition: str,
        sort_of: Callable[[dict[str, Any]], tuple[Any, ...]],
        budget: WorkBudget,
    ) -> list[Candidate]:
        request = {**plan.request, "TableName": self.table, "IndexName": plan.index.name}
        request["ExpressionAttributeValues"] = {
            **request["ExpressionAttributeValues"],
            ":p": {"S": partition},
        }
        return [
            (sort_of(item), item["_id"]["S"])
            for item in self._pages(request, budget)
            if not plan.tags_here or has_any_tag(item, plan.tags_here)
        ]

    def _pages(self, request: dict[str, Any], budget: WorkBudget) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            budget.before_call()
            with datastore_errors():
                page = self.client.query(**request)
            budget.read_entries(int(page.get("ScannedCount", len(page["Items"]))))
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}
