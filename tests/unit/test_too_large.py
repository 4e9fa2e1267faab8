"""Documents too large for one DynamoDB item: a clear 413 in the Rocket.Chat envelope, before
anything is written (never a 500 from DynamoDB's ValidationException)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.calls import Calls, compact, open_room, stored_room
from tests.unit.conftest import Actors, Api, scan_tables

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
def calls(api: Api) -> Calls:
    return Calls(api, rotate_ips=True)


def test_registering_a_visitor_too_large_to_store_is_413_and_writes_nothing(
    calls: Calls, dynamodb: Any
) -> None:
    before = scan_tables(dynamodb)
    status, _, body = calls.register(
        {"visitor": {"token": "big-1", "customFields": custom_field(HUGE_VALUE)}}
    )
    assert (status, body) == (413, TOO_LARGE)
    after = scan_tables(dynamodb)
    # The guest counter may have handed out a number; no visitor was stored.
    assert after["VisitorsTable"] == before["VisitorsTable"]


def test_a_visitor_that_fits_is_registered(calls: Calls) -> None:
    fields = custom_field("M" * 100_000)
    status, _, body = calls.register({"visitor": {"token": "big-2", "customFields": fields}})
    assert status == 200, body[:200]
    assert json.loads(body)["visitor"]["livechatData"] == {"notes": "M" * 100_000}


def test_closing_with_tags_too_large_to_store_is_413_and_the_room_stays_open(
    calls: Calls, api: Api, actors: Actors, dynamodb: Any
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
    assert stored_room(calls.api.module.services, room["_id"])["open"] is True
