"""Secret hygiene: the suite-wide log watch (tests/conftest.py `secret_watch`) really catches a
logged secret, nothing leaks even at DEBUG, and token hashes are compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from voip_core.domain.auth import Credentials, authenticate, hash_token
from voip_core.domain.ids import new_secret
from voip_core.domain.models import TokenRecord, User
from voip_core.errors import Unauthorized
from voip_core.observability import logger as service_logger

from tests.secret_watch import SecretWatch
from tests.unit.calls import Api
from tests.unit.conftest import Actors

VISITOR = "visitor-1"


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR, name="Mary")
    return actors.user("kim.jane")


def _caught(watch: SecretWatch, message: str, **extra: Any) -> bool:
    """Whether the watch flags one log line; it is then forgotten so this test itself passes."""
    service_logger.warning(message, extra=extra)
    flagged = bool(watch.leaks())
    watch.lines.clear()
    return flagged


def test_the_watch_catches_every_kind_of_secret(
    secret_watch: SecretWatch, api: Api, agent: tuple[str, str]
) -> None:
    issued = new_secret()
    assert _caught(secret_watch, "issued", detail=issued)
    hashed = hash_token("a-token-hashed-during-the-test")
    assert _caught(secret_watch, f"looking up {hashed}")
    assert _caught(secret_watch, "unpadded", key=hashed.rstrip("="))
    assert _caught(
        secret_watch, "hex", key=hashlib.sha256(b"a-token-hashed-during-the-test").hexdigest()
    )
    assert _caught(secret_watch, "by the token", token="a-token-hashed-during-the-test")
    api.call({"token": VISITOR, "agentId": agent[0]}, agent[0], "header-value-never-issued")
    assert _caught(secret_watch, "header", value="header-value-never-issued")
    assert _caught(secret_watch, "login token of the agent", value=agent[1])
    assert not _caught(secret_watch, "request handled", route="GET /api/v1/voip/room")


def _leaks_of_a_create_and_a_401(api: Api, agent: tuple[str, str], watch: SecretWatch) -> list[str]:
    """The records that leaked while creating a room and refusing a wrong token; forgotten after,
    so the suite-wide watch reports them only through this test's assertion."""
    try:
        status, _, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
        assert status == 200, body
        assert api.call({"token": VISITOR}, agent[0], "wrong-token-0123456789")[0] == 401
        assert watch.lines, "nothing was logged: the check would prove nothing"
        return watch.leaks()
    finally:
        watch.lines.clear()


@pytest.fixture
def service_at_debug() -> Iterator[None]:
    """LOG_LEVEL=DEBUG: the service's own logger at DEBUG."""
    std_logger = logging.getLogger(service_logger.service)
    level = std_logger.level
    std_logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        std_logger.setLevel(level)


@pytest.mark.usefixtures("service_at_debug")
def test_nothing_leaks_with_log_level_debug(
    api: Api, agent: tuple[str, str], secret_watch: SecretWatch
) -> None:
    assert _leaks_of_a_create_and_a_401(api, agent, secret_watch) == []


@pytest.mark.usefixtures("service_at_debug")
def test_nothing_leaks_with_the_root_logger_at_debug(
    api: Api, agent: tuple[str, str], secret_watch: SecretWatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert _leaks_of_a_create_and_a_401(api, agent, secret_watch) == []


class _NoEquality(str):
    """A stored hash that fails the test if anything compares it with == or !=."""

    def __eq__(self, other: object) -> bool:
        raise AssertionError("a token hash was compared with ==, not in constant time")

    def __ne__(self, other: object) -> bool:
        raise AssertionError("a token hash was compared with !=, not in constant time")

    __hash__ = str.__hash__


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """Every hmac.compare_digest call (domain/auth.py's `hmac` is this module), still answered by
    it."""
    calls: list[tuple[Any, Any]] = []
    real_compare = hmac.compare_digest

    def spy(left: Any, right: Any) -> bool:
        calls.append((left, right))
        return real_compare(left, right)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


@pytest.mark.parametrize("presented, accepted", [("the-right-token", True), ("wrong", False)])
def test_hashes_are_compared_in_constant_time(
    compared: list[tuple[Any, Any]], presented: str, accepted: bool
) -> None:
    stored = _NoEquality(hash_token("the-right-token"))
    record = TokenRecord(hashed_token=stored, user_id="u1", created_at="2024-05-01T12:00:00.000Z")
    user = User(id="u1", username="kim.jane", roles=("livechat-agent",))
    credentials = Credentials(user_id="u1", token=presented)
    if accepted:
        assert authenticate(credentials, record, user, now_ms=0) == user
    else:
        with pytest.raises(Unauthorized):
            authenticate(credentials, record, user, now_ms=0)
    assert compared == [(stored, hash_token(presented))]


def test_a_request_authenticates_through_compare_digest(
    api: Api, agent: tuple[str, str], compared: list[tuple[Any, Any]]
) -> None:
    status, _, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert status == 200, body
    assert json.loads(body)["newRoom"] is True
    assert compared == [(hash_token(agent[1]), hash_token(agent[1]))]
