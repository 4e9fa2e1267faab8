"""The Counters table: atomic sequences, such as the one behind `guest-<n>` visitor names."""

from __future__ import annotations

from typing import Any

from voip_core.store.dynamo import datastore_errors, get_consistent


class CounterStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def next_value(self, name: str) -> int:
        """Increment, then return: the first value handed out is 1 (the update creates the item)."""
        with datastore_errors():
            response = self.client.update_item(
                TableName=self.table,
                Key={"name": {"S": name}},
                UpdateExpression="ADD #value :one",
                ExpressionAttributeNames={"#value": "value"},
                ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            )
        return int(response["Attributes"]["value"]["N"])

    def get(self, name: str) -> int | None:
        """The counter's value, read consistently; None when it was never incremented."""
        item = get_consistent(self.client, self.table, {"name": {"S": name}}, name)
        return int(item["value"]["N"]) if item and "value" in item else None

    def raise_to(self, name: str, value: int) -> bool:
        """Set the counter to `value` unless it is already as high (never lowered); whether it
        was set."""
        with datastore_errors():
            try:
                self.client.update_item(
                    TableName=self.table,
                    Key={"name": {"S": name}},
                    UpdateExpression="SET #value = :value",
                    ConditionExpression="attribute_not_exists(#value) OR #value < :value",
                    ExpressionAttributeNames={"#value": "value"},
                    ExpressionAttributeValues={":value": {"N": str(value)}},
                )
            except self.client.exceptions.ConditionalCheckFailedException:
                return False
        return True
