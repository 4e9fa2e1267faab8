"""Erasing a visitor (docs/contract/call-lifecycle.md §3), in steps that each leave a state a retry
completes:

1. Mark: one conditional write, only while the token is still this visitor's and it has no open
   room, strips the visitor's item to its token, `_id` and an `erasing` mark: its document and index
   keys go, and the guards of its phone and email are deleted. From then on no route finds the
   visitor and no room can be created for it (the create's condition, store/rooms.py). An erasure
   refused here (an open room) has written nothing.
2. Rooms: every room id, read consistently from the visitor's room index (and, for rooms written
   before that index existed, from the Rooms table's visitorId-index), deleted in batches: rooms
   first, then their index entries, so an interruption never hides a room from the next try.
3. Finish: the visitor's item is deleted, only while it is still that visitor being erased.

A DELETE, or a registration of the token, that finds the mark resumes at step 2. Every DynamoDB
call starts only within `ERASE_CALLS_WITHIN_SECONDS` of the erasure's start, so a long history
answers 503 in time (its progress kept) instead of running into the function's timeout; the next
DELETE goes on from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from voip_core.domain.models import Visitor
from voip_core.errors import ServiceUnavailable
from voip_core.store.batches import batch_delete
from voip_core.store.dynamo import datastore_errors, error_code
from voip_core.store.retry import Sleep
from voip_core.store.rooms import RoomStore
from voip_core.store.transactions import transact_write
from voip_core.store.visitor_guards import GuardStore
from voip_core.store.visitor_rooms import VisitorRoomIndex
from voip_core.store.visitors import VisitorRecord, VisitorStore

# The last DynamoDB call of an erasure starts at most this long after the erasure began. With that
# call at its worst (7.5 s: store/dynamo.py), the read before the erasure at its worst too, and 1 s
# for the handler, the request still ends inside the function's 25 s timeout (template.yaml;
# tests/template checks the sum).
ERASE_CALLS_WITHIN_SECONDS = 9.0
BATCH_WRITE_SIZE = 25  # BatchWriteItem's limit
# What the mark removes from the visitor's item: its document, the copy of an open room (there is
# none), the index keys (so the phone and email indexes drop it), the guards it held (deleted in
# the same transaction) and a legacy attribute.
_MARK = (
    "SET erasing = :true "
    "REMOVE #doc, openRoom, phone, email, ts, phoneGuard, emailGuard, lastRoomId"
)


class Deadline:
    """Lets a DynamoDB call start only while the erasure's time allows it; else 503."""

    def __init__(self, monotonic: Callable[[], float], seconds: float) -> None:
        self.monotonic = monotonic
        self.ends_at = monotonic() + seconds

    def before_call(self) -> None:
        if self.monotonic() > self.ends_at:
            raise ServiceUnavailable()


class VisitorErasure:
    def __init__(
        self,
        client: Any,
        visitors_table: str,
        rooms: RoomStore,
        guards: GuardStore,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.client = client
        self.visitors_table = visitors_table
        self.rooms = rooms
        self.guards = guards
        self.monotonic = monotonic
        self.sleep = sleep

    def deadline(self) -> Deadline:
        return Deadline(self.monotonic, ERASE_CALLS_WITHIN_SECONDS)

    def mark(self, record: VisitorRecord) -> None:
        """Step 1, which also frees the visitor's phone and email (their guards). WriteConflict
        when the token is no longer this visitor's, it has an open room, or what it holds changed
        (the caller re-reads to tell which)."""
        mark = {
            "Update": {
                "TableName": self.visitors_table,
                "Key": VisitorStore.key(record.visitor.token),
                "UpdateExpression": _MARK,
                "ConditionExpression": "#id = :visitor AND attribute_not_exists(openRoomId)",
                "ExpressionAttributeNames": {"#id": "_id", "#doc": "doc"},
                "ExpressionAttributeValues": {
                    ":visitor": {"S": record.visitor.id},
                    ":true": {"BOOL": True},
                },
            }
        }
        releases = self.guards.releases(record.visitor.id, record.held)
        transact_write(self.client, [mark, *releases])

    def complete(self, visitor: Visitor, deadline: Deadline) -> None:
        """Steps 2 and 3, for a visitor already marked."""
        indexed, room_ids = self._room_ids(visitor.id, deadline)
        for start in range(0, len(room_ids), BATCH_WRITE_SIZE):
            chunk = room_ids[start : start + BATCH_WRITE_SIZE]
            rooms = [RoomStore.key(rid) for rid in chunk]
            entries = [VisitorRoomIndex.key(visitor.id, rid) for rid in chunk if rid in indexed]
            self._delete(self.rooms.table, rooms, deadline)
            self._delete(self.rooms.index.table, entries, deadline)
        deadline.before_call()
        self._finish(visitor)

    def _room_ids(self, visitor_id: str, deadline: Deadline) -> tuple[set[str], list[str]]:
        """The ids in the visitor's room index, and those with the legacy index's added (its query
        runs beside the index's, adding no round trip in series)."""
        deadline.before_call()
        with ThreadPoolExecutor(max_workers=1) as pool:
            legacy = pool.submit(self.rooms.ids_for_visitor, visitor_id)
            indexed = self.rooms.index.room_ids(visitor_id, deadline.before_call)
            every = list(dict.fromkeys([*indexed, *legacy.result()]))
        return set(indexed), every

    def _delete(self, table: str, keys: list[dict[str, Any]], deadline: Deadline) -> None:
        batch_delete(self.client, table, keys, deadline.before_call, self.sleep)

    def _finish(self, visitor: Visitor) -> None:
        """Step 3. Already gone (a concurrent erasure finished first), or the token meanwhile
        another visitor's: nothing left to do."""
        with datastore_errors():
            try:
                self.client.delete_item(
                    TableName=self.visitors_table,
                    Key=VisitorStore.key(visitor.token),
                    ConditionExpression="#id = :visitor AND attribute_exists(erasing)",
                    ExpressionAttributeNames={"#id": "_id"},
                    ExpressionAttributeValues={":visitor": {"S": visitor.id}},
                )
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
