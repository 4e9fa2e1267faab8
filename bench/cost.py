"""What a request costs: DynamoDB capacity units per path, from the sizes of the items each call
read or wrote (DynamoDB's own sizing rules), priced with API Gateway and Lambda at published
on-demand prices. The rate limiter's share is kept apart."""

from __future__ import annotations

import math
from typing import Any

from bench.roundtrips import Call

# Published on-demand prices, us-east-1 (checked on PRICES_CHECKED against public pages).
PRICES_CHECKED = "2026-11-25"
PRICES: dict[str, Any] = {
    "region": "us-east-1",
    "checked": PRICES_CHECKED,
    "api_gateway_http_per_million": 1.00,  # first 300 million requests a month
    "lambda_requests_per_million": 0.20,
    "lambda_arm64_per_gb_second": 0.0000133334,
    "dynamodb_write_request_unit_per_million": 0.625,  # on-demand, since the 2024-11-01 cut
    "dynamodb_read_request_unit_per_million": 0.125,
    "notes": (
        "DynamoDB on-demand Standard table class; strongly consistent read = 1 RRU per 4 KB, "
        "write = 1 WRU per 1 KB, transactional write = 2 WRU per 1 KB; a read of a missing item "
        "still costs 1 RRU; index writes are counted as standard writes of the projected item. "
        "Lambda billed per 1 ms of duration; free tiers left out."
    ),
}
RATE_LIMIT_TABLE = "RateLimitsTable"


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for one attribute value (its name is counted by the caller)."""
    ((kind, inner),) = value.items()
    if kind in ("L", "M", "SS", "NS", "BS"):
        return _collection_size(kind, inner)
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").strip("0") or "0"
        return 1 + math.ceil(len(digits) / 2)
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    raise ValueError(f"unknown attribute type {kind}")


def _collection_size(kind: str, inner: Any) -> int:
    """Lists and maps: 3 bytes, plus 1 per element and the elements; sets: their members."""
    if kind == "L":
        return 3 + sum(1 + attribute_size(item) for item in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(v) for k, v in inner.items())
    return sum(attribute_size({kind[0]: item}) for item in inner)


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in item.items())


class Catalog:
    """The tables' keys and indexes (from template.yaml) and their items after the run."""

    def __init__(self, items: dict[str, list[dict[str, Any]]]) -> None:
        from voip_admin.template import table_definitions

        self.keys: dict[str, list[str]] = {}
        self.indexes: dict[str, list[tuple[list[str], str]]] = {}
        for table, props in table_definitions().items():
            self.keys[table] = [k["AttributeName"] for k in props["KeySchema"]]
            self.indexes[table] = [
                (
                    [k["AttributeName"] for k in index["KeySchema"]],
                    index["Projection"]["ProjectionType"],
                )
                for index in props.get("GlobalSecondaryIndexes") or []
            ]
        self.items = {
            table: {self.key_of(table, item): item for item in table_items}
            for table, table_items in items.items()
        }

    def key_of(self, table: str, item: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(item[name]) for name in self.keys[table])

    def stored(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        """The item as it is at the end of the run (what a write left)."""
        return self.items.get(table, {}).get(self.key_of(table, key))

    def index_writes(self, table: str, item: dict[str, Any], touched: str | None) -> int:
        """WRU for the index entries a write of `item` updates (touched: an UpdateExpression)."""
        units = 0
        for index_keys, projection in self.indexes.get(table, []):
            if not all(name in item for name in index_keys):
                continue
            if (
                touched is not None
                and projection != "ALL"
                and not any(name in touched for name in index_keys)
            ):
                continue
            projected = (
                item
                if projection == "ALL"
                else {name: item[name] for name in self.keys[table] + index_keys}
            )
            units += math.ceil(item_size(projected) / 1024)
        return units


def _reads(call: Call, catalog: Catalog) -> list[dict[str, Any]]:
    """Each item a read asked for: its table, its size as read (None: not found) and its RRU."""
    parsed = call.parsed or {}
    requests = call.params.get("RequestItems")
    answered = parsed.get("Responses") or {}
    if requests is None:
        table = call.params["TableName"]
        requests = {
            table: {
                "Keys": [call.params["Key"]],
                "ConsistentRead": call.params.get("ConsistentRead", False),
            }
        }
        answered = {table: [parsed["Item"]] if "Item" in parsed else []}
    reads = []
    for table, request in requests.items():
        factor = 1.0 if request.get("ConsistentRead") else 0.5
        found = {catalog.key_of(table, item): item for item in answered.get(table, [])}
        for key in request["Keys"]:
            item = found.get(catalog.key_of(table, key))
            size = item_size(item) if item else None
            units = factor * max(1, math.ceil((size or 0) / 4096))
            reads.append({"op": call.operation, "table": table, "bytes": size, "units": units})
    return reads


def _write(
    operation: str, table: str, action: str, body: dict[str, Any], catalog: Catalog
) -> dict[str, Any]:
    """One item written: its size (after the write), its WRU (transactions doubled) and the WRU
    of its index entries."""
    if action == "Put":
        item = body["Item"]
        touched = None
    else:
        item = catalog.stored(table, body["Key"]) or body["Key"]
        touched = _resolved_expression(body)
    size = item_size(item)
    factor = 2 if operation == "TransactWriteItems" else 1
    return {
        "op": f"{operation}.{action}" if factor == 2 else operation,
        "table": table,
        "bytes": size,
        "units": factor * math.ceil(size / 1024),
        "index_units": catalog.index_writes(table, item, touched),
    }


def _resolved_expression(body: dict[str, Any]) -> str:
    expression = str(body.get("UpdateExpression", ""))
    for alias, name in (body.get("ExpressionAttributeNames") or {}).items():
        expression = expression.replace(alias, name)
    return expression


def call_items(call: Call, catalog: Catalog) -> list[dict[str, Any]]:
    """Every item one call read or wrote, with its size and capacity units."""
    if call.operation in ("BatchGetItem", "GetItem"):
        return _reads(call, catalog)
    if call.operation in ("UpdateItem", "PutItem"):
        action = "Put" if call.operation == "PutItem" else "Update"
        return [_write(call.operation, call.params["TableName"], action, call.params, catalog)]
    if call.operation == "TransactWriteItems":
        writes = []
        for entry in call.params["TransactItems"]:
            ((action, body),) = entry.items()
            writes.append(_write(call.operation, body["TableName"], action, body, catalog))
        return writes
    return []


def request_units(items: list[dict[str, Any]]) -> dict[str, float]:
    """RRU and WRU of one request, the rate-limit table's writes apart."""
    units = {"rru": 0.0, "wru": 0.0, "rate_limit_wru": 0.0}
    for item in items:
        if "index_units" not in item:
            units["rru"] += item["units"]
        else:
            bucket = "rate_limit_wru" if item["table"] == RATE_LIMIT_TABLE else "wru"
            units[bucket] += item["units"] + item["index_units"]
    return units


def lambda_memory_mb(template: dict[str, Any]) -> int:
    """The voip/room function's MemorySize (its own, else Globals', else Lambda's 128)."""
    for resource in template["Resources"].values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and "voip_room" in str(
            props.get("CodeUri", "")
        ):
            memory = props.get("MemorySize")
            break
    else:
        memory = None
    if memory is None:
        memory = ((template.get("Globals") or {}).get("Function") or {}).get("MemorySize", 128)
    if isinstance(memory, dict) and "Ref" in memory:
        memory = template["Parameters"][memory["Ref"]]["Default"]
    return int(memory)


def path_cost(units: dict[str, float], duration_ms: float, memory_mb: int) -> dict[str, float]:
    """USD per million requests of one path, by part."""
    billed_ms = math.ceil(duration_ms)
    lambda_compute = billed_ms / 1000 * memory_mb / 1024 * PRICES["lambda_arm64_per_gb_second"]
    per_million = {
        "api_gateway": PRICES["api_gateway_http_per_million"],
        "lambda": PRICES["lambda_requests_per_million"] + lambda_compute * 1e6,
        "dynamodb": units["rru"] * PRICES["dynamodb_read_request_unit_per_million"]
        + units["wru"] * PRICES["dynamodb_write_request_unit_per_million"],
        "rate_limiter": units["rate_limit_wru"] * PRICES["dynamodb_write_request_unit_per_million"],
    }
    per_million["total"] = sum(per_million.values())
    return {name: round(value, 4) for name, value in per_million.items()}


def costs(trips: list[Any], tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per path: capacity units of one request and USD per million requests."""
    from voip_admin.template import load_template

    catalog = Catalog(tables)
    memory_mb = lambda_memory_mb(load_template())
    per_path = []
    for trip in trips:
        touched = [item for call in trip.sample for item in call_items(call, catalog)]
        units = request_units(touched)
        duration_ms = trip.result()["handler_wall_ms"]["median"]
        per_path.append(
            {
                "path": trip.path.name,
                "capacity_units": units,
                "items": touched,
                "lambda_duration_ms": duration_ms,
                "usd_per_million": path_cost(units, duration_ms, memory_mb),
            }
        )
    return {"prices": PRICES, "lambda_memory_mb": memory_mb, "paths": per_path}
