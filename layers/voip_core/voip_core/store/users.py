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

    @staticmethod
    def item(
        user_id: str,
        username: str | None,
        name: str | None,
        roles: list[str],
        active: bool | None,
        created_at: str | None,
    ) -> dict[str, Any]:
        """A Users item as the service writes it (absent values left out)."""
        return to_item(
            {
                "_id": user_id,
                "username": username,
                "name": name,
                "roles": list(roles),
                "active": active,
                "createdAt": created_at,
            }
        )

    @staticmethod
    def guard_item(username: str, user_id: str) -> dict[str, Any]:
        """The item that claims `username` for the user."""
        return {"_id": {"S": _USERNAME_GUARD.format(username)}, "userId": {"S": user_id}}

    def create(self, user: User, created_at: str) -> None:
        item = self.item(
            user.id, user.username, user.name, list(user.roles), user.active, created_at
        )
        guard = self.guard_item(str(user.username), user.id)
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
