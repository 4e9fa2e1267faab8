"""docs/openapi.yaml against the running local stack (`make run`'s stack, over real sockets):
schemathesis generates requests from the document, sends them authenticated as the demo agent, and
runs every one of its checks on each answer. It must find nothing.

Positive cases (data the document says is valid) name records that exist: their `token` is a
visitor provisioned here and their `rid` a room of that visitor, while `agentId` and `direction`
stay as generated (the visitor's open room is reused whatever they say, docs/contract/voip-room.md
§5); a visitor path's token is that visitor's (GET) or one registered for the occasion (DELETE:
erasing a visitor with an open room is refused); a call-history listing is of the demo agent's
own rooms (`agents[]`: an agent may list no other's). A schema states which requests are well
formed, not which ids exist; without this every positive case would be a 400 `invalid-token`.
Negative cases are sent as generated. The visitor routes require the demo agent's credentials, as
they do by default.

Every check runs but one: `unsupported_method` wants 405 for a method the document does not
declare, and API Gateway's HTTP API (like the local stack that mirrors it) answers a method with
no route 404 `{"message":"Not Found"}` before the function is reached. The requests with those
methods are still sent, and every other check (no 5xx among them) still applies to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import unsupported_method

from tests.conftest import ROOT
from tests.integration.conftest import LocalStack
from tests.summary import report_line

pytestmark = pytest.mark.integration

DOCUMENT = ROOT / "docs" / "openapi.yaml"
EXAMPLES_PER_PHASE = 300
VISITOR = "schemathesis-visitor-token"


@dataclass
class Records:
    stack: LocalStack
    visitor_token: str
    room_id: str
    sent: int = 0
    erasable: int = 0

    def name_existing_records(self, case: Any) -> None:
        meta = case.meta
        if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
            return
        if case.operation.path == "/api/v1/voip/rooms" and isinstance(case.query, dict):
            # the demo agent (view-l-room) may list its own rooms: every other listing is a 403
            case.query["agents[]"] = [self.stack.agent_id]
            return
        if isinstance(case.path_parameters, dict) and "token" in case.path_parameters:
            erasing = case.operation.method.upper() == "DELETE"
            case.path_parameters["token"] = self.new_visitor() if erasing else self.visitor_token
        if not isinstance(case.query, dict) or "token" not in case.query:
            return
        case.query["token"] = self.visitor_token
        if "rid" in case.query:
            case.query["rid"] = self.room_id

    def new_visitor(self) -> str:
        self.erasable += 1
        token = f"schemathesis-erasable-{self.erasable}"
        body = json.dumps({"visitor": {"token": token}}).encode()
        headers = {**self.stack.auth, "Content-Type": "application/json"}
        reply = self.stack.request("POST", "/api/v1/livechat/visitor", headers, body)
        assert reply.status == 200, reply.text
        return token


@pytest.fixture(scope="module")
def records(stack: LocalStack, request: pytest.FixtureRequest) -> Iterator[Records]:
    stack.admin("create-visitor", "--token", VISITOR, "--username", "schemathesis-caller")
    reply = stack.get_room({"token": VISITOR, "agentId": stack.agent_id}, stack.auth)
    assert reply.status == 200, reply.text
    found = Records(stack, VISITOR, str(reply.json()["room"]["_id"]))
    yield found
    report_line(request.config, f"\nschemathesis: {found.sent} generated requests sent")


# Loaded at import: schemathesis' lazy `from_fixture` loader reads a pytest-private node attribute
# that pytest 9 no longer has. The stack's URL is given to each call instead.
schema = schemathesis.openapi.from_path(DOCUMENT)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_PHASE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_stack_keeps_the_openapi_document(case: Any, records: Records) -> None:
    records.name_existing_records(case)
    records.sent += 1
    case.call_and_validate(
        base_url=records.stack.api_url,
        headers=records.stack.auth,
        excluded_checks=[unsupported_method],
    )
