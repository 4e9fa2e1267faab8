"""No auth token, token hash or visitor token in any log line, on every path (docs/architecture.md,
"Conventions"; docs/contract/voip-room.md §8: a 500 is logged with the request id)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import secrets
from typing import Any

import pytest
from botocore.exceptions import ClientError
from voip_core.wiring import Services

from tests.conftest import load_event
from tests.unit.calls import Api
from tests.unit.conftest import Actors, Configure

REQUEST_ID = load_event("voip_room_create.json")["requestContext"]["requestId"]


def spellings(secret: str) -> list[str]:
    """The secret and every encoding of its hash that could end up in a line."""
    digest = hashlib.sha256(secret.encode("utf-8")).digest()
    return [
        secret,
        base64.b64encode(digest).decode(),
        base64.b64encode(digest).decode().rstrip("="),
        base64.urlsafe_b64encode(digest).decode().rstrip("="),
        digest.hex(),
    ]


class Scenario:
    def __init__(self, api: Api, actors: Actors) -> None:
        self.api = api
        self.visitor = "vt-" + secrets.token_hex(12)
        self.stranger_visitor = "vt-" + secrets.token_hex(12)
        self.wrong_token = "wt-" + secrets.token_urlsafe(24)
        actors.visitor(self.visitor, name="Mary")
        self.agent = actors.user("kim.jane")
        self.plain = actors.user("plain.user", roles=("user",))
        self.secrets = [self.visitor, self.stranger_visitor, self.wrong_token]
        self.secrets += [self.agent[1], self.plain[1]]

    def call(
        self, query: dict[str, str] | str, caller: tuple[str, str], source_ip: str = "192.0.2.1"
    ) -> int:
        return self.api.call(query, *caller, source_ip=source_ip)[0]


def log_records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def assert_no_secret(text: str, secret_values: list[str]) -> None:
    for secret in secret_values:
        for spelling in spellings(secret):
            assert spelling not in text, f"a secret ({spelling[:6]}...) was logged"


@pytest.fixture
def scenario(api: Api, actors: Actors) -> Scenario:
    return Scenario(api, actors)


def test_no_secret_on_any_path(
    scenario: Scenario,
    service_logs: io.StringIO,
    services: Services,
    configure: Configure,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    s = scenario
    create = {"token": s.visitor, "agentId": s.agent[0]}
    statuses = [
        s.call(create, s.agent),  # 200 created
        s.call(create, s.agent),  # 200 reused
        s.call(f"token={s.visitor}&rid=nope", s.agent),  # 400 invalid-room
        s.call({"token": s.stranger_visitor, "agentId": s.agent[0]}, s.agent),  # invalid-token
        s.call(f"token={s.visitor}&agentId=a&rid=r", s.agent),  # 400 invalid-params
        s.call(create, (s.agent[0], s.wrong_token)),  # 401
        s.call(create, ("", "")),  # 401
        s.call(create, s.plain, source_ip="192.0.2.2"),  # 403
        s.call(create, s.agent),  # 429
    ]
    assert statuses == [200, 200, 400, 400, 400, 401, 401, 403, 429]
    services = configure({"RATE_LIMIT_REQUESTS": "0"})
    monkeypatch.setattr(services.room_service, "create_or_get", _fail_with_client_error)
    assert s.call(create, s.agent) == 500
    records = log_records(service_logs)
    assert [r["status"] for r in records if "status" in r] == [*statuses, 500]
    assert all(r["correlation_id"] == REQUEST_ID for r in records if "status" in r)
    failure = [r for r in records if r["level"] == "ERROR"]
    assert len(failure) == 1
    assert failure[0]["correlation_id"] == REQUEST_ID
    assert "exception" in failure[0]
    assert_no_secret(service_logs.getvalue(), s.secrets)
    assert_no_secret(caplog.text, s.secrets)


def _fail_with_client_error(*_: Any, **__: Any) -> Any:
    raise ClientError(
        {"Error": {"Code": "ValidationException", "Message": "Item size has exceeded the limit"}},
        "TransactWriteItems",
    )


def test_unexpected_failure_is_logged_with_the_request_id(
    scenario: Scenario,
    service_logs: io.StringIO,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_: Any, **__: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.rooms, "create_open_room", fail)
    create = {"token": scenario.visitor, "agentId": scenario.agent[0]}
    assert scenario.call(create, scenario.agent) == 500
    (error,) = [r for r in log_records(service_logs) if r["level"] == "ERROR"]
    assert error["correlation_id"] == REQUEST_ID
    assert error["function_request_id"]
    assert "disk on fire" in error["exception"]
    assert_no_secret(service_logs.getvalue(), scenario.secrets)


def test_unreadable_event_is_logged_without_secrets(
    scenario: Scenario, service_logs: io.StringIO
) -> None:
    event = load_event("voip_room_create.json")
    event["rawQueryString"] = f"token={scenario.visitor}&agentId={scenario.agent[0]}"
    event["headers"]["x-user-id"], event["headers"]["x-auth-token"] = scenario.agent
    event["body"] = "not base64!"
    event["isBase64Encoded"] = True
    status, _, _ = scenario.api.invoke(event)
    assert status == 500
    assert any(r["level"] == "ERROR" for r in log_records(service_logs))
    assert_no_secret(service_logs.getvalue(), scenario.secrets)


def test_nothing_logs_the_event(scenario: Scenario, service_logs: io.StringIO) -> None:
    """Not the headers, nor the query string, nor the user agent: only what observability.py
    lists (route, status, error code)."""
    scenario.call({"token": scenario.visitor, "agentId": scenario.agent[0]}, scenario.agent)
    text = service_logs.getvalue()
    assert "curl/8.5.0" not in text
    assert "x-auth-token" not in text.lower()
    assert "rawQueryString" not in text
