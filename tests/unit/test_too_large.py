"""Documents too large for one DynamoDB item: a clear 413 in the Rocket.Chat envelope, before
anything is written (never a 500 from DynamoDB's ValidationException)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from voip_core.settings import MOST_REQUEST_BODY_BYTES

from tests.expected import compact
from tests.unit.calls import Api, open_room, stored_room
from tests.unit.conftest import PUBLIC_VISITOR_API, Actors, Configure, scan_tables

TOO_LARGE = compact(
    {
        "success": False,
        "error": "Request too large to store [error-request-too-large]",
        "errorType": "error-request-too-large",
    }
)
HUGE_VALUE = "M" * 500_000  # over DynamoDB's 400 KB item limit by itself


def custom_field(value: str) -> list[dict[str, Any]]:
    """A custom field: unbounded, unlike the fields a room copies (test_field_limits.py)."""
    return [{"key": "notes", "value": value, "overwrite": True}]


@pytest.fixture
def base_env() -> Mapping[str, str]:
    """The store's limit, reached through the public registration route:
    VISITOR_API_REQUIRES_AUTH=false."""
    return PUBLIC_VISITOR_API


@pytest.fixture
def calls(api: Api, configure: Configure) -> Api:
    """Bodies up to the most MAX_REQUEST_BODY_BYTES allows: these are the store's limit, not the
    body limit (tests/unit/test_body_limit.py)."""
    configure({"MAX_REQUEST_BODY_BYTES": str(MOST_REQUEST_BODY_BYTES)})
    return api.rotating_ips()


def test_registering_a_visitor_too_large_to_store_is_413_and_writes_nothing(
    calls: Api, dynamodb: Any
) -> None:
    before = scan_tables(dynamodb)
    status, _, body = calls.register(
        {"visitor": {"token": "big-1", "customFields": custom_field(HUGE_VALUE)}}
    )
    assert (status, body) == (413, TOO_LARGE)
    after = scan_tables(dynamodb)
    # The guest counter may have handed out a number; no visitor was stored.
    assert after["VisitorsTable"] == before["VisitorsTable"]


def test_a_visitor_that_fits_is_registered(calls: Api) -> None:
    fields = custom_field("M" * 100_000)
    status, _, body = calls.register({"visitor": {"token": "big-2", "customFields": fields}})
    assert status == 200, body[:200]
    assert json.loads(body)["visitor"]["livechatData"] == {"notes": "M" * 100_000}


def test_closing_with_tags_too_large_to_store_is_413_and_the_room_stays_open(
    calls: Api, api: Api, actors: Actors, dynamodb: Any
) -> None:
    actors.visitor("visitor-big-tags", name="Mary")
    agent = actors.user("kim.jane")
    room = open_room(api, agent, "visitor-big-tags")
    before = scan_tables(dynamodb)
    tags = ["t" * 1000] * 500
    body = {"rid": room["_id"], "token": "visitor-big-tags", "options": {"tags": tags}}
    status, _, answer = calls.close(body, *agent)
    assert (status, answer) == (413, TOO_LARGE)
    assert scan_tables(dynamodb)["RoomsTable"] == before["RoomsTable"]
    assert scan_tables(dynamodb)["VisitorsTable"] == before["VisitorsTable"]
    assert stored_room(calls.module.services, room["_id"])["open"] is True


def test_the_store_limit_holds_under_the_default_body_limit(
    calls: Api, api: Api, actors: Actors, dynamodb: Any, configure: Configure
) -> None:
    """A 64 KiB body can still make a document too large: each "é" is stored as 6 bytes."""
    configure({})
    actors.visitor("visitor-wide-tags", name="Mary")
    agent = actors.user("kim.jane")
    room = open_room(api, agent, "visitor-wide-tags")
    body = {"rid": room["_id"], "token": "visitor-wide-tags", "options": {"tags": ["é" * 32_000]}}
    assert len(compact(body).encode("utf-8")) <= 65_536
    before = scan_tables(dynamodb)
    assert calls.close(body, *agent)[::2] == (413, TOO_LARGE)
    assert scan_tables(dynamodb)["RoomsTable"] == before["RoomsTable"]
