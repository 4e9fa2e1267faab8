"""Abusive requests through the Lambda handler: huge and binary headers and parameters, invalid
UTF-8, parameter floods, odd header-name case, a body on a GET.

Where the input is invalid the answer is a clear 4xx in Rocket.Chat's envelope; where it is merely
unusual, the normal answer. Never a 500, never a traceback. Times are not asserted; the slowest
requests are reported at the end of the module.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import load_event
from tests.expected import compact
from tests.summary import report_line
from tests.unit.calls import Api
from tests.unit.conftest import Actors

VISITOR = "visitor-1"
KB8 = 8 * 1024
UNAUTHORIZED = '{"status":"error","message":"You must be logged in to do this."}'
INVALID_TOKEN = '{"success":false,"error":"invalid-token"}'
AGENT_NOT_FOUND = '{"success":false,"error":"agent-not-found"}'
INVALID_ROOM = '{"success":false,"error":"invalid-room"}'
ONE_OF = "must match exactly one schema in oneOf"
# Rocket.Chat's error bodies, by their keys in order.
ERROR_ENVELOPES = (["status", "message"], ["success", "error"], ["success", "error", "errorType"])

TIMINGS: list[tuple[float, str]] = []


def invalid_params(*lines: str) -> str:
    error = "\n ".join([*lines, ONE_OF]) + " [invalid-params]"
    body = {"success": False, "error": error, "errorType": "invalid-params"}
    return compact(body)


@pytest.fixture(scope="module", autouse=True)
def _report_slowest(request: pytest.FixtureRequest) -> Iterator[None]:
    TIMINGS.clear()
    yield
    if TIMINGS:
        slowest = sorted(TIMINGS, reverse=True)[:3]
        listed = ", ".join(f"{name} {seconds * 1000:.1f} ms" for seconds, name in slowest)
        report_line(request.config, f"\nabuse: {len(TIMINGS)} requests, slowest: {listed}")


@dataclass
class Caller:
    api: Api
    agent_id: str
    agent_token: str
    name: str

    def send(
        self,
        query: str,
        headers: dict[str, str] | None = None,
        credentials: bool = True,
        body: str | None = None,
        base64_body: bool = False,
    ) -> tuple[int, dict[str, str], str]:
        """The request as API Gateway would pass it: `headers` replace the credentials' headers
        when `credentials` is False."""
        event = load_event("voip_room_create.json")
        event["rawQueryString"] = query
        event.pop("queryStringParameters", None)
        sent = {k: v for k, v in event["headers"].items() if k not in ("x-user-id", "x-auth-token")}
        if credentials:
            sent.update({"x-user-id": self.agent_id, "x-auth-token": self.agent_token})
        sent.update(headers or {})
        event["headers"] = sent
        if body is not None:
            event["body"] = body
            event["isBase64Encoded"] = base64_body
        started = time.perf_counter()
        status, response_headers, text = self.api.invoke(event)
        TIMINGS.append((time.perf_counter() - started, self.name))
        assert status != 500 and "Traceback" not in text, text
        parsed = json.loads(text)
        if status >= 400:
            assert list(parsed) in ERROR_ENVELOPES, text
        return status, response_headers, text

    def create(self, extra: str = "") -> str:
        return f"token={VISITOR}&agentId={self.agent_id}{extra}"


@pytest.fixture
def caller(api: Api, actors: Actors, request: pytest.FixtureRequest) -> Caller:
    agent_id, agent_token = actors.user("kim.jane")
    actors.visitor(VISITOR, name="Mary")
    return Caller(api, agent_id, agent_token, request.node.name)


def assert_created(answer: tuple[int, dict[str, str], str]) -> None:
    status, _, text = answer
    assert status == 200, text
    body = json.loads(text)
    assert body["success"] is True
    assert body["room"]["v"]["token"] == VISITOR


# --- the headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_id, token",
    [
        pytest.param(None, "t" * KB8, id="8KB-token"),
        pytest.param("u" * KB8, None, id="8KB-user-id"),
        pytest.param("u" * KB8, "t" * KB8, id="8KB-both"),
        pytest.param(None, "\x00" * 16, id="NUL-token"),
        pytest.param(None, "AGENT_TOKEN\x00", id="token-then-NUL"),
        pytest.param("\x01\x02\x1b[31m\x7f", None, id="control-user-id"),
        # (" AGENT_TOKEN " authenticates: spaces and tabs around a header value are not part of
        # it, RFC 9110 §5.5; tests/unit/test_auth.py)
        pytest.param(None, "\u00a0AGENT_TOKEN\u00a0", id="token-in-no-break-spaces"),
        pytest.param(None, "AGENT_TOKEN,AGENT_TOKEN", id="token-given-twice"),
        pytest.param("\ud800", None, id="lone-surrogate-user-id"),
        pytest.param(None, "\udfff\ud800", id="lone-surrogate-token"),
        pytest.param(None, "😀" * 2000, id="emoji-token"),
        pytest.param("é" * 1025, None, id="2050-byte-user-id"),
    ],
)
def test_abusive_credentials_are_401(
    caller: Caller, user_id: str | None, token: str | None
) -> None:
    sent_id = user_id if user_id is not None else caller.agent_id
    sent_token = (token or caller.agent_token).replace("AGENT_TOKEN", caller.agent_token)
    headers = {"x-user-id": sent_id, "x-auth-token": sent_token}
    status, response_headers, text = caller.send(caller.create(), headers, credentials=False)
    assert (status, text) == (401, UNAUTHORIZED)
    assert not any(name.startswith("X-RateLimit") for name in response_headers)


@pytest.mark.parametrize(
    "user_id_name, token_name",
    [("X-User-Id", "X-Auth-Token"), ("X-USER-ID", "X-AUTH-TOKEN"), ("x-uSeR-iD", "X-auth-TOKEN")],
)
def test_header_names_in_any_case_authenticate(
    caller: Caller, user_id_name: str, token_name: str
) -> None:
    headers = {user_id_name: caller.agent_id, token_name: caller.agent_token}
    assert_created(caller.send(caller.create(), headers, credentials=False))


def test_hundreds_of_headers_are_just_headers(caller: Caller) -> None:
    junk = {f"x-junk-{i}": "v" * 100 for i in range(300)}
    assert_created(caller.send(caller.create(), junk))


# --- the query ------------------------------------------------------------------------------

LONG = "x" * KB8


def _query_cases() -> list[Any]:
    required_token = ("must have required property 'token'", "must have required property 'rid'")
    extra_for_create = ("must NOT have additional properties", "must have required property 'rid'")
    return [
        ("token=" + LONG + "&agentId=AGENT", INVALID_TOKEN, "8KB-visitor-token"),
        ("token=" + "%C3%A9" * 1024 + "&agentId=AGENT", INVALID_TOKEN, "2048-byte-token"),
        ("token=" + "%C3%A9" * 1025 + "&agentId=AGENT", INVALID_TOKEN, "2050-byte-token"),
        ("token=visitor-1&agentId=" + LONG, AGENT_NOT_FOUND, "8KB-agent-id"),
        ("token=visitor-1&rid=" + LONG, INVALID_ROOM, "8KB-rid"),
        ("token=%00&agentId=AGENT", INVALID_TOKEN, "NUL-token"),
        ("token=visitor-1%00&agentId=AGENT", INVALID_TOKEN, "token-then-NUL"),
        ("token=visitor-1\x01\x1b&agentId=AGENT", INVALID_TOKEN, "raw-control-bytes"),
        ("token=visitor-1&agentId=%00", AGENT_NOT_FOUND, "NUL-agent-id"),
        ("token=visitor-1&rid=%00%01%7F", INVALID_ROOM, "control-rid"),
        ("token=%FF&agentId=AGENT", INVALID_TOKEN, "invalid-utf8-token"),
        ("token=visitor-1&agentId=%C3%28", AGENT_NOT_FOUND, "invalid-utf8-agent-id"),
        ("token=visitor-1&rid=%ED%A0%80", INVALID_ROOM, "surrogate-escape-rid"),
        ("token=visitor-1#fragment&agentId=AGENT", INVALID_TOKEN, "hash-in-token"),
        ("%FF=1&token=visitor-1&agentId=AGENT", invalid_params(*extra_for_create), "bad-utf8-key"),
        (LONG + "=1&token=visitor-1&agentId=AGENT", invalid_params(*extra_for_create), "8KB-key"),
        ("toString=x&token=visitor-1&agentId=AGENT", invalid_params(*extra_for_create), "toString"),
        ("%" * KB8, invalid_params(*required_token), "8KB-of-percent"),
        (
            "token[" + "9" * KB8 + "]=x&agentId=AGENT",
            invalid_params("must be string", "must have required property 'rid'"),
            "8KB-digit-index",
        ),
        (
            "9" * KB8 + "=x&" + "token=visitor-1&agentId=AGENT",
            invalid_params(*extra_for_create),
            "8KB-digit-key",
        ),
        ("&" * KB8, invalid_params(*required_token), "8KB-of-ampersands"),
        (
            "token[a][b][c][d][e][f][g]=1&agentId=AGENT",
            invalid_params("must be string", "must have required property 'rid'"),
            "deep-nesting",
        ),
        (
            "token=visitor-1&agentId=AGENT&direction=INBOUND",
            invalid_params(
                "must be equal to one of the allowed values", "must have required property 'rid'"
            ),
            "direction-upper-case",
        ),
        (
            "&".join(f"p{i}=v" for i in range(500)) + "&token=visitor-1&agentId=AGENT",
            invalid_params(*extra_for_create),
            "500-parameters",
        ),
        (
            "&".join(f"p{i}=v" for i in range(1200)) + "&token=visitor-1&agentId=AGENT",
            invalid_params(*required_token),
            "1200-parameters-token-past-the-limit",
        ),
        ("&" * 1000 + "token=visitor-1&agentId=AGENT", invalid_params(*required_token), "1001st"),
    ]


@pytest.mark.parametrize(
    "query, expected", [pytest.param(q, e, id=name) for q, e, name in _query_cases()]
)
def test_abusive_queries_get_a_clear_400(caller: Caller, query: str, expected: str) -> None:
    status, _, text = caller.send(query.replace("AGENT", caller.agent_id))
    assert (status, text) == (400, expected)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param("&" * 1500, id="1500-empty-parameters-after"),
        pytest.param("&__proto__[token]=x&__proto__=y", id="proto-keys-dropped"),
        pytest.param("&direction=outbound", id="outbound"),
        pytest.param("&&&&", id="empty-parameters"),
    ],
)
def test_unusual_but_valid_queries_are_served(caller: Caller, extra: str) -> None:
    assert_created(caller.send(caller.create(extra)))


# --- a body on a GET ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, base64_body",
    [
        pytest.param('{"token":"someone-else","agentId":"nobody","rid":"x"}', False, id="json"),
        pytest.param(
            base64.b64encode(b'{"token":"someone-else"}').decode(), True, id="json-base64"
        ),
        pytest.param(base64.b64encode(bytes(range(256)) * 64).decode(), True, id="binary-16KB"),
        pytest.param("x" * 65_536, False, id="text-64KB"),
        pytest.param("", False, id="empty"),
    ],
)
def test_a_body_on_a_get_is_ignored(caller: Caller, body: str, base64_body: bool) -> None:
    assert_created(caller.send(caller.create(), body=body, base64_body=base64_body))


def test_a_body_over_the_limit_on_a_get_is_refused_like_any_other(caller: Caller) -> None:
    """The body limit comes first on every route, as a gateway's would (docs/compatibility.md)."""
    status, _, text = caller.send(caller.create(), body="x" * 100_000)
    assert (status, json.loads(text)["errorType"]) == (413, "error-request-too-large")


def test_a_body_cannot_stand_in_for_the_query(caller: Caller) -> None:
    body = json.dumps({"token": VISITOR, "agentId": caller.agent_id})
    status, _, text = caller.send("", body=body)
    assert (status, text) == (
        400,
        invalid_params("must have required property 'token'", "must have required property 'rid'"),
    )
