"""No log line longer than a few KB (voip_core/observability.py): an exception's traceback and
text, or anything else a line carries, is shortened, and the line stays one JSON object that says
what happened."""

from __future__ import annotations

import io
import json
from typing import Any, NoReturn

import pytest
from voip_core.observability import MAX_LINE_BYTES, logger
from voip_core.wiring import Services

from tests.unit.calls import Api
from tests.unit.conftest import Actors

VISITOR = "visitor-log-bounds"
INTERNAL = '{"success":false,"error":"Internal server error"}'


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR, name="Mary")
    return actors.user("kim.jane")


def lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def assert_every_line_bounded(stream: io.StringIO) -> list[dict[str, Any]]:
    written = lines(stream)
    assert written
    for line in written:
        assert len(line.encode("utf-8")) <= MAX_LINE_BYTES, line[:300]
    return [json.loads(line) for line in written]


def recurse(*_: Any) -> NoReturn:
    descend(0)


def descend(depth: int) -> NoReturn:
    # Not `recurse()` itself: CPython 3.13.0 never raises RecursionError for a function calling
    # itself through `*args` (it grows the heap instead), and `make unit313` runs this file.
    descend(depth + 1)
    raise AssertionError("unreachable")


def test_a_thousand_frame_traceback_is_shortened(
    api: Api,
    agent: tuple[str, str],
    services: Services,
    service_logs: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The issue's 270 KB line: a RecursionError's traceback, every frame of it."""
    monkeypatch.setattr(services.room_service, "create_or_get", recurse)
    status, _, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert (status, body) == (500, INTERNAL)
    failure = next(r for r in assert_every_line_bounded(service_logs) if r.get("status") == 500)
    assert failure["message"] == "unexpected failure"
    assert failure["exception_name"] == "RecursionError"
    assert failure["exception"].rstrip().endswith("maximum recursion depth exceeded")
    assert failure["logTruncated"] is True
    assert failure["correlation_id"]


@pytest.mark.parametrize("piece", ["x", "é", "\U0001f600", '"', "\x01"])
def test_an_exception_quoting_a_huge_input_is_shortened(
    api: Api,
    agent: tuple[str, str],
    services: Services,
    service_logs: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
    piece: str,
) -> None:
    def quote_input(*_: Any) -> NoReturn:
        raise ValueError("bad input: " + piece * 1_000_000)

    monkeypatch.setattr(services.room_service, "create_or_get", quote_input)
    assert api.call({"token": VISITOR, "agentId": agent[0]}, *agent)[::2] == (500, INTERNAL)
    failure = next(r for r in assert_every_line_bounded(service_logs) if r.get("status") == 500)
    assert failure["exception_name"] == "ValueError"
    assert failure["exception"].startswith("Traceback")


def test_every_field_of_a_line_is_bounded(service_logs: io.StringIO) -> None:
    logger.info(
        "x" * 100_000, extra={"route": "é" * 50_000, "status": 400, "error": "\U0001f600" * 9999}
    )
    (record,) = assert_every_line_bounded(service_logs)
    assert record["status"] == 400 and record["logTruncated"] is True
    assert record["message"].startswith("xxx")


def test_short_lines_are_left_alone(service_logs: io.StringIO) -> None:
    logger.info("request handled", extra={"route": "GET /api/v1/voip/room", "status": 200})
    (record,) = assert_every_line_bounded(service_logs)
    assert "logTruncated" not in record
    assert (record["message"], record["status"]) == ("request handled", 200)
