"""The Tokens table: login and personal access tokens, stored only as base64(SHA-256) hashes."""

from __future__ import annotations

from typing import Any

from voip_core.domain.models import TokenRecord
from voip_core.errors import ServiceUnavailable
from voip_core.store.dynamo import datastore_errors, from_item, get_consistent, to_item
from voip_core.store.retry import BATCH, Attempt, retry
from voip_core.store.transactions import WriteConflict, transact_write

PERSONAL_ACCESS_TOKEN = "personalAccessToken"  # noqa: S105 - a kind of token, not a secret
USER_INDEX = "userId-index"
# A personal access token's name is unique per user: a guard item claims it in the same transaction.
# Its key cannot collide with a hash (base64 never contains ':') and it has no userId, so it never
# authenticates and never shows in the user's index.
_NAME_GUARD = "pat-name:{user_id}:{name}"
# The importer's marker of a token it imported (same reasoning: ':' keeps it apart from hashes).
_IMPORT_MARKER = "imported:{}"


class DuplicateTokenName(Exception):
    pass


class TokenStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    @staticmethod
    def key(hashed_token: str) -> dict[str, Any]:
        return {"hashedToken": {"S": hashed_token}}

    @staticmethod
    def decode(item: dict[str, Any]) -> TokenRecord | None:
        values = from_item(item)
        if "userId" not in values:
            return None
        return TokenRecord(
            hashed_token=values["hashedToken"],
            user_id=values["userId"],
            created_at=values.get("createdAt", ""),
            expires_at=values.get("expiresAt"),
            kind=values.get("type", "login"),
            name=values.get("name"),
            last_token_part=values.get("lastTokenPart"),
        )

    @staticmethod
    def item(record: TokenRecord) -> dict[str, Any]:
        """A Tokens item as the service writes it."""
        return to_item(
            {
                "hashedToken": record.hashed_token,
                "userId": record.user_id,
                "createdAt": record.created_at,
                "expiresAt": record.expires_at,
                "type": record.kind,
                "name": record.name,
                "lastTokenPart": record.last_token_part,
            }
        )

    @staticmethod
    def name_guard_item(record: TokenRecord) -> dict[str, Any]:
        """The item that claims a personal access token's name for its user."""
        guard = _NAME_GUARD.format(user_id=record.user_id, name=record.name)
        return {"hashedToken": {"S": guard}, "tokenHash": {"S": record.hashed_token}}

    @staticmethod
    def import_marker_item(record: TokenRecord) -> dict[str, Any]:
        """`voip-admin import-rocketchat`'s note that it imported this hash: with no `userId` it
        never authenticates nor lists; found without its token, the token was revoked here
        (docs/migrating-from-rocketchat.md)."""
        marker = _IMPORT_MARKER.format(record.hashed_token)
        return to_item({"hashedToken": marker, "expiresAt": record.expires_at})

    def put(self, record: TokenRecord) -> None:
        condition = "attribute_not_exists(hashedToken)"
        put = {
            "TableName": self.table,
            "Item": self.item(record),
            "ConditionExpression": condition,
        }
        if record.kind != PERSONAL_ACCESS_TOKEN:
            with datastore_errors():
                self.client.put_item(**put)
            return
        guard_item = self.name_guard_item(record)
        guard_put = {"TableName": self.table, "Item": guard_item, "ConditionExpression": condition}
        actions: list[dict[str, Any]] = [{"Put": put}, {"Put": guard_put}]

        def issue(_: Attempt) -> None:
            try:
                transact_write(self.client, actions)
            except WriteConflict as conflict:
                if conflict.failed_at(1):
                    raise DuplicateTokenName(record.name) from conflict
                raise

        # The token and its name's guard in one transaction. One cancelled because it overlapped
        # another on the same item (a concurrent issue of the name) is tried again, so that it
        # ends as a duplicate, or as issued if the other one failed, rather than as a 503.
        retry(issue, BATCH)

    def personal_access_token(self, user_id: str, name: str) -> TokenRecord | None:
        """The user's token by that name, read consistently through its name guard (the user's
        index is eventually consistent: a token issued a moment ago may not show there yet)."""
        guard = get_consistent(
            self.client, self.table, self.key(_NAME_GUARD.format(user_id=user_id, name=name)), name
        )
        if guard is None:
            return None
        token_hash = guard["tokenHash"]["S"]
        item = get_consistent(self.client, self.table, self.key(token_hash), token_hash)
        return self.decode(item) if item else None

    def list_for_user(self, user_id: str) -> list[TokenRecord]:
        records: list[TokenRecord] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": USER_INDEX,
            "KeyConditionExpression": "userId = :user",
            "ExpressionAttributeValues": {":user": {"S": user_id}},
        }
        with datastore_errors():
            for page in self.client.get_paginator("query").paginate(**request):
                records.extend(r for r in map(self.decode, page["Items"]) if r is not None)
        return sorted(records, key=lambda record: record.created_at)

    def delete(self, record: TokenRecord) -> None:
        deletes = [{"Delete": {"TableName": self.table, "Key": self.key(record.hashed_token)}}]
        if record.kind == PERSONAL_ACCESS_TOKEN and record.name is not None:
            guard = _NAME_GUARD.format(user_id=record.user_id, name=record.name)
            deletes.append({"Delete": {"TableName": self.table, "Key": self.key(guard)}})
        try:
            transact_write(self.client, deletes)
        except WriteConflict as conflict:  # another transaction on one of the items
            raise ServiceUnavailable() from conflict
