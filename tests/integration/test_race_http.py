"""Races over HTTP against the local stack.

Concurrent creates for one visitor (docs/contract/voip-room.md §5, Deviation): every request answers
200 with the same room, exactly one says newRoom true, and the table holds one room for the visitor.
Concurrent registrations of one phone, or one email, with different tokens (issue 11 §5): every
request answers 200 with the same visitor, and the table holds one visitor with that phone or email.

RACE_ROUNDS (default 3) sets how many rounds of each run, each with a fresh visitor.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.integration.conftest import LocalStack
from tests.integration.test_voip_room_http import new_visitor, unique

pytestmark = pytest.mark.integration

CONCURRENT_REQUESTS = 32
CONCURRENT_REGISTRATIONS = 8
ROUNDS = int(os.environ.get("RACE_ROUNDS", "3"))


def rooms_of(stack: LocalStack, visitor_id: str) -> list[dict[str, Any]]:
    """The Rooms table's items for the visitor (its visitorId index), read from DynamoDB."""
    items: list[dict[str, Any]] = stack.dynamodb().query(
        TableName="RoomsTable",
        IndexName="visitorId-index",
        KeyConditionExpression="visitorId = :visitor",
        ExpressionAttributeValues={":visitor": {"S": visitor_id}},
    )["Items"]
    return items


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_concurrent_creates_make_one_room(stack: LocalStack, round_number: int) -> None:
    visitor = new_visitor(stack)
    target = "/api/v1/voip/room?" + urlencode({"token": visitor, "agentId": stack.agent_id})
    address = urlsplit(stack.api_url)
    start = threading.Barrier(CONCURRENT_REQUESTS)

    def create(_: int) -> tuple[int, str]:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.connect()  # connected first, so the requests leave together
            start.wait(timeout=30)
            connection.request("GET", target, headers=stack.auth)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8")
        finally:
            connection.close()

    with ThreadPoolExecutor(CONCURRENT_REQUESTS) as pool:
        replies = list(pool.map(create, range(CONCURRENT_REQUESTS)))

    assert [status for status, _ in replies] == [200] * CONCURRENT_REQUESTS, replies[:3]
    bodies = [json.loads(text) for _, text in replies]
    assert len({body["room"]["_id"] for body in bodies}) == 1
    assert sum(body["newRoom"] is True for body in bodies) == 1
    winner = next(body["room"] for body in bodies if body["newRoom"])
    assert all(body["room"] == winner for body in bodies)
    stored = rooms_of(stack, winner["v"]["_id"])
    assert [item["_id"]["S"] for item in stored] == [winner["_id"]]


def at_once(
    stack: LocalStack, requests: list[tuple[str, str, bytes | None]]
) -> list[tuple[int, str]]:
    """Each (method, target, body) on its own connection, all sent at the same moment, with the
    agent's credentials (valid whether or not the visitor routes require them)."""
    address = urlsplit(stack.api_url)
    start = threading.Barrier(len(requests))
    headers = {**stack.auth, "Content-Type": "application/json"}

    def send(request: tuple[str, str, bytes | None]) -> tuple[int, str]:
        method, target, body = request
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.connect()  # connected first, so the requests leave together
            start.wait(timeout=30)
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8")
        finally:
            connection.close()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def visitors_with(stack: LocalStack, attribute: str, value: str) -> list[str]:
    """Tokens of the Visitors items whose phone (or lower-cased email) is `value`, read
    consistently from the table itself."""
    pages = (
        stack.dynamodb()
        .get_paginator("scan")
        .paginate(
            TableName="VisitorsTable",
            ConsistentRead=True,
            FilterExpression="#key = :value",
            ExpressionAttributeNames={"#key": attribute},
            ExpressionAttributeValues={":value": {"S": value}},
        )
    )
    return [item["token"]["S"] for page in pages for item in page["Items"]]


@pytest.mark.parametrize("round_number", range(ROUNDS))
@pytest.mark.parametrize("field", ["phone", "email"])
def test_concurrent_registrations_of_one_phone_or_email_make_one_visitor(
    stack: LocalStack, field: str, round_number: int
) -> None:
    value = unique("+1555") if field == "phone" else f"{unique('caller')}@example.com"
    tokens = [unique("race") for _ in range(CONCURRENT_REGISTRATIONS)]
    bodies = [json.dumps({"visitor": {"token": token, field: value}}).encode() for token in tokens]
    replies = at_once(stack, [("POST", "/api/v1/livechat/visitor", body) for body in bodies])
    assert [status for status, _ in replies] == [200] * len(tokens), replies[:3]
    visitors = [json.loads(text)["visitor"] for _, text in replies]
    assert len({visitor["_id"] for visitor in visitors}) == 1
    (stored,) = visitors_with(stack, field, value)
    assert stored in tokens
