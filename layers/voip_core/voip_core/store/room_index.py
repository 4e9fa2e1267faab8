"""The Rooms table's call-history indexes: their names, their keys, and the attributes a room item
carries for them (docs/decisions.md, "Call history on DynamoDB"). `RoomStore.item` is the only
caller of `listing_attributes`, so every writer of a room item keeps the indexes right."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from voip_core.domain.room_order import (
    SORT_TEXT_CHARS,
    agent_of,
    fold,
    is_listed_open,
    moment_ms,
    packed_sort_values,
    tag_list,
)
from voip_core.domain.rooms import ROOM_TYPE
from voip_core.store.dynamo import usable_key

# A state's entries are spread over STATE_SHARDS partitions, an agent's (far fewer) over
# AGENT_SHARDS, all queried side by side. Changing either means rewriting every room item.
STATE_SHARDS = 16
AGENT_SHARDS = 4
OPEN, CLOSED = "open", "closed"
STATE_KEY, AGENT_KEY = "lState", "lAgent"
TS_KEY, CLOSED_KEY = "lTs", "lClosed"
NAME, TAGS, QUEUE, DIRECTION, VISITOR, SORT = (
    "lName",
    "lTags",
    "lQueue",
    "lDir",
    "visitorId",
    "lSort",
)


@dataclass(frozen=True)
class ListingIndex:
    name: str
    partition: str  # STATE_KEY or AGENT_KEY
    sort: str  # TS_KEY or CLOSED_KEY


STATE_TS = ListingIndex("rooms-by-state-ts", STATE_KEY, TS_KEY)
STATE_CLOSED = ListingIndex("rooms-by-state-closed", STATE_KEY, CLOSED_KEY)
AGENT_TS = ListingIndex("rooms-by-agent-ts", AGENT_KEY, TS_KEY)
AGENT_CLOSED = ListingIndex("rooms-by-agent-closed", AGENT_KEY, CLOSED_KEY)
INDEXES = (STATE_TS, STATE_CLOSED, AGENT_TS, AGENT_CLOSED)


def shard_of(room_id: str, shards: int) -> int:
    return zlib.crc32(room_id.encode("utf-8", "surrogatepass")) % shards


def state_partition(is_open: bool, shard: int) -> str:
    return f"{OPEN if is_open else CLOSED}#{shard}"


def agent_partition(is_open: bool, shard: int, agent_id: str) -> str:
    return f"{state_partition(is_open, shard)}#{agent_id}"


def listing_attributes(doc: dict[str, Any]) -> dict[str, Any]:
    """The index attributes of a room document, as plain values (None: absent). Only call rooms
    (`t: "v"`) have them, so no other room enters the listing indexes."""
    if doc.get("t") != ROOM_TYPE or not isinstance(doc.get("_id"), str):
        return {}
    is_open = is_listed_open(doc)
    crc_shard = shard_of(doc["_id"], STATE_SHARDS)
    agent = agent_of(doc)
    agent_shard = crc_shard % AGENT_SHARDS
    agent_key = agent_partition(is_open, agent_shard, agent) if isinstance(agent, str) else None
    name = doc.get("name")
    tags = tag_list(doc)
    return {
        STATE_KEY: state_partition(is_open, crc_shard),
        AGENT_KEY: agent_key if usable_key(agent_key) else None,
        TS_KEY: moment_ms(doc.get("ts")),
        CLOSED_KEY: None if is_open else moment_ms(doc.get("closedAt")),
        NAME: _storable(fold(name[:SORT_TEXT_CHARS])) if isinstance(name, str) and name else None,
        TAGS: [_storable(t) if isinstance(t, str) else t for t in tags] or None,
        QUEUE: _filterable(doc.get("queue")),
        DIRECTION: _filterable(doc.get("direction")),
        SORT: packed_sort_values(doc),
    }


def _filterable(value: Any) -> Any:
    """A value an equality filter compares: strings only (the query's values are strings)."""
    return _storable(value) if isinstance(value, str) and value else None


def _storable(text: str) -> str:
    """DynamoDB stores UTF-8 only: a lone surrogate (JSON allows one) becomes U+FFFD here; the
    document itself keeps it (stored as JSON text, escaped)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
