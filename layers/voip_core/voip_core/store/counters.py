"""The Counters table: atomic sequences, such as the one behind `guest-<n>` visitor names."""

from __future__ import annotations

from typing import Any

from voip_core.store.dynamo import datastore_errors


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
