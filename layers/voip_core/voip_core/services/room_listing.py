"""Call history (`GET /api/v1/voip/rooms`): a checked `RoomListQuery` answered with a
`RoomListPage` (docs/contract/call-history.md §6; the design: docs/decisions.md, "Call history on
DynamoDB").

Every match's sort value and id come from the listing indexes; they are ordered here as MongoDB
orders them (ties by `_id` ascending), `total` is their number, and only the page's documents are
read, consistently. A room the index still lists but whose document no longer matches (closed a
moment ago, reassigned, erased) is dropped, the next candidates take its place, and `total` counts
it no more."""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable
from typing import Any

from voip_core.domain.room_listing import RoomListPage, RoomListQuery
from voip_core.domain.room_order import matches, sort_value
from voip_core.store.room_listing import (
    MAX_DOCUMENTS,
    MAX_ENTRIES_READ,
    Candidate,
    RoomListingStore,
    WorkBudget,
)

# A page's documents, as JSON, stop here: the runtime escapes the answer's body once more, and
# Lambda refuses an answer over 6 MB. Rooms are 1–2 KB, so only documents near their 180 KB bound
# (store/dynamo.py) can reach it; the page then holds fewer rooms than asked, and `count` says how
# many (a client paging by `offset + count` misses nothing).
MAX_PAGE_BYTES = 2_500_000


class RoomListing:
    def __init__(
        self,
        store: RoomListingStore,
        monotonic: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES_READ,
        max_documents: int = MAX_DOCUMENTS,
    ) -> None:
        self.store = store
        self.monotonic = monotonic
        self.max_entries = max_entries
        self.max_documents = max_documents

    def list(self, query: RoomListQuery) -> RoomListPage:
        budget = WorkBudget(self.monotonic, self.max_entries, self.max_documents)
        if query.visitor_id is not None and not query.agents:
            page = self._visitor_listing(query, budget)
            if page is not None:
                return page
        found = self.store.candidates(query, budget)
        ordered = _ordered(found, query.descending)
        return self._page(query, ordered, budget)

    def _page(
        self, query: RoomListQuery, ordered: builtins.list[str], budget: WorkBudget
    ) -> RoomListPage:
        """The window `offset`…`offset + count` of `ordered`, read consistently; rooms that no
        longer match give their place to the next ones. At most MAX_PAGE_BYTES of documents."""
        start = query.offset
        wanted = len(ordered) - start if query.count is None else query.count
        rooms: builtins.list[dict[str, Any]] = []
        dropped = 0
        while len(rooms) < wanted and start < len(ordered):
            ids = ordered[start : start + wanted - len(rooms)]
            start += len(ids)
            documents = self.store.documents(ids, budget)
            for room_id in ids:
                doc = documents.get(room_id)
                if doc is not None and matches(doc, query):
                    rooms.append(doc)
                else:
                    dropped += 1
        return RoomListPage(rooms=_within_bytes(rooms), total=len(ordered) - dropped)

    def _visitor_listing(self, query: RoomListQuery, budget: WorkBudget) -> RoomListPage | None:
        """A visitor's rooms, by key: a visitor has few, so this reads them instead of a whole
        state's index. None when it has too many (the index listing then filters by visitor)."""
        room_ids = self.store.visitor_room_ids(query.visitor_id or "", budget)
        if len(room_ids) > self.max_documents // 2:
            return None
        documents = self.store.documents(room_ids, budget)
        matching = [doc for doc in documents.values() if matches(doc, query)]
        matching.sort(key=lambda doc: str(doc["_id"]))
        matching.sort(key=lambda doc: sort_value(doc, query.sort_key), reverse=query.descending)
        end = None if query.count is None else query.offset + query.count
        return RoomListPage(rooms=_within_bytes(matching[query.offset : end]), total=len(matching))


def _ordered(found: list[Candidate], descending: bool) -> list[str]:
    """The ids in MongoDB's order on the sort value, ties by `_id` ascending either way."""
    found.sort(key=lambda candidate: candidate[1])
    found.sort(key=lambda candidate: candidate[0], reverse=descending)
    return [room_id for _, room_id in found]


def _within_bytes(rooms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first rooms whose documents fit MAX_PAGE_BYTES (always at least one)."""
    size = 0
    for kept, doc in enumerate(rooms):
        size += len(json.dumps(doc, separators=(",", ":")))
        if kept and size > MAX_PAGE_BYTES:
            return rooms[:kept]
    return rooms
