"""The Rooms table, and the visitor's open-room link that is written in the same transactions."""

from __future__ import annotations

from typing import Any

from voip_core.domain.models import Room
from voip_core.store.dynamo import (
    datastore_errors,
    dump_document,
    get_consistent,
    load_document,
    to_item,
)
from voip_core.store.room_index import listing_attributes
from voip_core.store.transactions import transact_write
from voip_core.store.visitor_rooms import VisitorRoomIndex

VISITOR_INDEX = "visitorId-index"


class RoomStore:
    def __init__(
        self, client: Any, rooms_table: str, visitors_table: str, visitor_rooms_table: str
    ) -> None:
        self.client = client
        self.table = rooms_table
        self.visitors_table = visitors_table
        self.index = VisitorRoomIndex(client, visitor_rooms_table)

    @staticmethod
    def key(room_id: str) -> dict[str, Any]:
        return {"_id": {"S": room_id}}

    @staticmethod
    def decode(item: dict[str, Any]) -> Room | None:
        if "doc" not in item:
            return None
        return Room(doc=load_document(item["doc"]["S"]))

    @staticmethod
    def item(doc: dict[str, Any]) -> dict[str, Any]:
        """The room's item: its document, and every attribute a condition or an index reads,
        derived here from the document and nowhere else (store/room_index.py)."""
        visitor = doc.get("v") or {}
        return to_item(
            {
                "_id": doc["_id"],
                "t": doc.get("t"),
                "visitorId": visitor.get("_id"),
                "visitorToken": visitor.get("token"),
                "isOpen": True if doc.get("open") is True else None,
                **listing_attributes(doc),
                "doc": dump_document(doc),
            }
        )

    @staticmethod
    def ensure_fits(doc: dict[str, Any]) -> None:
        """PayloadTooLarge (413) when the document could not be stored."""
        dump_document(doc)

    def get(self, room_id: str) -> Room | None:
        item = get_consistent(self.client, self.table, self.key(room_id), room_id)
        return self.decode(item) if item else None

    def create_open_room(self, doc: dict[str, Any]) -> None:
        """Put a new open room and link it to its visitor, only if the token still belongs to the
        visitor the room was built from (`v._id`: not erased and registered again by someone else
        meanwhile), that visitor is not being erased, and it has no open room. The room's entry
        in its visitor's room index is written with it (store/visitor_rooms.py)."""
        transact_write(self.client, self.open_room_actions(doc))

    def open_room_actions(self, doc: dict[str, Any], link: bool = True) -> list[dict[str, Any]]:
        """The transaction that creates an open room (create_open_room's); `link` False leaves
        the visitor out (the importer's open room whose visitor is not there yet)."""
        put = {
            "TableName": self.table,
            "Item": self.item(doc),
            "ConditionExpression": "attribute_not_exists(#id)",
            "ExpressionAttributeNames": {"#id": "_id"},
        }
        entry = self.index.put_action(doc["v"]["_id"], doc["_id"])
        if not link:
            return [{"Put": put}, entry]
        return [{"Put": put}, {"Update": self.link_action(doc)}, entry]

    @staticmethod
    def link_attributes(doc: dict[str, Any]) -> dict[str, Any]:
        """What a visitor's item holds of its open room `doc`: its id and a copy."""
        return {"openRoomId": {"S": doc["_id"]}, "openRoom": {"S": dump_document(doc)}}

    def link_action(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The open room `doc` set as its visitor's open room, if that visitor is still the one
        the room names, is not being erased and has no open room."""
        link = self.link_attributes(doc)
        return {
            "TableName": self.visitors_table,
            "Key": {"token": {"S": doc["v"]["token"]}},
            "UpdateExpression": "SET openRoomId = :rid, openRoom = :doc",
            "ConditionExpression": (
                "#id = :visitor AND attribute_not_exists(openRoomId) "
                "AND attribute_not_exists(erasing)"
            ),
            "ExpressionAttributeNames": {"#id": "_id"},
            "ExpressionAttributeValues": {
                ":rid": link["openRoomId"],
                ":doc": link["openRoom"],
                ":visitor": {"S": doc["v"]["_id"]},
            },
        }

    def close_room(self, closed: dict[str, Any], unlink_visitor: bool) -> None:
        """Replace an open room with its closed document; clear the visitor's link if asked."""
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": self.item(closed),
                    # Still open, and still its visitor's (a registration may move the token).
                    "ConditionExpression": "isOpen = :true AND visitorToken = :token",
                    "ExpressionAttributeValues": {
                        ":true": {"BOOL": True},
                        ":token": {"S": closed["v"]["token"]},
                    },
                }
            }
        ]
        if unlink_visitor:
            items.append(
                {
                    "Update": {
                        "TableName": self.visitors_table,
                        "Key": {"token": {"S": closed["v"]["token"]}},
                        "UpdateExpression": "REMOVE openRoomId, openRoom",
                        "ConditionExpression": "openRoomId = :rid",
                        "ExpressionAttributeValues": {":rid": {"S": closed["_id"]}},
                    }
                }
            )
        transact_write(self.client, items)

    def ids_for_visitor(self, visitor_id: str) -> list[str]:
        """The rooms whose `v._id` is this visitor's, through the visitorId-index: eventually
        consistent, so erasure reads it only for rooms written before the visitor's room index
        existed (an upgraded stack); the index (store/visitor_rooms.py) is what it relies on."""
        room_ids: list[str] = []
        request = {
            "TableName": self.table,
            "IndexName": VISITOR_INDEX,
            "KeyConditionExpression": "visitorId = :visitor",
            "ExpressionAttributeValues": {":visitor": {"S": visitor_id}},
        }
        with datastore_errors():
            for page in self.client.get_paginator("query").paginate(**request):
                room_ids.extend(item["_id"]["S"] for item in page["Items"])
        return room_ids
