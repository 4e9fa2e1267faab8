"""events/*.json and env.json, the inputs of `sam local invoke` and `sam local start-api`.

Each event must be exactly what API Gateway (and the local API) would build for its request, and
must drive the handler to the expected answer once its placeholders are filled in: here the handler
runs in this process against the local stack's DynamoDB, the one a `sam local` container reaches
through env.json.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from voip_admin.template import load_template
from voip_core.settings import Settings
from voip_core.store.dynamo import make_client
from voip_core.wiring import Services
from voip_local.apigw import is_text, query_parameters
from voip_local.functions import LambdaContext, function_specs, load_handler
from voip_local.routes import http_api_routes, match_route

from tests.conftest import EVENTS, ROOT
from tests.integration.conftest import LocalStack

pytestmark = pytest.mark.integration

EVENT_FILES = sorted(EVENTS.glob("*.json"))
TEMPLATE = load_template()


def load(path: Path) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return event


@pytest.mark.parametrize("path", EVENT_FILES, ids=[path.name for path in EVENT_FILES])
def test_event_is_what_api_gateway_builds_for_its_request(path: Path) -> None:
    event = load(path)
    context = event["requestContext"]
    method, raw_path = context["http"]["method"], event["rawPath"]
    match = match_route(http_api_routes(TEMPLATE), method, raw_path)
    assert match is not None, f"{method} {raw_path}: no such route in template.yaml"
    assert event["version"] == "2.0"
    assert event["routeKey"] == context["routeKey"] == match.route.key
    assert context["http"]["path"] == raw_path and context["stage"] == "$default"
    assert event.get("pathParameters") == (match.path_parameters or None)
    assert event.get("queryStringParameters") == query_parameters(event["rawQueryString"])
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]
    assert isinstance(event["isBase64Encoded"], bool)
    if "body" in event:
        assert event["isBase64Encoded"] is not is_text(event["headers"].get("content-type"))
    assert isinstance(context["timeEpoch"], int) and context["requestId"]


def test_env_json_points_the_function_at_the_local_dynamodb() -> None:
    overrides = json.loads((ROOT / "env.json").read_text(encoding="utf-8"))
    assert set(overrides) <= set(function_specs(TEMPLATE))
    for variables in overrides.values():
        # Reachable from a container: the host's port, as `make run` publishes it by default.
        assert variables["DYNAMODB_ENDPOINT_URL"] == "http://host.docker.internal:8000"
        for name, value in variables.items():
            if name.endswith("_TABLE"):
                assert value == Settings.from_env({}).tables.__dict__[name[:-6].lower()]


def declared_variables(logical_id: str) -> set[str]:
    globals_env = TEMPLATE.get("Globals", {}).get("Function", {}).get("Environment", {})
    own_env = TEMPLATE["Resources"][logical_id]["Properties"].get("Environment", {})
    return set(globals_env.get("Variables", {})) | set(own_env.get("Variables", {}))


def test_env_json_sets_only_variables_the_template_declares() -> None:
    overrides = json.loads((ROOT / "env.json").read_text(encoding="utf-8"))
    for logical_id, variables in overrides.items():
        assert set(variables) <= declared_variables(logical_id)


class Invoker:
    """The function's handler, as `sam local invoke` runs it, on the local stack's DynamoDB."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.handler = load_handler(function_specs(TEMPLATE)["VoipRoomFunction"])
        self.module = sys.modules[self.handler.__module__]

    def __call__(self, name: str, **extra: str) -> tuple[int, dict[str, Any]]:
        text = (EVENTS / name).read_text(encoding="utf-8")
        for placeholder, value in {**self.values, **extra}.items():
            text = text.replace(placeholder, value)
        context = LambdaContext("VoipRoomFunction", 512, "arn:local", "request-1", 2**62)
        response = self.handler(json.loads(text), context)
        return response["statusCode"], json.loads(response["body"])


@pytest.fixture
def invoke(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoker]:
    visitor, caller = f"visitor-{secrets.token_hex(4)}", f"caller-{secrets.token_hex(4)}"
    stack.admin("create-visitor", "--token", visitor, "--username", f"user-{visitor}")
    values = {
        "REPLACE_WITH_USER_ID": stack.agent_id,
        "REPLACE_WITH_AGENT_ID": stack.agent_id,
        "REPLACE_WITH_AUTH_TOKEN": stack.agent_token,
        "demo-visitor-token": visitor,  # the demo visitor's token, a fresh visitor per test here
        "caller-5551234": caller,
    }
    invoker = Invoker(values)
    services = Services.build(Settings.from_env({}), make_client(stack.dynamodb_url, "us-east-1"))
    monkeypatch.setattr(invoker.module, "services", services)
    yield invoker


def test_events_drive_the_handler_to_the_expected_answers(invoke: Invoker) -> None:
    assert invoke("voip_room_no_auth.json") == (
        401,
        {"status": "error", "message": "You must be logged in to do this."},
    )
    status, body = invoke("voip_room_invalid_params.json")
    assert (status, body["errorType"]) == (400, "invalid-params")
    assert body["error"].startswith("must have required property 'token'\n")

    status, created = invoke("voip_room_create.json")
    assert (status, created["newRoom"], created["room"]["direction"]) == (200, True, "inbound")
    room_id = created["room"]["_id"]
    assert invoke("voip_room_get.json", REPLACE_WITH_ROOM_ID=room_id) == (
        200,
        {**created, "newRoom": False},
    )
    assert invoke("room_close.json", REPLACE_WITH_ROOM_ID=room_id) == (
        200,
        {"rid": room_id, "success": True},
    )
    status, history = invoke("rooms_list.json")
    assert (status, list(history)) == (200, ["rooms", "count", "total", "offset", "success"])
    assert room_id in [room["_id"] for room in history["rooms"]]  # newest first: just closed

    status, registered = invoke("visitor_register.json")
    assert status == 200 and registered["visitor"]["name"] == "Mary Jones"
    status, fetched = invoke("visitor_get.json")
    assert (status, fetched["visitor"]["_id"]) == (200, registered["visitor"]["_id"])
    status, erased = invoke("visitor_delete.json")
    assert (status, erased["visitor"]["_id"]) == (200, registered["visitor"]["_id"])
    assert invoke("visitor_get.json")[0] == 400
    # the visitor routes require voip/room's credentials by default
    assert invoke("visitor_register.json", REPLACE_WITH_AUTH_TOKEN="not-a-token") == (
        401,
        {"status": "error", "message": "You must be logged in to do this."},
    )
