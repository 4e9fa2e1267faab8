"""`POST /api/v1/livechat/visitor` over real sockets, as a connector sees it through the local
stack's gateway (docs/contract/call-lifecycle.md §2; docs/contract/voip-room.md §8): a lone
surrogate in a name is answered escaped, never the gateway's bare 500; an email is trimmed and
matched as JavaScript trims it. The unit suite's test_visitor_register.py holds every rule."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.conftest import LocalStack, Reply, every_rate_limit_off, running_stack

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def public_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Rocket.Chat's visitor routes are public: judged here as Rocket.Chat has them
    (VISITOR_API_REQUIRES_AUTH=false; the default is true)."""
    settings = {**every_rate_limit_off(), "VISITOR_API_REQUIRES_AUTH": "false"}
    with running_stack(tmp_path_factory.mktemp("visitor-register"), settings) as up:
        yield up


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def register(stack: LocalStack, raw_body: str) -> Reply:
    return stack.request("POST", "/api/v1/livechat/visitor", JSON, raw_body.encode("utf-8"))


def visitor_of(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.text
    visitor: dict[str, Any] = reply.json()["visitor"]
    return visitor


def test_a_lone_surrogate_in_a_name_is_answered_not_a_gateway_error(
    public_stack: LocalStack,
) -> None:
    """`"\\udc00"` is valid JSON. Every answer about that visitor is a JSON body with the
    character escaped as JSON.stringify escapes it, never the gateway's bare 500."""
    stack = public_stack
    token = unique("lone")
    reply = register(stack, json.dumps({"visitor": {"token": token, "name": "x\udc00y"}}))
    assert visitor_of(reply)["name"] == "x\udc00y"
    assert '"name":"x\\udc00y"' in reply.text
    reply = stack.request("GET", "/api/v1/livechat/visitor/" + quote(token, safe=""))
    assert visitor_of(reply)["name"] == "x\udc00y"
    room = stack.get_room({"token": token, "agentId": stack.agent_id}, stack.auth)
    assert room.status == 200, room.text
    assert room.json()["room"]["fname"] == "x\udc00y"


def test_the_email_is_trimmed_and_matched_as_javascript_does(public_stack: LocalStack) -> None:
    stack = public_stack
    mailbox = unique("mary") + "@example.org"
    first = visitor_of(
        register(stack, json.dumps({"visitor": {"token": unique("a"), "email": mailbox + "\x85"}}))
    )
    assert first["visitorEmails"] == [{"address": mailbox + "\x85"}]
    # U+0085 is not JavaScript whitespace: another address, another visitor
    second = visitor_of(
        register(stack, json.dumps({"visitor": {"token": unique("b"), "email": mailbox}}))
    )
    assert second["_id"] != first["_id"]
    # U+FEFF and U+00A0 are: the same address as the second visitor's, whose token is replaced
    token = unique("c")
    third = visitor_of(
        register(
            stack,
            json.dumps({"visitor": {"token": token, "email": "\ufeff" + mailbox.upper() + "\xa0"}}),
        )
    )
    assert (third["_id"], third["token"]) == (second["_id"], token)
