"""The Users table: callers and agents (an agent is a user with the role `livechat-agent`)."""

from __future__ import annotations

from typing import Any

from voip_core.domain.models import User
from voip_core.errors import ServiceUnavailable
from voip_core.store.dynamo import datastore_errors, from_item, get_consistent, to_item
from voip_core.store.transactions import WriteConflict, transact_write

# A username is unique: a guard item claims it in the same transaction as the user. Meteor ids never
# contain ':', so the guard's key cannot be a user's id, and it has no username, so it is no user.
_USERNAME_GUARD = "username:{}"


class DuplicateUsername(Exception):
    pass


class UserStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    @staticmethod
    def key(user_id: str) -> dict[str, Any]:
        return {"_id": {"S": user_id}}

    @staticmethod
    def decode(item: dict[str, Any]) -> User | None:
        values = from_item(item)
        if "username" not in values and "roles" not in values:
            return None
        return User(
            id=values["_id"],
            username=values.get("username"),
            name=values.get("name"),
            roles=tuple(values.get("roles") or ()),
            active=values.get("active") is not False,
        )

    def get(self, user_id: str) -> User | None:
        item = get_consistent(self.client, self.table, self.key(user_id), user_id)
        return self.decode(item) if item else None

    def create(self, user: User, created_at: str) -> None:
        item = to_item(
            {
                "_id": user.id,
                "username": user.username,
                "name": user.name,
                "roles": list(user.roles),
                "active": user.active,
                "createdAt": created_at,
            }
        )
        guard = {"_id": {"S": _USERNAME_GUARD.format(user.username)}, "userId": {"S": user.id}}
        absent = {
            "ConditionExpression": "attribute_not_exists(#id)",
            "ExpressionAttributeNames": {"#id": "_id"},
        }
        puts = [{"Put": {"TableName": self.table, "Item": new, **absent}} for new in (item, guard)]
        try:
            transact_write(self.client, puts)
        except WriteConflict as conflict:
            if conflict.failed_at(1):
                raise DuplicateUsername(user.username) from conflict
            raise ServiceUnavailable() from conflict

    def deactivate(self, user_id: str) -> bool:
        """Mark the user inactive; False when there is no such user."""
        with datastore_errors():
            try:
                self.client.update_item(
                    TableName=self.table,
                    Key=self.key(user_id),
                    UpdateExpression="SET active = :false",
                    ConditionExpression="attribute_exists(username)",
                    ExpressionAttributeValues={":false": {"BOOL": False}},
                )
            except self.client.exceptions.ConditionalCheckFailedException:
                return False
        return True
