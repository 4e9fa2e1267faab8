"""The RateLimits table: one counter per (route, source IP, window), expiring with a TTL."""

from __future__ import annotations

from typing import Any

from voip_core.store.dynamo import datastore_errors


class RateLimitStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def hit(self, key: str, expires_at: int, amount: int = 1) -> int:
        """Add `amount` to the window's counter and return the new count."""
        with datastore_errors():
            response = self.client.update_item(
                TableName=self.table,
                Key={"key": {"S": key}},
                UpdateExpression="ADD hits :amount SET expiresAt = :expires",
                ExpressionAttributeValues={
                    ":amount": {"N": str(amount)},
                    ":expires": {"N": str(expires_at)},
                },
                ReturnValues="UPDATED_NEW",
            )
        return int(response["Attributes"]["hits"]["N"])
