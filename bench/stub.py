"""An in-memory DynamoDB for the CPU stage: answers the handler's calls from dicts of real items
(copied from the moto tables after the round-trip stage), so only our own code is measured."""

from __future__ import annotations

from typing import Any


class StubDynamoDB:
    """batch_get_item / get_item read the copied items; writes are accepted and forgotten, so every
    request of a path finds the same state (a create stays a create)."""

    def __init__(self, items: dict[str, list[dict[str, Any]]], key_names: dict[str, str]) -> None:
        self.key_names = key_names
        self.tables = {
            table: {item[key_names[table]]["S"]: item for item in table_items}
            for table, table_items in items.items()
        }

    def _find(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        value = key[self.key_names[table]]["S"]
        return self.tables.get(table, {}).get(value)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        responses: dict[str, list[dict[str, Any]]] = {}
        for table, request in RequestItems.items():
            found = (self._find(table, key) for key in request["Keys"])
            responses[table] = [item for item in found if item is not None]
        return {"Responses": responses, "UnprocessedKeys": {}}

    def get_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        item = self._find(TableName, Key)
        return {"Item": item} if item is not None else {}

    def update_item(self, **_: Any) -> dict[str, Any]:
        # The rate-limit counter (and any other counter) reads as a first hit.
        return {"Attributes": {"hits": {"N": "1"}, "value": {"N": "1"}}}

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        return {}

    def put_item(self, **_: Any) -> dict[str, Any]:
        return {}


def table_key_names() -> dict[str, str]:
    """Each template table's partition key attribute, by table name (the default names)."""
    from voip_admin.template import table_definitions

    return {
        table: next(k["AttributeName"] for k in props["KeySchema"] if k["KeyType"] == "HASH")
        for table, props in table_definitions().items()
    }


def dump_tables(client: Any) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, as DynamoDB returns them."""
    items: dict[str, list[dict[str, Any]]] = {}
    for table in client.list_tables()["TableNames"]:
        pages = client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
        items[table] = [item for page in pages for item in page["Items"]]
    return items
