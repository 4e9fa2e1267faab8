"""`voip-admin reindex-rooms`: every room item put again as `RoomStore.item` builds it from its
document, so that rooms written before an attribute existed gain it — the call-history indexes'
after an upgrade (docs/deployment.md). A one-off maintenance pass over the whole table, and the one
Scan of the project: nothing on a request's path scans."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from voip_core.store.dynamo import datastore_errors, error_code, load_document
from voip_core.store.rooms import RoomStore


def reindex_rooms(client: Any, table: str) -> dict[str, int]:
    """`{"scanned", "rewritten"}`. A room is put again only while its document is still the one
    read: one written meanwhile was written by `RoomStore.item`, so it is right already."""
    scanned = rewritten = 0
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        with datastore_errors():
            page = client.scan(**request)
        for item in page["Items"]:
            scanned += 1
            rewritten += _rewrite(client, table, item)
        if "LastEvaluatedKey" not in page:
            return {"scanned": scanned, "rewritten": rewritten}
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _rewrite(client: Any, table: str, item: dict[str, Any]) -> int:
    if "doc" not in item:
        return 0
    wanted = RoomStore.item(load_document(item["doc"]["S"]))
    if wanted == item:
        return 0
    try:
        with datastore_errors():
            client.put_item(
                TableName=table,
                Item=wanted,
                ConditionExpression="#doc = :doc",
                ExpressionAttributeNames={"#doc": "doc"},
                ExpressionAttributeValues={":doc": item["doc"]},
            )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        return 0
    return 1
