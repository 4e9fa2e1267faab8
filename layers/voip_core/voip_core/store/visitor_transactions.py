"""Writes that change a visitor together with its rooms, each in one transaction: moving a visitor
to a new token (the email match, call-lifecycle §5) and erasing it (§3)."""

from __future__ import annotations

import time
from typing import Any

from voip_core.errors import ServiceUnavailable
from voip_core.store.dynamo import datastore_errors, dump_document, to_item
from voip_core.store.rooms import RoomStore, transact_write
from voip_core.store.visitors import VisitorRecord, VisitorStore

# TransactWriteItems takes at most 100 actions: the visitor's, and this many rooms.
MAX_ROOMS_PER_TRANSACTION = 99
BATCH_WRITE_SIZE = 25
# UnprocessedItems are retried with these pauses (seconds) before the request gives up with 503.
UNPROCESSED_BACKOFF = (0.02, 0.05, 0.1, 0.2)


def _delete_if_unchanged(table: str, record: VisitorRecord) -> dict[str, Any]:
    """Delete the visitor's item, only while it is exactly as read (document and room links)."""
    clauses = ["#doc = :read"]
    values: dict[str, Any] = {":read": {"S": record.doc_text}}
    for attribute, value in (
        ("openRoomId", record.open_room_id),
        ("lastRoomId", record.last_room_id),
    ):
        if value is None:
            clauses.append(f"attribute_not_exists({attribute})")
        else:
            clauses.append(f"{attribute} = :{attribute}")
            values[f":{attribute}"] = {"S": value}
    return {
        "Delete": {
            "TableName": table,
            "Key": VisitorStore.key(record.visitor.token),
            "ConditionExpression": " AND ".join(clauses),
            "ExpressionAttributeNames": {"#doc": "doc"},
            "ExpressionAttributeValues": values,
        }
    }


class VisitorTransactions:
    def __init__(self, client: Any, visitors_table: str, rooms_table: str) -> None:
        self.client = client
        self.visitors_table = visitors_table
        self.rooms_table = rooms_table

    def move(self, record: VisitorRecord, doc: dict[str, Any]) -> None:
        """Re-key the visitor under `doc["token"]`, its open room's `v.token` following.

        Raises RoomWriteConflict when the visitor changed since it was read, the new token was
        taken meanwhile, or the open room closed.
        """
        new_token = doc["token"]
        item = to_item(
            {
                "token": new_token,
                "_id": doc["_id"],
                **VisitorStore.index_keys(doc),
                "openRoomId": record.open_room_id,
                "lastRoomId": record.last_room_id,
            }
        )
        actions: list[dict[str, Any]] = [_delete_if_unchanged(self.visitors_table, record)]
        open_room = record.visitor.open_room
        if open_room is not None and record.open_room_id is not None:
            moved_room = {**open_room, "v": {**open_room["v"], "token": new_token}}
            item["openRoom"] = {"S": dump_document(moved_room)}
            actions.append(self._move_room(moved_room, record.visitor.token))
        actions.append(
            {
                "Put": {
                    "TableName": self.visitors_table,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(#token)",
                    "ExpressionAttributeNames": {"#token": "token"},
                }
            }
        )
        transact_write(self.client, actions)

    def _move_room(self, room: dict[str, Any], old_token: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.rooms_table,
                "Key": RoomStore.key(room["_id"]),
                "UpdateExpression": "SET #doc = :doc, visitorToken = :new",
                "ConditionExpression": "isOpen = :true AND visitorToken = :old",
                "ExpressionAttributeNames": {"#doc": "doc"},
                "ExpressionAttributeValues": {
                    ":doc": {"S": dump_document(room)},
                    ":new": {"S": room["v"]["token"]},
                    ":old": {"S": old_token},
                    ":true": {"BOOL": True},
                },
            }
        }

    def erase(self, record: VisitorRecord, room_ids: list[str]) -> None:
        """Delete the visitor's rooms, then the visitor itself if it has no open room and is as
        read. Rooms beyond one transaction's capacity are deleted first, in batches."""
        overflow = room_ids[MAX_ROOMS_PER_TRANSACTION:]
        for start in range(0, len(overflow), BATCH_WRITE_SIZE):
            self._delete_rooms(overflow[start : start + BATCH_WRITE_SIZE])
        actions: list[dict[str, Any]] = [
            {"Delete": {"TableName": self.rooms_table, "Key": RoomStore.key(room_id)}}
            for room_id in room_ids[:MAX_ROOMS_PER_TRANSACTION]
        ]
        actions.append(_delete_if_unchanged(self.visitors_table, record))
        transact_write(self.client, actions)

    def _delete_rooms(self, room_ids: list[str]) -> None:
        requests: dict[str, Any] = {
            self.rooms_table: [
                {"DeleteRequest": {"Key": RoomStore.key(room_id)}} for room_id in room_ids
            ]
        }
        for pause in (0.0, *UNPROCESSED_BACKOFF):
            if not requests:
                return
            time.sleep(pause)
            with datastore_errors():
                response = self.client.batch_write_item(RequestItems=requests)
            requests = response.get("UnprocessedItems") or {}
        if requests:
            raise ServiceUnavailable()
