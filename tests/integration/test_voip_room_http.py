"""GET /api/v1/voip/room over real sockets against the local stack, provisioned with `voip-admin`:
every check of the spec (docs/contract/voip-room.md §1-§6, §8) end to end."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from tests.expected import ROOM_KEYS, compact
from tests.integration.conftest import LocalStack, Reply, run_admin

pytestmark = pytest.mark.integration

UNAUTHORIZED = '{"status":"error","message":"You must be logged in to do this."}'
FORBIDDEN = (
    '{"success":false,"error":"User does not have the permissions required for this action'
    ' [error-unauthorized]"}'
)
ONE_OF = "must match exactly one schema in oneOf"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def new_agent(stack: LocalStack, *roles: str) -> dict[str, str]:
    """A user created with `voip-admin create-user`; its X-User-Id / X-Auth-Token headers."""
    role_args = [arg for role in roles for arg in ("--role", role)]
    created = stack.admin("create-user", "--username", unique("agent"), *role_args)
    return {"X-User-Id": created["userId"], "X-Auth-Token": created["authToken"]}


def new_visitor(stack: LocalStack, *extra: str) -> str:
    token = unique("visitor")
    stack.admin("create-visitor", "--token", token, "--username", unique("caller"), *extra)
    return token


class _Keys(list[Any]):
    """An object's keys in order (a JSON array stays a plain list)."""


def keys_in_order(text: str) -> Any:
    """The body's keys as written; a nested object's as (key, its keys)."""

    def pairs(items: list[tuple[str, Any]]) -> _Keys:
        return _Keys((key, value) if isinstance(value, _Keys) else key for key, value in items)

    return json.loads(text, object_pairs_hook=pairs)


def assert_transport_headers(reply: Reply) -> None:
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["Pragma"] == "no-cache"
    assert reply.headers["apigw-requestid"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-User-Id": "nobody"},
        {"X-Auth-Token": "whatever"},
        {"X-User-Id": "", "X-Auth-Token": ""},
        {"X-User-Id": "nobody", "X-Auth-Token": "not-a-token"},
    ],
    ids=["none", "user-only", "token-only", "empty", "unknown"],
)
def test_unauthenticated_requests_get_401(stack: LocalStack, headers: dict[str, str]) -> None:
    reply = stack.get_room("", headers)  # bad parameters too: authentication comes first
    assert (reply.status, reply.text) == (401, UNAUTHORIZED)
    assert_transport_headers(reply)


def test_token_of_another_user_and_deactivated_user_get_401(stack: LocalStack) -> None:
    first, second = new_agent(stack, "livechat-agent"), new_agent(stack, "livechat-agent")
    mixed = {"X-User-Id": first["X-User-Id"], "X-Auth-Token": second["X-Auth-Token"]}
    query = {"token": "x", "agentId": "y"}
    assert stack.get_room(query, mixed).status == 401
    assert stack.get_room(query, first).status == 400  # authenticated: invalid-token
    assert stack.admin("deactivate-user", "--user-id", first["X-User-Id"]) == {
        "userId": first["X-User-Id"],
        "active": False,
    }
    reply = stack.get_room(query, first)
    assert (reply.status, reply.text) == (401, UNAUTHORIZED)


def test_header_names_are_case_insensitive(stack: LocalStack) -> None:
    headers = {"x-user-id": stack.agent_id, "X-AUTH-TOKEN": stack.agent_token}
    reply = stack.get_room({"token": "no-such-visitor", "agentId": "x"}, headers)
    assert (reply.status, reply.json()) == (400, {"success": False, "error": "invalid-token"})


