"""The Visitors table: a visitor document keyed by its token, with a copy of its open room.

The copy lets a request that reuses the open room answer from one read; it is written and cleared in
the same transactions as the room itself (store/rooms.py), so the two never disagree.

A visitor being erased (store/visitor_erasure.py) keeps only its token, `_id` and an `erasing`
mark until its rooms are gone: it has no document, so every route but DELETE sees no visitor.
The guards a visitor holds on its phone and email (store/visitor_guards.py) are written in the
same transactions as its item, which names them (`phoneGuard`, `emailGuard`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voip_core.compat.jsjson import js_trim
from voip_core.domain.models import Visitor
from voip_core.store.dynamo import (
    datastore_errors,
    dump_document,
    get_consistent,
    load_document,
    to_item,
    usable_key,
)
from voip_core.store.transactions import WriteConflict, transact_write
from voip_core.store.visitor_guards import (
    EMAIL,
    HELD_ATTRIBUTE,
    KINDS,
    PHONE,
    GuardChanges,
    guard_key,
)

PHONE_INDEX = "phone-index"
EMAIL_INDEX = "email-index"


class VisitorExists(Exception):
    """A new visitor's token is taken."""


@dataclass(frozen=True)
class VisitorRecord:
    """A Visitors item as read: the visitor, and what a conditional rewrite of it must check.
    Being erased, its visitor is only `{_id, token}` and `doc_text` is empty."""

    visitor: Visitor
    doc_text: str  # the stored `doc`, exactly
    open_room_id: str | None
    erasing: bool = False
    held: dict[str, str | None] = field(default_factory=dict)  # guard kind → key it holds


def index_email(address: str) -> str:
    """The email-index's form of an address: trimmed as JavaScript trims it and lower-cased (the
    email match's rule)."""
    return js_trim(address).lower()


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
    def item(doc: dict[str, Any], held: dict[str, str | None] | None = None) -> dict[str, Any]:
        guards = {HELD_ATTRIBUTE[kind]: key for kind, key in (held or {}).items()}
        return to_item(
            {"token": doc["token"], "_id": doc["_id"], **VisitorStore.index_keys(doc), **guards}
        )

    @staticmethod
    def guard_keys(doc: dict[str, Any]) -> dict[str, str | None]:
        """The guards of the visitor's phone and email (what the indexes hold), by kind."""
        keys = VisitorStore.index_keys(doc)
        return {PHONE: guard_key(PHONE, keys["phone"]), EMAIL: guard_key(EMAIL, keys["email"])}

    @staticmethod
    def index_keys(doc: dict[str, Any]) -> dict[str, Any]:
        """`ts`, `phone` and `email` (the phone-index and email-index keys), and `doc`. A value
        no index key may hold (empty, over 2048 bytes) is left out: that visitor cannot be matched
        by it, as no request could match it either."""
        phones = doc.get("phone") or []
        emails = doc.get("visitorEmails") or []
        phone = phones[0].get("phoneNumber") if phones else None
        email = index_email(emails[0].get("address") or "") if emails else None
        return {
            "ts": doc.get("ts"),
            "phone": phone if usable_key(phone) else None,
            "email": email if usable_key(email) else None,
            "doc": dump_document(doc),
        }

    def get(self, token: str) -> Visitor | None:
        item = get_consistent(self.client, self.table, self.key(token), token)
        return self.decode(item) if item else None

    def get_record(self, token: str) -> VisitorRecord | None:
        """The item at `token`, a visitor being erased included."""
        item = get_consistent(self.client, self.table, self.key(token), token)
        if item is None:
            return None
        held = {kind: item.get(HELD_ATTRIBUTE[kind], {}).get("S") for kind in KINDS}
        if "erasing" in item:
            stub = Visitor(doc={"_id": item["_id"]["S"], "token": token})
            return VisitorRecord(stub, "", None, erasing=True, held=held)
        visitor = self.decode(item)
        if visitor is None:
            return None
        return VisitorRecord(
            visitor=visitor,
            doc_text=item["doc"]["S"],
            open_room_id=item.get("openRoomId", {}).get("S"),
            held=held,
        )

    def tokens_by_phone(self, phone: str) -> list[tuple[str, str]]:
        """(ts, token) of the visitors whose first phone number is `phone`, oldest first."""
        return self._tokens_by(PHONE_INDEX, "phone", phone)

    def tokens_by_email(self, email: str) -> list[tuple[str, str]]:
        """(ts, token) of the visitors whose first email is `email` (trimmed, lower-cased), oldest
        first."""
        return self._tokens_by(EMAIL_INDEX, "email", index_email(email))

    def _tokens_by(self, index: str, attribute: str, value: str) -> list[tuple[str, str]]:
        """(ts, token) of each visitor the index has for `value`, oldest first."""
        if not usable_key(value):
            return []
        request = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": "#key = :value",
            "ExpressionAttributeNames": {"#key": attribute},
            "ExpressionAttributeValues": {":value": {"S": value}},
            "ScanIndexForward": True,  # by `ts`, the index's sort key
        }
        found: list[tuple[str, str]] = []
        with datastore_errors():
            for page in self.client.get_paginator("query").paginate(**request):
                found.extend((item["ts"]["S"], item["token"]["S"]) for item in page["Items"])
        return found

    def replace_doc(
        self, record: VisitorRecord, doc: dict[str, Any], guards: GuardChanges | None = None
    ) -> None:
        """Rewrite the visitor's document (same token) if it is still the one read, with the
        guard writes `guards` in the same transaction."""
        values = {k: v for k, v in self.index_keys(doc).items() if v is not None}
        held = guards.held if guards is not None else record.held
        values.update({HELD_ATTRIBUTE[kind]: key for kind, key in held.items() if key})
        removed = [HELD_ATTRIBUTE[kind] for kind, key in held.items() if not key]
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in values)
        if removed:
            expression += " REMOVE " + ", ".join(removed)
        update = {
            "TableName": self.table,
            "Key": self.key(record.visitor.token),
            "UpdateExpression": expression,
            "ConditionExpression": "#doc = :read",
            "ExpressionAttributeNames": {f"#{name}": name for name in values},
            "ExpressionAttributeValues": {
                ":read": {"S": record.doc_text},
                **{f":{name}": {"S": value} for name, value in values.items()},
            },
        }
        if guards is not None and guards.actions:
            transact_write(self.client, [{"Update": update}, *guards.actions])
            return
        with datastore_errors():
            try:
                self.client.update_item(**update)
            except self.client.exceptions.ConditionalCheckFailedException as error:
                raise WriteConflict() from error

    def create(self, doc: dict[str, Any], guards: GuardChanges | None = None) -> None:
        """Put a new visitor if its token is free (else VisitorExists), with its guard claims in
        the same transaction (a claim lost to another visitor: WriteConflict)."""
        put = {
            "TableName": self.table,
            "Item": self.item(doc, guards.held if guards is not None else None),
            "ConditionExpression": "attribute_not_exists(#token)",
            "ExpressionAttributeNames": {"#token": "token"},
        }
        if guards is not None and guards.actions:
            try:
                transact_write(self.client, [{"Put": put}, *guards.actions])
            except WriteConflict as conflict:
                if conflict.failed_at(0):
                    raise VisitorExists(doc["token"]) from conflict
                raise
            return
        with datastore_errors():
            try:
                self.client.put_item(**put)
            except self.client.exceptions.ConditionalCheckFailedException as error:
                raise VisitorExists(doc["token"]) from error
