"""A whole call over real sockets against the local stack (call-lifecycle.md): register the caller,
get the room, close it, and the next call gets a new room; concurrent closes; concurrent
registrations of one token; erasure. The connector sends its credentials on every call: the
visitor routes require them by default (VISITOR_API_REQUIRES_AUTH=true)."""

from __future__ import annotations

import http.client
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest

from tests.expected import compact
from tests.integration.conftest import LocalStack, Reply, running_stack

pytestmark = pytest.mark.integration

CONCURRENT_REGISTRATIONS = 32
JSON = {"Content-Type": "application/json"}
# Every route's limit off: over loopback every request comes from 127.0.0.1.
NO_LIMITS = {
    "RATE_LIMIT_REQUESTS": "0",
    "RATE_LIMIT_ROOM_CLOSE_REQUESTS": "0",
    "RATE_LIMIT_VISITOR_REGISTER_REQUESTS": "0",
    "RATE_LIMIT_VISITOR_GET_REQUESTS": "0",
    "RATE_LIMIT_VISITOR_DELETE_REQUESTS": "0",
}


@pytest.fixture(scope="module")
def lifecycle_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("lifecycle"), NO_LIMITS) as running:
        yield running


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def post_json(stack: LocalStack, path: str, body: Any, headers: dict[str, str]) -> Reply:
    return stack.request("POST", path, headers, json.dumps(body).encode("utf-8"))


def register(stack: LocalStack, visitor: dict[str, Any]) -> dict[str, Any]:
    reply = post_json(
        stack, "/api/v1/livechat/visitor", {"visitor": visitor}, {**stack.auth, **JSON}
    )
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"] == "application/json"
    registered: dict[str, Any] = reply.json()["visitor"]
    return registered


def get_room(stack: LocalStack, token: str) -> dict[str, Any]:
    reply = stack.get_room({"token": token, "agentId": stack.agent_id}, stack.auth)
    assert reply.status == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def close(stack: LocalStack, rid: str, token: str, **options: Any) -> Reply:
    body: dict[str, Any] = {"rid": rid, "token": token}
    if options:
        body["options"] = options
    return post_json(stack, "/api/v1/voip/room.close", body, {**stack.auth, **JSON})


def visitor_path(token: str) -> str:
    return "/api/v1/livechat/visitor/" + quote(token, safe="")


def test_a_whole_call_then_the_next_call_gets_a_new_room(lifecycle_stack: LocalStack) -> None:
    stack = lifecycle_stack
    caller = unique("caller")
    phone = "+1555" + secrets.token_hex(3)
    visitor = register(stack, {"token": caller, "name": "Mary Jones", "phone": phone})
    assert visitor["token"] == caller and visitor["status"] == "online"

    first = get_room(stack, caller)
    assert first["newRoom"] is True
    assert first["room"]["v"] == {
        "_id": visitor["_id"],
        "token": caller,
        "status": "online",
        "username": visitor["username"],
        "phone": phone,
    }
    assert get_room(stack, caller) == {**first, "newRoom": False}

    reply = close(stack, first["room"]["_id"], caller, comment="wrap-up", tags=["sales"])
    assert (reply.status, reply.text) == (
        200,
        compact({"rid": first["room"]["_id"], "success": True}),
    )
    assert reply.headers.get("X-RateLimit-Limit") is None  # limits are off on this stack
    closed = stack.get_room({"token": caller, "rid": first["room"]["_id"]}, stack.auth).json()
    assert "open" not in closed["room"] and closed["room"]["closer"] == "visitor"
    assert closed["room"]["tags"] == ["sales"]

    # The next call from the same caller, under a new per-call token: matched by phone.
    next_call = unique("call")
    again = register(stack, {"token": next_call, "phone": phone})
    assert again["_id"] == visitor["_id"] and again["token"] == caller
    second = get_room(stack, again["token"])
    assert second["newRoom"] is True and second["room"]["_id"] != first["room"]["_id"]
    assert close(stack, second["room"]["_id"], again["token"]).status == 200
    assert close(stack, second["room"]["_id"], again["token"]).text == (
        '{"success":false,"error":"room-closed"}'
    )

    # Erasure: the visitor and both rooms go; the token is free again.
    found = stack.request("GET", visitor_path(caller), stack.auth)
    assert found.json()["visitor"]["_id"] == visitor["_id"]
    erased = stack.request("DELETE", visitor_path(caller), stack.auth)
    assert erased.status == 200, erased.text
    assert list(erased.json()) == ["visitor", "success"]
    assert list(erased.json()["visitor"]) == ["_id", "ts"]
    for rid in (first["room"]["_id"], second["room"]["_id"]):
        found = stack.get_room({"token": caller, "rid": rid}, stack.auth)
        assert found.text == '{"success":false,"error":"invalid-token"}'
    assert stack.request("GET", visitor_path(caller), stack.auth).status == 400
    assert register(stack, {"token": caller})["_id"] != visitor["_id"]


UNAUTHORIZED = '{"status":"error","message":"You must be logged in to do this."}'


