"""Call history (`GET /api/v1/voip/rooms`): what a listing asks for once its query has passed every
check, and the page it gets back (docs/contract/call-history.md). The request rules
(routes/rooms_list_rules.py) build a `RoomListQuery`; the listing service
(services/room_listing.py) answers it with a `RoomListPage`. Neither side knows the other's
workings: this module is the whole of what they share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The one sort key a listing accepts, and the document field it orders by. `ts` and `closedAt` are
# read in order from an index; the others sort the matched set in memory, under the work cap.
SORT_FIELDS: dict[str, str] = {
    "ts": "ts",
    "closedAt": "closedAt",
    "fname": "fname",
    "name": "name",
    "queue": "queue",
    "direction": "direction",
    "callDuration": "callDuration",
    "_updatedAt": "_updatedAt",
    "phone": "v.phone",
}


@dataclass(frozen=True)
class TimeRange:
    """Inclusive bounds in epoch milliseconds; None is unbounded."""

    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class RoomListQuery:
    """A checked listing: every filter here applies (Rocket.Chat's "only when truthy" is already
    decided by the rules). `open` True lists open rooms, False closed ones — Rocket.Chat has no
    "both". `count` None means every match (only when infinite counts are allowed)."""

    open: bool
    agents: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    queue: str | None = None
    direction: str | None = None
    visitor_id: str | None = None
    room_name: str | None = None
    created: TimeRange | None = None
    closed: TimeRange | None = None
    sort_key: str = "ts"
    descending: bool = True
    offset: int = 0
    count: int | None = 50


@dataclass(frozen=True)
class RoomListPage:
    """The page's room documents, complete and in order, and the number of every match."""

    rooms: list[dict[str, Any]]
    total: int
