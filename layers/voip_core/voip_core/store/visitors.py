"""The Visitors table: a visitor document keyed by its token, with a copy of its open room.

The copy lets a request that reuses the open room answer from one read; it is written and cleared in
the same transactions as the room itself (store/rooms.py), so the two never disagree.
"""

from __future__ import annotations

from typing import Any

from voip_core.models import Visitor
from voip_core.store.dynamo import (
    datastore_errors,
    dump_document,
    load_document,
    to_item,
    usable_key,
)


class VisitorExists(Exception):
    pass


class VisitorStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    @staticmethod
    def key(token: str) -> dict[str, Any]:
        return {"token": {"S": token}}

    @staticmethod
    def decode(item: dict[str, Any]) -> Visitor | None:
        if "doc" not in item:
            return None
        open_room = item.get("openRoom")
        return Visitor(
            doc=load_document(item["doc"]["S"]),
            open_room=load_document(open_room["S"]) if open_room else None,
        )

    @staticmethod
    def item(doc: dict[str, Any]) -> dict[str, Any]:
        phones = doc.get("phone") or []
        emails = doc.get("visitorEmails") or []
        return to_item(
            {
                "token": doc["token"],
                "_id": doc["_id"],
                "ts": doc.get("ts"),
                "phone": phones[0].get("phoneNumber") if phones else None,
                "email": emails[0].get("address") if emails else None,
                "doc": dump_document(doc),
            }
        )

    def get(self, token: str) -> Visitor | None:
        if not usable_key(token):
            return None
        with datastore_errors():
            item = self.client.get_item(
                TableName=self.table, Key=self.key(token), ConsistentRead=True
            ).get("Item")
        return self.decode(item) if item else None

    def create(self, doc: dict[str, Any]) -> None:
        with datastore_errors():
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item=self.item(doc),
                    ConditionExpression="attribute_not_exists(#token)",
                    ExpressionAttributeNames={"#token": "token"},
                )
            except self.client.exceptions.ConditionalCheckFailedException as error:
                raise VisitorExists(doc["token"]) from error