def test_the_visitor_routes_require_credentials_and_the_permission_by_default(
    lifecycle_stack: LocalStack,
) -> None:
    stack = lifecycle_stack
    caller = unique("guarded")
    register(stack, {"token": caller, "phone": "+15550199"})
    stranger = {"visitor": {"token": unique("stranger"), "phone": "+15550199"}}
    plain = stack.admin("create-user", "--username", unique("plain"))
    no_role = {"X-User-Id": plain["userId"], "X-Auth-Token": plain["authToken"]}
    for headers, status in (({}, 401), (no_role, 403)):
        reply = post_json(stack, "/api/v1/livechat/visitor", stranger, {**headers, **JSON})
        assert reply.status == status, reply.text
        assert caller not in reply.text
        for method in ("GET", "DELETE"):
            assert stack.request(method, visitor_path(caller), headers).status == status
    assert stack.request("GET", visitor_path(caller), {}).text == UNAUTHORIZED
    assert stack.request("GET", visitor_path(caller), stack.auth).status == 200


def test_path_tokens_are_decoded_and_bodies_read_whatever_the_content_type(
    lifecycle_stack: LocalStack,
) -> None:
    stack = lifecycle_stack
    token = unique("tök en+1")
    body = json.dumps({"visitor": {"token": token}}).encode("utf-8")
    # curl -d's form type: the local API base64-encodes it, as API Gateway does
    form = {**stack.auth, "Content-Type": "application/x-www-form-urlencoded"}
    reply = stack.request("POST", "/api/v1/livechat/visitor", form, body)
    assert reply.status == 200, reply.text
    found = stack.request("GET", visitor_path(token), stack.auth)
    assert found.status == 200 and found.json()["visitor"]["token"] == token
    assert stack.request("POST", "/api/v1/livechat/visitor", stack.auth, b"").text == (
        '{"success":false,"error":"Match error: Missing key \'visitor\'"}'
    )


def concurrently(count: int, stack: LocalStack, send: Callable[[Any], Reply]) -> list[Reply]:
    """`count` requests leaving together, each on its own connection, connected beforehand."""
    address = urlsplit(stack.api_url)
    start = threading.Barrier(count)

    def one(_: int) -> Reply:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.connect()
            start.wait(timeout=30)
            return send(connection)
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def sender(method: str, path: str, headers: dict[str, str], body: Any) -> Callable[[Any], Reply]:
    payload = json.dumps(body).encode("utf-8")

    def send(connection: http.client.HTTPConnection) -> Reply:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read().decode("utf-8"))

    return send


def test_two_concurrent_closes_one_wins(lifecycle_stack: LocalStack) -> None:
    stack = lifecycle_stack
    caller = unique("closer")
    register(stack, {"token": caller})
    room = get_room(stack, caller)["room"]
    send = sender(
        "POST",
        "/api/v1/voip/room.close",
        {**stack.auth, **JSON},
        {"rid": room["_id"], "token": caller},
    )
    replies = concurrently(2, stack, send)
    outcomes = sorted((reply.status, reply.text) for reply in replies)
    assert outcomes == [
        (200, compact({"rid": room["_id"], "success": True})),
        (400, '{"success":false,"error":"room-closed"}'),
    ]
    assert get_room(stack, caller)["newRoom"] is True


def test_concurrent_registrations_of_one_token_make_one_visitor(
    lifecycle_stack: LocalStack,
) -> None:
    stack = lifecycle_stack
    token = unique("burst")
    headers = {**stack.auth, **JSON}
    send = sender("POST", "/api/v1/livechat/visitor", headers, {"visitor": {"token": token}})
    replies = concurrently(CONCURRENT_REGISTRATIONS, stack, send)
    assert [reply.status for reply in replies] == [200] * CONCURRENT_REGISTRATIONS, replies[0].text
    visitors = [reply.json()["visitor"] for reply in replies]
    assert len({(v["_id"], v["username"], v["ts"]) for v in visitors}) == 1
    items = stack.dynamodb().query(
        TableName="VisitorsTable",
        KeyConditionExpression="#token = :token",
        ExpressionAttributeNames={"#token": "token"},
        ExpressionAttributeValues={":token": {"S": token}},
        ConsistentRead=True,
    )["Items"]
    assert len(items) == 1
    assert json.loads(items[0]["doc"]["S"])["_id"] == visitors[0]["_id"]
    # numbers taken by losers are skipped: names still increase strictly
    number = int(visitors[0]["username"].removeprefix("guest-"))
    later = register(stack, {"token": unique("later")})["username"]
    assert int(later.removeprefix("guest-")) > number


def test_cli_close_room_shares_the_close(lifecycle_stack: LocalStack) -> None:
    stack = lifecycle_stack
    caller = unique("cli")
    register(stack, {"token": caller})
    room = get_room(stack, caller)["room"]
    closed = stack.admin("close-room", "--rid", room["_id"])
    assert closed["closer"] == "user"
    assert closed["closedBy"] == {"_id": stack.agent_id, "username": room["servedBy"]["username"]}
    assert close(stack, room["_id"], caller).text == '{"success":false,"error":"room-closed"}'
    created = stack.admin("create-visitor", "--token", unique("cli-made"))
    assert created["username"].startswith("guest-")
    query = urlencode({"token": created["token"], "agentId": stack.agent_id})
    assert stack.request("GET", f"/api/v1/voip/room?{query}", stack.auth).status == 200
