"""The rate limit (docs/contract/voip-room.md §7) over real sockets, on a stack of its own with
Rocket.Chat's limits (LOCAL_RATE_LIMITS=rocketchat: the template's defaults, 5 requests per window
and client IP for voip/room; `make run` alone starts with every limit off). The window is an hour
here, so that one test's requests fall into one window."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import LocalStack, Reply, running_stack
from tests.integration.test_voip_room_http import UNAUTHORIZED, new_agent, new_visitor

pytestmark = pytest.mark.integration

WINDOW_SECONDS = 3600
LIMIT = 5
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
REFUSED = re.compile(
    r'\{"success":false,"error":"Error, too many requests\. Please slow down\. You must wait'
    r' (\d+) seconds before trying this endpoint again\. \[error-too-many-requests\]"\}'
)


@pytest.fixture(scope="module")
def limited_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    directory: Path = tmp_path_factory.mktemp("limited")
    settings = {"LOCAL_RATE_LIMITS": "rocketchat", "RATE_LIMIT_WINDOW_SECONDS": str(WINDOW_SECONDS)}
    with running_stack(directory, settings) as stack:
        yield stack


def wait_for_a_fresh_window_if_this_one_ends_soon(margin_seconds: float = 20) -> None:
    left = WINDOW_SECONDS - (time.time() % WINDOW_SECONDS)
    if left < margin_seconds:
        time.sleep(left + 0.1)


def rate_headers(reply: Reply) -> tuple[str | None, ...]:
    return tuple(reply.headers.get(name) for name in RATE_HEADERS)


def test_default_limit_headers_refusal_and_exemptions(limited_stack: LocalStack) -> None:
    stack = limited_stack
    exempt = new_agent(stack, "livechat-agent", "bot")
    visitor = new_visitor(stack)
    wait_for_a_fresh_window_if_this_one_ends_soon()

    for _ in range(3):  # a 401 never uses up quota, and carries no rate-limit headers
        reply = stack.get_room({"token": visitor, "agentId": stack.agent_id})
        assert (reply.status, reply.text) == (401, UNAUTHORIZED)
        assert rate_headers(reply) == (None, None, None)
    for _ in range(LIMIT + 1):  # exempt roles are neither counted nor limited
        reply = stack.get_room({"token": visitor, "agentId": stack.agent_id}, exempt)
        assert reply.status == 200
        assert rate_headers(reply) == (None, None, None)

    window_end_ms = (int(time.time()) // WINDOW_SECONDS + 1) * WINDOW_SECONDS * 1000
    for remaining in range(LIMIT - 1, -1, -1):  # every answer after authentication counts
        reply = stack.get_room({"token": "no-such-visitor", "agentId": "x"}, stack.auth)
        assert reply.status == 400
        assert rate_headers(reply) == (str(LIMIT), str(remaining), str(window_end_ms))

    before_ms = time.time() * 1000
    refused = stack.get_room({"token": visitor, "agentId": stack.agent_id}, stack.auth)
    after_ms = time.time() * 1000
    assert refused.status == 429
    assert refused.headers["Content-Type"] == "application/json"
    assert rate_headers(refused) == (str(LIMIT), "0", str(window_end_ms))
    match = REFUSED.fullmatch(refused.text)
    assert match, refused.text
    wait_seconds = int(match.group(1))
    assert math.ceil((window_end_ms - after_ms) / 1000) <= wait_seconds
    assert wait_seconds <= math.ceil((window_end_ms - before_ms) / 1000)

    assert stack.get_room({"token": visitor}, {}).status == 401  # authentication still first
    assert stack.get_room({"token": visitor, "agentId": stack.agent_id}, exempt).status == 200
