"""The VisitorGuards table: which visitor holds a phone number, and which an email address, so that
concurrent registrations of one phone (or email) with different tokens converge on one visitor.

A guard is keyed `phone:<first phone number>` or `email:<first email, trimmed and lower-cased>` (the
values the phone-index and email-index hold) and names its holder: `visitorId`, its current `token`
and its `ts`. The holder's own item says what it holds (`phoneGuard`, `emailGuard`), and the two
sides change only together, in one transaction, each write conditioned on the other side being as
read: a visitor claims the guard of its phone or email when it gets that value and the guard is
free; it releases it when the value changes; a token move re-points it; erasure deletes it. A guard
never names a visitor that does not hold it.

A registration reads the guards of its phone and email (consistently) beside its index queries, so
the holder is a candidate even while the indexes lag. Two new callers with one phone race for its
guard: one claims it, the other's write is cancelled, and its retry matches the winner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from voip_core.observability import logger
from voip_core.store.batches import batch_get
from voip_core.store.dynamo import datastore_errors, error_code, usable_key

PHONE = "phone"
EMAIL = "email"
KINDS = (PHONE, EMAIL)
# The visitor item's attribute naming the guard it holds, per kind.
HELD_ATTRIBUTE = {PHONE: "phoneGuard", EMAIL: "emailGuard"}


def guard_key(kind: str, value: str | None) -> str | None:
    """The guard of a phone number or (trimmed, lower-cased) email; None when there is none (no
    value, or one too long to be a key: such a value is not matched either)."""
    if not value:
        return None
    key = f"{kind}:{value}"
    return key if usable_key(key) else None


@dataclass(frozen=True)
class Guard:
    key: str
    visitor_id: str
    token: str
    ts: str


@dataclass
class GuardChanges:
    """What a write of one visitor does to the guards: the transaction's actions, and what its
    item then says it holds (kind → guard key, None: nothing)."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    held: dict[str, str | None] = field(default_factory=dict)


class GuardStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    @staticmethod
    def key(guard: str) -> dict[str, Any]:
        return {"guard": {"S": guard}}

    def read(self, keys: Iterable[str | None]) -> dict[str, Guard]:
        """The guards that exist among `keys`, read consistently (one BatchGetItem)."""
        wanted = [self.key(k) for k in dict.fromkeys(k for k in keys if k)]
        found: dict[str, Guard] = {}
        for item in batch_get(self.client, {self.table: wanted}).get(self.table, []):
            guard = Guard(
                key=item["guard"]["S"],
                visitor_id=item["visitorId"]["S"],
                token=item["token"]["S"],
                ts=item["ts"]["S"],
            )
            found[guard.key] = guard
        return found

    def changes(
        self,
        doc: dict[str, Any],
        held: dict[str, str | None],
        wanted: dict[str, str | None],
        free: Iterable[str],
        moved: bool = False,
    ) -> GuardChanges:
        """The guard writes for visitor `doc` (as it will be), which held `held` and now has the
        values whose guards are `wanted`. A wanted guard is claimed only if it is in `free` (read
        as absent); `moved`: the visitor changes token, and the guards it keeps follow it."""
        free = set(free)
        result = GuardChanges()
        for kind in KINDS:
            old, new = held.get(kind), wanted.get(kind)
            if old is not None and old == new:
                if moved:
                    result.actions.append(self._point(old, doc))
                result.held[kind] = old
                continue
            if old is not None:
                result.actions.append(self._release(old, doc["_id"]))
            claimed = new is not None and new in free
            if claimed:
                result.actions.append(self._claim(str(new), doc))
            result.held[kind] = new if claimed else None
        return result

    def drop_if_stale(self, guard: Guard) -> None:
        """A guard whose holder, read after it, did not hold its value: read it again. Changed,
        the holder moved or changed meanwhile (nothing to do). Unchanged, it names a visitor that
        does not hold it, which no write of this service leaves behind (every change of a holder
        updates its guards in the same transaction): it is deleted, so that it cannot block its
        phone or email for good."""
        if self.read([guard.key]).get(guard.key) != guard:
            return
        logger.warning("stale visitor guard deleted", extra={"guard_kind": guard.key.split(":")[0]})
        with datastore_errors():
            try:
                self.client.delete_item(
                    TableName=self.table,
                    Key=self.key(guard.key),
                    ConditionExpression="visitorId = :visitor AND #token = :token",
                    ExpressionAttributeNames={"#token": "token"},
                    ExpressionAttributeValues={
                        ":visitor": {"S": guard.visitor_id},
                        ":token": {"S": guard.token},
                    },
                )
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise

    def releases(self, visitor_id: str, held: dict[str, str | None]) -> list[dict[str, Any]]:
        """Erasure: delete every guard the visitor holds."""
        return [self._release(key, visitor_id) for key in held.values() if key is not None]

    @classmethod
    def claim_item(cls, guard: str, doc: dict[str, Any]) -> dict[str, Any]:
        """The guard `guard` naming visitor `doc` as its holder."""
        return {
            **cls.key(guard),
            "visitorId": {"S": doc["_id"]},
            "token": {"S": doc["token"]},
            "ts": {"S": doc["ts"]},
        }

    def _claim(self, guard: str, doc: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": self.claim_item(guard, doc),
                "ConditionExpression": "attribute_not_exists(guard)",
            }
        }

    # A holder's own writes hold while the guard is its own, or gone (so a guard lost in any way
    # never blocks its holder's updates, moves or erasure); never while another visitor holds it.
    _MINE = "attribute_not_exists(guard) OR visitorId = :visitor"

    def _release(self, guard: str, visitor_id: str) -> dict[str, Any]:
        return {
            "Delete": {
                "TableName": self.table,
                "Key": self.key(guard),
                "ConditionExpression": self._MINE,
                "ExpressionAttributeValues": {":visitor": {"S": visitor_id}},
            }
        }

    def _point(self, guard: str, doc: dict[str, Any]) -> dict[str, Any]:
        """The guard, re-written with the holder's new token."""
        put = self._claim(guard, doc)["Put"]
        put["ConditionExpression"] = self._MINE
        put["ExpressionAttributeValues"] = {":visitor": {"S": doc["_id"]}}
        return {"Put": put}
