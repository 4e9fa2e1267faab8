"""The VisitorRooms table: each visitor's room ids, one item collection under the visitor's `_id`.

An entry is written in the transaction that creates the room (store/rooms.py) and read with a
strongly consistent Query, so erasure finds every room of a visitor the moment it exists: the
Rooms table's visitorId-index is eventually consistent, and a room created and closed within its
lag was missed. Entries hold ids only, no personal data; erasure deletes them with the rooms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voip_core.store.dynamo import datastore_errors


class VisitorRoomIndex:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    @staticmethod
    def key(visitor_id: str, room_id: str) -> dict[str, Any]:
        return {"visitorId": {"S": visitor_id}, "roomId": {"S": room_id}}

    def put_action(self, visitor_id: str, room_id: str) -> dict[str, Any]:
        """The entry's Put, for the room-create transaction."""
        return {"Put": {"TableName": self.table, "Item": self.key(visitor_id, room_id)}}

    def room_ids(self, visitor_id: str, before_call: Callable[[], None]) -> list[str]:
        """Every room id of the visitor, read consistently, page by page (`before_call` runs
        before each page is asked for)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "visitorId = :visitor",
            "ExpressionAttributeValues": {":visitor": {"S": visitor_id}},
            "ProjectionExpression": "roomId",
            "ConsistentRead": True,
        }
        room_ids: list[str] = []
        while True:
            before_call()
            with datastore_errors():
                page = self.client.query(**request)
            room_ids.extend(item["roomId"]["S"] for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return room_ids
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
