"""No answer can pass Lambda's 6 MB response limit (API Gateway would then answer its own bare 500):
for every route, the largest answer any accepted input can produce, measured as Lambda measures it
— the handler's result serialized as the Python 3.13 runtime writes it (JSON, `ensure_ascii=False`,
so the body text is escaped a second time).

What an answer can grow from:
- the request body, at most MAX_REQUEST_BODY_BYTES (64 KiB; 512 KiB at most): echoed in errors. The
  worst is an invalid email (quoted twice) of bytes that are not UTF-8, each becoming a 3-byte
  U+FFFD: about 6 × the body. A `customFields` quoted by check() grows at most ~4.4× (`1e20`, four
  bytes, is written as 21 digits);
- a stored document, at most 180,000 bytes of ASCII JSON (store/dynamo.py): answered at most twice
  its size once written as the runtime writes it (`\\"` becomes `\\\\\\"`);
- the query string of `voip/room`, which no answer quotes (ajv's messages never do; API Gateway
  bounds it anyway, at 10,240 bytes for the request line and headers of an HTTP API).
Every other answer is a fixed envelope.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from voip_core.errors import PayloadTooLarge
from voip_core.settings import DEFAULT_MAX_REQUEST_BODY_BYTES, MOST_REQUEST_BODY_BYTES
from voip_core.store.dynamo import MAX_DOCUMENT_BYTES, dump_document

from tests.conftest import load_event
from tests.unit.calls import Api, open_room
from tests.unit.conftest import PUBLIC_VISITOR_API, Actors, Configure

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
# Well under the limit: what the default allows, and what the most the setting allows.
BOUND_AT_DEFAULT = 1_000_000
BOUND_AT_MOST = 4_000_000

Event = dict[str, Any]


@pytest.fixture
def base_env() -> Mapping[str, str]:
    """Public visitor routes (no credentials to add) and no rate limit: only sizes matter here."""
    limits_off = {
        "RATE_LIMIT_REQUESTS": "0",
        "RATE_LIMIT_ROOM_CLOSE_REQUESTS": "0",
        "RATE_LIMIT_VISITOR_REGISTER_REQUESTS": "0",
        "RATE_LIMIT_VISITOR_GET_REQUESTS": "0",
        "RATE_LIMIT_VISITOR_DELETE_REQUESTS": "0",
    }
    return {**PUBLIC_VISITOR_API, **limits_off}


def payload_size(api: Api, event: Event) -> tuple[int, int]:
    """(status, bytes of the invoke response as the python3.13 runtime serializes it)."""
    from voip_local.functions import LambdaContext

    result = api.module.lambda_handler(event, LambdaContext())
    return result["statusCode"], len(json.dumps(result, ensure_ascii=False).encode("utf-8"))


def register_event(raw: bytes) -> Event:
    event = load_event("visitor_register.json")
    event["body"] = base64.b64encode(raw).decode("ascii")
    event["isBase64Encoded"] = True
    return event


def filled(limit: int, head: bytes, tail: bytes, unit: bytes) -> bytes:
    """head + as many `unit`s as fit + tail, at most `limit` bytes."""
    return head + unit * ((limit - len(head) - len(tail)) // len(unit)) + tail


def worst_bodies(limit: int) -> Iterator[tuple[str, bytes]]:
    """Registration bodies of at most `limit` bytes whose answers quote them the most."""
    yield (
        "invalid email of non-UTF-8 bytes, quoted twice",
        filled(limit, b'{"visitor":{"token":"t","email":"', b'"}}', b"\xff"),
    )
    yield (
        "invalid email of quotes",
        filled(limit, b'{"visitor":{"token":"t","email":"', b'"}}', b'\\"'),
    )
    yield (
        "invalid email of control characters",
        filled(limit, b'{"visitor":{"token":"t","email":"', b'"}}', b"\\u0001"),
    )
    yield (
        "invalid email of lone surrogates",
        filled(limit, b'{"visitor":{"token":"t","email":"', b'"}}', b"\\udc00"),
    )
    yield (
        "customFields of 1e20, quoted",
        filled(limit, b'{"visitor":{"token":"t","customFields":{"a":[1e20', b"]}}}", b",1e20"),
    )
    yield (
        "customFields of quoted quotes",
        filled(limit, b'{"visitor":{"token":"t","customFields":{"a":["', b'"]}}}', b'\\"'),
    )
    yield (
        "customFields of non-UTF-8 bytes",
        filled(limit, b'{"visitor":{"token":"t","customFields":{"a":["', b'"]}}}', b"\xff"),
    )
    yield (
        "unknown key of non-UTF-8 bytes",
        filled(limit, b'{"visitor":{"token":"t"},"', b'":1}', b"\xff"),
    )
    yield (
        "name of non-UTF-8 bytes (stored: 413, or answered)",
        filled(limit, b'{"visitor":{"token":"t-name","name":"', b'"}}', b"\xff"),
    )


@pytest.mark.parametrize(
    ("limit", "bound"),
    [(DEFAULT_MAX_REQUEST_BODY_BYTES, BOUND_AT_DEFAULT), (MOST_REQUEST_BODY_BYTES, BOUND_AT_MOST)],
)
def test_no_registration_answer_grows_past_the_bound(
    api: Api, configure: Configure, limit: int, bound: int
) -> None:
    configure({"MAX_REQUEST_BODY_BYTES": str(limit)})
    sizes = {}
    for name, raw in worst_bodies(limit):
        assert len(raw) <= limit, name
        status, size = payload_size(api, register_event(raw))
        assert status in (200, 400, 413), name
        sizes[name] = size
    assert max(sizes.values()) < bound, sizes
    # the email really is the worst case, near six times the body
    worst = sizes["invalid email of non-UTF-8 bytes, quoted twice"]
    assert worst == max(sizes.values())
    assert 5.9 * limit < worst < 6.1 * limit


def stored(document: dict[str, Any]) -> bool:
    """Whether the store takes the document (its JSON text within MAX_DOCUMENT_BYTES)."""
    try:
        dump_document(document)
    except PayloadTooLarge:
        return False
    return True


def largest_fitting(make: Any) -> Any:
    """The largest `make(n)` the store takes (make grows with n)."""
    low, high = 1, MAX_DOCUMENT_BYTES
    while low < high:
        middle = (low + high + 1) // 2
        if stored(make(middle)):
            low = middle
        else:
            high = middle - 1
    return low


def test_stored_documents_are_answered_within_the_bound(
    api: Api, actors: Actors, configure: Configure
) -> None:
    """The largest visitor and the largest room the store takes, made of the characters that
    grow most when written back (quotes): GET visitor, voip/room (create and get), room.close,
    DELETE visitor."""
    agent = actors.user("kim.jane")
    # A room holds the visitor's name twice (name, fname): the largest name a room can hold and
    # still close (its closing fields must fit too, or it is not opened: docs/compatibility.md).
    quotes = largest_fitting(lambda n: {"name": '"' * n, "fname": '"' * n, "pad": "x" * 1_200})
    actors.visitor("big-room", name='"' * quotes)
    room = open_room(api, agent, "big-room")
    sizes = {}
    event = load_event("voip_room_create.json")
    event["headers"].update({"x-user-id": agent[0], "x-auth-token": agent[1]})
    event["rawQueryString"] = f"token=big-room&rid={room['_id']}"
    sizes["voip/room get"] = payload_size(api, event)
    # The largest visitor on its own.
    name = largest_fitting(lambda n: {"name": '"' * n, "pad": "x" * 300})
    actors.visitor("big-visitor", name='"' * name)
    get = load_event("visitor_get.json")
    get["pathParameters"] = {"token": "big-visitor"}
    sizes["GET visitor"] = payload_size(api, get)
    # room.close answers its rid, which names an existing room: the largest is the 17 characters
    # of a generated id (a room this large cannot take its closing fields: 413, as small).
    actors.visitor("small-room", name="Mary")
    small = open_room(api, agent, "small-room")
    close = load_event("room_close.json")
    close["headers"].update({"x-user-id": agent[0], "x-auth-token": agent[1]})
    close["body"] = json.dumps({"rid": small["_id"], "token": "small-room"})
    sizes["room.close"] = payload_size(api, close)
    delete = load_event("visitor_delete.json")
    delete["pathParameters"] = {"token": "big-visitor"}
    sizes["DELETE visitor"] = payload_size(api, delete)
    assert [status for status, _ in sizes.values()] == [200, 200, 200, 200], sizes
    assert max(size for _, size in sizes.values()) < 2 * MAX_DOCUMENT_BYTES + 2_000, sizes
    assert sizes["voip/room get"][1] > 1.9 * MAX_DOCUMENT_BYTES  # the case is really the worst


@pytest.mark.parametrize(
    "email",
    [
        pytest.param(b"x" * 3_200_000, id="3.2 MB email"),
        pytest.param(b"\xff" * 1_100_000, id="1.1 MB of 0xFF"),
    ],
)
def test_the_issues_bodies_get_a_small_413(api: Api, email: bytes) -> None:
    """The issue's cases, whose answers (over 6 MB) API Gateway replaced with its bare 500."""
    raw = b'{"visitor":{"token":"t","email":"' + email + b'"}}'
    status, size = payload_size(api, register_event(raw))
    assert status == 413
    assert size < 1000
