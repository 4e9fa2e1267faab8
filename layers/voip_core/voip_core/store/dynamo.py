"""What every data-access module shares: the client, DynamoDB's attribute format, and the mapping of
datastore failures to the 503 of docs/contract/voip-room.md §8.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from voip_core.errors import PayloadTooLarge, ServiceUnavailable

# Partition keys longer than this are refused by DynamoDB with a ValidationException; a request that
# carries one cannot match anything, so it is answered without asking.
MAX_KEY_BYTES = 2048
# Two documents (a visitor's and its open room's copy) and a few key attributes share one item.
MAX_DOCUMENT_BYTES = 180_000

UNAVAILABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)
UNAVAILABLE_CANCELLATION_REASONS = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"}
)


def make_client(
    endpoint_url: str | None = None,
    region_name: str | None = None,
    read_timeout: float | None = None,
    attempts: int = 3,
) -> Any:
    """A DynamoDB client sized for a request path inside the function's timeout.

    botocore directly (not boto3) saves its import at cold start. DynamoDB answers in milliseconds,
    so connect 0.5 s and read 1 s leave ample room; 3 attempts in all (standard mode; note that
    botocore's `max_attempts` would mean 3 *retries*) bound one call at 7.5 s with backoff, so the
    longest path (3 calls in series) fits the function's 25 s timeout. botocore also honours
    AWS_ENDPOINT_URL_DYNAMODB: that is how the local stack and the CLI point it elsewhere.
    DYNAMODB_READ_TIMEOUT_SECONDS is for the local stack only, whose single moto server queues
    concurrent requests far beyond DynamoDB's latency; the template never sets it. A long batch
    job off the request path (`voip-admin import-rocketchat`) asks for a longer `read_timeout`
    and more `attempts`.
    """
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    session.register_component("data_loader", _dynamodb_only_loader(session))
    config = Config(
        connect_timeout=0.5,
        read_timeout=read_timeout or float(os.environ.get("DYNAMODB_READ_TIMEOUT_SECONDS") or 1.0),
        retries={"mode": "standard", "total_max_attempts": attempts},
        tcp_keepalive=True,
        max_pool_connections=16,
    )
    region = (
        region_name
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    return session.create_client(
        "dynamodb", region_name=region, endpoint_url=endpoint_url, config=config
    )


def _dynamodb_only_loader(session: Any) -> Any:
    """botocore's own model loader (same search paths, same files) without one step it takes before
    loading any model: listing every service it ships (~450 folders, ~2,700 stat calls, twice) to
    check the name is known. That listing is ~14 ms of a ~130 ms cold start (bench/); this client
    only ever asks for DynamoDB, whose files are then loaded exactly as before.
    """
    from botocore.loaders import Loader

    class DynamoDBOnlyLoader(Loader):  # type: ignore[misc]
        def list_available_services(self, type_name: str) -> list[str]:
            return ["dynamodb"]

    default = session.get_component("data_loader")
    return DynamoDBOnlyLoader(
        extra_search_paths=list(default.search_paths), include_default_search_paths=False
    )


def usable_key(value: object) -> bool:
    """Whether a string can be a partition key value at all (non-empty, UTF-8, ≤ 2048 bytes)."""
    if not isinstance(value, str) or not value:
        return False
    try:
        return len(value.encode("utf-8")) <= MAX_KEY_BYTES
    except UnicodeEncodeError:
        return False


def get_consistent(client: Any, table: str, key: dict[str, Any], value: object) -> Any:
    """One strongly consistent GetItem; None when absent, or when `value` cannot be a key at all."""
    if not usable_key(value):
        return None
    with datastore_errors():
        return client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def cancellation_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code") or "None") for reason in reasons]


def is_unavailable(error: Exception) -> bool:
    # ConnectionError: connect timeouts, refused connections; HTTPClientError: read timeouts and
    # connections dropped mid-answer.
    if isinstance(error, (BotocoreConnectionError, HTTPClientError)):
        return True
    if isinstance(error, ClientError):
        code = error_code(error)
        if code == "TransactionCanceledException":
            return any(c in UNAVAILABLE_CANCELLATION_REASONS for c in cancellation_codes(error))
        return code in UNAVAILABLE_CODES
    return False


@contextmanager
def datastore_errors() -> Iterator[None]:
    """Turn throttling, capacity and connection failures into the 503 envelope."""
    try:
        yield
    except (ClientError, BotocoreConnectionError, HTTPClientError) as error:
        if is_unavailable(error):
            raise ServiceUnavailable() from error
        raise


def to_attr(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (list, tuple)):
        return {"L": [to_attr(item) for item in value]}
    if isinstance(value, dict):
        return {"M": {key: to_attr(item) for key, item in value.items()}}
    raise TypeError(f"cannot store a {type(value).__name__}")


def from_attr(attr: dict[str, Any]) -> Any:
    ((kind, value),) = attr.items()
    if kind in ("S", "BOOL"):
        return value
    if kind == "N":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "NULL":
        return None
    if kind == "L":
        return [from_attr(item) for item in value]
    if kind == "M":
        return {key: from_attr(item) for key, item in value.items()}
    if kind == "SS":
        return list(value)
    raise TypeError(f"unexpected attribute type {kind}")


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """An item from plain values; None values are left out (absent, never null)."""
    return {key: to_attr(value) for key, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: from_attr(attr) for key, attr in item.items()}


def dump_document(document: dict[str, Any]) -> str:
    """Documents are stored as JSON text: DynamoDB maps do not keep key order, Rocket.Chat's clients
    compare bodies as text, and JSON keeps numbers such as 226.4365 exactly as they came.

    Refused before anything is written when it could not be stored: a visitor item holds its own
    document and a copy of its open room, and an item is at most 400 KB.
    """
    text = json.dumps(document, separators=(",", ":"))  # ASCII: one byte a character
    if len(text) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge()
    return text


def load_document(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded
