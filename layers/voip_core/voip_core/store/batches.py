"""BatchGetItem and BatchWriteItem, with what DynamoDB leaves unprocessed asked for again
(store/retry.py's BATCH pauses) before the request gives up with 503."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from voip_core.errors import ServiceUnavailable
from voip_core.store.dynamo import datastore_errors
from voip_core.store.retry import BATCH, Sleep

Item = dict[str, Any]


def batch_get(
    client: Any, keys_by_table: dict[str, list[Item]], sleep: Sleep = time.sleep
) -> dict[str, list[Item]]:
    """Every item found for `keys_by_table`, by table, read consistently in one BatchGetItem
    (more only for what it left unprocessed)."""
    request = {
        table: {"Keys": keys, "ConsistentRead": True}
        for table, keys in keys_by_table.items()
        if keys
    }
    items: dict[str, list[Item]] = {}
    if not request:
        return items
    for _ in BATCH.attempts(sleep):
        with datastore_errors():
            response = client.batch_get_item(RequestItems=request)
        for table, found in response.get("Responses", {}).items():
            items.setdefault(table, []).extend(found)
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return items
    raise ServiceUnavailable()


def batch_delete(
    client: Any,
    table: str,
    keys: Iterable[Item],
    before_call: Callable[[], None],
    sleep: Sleep = time.sleep,
) -> None:
    """Delete `keys` from `table` (at most 25: one BatchWriteItem); `before_call` runs before
    each call (a deadline may refuse it)."""
    requests = {table: [{"DeleteRequest": {"Key": key}} for key in keys]}
    if not requests[table]:
        return
    for _ in BATCH.attempts(sleep):
        before_call()
        with datastore_errors():
            response = client.batch_write_item(RequestItems=requests)
        requests = response.get("UnprocessedItems") or {}
        if not requests:
            return
    raise ServiceUnavailable()