@pytest.mark.parametrize(
    ("query", "lines"),
    [
        ("", ["must have required property 'token'", "must have required property 'rid'"]),
        ("token=t", ["must have required property 'agentId'", "must have required property 'rid'"]),
        ("rid=r", ["must have required property 'token'", "must have required property 'token'"]),
        (
            "token=t&agentId=a&rid=r",
            ["must NOT have additional properties", "must NOT have additional properties"],
        ),
        (
            "token=t&agentId=a&foo=1",
            ["must NOT have additional properties", "must have required property 'rid'"],
        ),
        (
            "token=t&rid=r&direction=inbound",
            ["must have required property 'agentId'", "must NOT have additional properties"],
        ),
        (
            "token=t&agentId=a&direction=sideways",
            ["must be equal to one of the allowed values", "must have required property 'rid'"],
        ),
        ("token=t&token=u&agentId=a", ["must be string", "must have required property 'rid'"]),
        (
            "token=t&agentId=a&direction=inbound&direction=outbound",
            [
                "must be string",
                "must be equal to one of the allowed values",
                "must have required property 'rid'",
            ],
        ),
    ],
)
def test_invalid_queries_get_the_worked_400(
    stack: LocalStack, query: str, lines: list[str]
) -> None:
    reply = stack.get_room(query, stack.auth)
    error = "\n ".join([*lines, ONE_OF]) + " [invalid-params]"
    expected = {"success": False, "error": error, "errorType": "invalid-params"}
    assert (reply.status, reply.json()) == (400, expected)
    assert list(reply.json()) == ["success", "error", "errorType"]
    assert_transport_headers(reply)


def test_caller_without_the_permission_gets_403_after_validation(stack: LocalStack) -> None:
    no_roles = new_agent(stack)
    admin = new_agent(stack, "admin")
    visitor = new_visitor(stack)
    for headers in (no_roles, admin):
        reply = stack.get_room({"token": visitor, "agentId": stack.agent_id}, headers)
        assert (reply.status, reply.text) == (403, FORBIDDEN)
        assert_transport_headers(reply)
    assert stack.get_room("token=t&rid=r&foo=1", no_roles).status == 400


def test_business_errors(stack: LocalStack) -> None:
    visitor = new_visitor(stack)
    plain_user = new_agent(stack)
    cases = [
        ({"token": "no-such-visitor", "rid": "x"}, "invalid-token"),
        ({"token": "no-such-visitor", "agentId": stack.agent_id}, "invalid-token"),
        ({"token": visitor, "rid": "no-such-room"}, "invalid-room"),
        ({"token": visitor, "agentId": "no-such-agent"}, "agent-not-found"),
        ({"token": visitor, "agentId": ""}, "agent-not-found"),
        ({"token": visitor, "agentId": plain_user["X-User-Id"]}, "agent-not-found"),
    ]
    for query, error in cases:
        reply = stack.get_room(query, stack.auth)
        assert (reply.status, reply.text) == (
            400,
            compact({"success": False, "error": error}),
        ), query


def test_create_reuse_get_with_exact_key_order(stack: LocalStack) -> None:
    visitor = new_visitor(
        stack, "--name", "Mary Doe", "--department", "sales", "--phone", "+155501"
    )
    query = {"token": visitor, "agentId": stack.agent_id, "direction": "outbound"}

    created = stack.get_room(query, stack.auth)
    assert created.status == 200, created.text
    assert_transport_headers(created)
    body = created.json()
    assert keys_in_order(created.text) == [
        (
            "room",
            [
                *ROOM_KEYS[:9],
                ("v", ["_id", "token", "status", "username", "phone"]),
                ("servedBy", ["_id", "ts", "username"]),
                *ROOM_KEYS[11:13],
                ("source", ["type"]),
                *ROOM_KEYS[14:20],
                ("u", ["_id", "username"]),
                *ROOM_KEYS[21:],
            ],
        ),
        "newRoom",
        "success",
    ]
    room = body["room"]
    assert body["newRoom"] is True and body["success"] is True
    assert (room["fname"], room["name"], room["departmentId"]) == ("Mary Doe", "Mary Doe", "sales")
    assert room["v"]["token"] == visitor and room["v"]["phone"] == "+155501"
    assert room["servedBy"]["_id"] == room["u"]["_id"] == stack.agent_id
    assert room["direction"] == "outbound" and room["open"] is True

    reused = stack.get_room({"token": visitor, "agentId": "ignored-when-open"}, stack.auth)
    fetched = stack.get_room({"token": visitor, "rid": room["_id"]}, stack.auth)
    same_room_text = created.text.replace('"newRoom":true', '"newRoom":false')
    assert (reused.status, reused.text) == (200, same_room_text)
    assert (fetched.status, fetched.text) == (200, same_room_text)


