"""The one way the service writes items together: a TransactWriteItems, all of it or none.

A transaction that loses (a condition no longer holds, or another transaction was writing one of
its items at that moment) is a `WriteConflict`, which the caller answers by reading again and
deciding again (store/retry.py). Throttling and the like are the 503 (store/dynamo.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import ClientError

from voip_core.store.dynamo import cancellation_codes, datastore_errors, error_code

# The cancellation reasons that mean "another writer got there first".
_LOST = ("ConditionalCheckFailed", "TransactionConflict")


class WriteConflict(Exception):
    """A conditional write lost: something it was conditioned on changed since it was read.
    `codes`: a cancelled transaction's reasons, one per action ("None" where the action was not
    the cause); empty for a single conditional write."""

    def __init__(self, *codes: str) -> None:
        super().__init__(",".join(codes))
        self.codes = codes

    def failed_at(self, action: int) -> bool:
        """Whether the transaction's action number `action` (from 0) failed its condition."""
        return self.codes[action : action + 1] == ("ConditionalCheckFailed",)


def transact_write(client: Any, actions: list[dict[str, Any]]) -> None:
    """One TransactWriteItems, idempotent under botocore's own retries (its request token)."""
    with datastore_errors():
        try:
            client.transact_write_items(TransactItems=actions, ClientRequestToken=str(uuid.uuid4()))
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                codes = cancellation_codes(error)
                if any(code in _LOST for code in codes):
                    raise WriteConflict(*codes) from error
            raise
