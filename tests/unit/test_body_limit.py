"""MAX_REQUEST_BODY_BYTES (default 64 KiB): a larger body is answered 413 before anything else, as a
gateway's limit would be — before authentication, the rate limit and any parsing; never decoded,
never counted, no DynamoDB call. Base64 bodies count by their decoded size."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from voip_core.settings import DEFAULT_MAX_REQUEST_BODY_BYTES

from tests.conftest import load_event
from tests.expected import compact
from tests.unit.calls import Api, rate_headers
from tests.unit.conftest import Actors, Configure

LIMIT = DEFAULT_MAX_REQUEST_BODY_BYTES
TOO_LARGE = compact(
    {
        "success": False,
        "error": "Request too large to store [error-request-too-large]",
        "errorType": "error-request-too-large",
    }
)
PUBLIC = {"VISITOR_API_REQUIRES_AUTH": "false"}


@pytest.fixture
def calls(api: Api, configure: Configure) -> Api:
    configure(PUBLIC)
    return api


def registration_of_size(size: int, filler: str = "x") -> bytes:
    """A valid registration body of exactly `size` bytes of UTF-8, the filler in a key check()
    lets through and nothing stores."""
    head, tail = '{"visitor":{"token":"t-size","extra":"', '"}}'
    room = size - len(head) - len(tail)
    width = len(filler.encode("utf-8"))
    body = head + filler * (room // width) + "y" * (room % width) + tail
    encoded = body.encode("utf-8")
    assert len(encoded) == size
    return encoded


def event_with_body(name: str, raw: bytes, *, as_base64: bool) -> dict[str, Any]:
    event = load_event(name)
    if as_base64:
        event["body"] = base64.b64encode(raw).decode("ascii")
        event["isBase64Encoded"] = True
    else:
        event["body"] = raw.decode("utf-8")
        event["isBase64Encoded"] = False
    return event


EVENTS = [
    "voip_room_create.json",
    "room_close.json",
    "visitor_register.json",
    "visitor_get.json",
    "visitor_delete.json",
]


@pytest.mark.parametrize("name", EVENTS)
@pytest.mark.parametrize("as_base64", [False, True])
def test_a_body_over_the_limit_is_413_on_every_route_with_no_datastore_call(
    calls: Api,
    api: Api,
    dynamodb_calls: list[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    as_base64: bool,
) -> None:
    def never(*_: Any, **__: Any) -> Any:
        raise AssertionError("the body was decoded")

    event = event_with_body(name, b"{" + b" " * LIMIT, as_base64=as_base64)
    monkeypatch.setattr(api.module.base64, "b64decode", never)
    status, headers, body = api.invoke(event)
    assert (status, body) == (413, TOO_LARGE)
    assert rate_headers(headers) == {}
    assert dynamodb_calls == []


def test_413_comes_before_authentication_and_the_rate_limit(
    calls: Api, actors: Actors, configure: Configure
) -> None:
    too_big = b"x" * (LIMIT + 1)
    assert calls.close(too_big)[::2] == (413, TOO_LARGE)  # no credentials: not 401
    configure({**PUBLIC, "RATE_LIMIT_VISITOR_REGISTER_REQUESTS": "1"})
    assert calls.register({"visitor": {"token": "t-1"}})[0] == 200
    assert calls.register(too_big)[::2] == (413, TOO_LARGE)  # over the limit: not 429
    assert calls.register({"visitor": {"token": "t-2"}})[0] == 429


def test_a_413_uses_no_quota(calls: Api, configure: Configure) -> None:
    configure({**PUBLIC, "RATE_LIMIT_VISITOR_REGISTER_REQUESTS": "1"})
    for _ in range(3):
        assert calls.register(b"x" * (LIMIT + 1))[0] == 413
    assert calls.register({"visitor": {"token": "t-3"}})[0] == 200


@pytest.mark.parametrize("as_base64", [False, True])
@pytest.mark.parametrize("filler", ["x", "\u00e9", "\u20ac"])
def test_a_body_of_exactly_the_limit_is_read(calls: Api, as_base64: bool, filler: str) -> None:
    status, _, body = calls.register(registration_of_size(LIMIT, filler), as_base64=as_base64)
    assert status == 200, body[:200]
    assert json.loads(body)["visitor"]["token"] == "t-size"


@pytest.mark.parametrize("as_base64", [False, True])
@pytest.mark.parametrize("filler", ["x", "\u00e9", "\u20ac"])
def test_one_byte_more_is_413(calls: Api, as_base64: bool, filler: str) -> None:
    raw = registration_of_size(LIMIT + 1, filler)
    assert calls.register(raw, as_base64=as_base64)[::2] == (413, TOO_LARGE)


@pytest.mark.parametrize("size", [LIMIT - 2, LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 2])
def test_base64_counts_decoded_bytes_whatever_the_padding(calls: Api, size: int) -> None:
    status = calls.register(registration_of_size(size), as_base64=True)[0]
    assert status == (200 if size <= LIMIT else 413)


def test_the_limit_is_a_setting(calls: Api, configure: Configure, actors: Actors) -> None:
    configure({**PUBLIC, "MAX_REQUEST_BODY_BYTES": "100"})
    assert calls.register(registration_of_size(100))[0] == 200
    assert calls.register(registration_of_size(101))[::2] == (413, TOO_LARGE)
    agent = actors.user("kim.jane")
    assert calls.close(b" " * 101, *agent)[::2] == (413, TOO_LARGE)


def test_an_empty_or_absent_body_is_not_refused(calls: Api, actors: Actors) -> None:
    agent = actors.user("kim.jane")
    assert calls.close(b"", *agent)[0] == 400  # {}: ajv's required rid
    assert calls.close(None, *agent)[0] == 400
