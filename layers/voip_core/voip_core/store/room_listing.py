"""Reading call history from the Rooms table's listing indexes (store/room_index.py): every match's
sort value and id, from index entries only; then the page's documents, by key, consistently
(docs/decisions.md, "Call history on DynamoDB"). No Scan: Queries on one partition each, and reads
by key."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from voip_core.domain.room_listing import RoomListQuery, TimeRange
from voip_core.domain.room_order import (
    MISSING_MS,
    PACKED_SORTS,
    moment_order_key,
    order_key,
)
from voip_core.errors import ListingTooBroad
from voip_core.store.batches import batch_get
from voip_core.store.dynamo import datastore_errors, load_document, usable_key
from voip_core.store.room_index import (
    AGENT_CLOSED,
    AGENT_SHARDS,
    AGENT_TS,
    CLOSED_KEY,
    DIRECTION,
    NAME,
    QUEUE,
    SORT,
    STATE_CLOSED,
    STATE_SHARDS,
    STATE_TS,
    TAGS,
    TS_KEY,
    VISITOR,
    ListingIndex,
    agent_partition,
    state_partition,
)
from voip_core.store.rooms import VISITOR_INDEX, RoomStore

# The work cap: index entries read and documents fetched by one listing, and the time after which
# it starts no more DynamoDB calls (the erasure's budget, store/visitor_erasure.py: the request
# still answers inside the function's timeout).
MAX_ENTRIES_READ = 200_000
MAX_DOCUMENTS = 1_000
CALLS_WITHIN_SECONDS = 9.0
BATCH_GET_SIZE = 100  # BatchGetItem's limit
MAX_FILTERED_TAGS = 100  # more would outgrow a 4 KB FilterExpression: compared here instead
PARALLEL_QUERIES = 16
_HIGHEST_MS = 2**53

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


@dataclass(frozen=True)
class _Plan:
    """One listing's Queries: an index, its partitions, the key range and the filter."""

    index: ListingIndex
    partitions: tuple[str, ...]
    request: dict[str, Any]  # everything but the partition and the start key
    tags_here: tuple[str, ...]  # tags compared here, not by DynamoDB


class RoomListingStore:
    def __init__(self, client: Any, rooms_table: str) -> None:
        self.client = client
        self.table = rooms_table

    def candidates(self, query: RoomListQuery, budget: WorkBudget) -> list[Candidate]:
        """Every room the index says matches, with its sort value; unordered."""
        plan = self._plan(query)
        if plan is None:
            return []
        sort_of = _sort_reader(query.sort_key)
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
        plan: _Plan,
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
            if not plan.tags_here or _has_any_tag(item, plan.tags_here)
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

    def _plan(self, query: RoomListQuery) -> _Plan | None:
        """The Queries for `query`; None when nothing can match (no read at all)."""
        closed = _bounded(query.closed)
        if query.open and closed is not None:
            return None  # open rooms have no closedAt
        by_closed = closed is not None
        agents = tuple(dict.fromkeys(a for a in query.agents if usable_key(a)))
        if query.agents and not agents:
            return None
        if agents:
            index = AGENT_CLOSED if by_closed else AGENT_TS
            partitions = tuple(
                agent_partition(query.open, s, a) for a in agents for s in range(AGENT_SHARDS)
            )
        else:
            index = STATE_CLOSED if by_closed else STATE_TS
            partitions = tuple(state_partition(query.open, s) for s in range(STATE_SHARDS))
        partitions = tuple(p for p in partitions if usable_key(p))
        if not partitions:
            return None
        key_range = closed if by_closed else _bounded(query.created)
        other_range = _bounded(query.created) if by_closed else None
        return _build_plan(query, index, partitions, key_range, other_range)


def _build_plan(
    query: RoomListQuery,
    index: ListingIndex,
    partitions: tuple[str, ...],
    key_range: TimeRange | None,
    other_range: TimeRange | None,
) -> _Plan:
    names: dict[str, str] = {"#p": index.partition, "#id": "_id"}
    values: dict[str, Any] = {}
    key = "#p = :p"
    if key_range is not None:
        names["#s"] = index.sort
        key += " AND #s BETWEEN :lo AND :hi"
        values.update(_range_values(key_range, ":lo", ":hi"))
    filters: list[str] = []

    def equal(attribute: str, value: str | None, placeholder: str) -> None:
        if value is not None:
            names[f"#{placeholder}"] = attribute
            values[f":{placeholder}"] = {"S": value}
            filters.append(f"#{placeholder} = :{placeholder}")

    equal(QUEUE, query.queue, "queue")
    equal(DIRECTION, query.direction, "dir")
    equal(VISITOR, query.visitor_id, "visitor")
    if query.room_name is not None:
        names["#name"] = NAME
        values[":name"] = {"S": query.room_name.casefold()}
        filters.append("contains(#name, :name)")
    if other_range is not None:
        names["#o"] = TS_KEY
        values.update(_range_values(other_range, ":olo", ":ohi"))
        filters.append("#o BETWEEN :olo AND :ohi")
    tags = tuple(dict.fromkeys(query.tags))
    projection = "#id, #sort"
    tags_here: tuple[str, ...] = ()
    if tags:
        names["#tags"] = TAGS
        if len(tags) <= MAX_FILTERED_TAGS:
            values.update({f":t{i}": {"S": tag} for i, tag in enumerate(tags)})
            either = " OR ".join(f"contains(#tags, :t{i})" for i in range(len(tags)))
            filters.append(f"({either})")
        else:
            projection += ", #tags"
            tags_here = tags
    names["#sort"] = _sort_attribute(query.sort_key)
    request: dict[str, Any] = {
        "KeyConditionExpression": key,
        "ProjectionExpression": projection,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
    return _Plan(index, partitions, request, tags_here)


def _bounded(bounds: TimeRange | None) -> TimeRange | None:
    """The range, when it bounds anything."""
    if bounds is None or (bounds.start_ms is None and bounds.end_ms is None):
        return None
    return bounds


def _range_values(bounds: TimeRange, low: str, high: str) -> dict[str, Any]:
    """Inclusive bounds that leave out a missing moment (MISSING_MS): no date matches it."""
    start = bounds.start_ms if bounds.start_ms is not None else MISSING_MS + 1
    end = bounds.end_ms if bounds.end_ms is not None else _HIGHEST_MS
    return {low: {"N": str(max(start, MISSING_MS + 1))}, high: {"N": str(end)}}


def _sort_attribute(sort_key: str) -> str:
    return {"ts": TS_KEY, "closedAt": CLOSED_KEY}.get(sort_key, SORT)


def _sort_reader(sort_key: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """How an index entry's sort value is read for `sort_key`."""
    attribute = _sort_attribute(sort_key)
    if attribute != SORT:

        def moment(item: dict[str, Any]) -> tuple[Any, ...]:
            value = item.get(attribute)
            return moment_order_key(int(value["N"])) if value else (0,)

        return moment
    position = PACKED_SORTS.index(sort_key)

    def packed(item: dict[str, Any]) -> tuple[Any, ...]:
        text = item.get(SORT, {}).get("S")
        return order_key(json.loads(text)[position]) if text else (0,)

    return packed


def _has_any_tag(item: dict[str, Any], tags: tuple[str, ...]) -> bool:
    stored = item.get(TAGS, {}).get("L", [])
    present = {value.get("S") for value in stored}
    return any(tag in present for tag in tags)
