"""How one call-history listing is asked of the Rooms table's listing indexes (store/room_index.py):
which index, which partitions, the key range, the filter and the projection
(docs/decisions.md, "Call history on DynamoDB", "What each filter costs")."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voip_core.domain.room_listing import RoomListQuery, TimeRange
from voip_core.domain.room_order import (
    MISSING_MS,
    PACKED_SORTS,
    moment_order_key,
    order_key,
)
from voip_core.store.dynamo import usable_key
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

MAX_FILTERED_TAGS = 100  # more would outgrow a 4 KB FilterExpression: compared after the Query
_HIGHEST_MS = 2**53


@dataclass(frozen=True)
class Plan:
    """One listing's Queries: an index, its partitions, the key range and the filter."""

    index: ListingIndex
    partitions: tuple[str, ...]
    request: dict[str, Any]  # everything but the partition and the start key
    tags_here: tuple[str, ...]  # tags compared here, not by DynamoDB


def plan_for(query: RoomListQuery) -> Plan | None:
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


class _Expressions:
    """A Query's conditions as they are added: the attribute names and values they use, the key
    condition and the filters."""

    def __init__(self, index: ListingIndex) -> None:
        self.names: dict[str, str] = {"#p": index.partition, "#id": "_id"}
        self.values: dict[str, Any] = {}
        self.key = "#p = :p"
        self.filters: list[str] = []

    def key_between(self, attribute: str, bounds: TimeRange) -> None:
        self.names["#s"] = attribute
        self.key += " AND #s BETWEEN :lo AND :hi"
        self.values.update(_range_values(bounds, ":lo", ":hi"))

    def between(self, attribute: str, bounds: TimeRange) -> None:
        self.names["#o"] = attribute
        self.values.update(_range_values(bounds, ":olo", ":ohi"))
        self.filters.append("#o BETWEEN :olo AND :ohi")

    def equal(self, attribute: str, value: str | None, placeholder: str) -> None:
        if value is not None:
            self.names[f"#{placeholder}"] = attribute
            self.values[f":{placeholder}"] = {"S": value}
            self.filters.append(f"#{placeholder} = :{placeholder}")

    def contains(self, attribute: str, text: str) -> None:
        self.names["#name"] = attribute
        self.values[":name"] = {"S": text}
        self.filters.append("contains(#name, :name)")

    def any_tag(self, tags: tuple[str, ...]) -> None:
        self.names["#tags"] = TAGS
        self.values.update({f":t{i}": {"S": tag} for i, tag in enumerate(tags)})
        either = " OR ".join(f"contains(#tags, :t{i})" for i in range(len(tags)))
        self.filters.append(f"({either})")


def _build_plan(
    query: RoomListQuery,
    index: ListingIndex,
    partitions: tuple[str, ...],
    key_range: TimeRange | None,
    other_range: TimeRange | None,
) -> Plan:
    conditions = _Expressions(index)
    if key_range is not None:
        conditions.key_between(index.sort, key_range)
    conditions.equal(QUEUE, query.queue, "queue")
    conditions.equal(DIRECTION, query.direction, "dir")
    conditions.equal(VISITOR, query.visitor_id, "visitor")
    if query.room_name is not None:
        conditions.contains(NAME, query.room_name.casefold())
    if other_range is not None:
        conditions.between(TS_KEY, other_range)
    tags = tuple(dict.fromkeys(query.tags))
    projection = "#id, #sort"
    tags_here: tuple[str, ...] = ()
    if len(tags) > MAX_FILTERED_TAGS:
        conditions.names["#tags"] = TAGS
        projection += ", #tags"
        tags_here = tags
    elif tags:
        conditions.any_tag(tags)
    conditions.names["#sort"] = _sort_attribute(query.sort_key)
    request: dict[str, Any] = {
        "KeyConditionExpression": conditions.key,
        "ProjectionExpression": projection,
        "ExpressionAttributeNames": conditions.names,
        "ExpressionAttributeValues": conditions.values,
    }
    if conditions.filters:
        request["FilterExpression"] = " AND ".join(conditions.filters)
    return Plan(index, partitions, request, tags_here)


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


def sort_reader(sort_key: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
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


def has_any_tag(item: dict[str, Any], tags: tuple[str, ...]) -> bool:
    stored = item.get(TAGS, {}).get("L", [])
    present = {value.get("S") for value in stored}
    return any(tag in present for tag in tags)
