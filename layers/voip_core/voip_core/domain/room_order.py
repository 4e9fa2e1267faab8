"""Call history's rules on one room document: whether it matches a listing, and where it sorts
(docs/contract/call-history.md §5, §6). The store derives its index attributes with the same
functions (store/room_index.py), so what an index says and what a document says cannot differ."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from voip_core.domain.clock import ms_from_iso
from voip_core.domain.room_listing import SORT_FIELDS, RoomListQuery, TimeRange
from voip_core.domain.rooms import ROOM_TYPE

# Below every real moment: a room whose `ts` (or `closedAt`) is missing or unreadable sorts lowest,
# as MongoDB sorts a missing field, and no date bound ever matches it.
MISSING_MS = -(2**53)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The sort keys an index orders, and the other keys' positions in a room's packed sort values.
INDEX_SORTS = ("ts", "closedAt")
PACKED_SORTS = tuple(key for key in SORT_FIELDS if key not in INDEX_SORTS)
# What the index keeps of a text it sorts or searches on (store/room_index.py).
SORT_TEXT_CHARS = 4096
# MongoDB's order between types: missing and null, numbers, strings, objects, arrays, booleans.
_NUMBER, _STRING, _OBJECT, _ARRAY, _BOOLEAN = 1, 2, 3, 4, 5


def field(doc: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (`v.phone`), None when any step is missing."""
    value: Any = doc
    for step in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def moment_ms(value: Any) -> int:
    """Epoch ms of a stored ISO-8601 date (the service writes `…T12:00:00.000Z`; an imported room
    may carry another ISO form), MISSING_MS when absent or not one."""
    if not isinstance(value, str):
        return MISSING_MS
    try:
        return ms_from_iso(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return MISSING_MS
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def fold(text: str) -> str:
    """The case-insensitive form `roomName` is matched on."""
    return text.casefold()


def is_listed_open(doc: dict[str, Any]) -> bool:
    """`open=true` lists rooms that have an `open` field; every other listing, those without."""
    return "open" in doc


def tag_list(doc: dict[str, Any]) -> list[Any]:
    """The room's tags as MongoDB's `$in` sees them: an array's elements, or a single value."""
    tags = doc.get("tags")
    if tags is None:
        return []
    return tags if isinstance(tags, list) else [tags]


def agent_of(doc: dict[str, Any]) -> Any:
    return field(doc, "servedBy._id")


def packed_sort_values(doc: dict[str, Any]) -> str:
    """The non-index sort values, as compact JSON in PACKED_SORTS' order (null when missing), each
    bounded (`bounded_sort_value`) so that the copy never grows the room's item much."""
    values = [bounded_sort_value(field(doc, SORT_FIELDS[key])) for key in PACKED_SORTS]
    return json.dumps(values, separators=(",", ":"))


def bounded_sort_value(value: Any) -> Any:
    """A sort value as the index keeps it: a string's first SORT_TEXT_CHARS characters (rooms the
    service writes hold at most 1,024 in any field; only an imported one can be longer); an object
    or array past that size, empty (it keeps its place among the types)."""
    if isinstance(value, str):
        return value[:SORT_TEXT_CHARS]
    if isinstance(value, (dict, list)) and len(json.dumps(value)) > SORT_TEXT_CHARS:
        return type(value)()
    return value


def order_key(value: Any) -> tuple[Any, ...]:
    """MongoDB's ascending order of one value: missing and null lowest, then numbers, strings
    (by code point), objects, arrays, booleans."""
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (_BOOLEAN, value)
    if isinstance(value, (int, float)):
        return (_NUMBER, value)
    if isinstance(value, str):
        return (_STRING, value)
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return (_OBJECT if isinstance(value, dict) else _ARRAY, text)


def moment_order_key(ms: int) -> tuple[Any, ...]:
    return (0,) if ms == MISSING_MS else (_NUMBER, ms)


def sort_value(doc: dict[str, Any], sort_key: str) -> tuple[Any, ...]:
    """Where the document sorts on `sort_key` (a SORT_FIELDS key)."""
    if sort_key in INDEX_SORTS:
        return moment_order_key(moment_ms(field(doc, SORT_FIELDS[sort_key])))
    return order_key(field(doc, SORT_FIELDS[sort_key]))


def _in_range(ms: int, bounds: TimeRange | None) -> bool:
    if bounds is None or (bounds.start_ms is None and bounds.end_ms is None):
        return True
    if ms == MISSING_MS:
        return False
    low_ok = bounds.start_ms is None or ms >= bounds.start_ms
    return low_ok and (bounds.end_ms is None or ms <= bounds.end_ms)


def matches(doc: dict[str, Any], query: RoomListQuery) -> bool:
    """Whether the document is one the listing asks for (docs/contract/call-history.md §5)."""
    name = doc.get("name")
    checks: tuple[Callable[[], bool], ...] = (
        lambda: doc.get("t") == ROOM_TYPE and is_listed_open(doc) == query.open,
        lambda: not query.agents or agent_of(doc) in query.agents,
        lambda: not query.tags or any(tag in tag_list(doc) for tag in query.tags),
        lambda: query.queue is None or doc.get("queue") == query.queue,
        lambda: query.direction is None or doc.get("direction") == query.direction,
        lambda: query.visitor_id is None or field(doc, "v._id") == query.visitor_id,
        lambda: (
            query.room_name is None
            or (isinstance(name, str) and fold(query.room_name) in fold(name))
        ),
        lambda: _in_range(moment_ms(doc.get("ts")), query.created),
        lambda: _in_range(moment_ms(doc.get("closedAt")), query.closed),
    )
    return all(check() for check in checks)
