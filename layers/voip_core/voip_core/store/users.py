"""The Users table: callers and agents (an agent is a user with the role `livechat-agent`)."""

from __future__ import annotations

from typing import Any

from voip_core.models import User
from voip_core.store.dynamo import datastore_errors, from_item, get_consistent, to_item

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
        condition = "attribute_not_exists(#id)"
        names = {"#id": "_id"}
        with datastore_errors():
            try:
                self.client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": item,
                                "ConditionExpression": condition,
                                "ExpressionAttributeNames": names,
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": guard,
                                "ConditionExpression": condition,
                                "ExpressionAttributeNames": names,
                            }
                        },
                    ]
                )
            except self.client.exceptions.TransactionCanceledException as error:
                reasons = error.response.get("CancellationReasons", [])
                if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                    raise DuplicateUsername(user.username) from error
                raise

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