def test_room_without_department_or_phone_has_no_such_keys(stack: LocalStack) -> None:
    visitor = new_visitor(stack)
    reply = stack.get_room({"token": visitor, "agentId": stack.agent_id}, stack.auth)
    room = reply.json()["room"]
    assert list(room) == [key for key in ROOM_KEYS if key != "departmentId"]
    assert list(room["v"]) == ["_id", "token", "status", "username"]
    assert room["direction"] == "inbound"


def test_another_visitors_room_is_invalid_room(stack: LocalStack) -> None:
    owner, other = new_visitor(stack), new_visitor(stack)
    room_id = stack.get_room({"token": owner, "agentId": stack.agent_id}, stack.auth).json()[
        "room"
    ]["_id"]
    reply = stack.get_room({"token": other, "rid": room_id}, stack.auth)
    assert (reply.status, reply.json()) == (400, {"success": False, "error": "invalid-room"})


def test_closed_room_is_returned_by_id_and_a_new_create_opens_another(stack: LocalStack) -> None:
    visitor = new_visitor(stack)
    first = stack.get_room({"token": visitor, "agentId": stack.agent_id}, stack.auth).json()["room"]
    closed = stack.admin("close-room", "--rid", first["_id"])
    assert "open" not in closed and closed["v"]["status"] == "offline" and closed["closedAt"]

    fetched = stack.get_room({"token": visitor, "rid": first["_id"]}, stack.auth)
    assert fetched.status == 200
    assert fetched.json() == {"room": closed, "newRoom": False, "success": True}

    again = stack.get_room({"token": visitor, "agentId": stack.agent_id}, stack.auth).json()
    assert again["newRoom"] is True and again["room"]["_id"] != first["_id"]


def test_empty_rid_is_treated_as_absent(stack: LocalStack) -> None:
    visitor = new_visitor(stack)
    reply = stack.get_room(f"token={visitor}&rid=", stack.auth)
    assert (reply.status, reply.json()) == (400, {"success": False, "error": "agent-not-found"})


def test_integration_token_and_bad_operator_input(stack: LocalStack) -> None:
    visitor = new_visitor(stack)
    issued = stack.admin("issue-token", "--user-id", stack.agent_id, "--name", unique("crm"))
    assert issued["expiresAt"] is None
    headers = {"X-User-Id": stack.agent_id, "X-Auth-Token": issued["authToken"]}
    assert stack.get_room({"token": visitor, "agentId": stack.agent_id}, headers).status == 200

    bad = run_admin(stack, "issue-token", "--user-id", "no-such-user")
    assert bad.returncode == 2 and bad.stdout == "" and len(bad.stderr.splitlines()) == 1


def test_a_room_holding_a_lone_surrogate_is_answered_not_a_gateway_error(
    stack: LocalStack,
) -> None:
    """docs/contract/voip-room.md §8: never a bare gateway error. The visitor's name, registered
    through the API, holds a lone surrogate; the room answers it escaped, as JSON.stringify writes
    it."""
    registered = stack.request(
        "POST",
        "/api/v1/livechat/visitor",
        {**stack.auth, "Content-Type": "application/json"},
        b'{"visitor":{"token":"lone-surrogate-name","name":"a\\ud800b"}}',
    )
    assert registered.status == 200, registered.text
    reply = stack.get_room({"token": "lone-surrogate-name", "agentId": stack.agent_id}, stack.auth)
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"] == "application/json"
    assert '"name":"a\\ud800b","fname":"a\\ud800b"' in reply.text
    assert json.loads(reply.text)["newRoom"] is True
