"""Moving a visitor to a new token together with its open room, in one transaction (the email match,
docs/contract/call-lifecycle.md §5)."""

from __future__ import annotations

from typing import Any

from voip_core.store.dynamo import dump_document, to_item
from voip_core.store.rooms import RoomStore
from voip_core.store.transactions import transact_write
from voip_core.store.visitor_guards import GuardChanges
from voip_core.store.visitors import VisitorRecord, VisitorStore


def _delete_if_unchanged(table: str, record: VisitorRecord) -> dict[str, Any]:
    """Delete the visitor's item, only while it is exactly as read (document and open room)."""
    clauses = ["#doc = :read"]
    values: dict[str, Any] = {":read": {"S": record.doc_text}}
    if record.open_room_id is None:
        clauses.append("attribute_not_exists(openRoomId)")
    else:
        clauses.append("openRoomId = :openRoomId")
        values[":openRoomId"] = {"S": record.open_room_id}
    return {
        "Delete": {
            "TableName": table,
            "Key": VisitorStore.key(record.visitor.token),
            "ConditionExpression": " AND ".join(clauses),
            "ExpressionAttributeNames": {"#doc": "doc"},
            "ExpressionAttributeValues": values,
        }
    }


class VisitorMoves:
    def __init__(self, client: Any, visitors_table: str, rooms_table: str) -> None:
        self.client = client
        self.visitors_table = visitors_table
        self.rooms_table = rooms_table

    def move(self, record: VisitorRecord, doc: dict[str, Any], guards: GuardChanges) -> None:
        """Re-key the visitor under `doc["token"]`, its open room's `v.token` and its guards
        following.

        Raises WriteConflict when the visitor changed since it was read, the new token was
        taken meanwhile, the open room closed, or a guard was claimed meanwhile.
        """
        new_token = doc["token"]
        item = {
            **VisitorStore.item(doc, guards.held),
            **to_item({"openRoomId": record.open_room_id}),
        }
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
        transact_write(self.client, [*actions, *guards.actions])

    def _move_room(self, room: dict[str, Any], old_token: str) -> dict[str, Any]:
        """The open room's whole item again, built by RoomStore.item (so its index attributes
        stay derived from its document), only while it is still open under the old token."""
        return {
            "Put": {
                "TableName": self.rooms_table,
                "Item": RoomStore.item(room),
                "ConditionExpression": "isOpen = :true AND visitorToken = :old",
                "ExpressionAttributeValues": {
                    ":old": {"S": old_token},
                    ":true": {"BOOL": True},
                },
            }
        }
