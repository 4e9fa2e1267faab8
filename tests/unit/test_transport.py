"""Transport (docs/contract/voip-room.md §8): the headers on every response, and the 500
envelope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.wiring import Services
from voip_local.functions import LambdaContext

from tests.conftest import load_event
from tests.unit.calls import Api
from tests.unit.conftest import Actors, scan_tables

TRANSPORT = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}
INTERNAL = '{"success":false,"error":"Internal server error"}'
VISITOR = "visitor-tr-1"


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR)
    return actors.user("kim.jane")


def boom(*_: Any, **__: Any) -> Any:
    raise RuntimeError("unexpected")


def test_transport_headers_on_every_status(
    api: Api, actors: Actors, agent: tuple[str, str], services: Services, monkeypatch: Any
) -> None:
    plain = actors.user("plain.user", roles=("user",))
    good = {"token": VISITOR, "agentId": agent[0]}
    responses = [
        api.call(good, *agent),
        api.call("", *agent),
        api.call({"token": "nobody", "agentId": agent[0]}, *agent),
        api.call(good, None, None),
        api.call(good, *plain),
        api.call(good, *agent),
        api.call(good, *agent),
    ]
    monkeypatch.setattr(services.room_service, "create_or_get", boom)
    responses.append(api.call(good, *actors.user("admin.agent", roles=("admin", "livechat-agent"))))
    assert [status for status, _, _ in responses] == [200, 400, 400, 401, 403, 200, 429, 500]
    for _, headers, _ in responses:
        assert {name: headers[name] for name in TRANSPORT} == TRANSPORT


def test_lambda_response_shape(api: Api, agent: tuple[str, str]) -> None:
    event = load_event("voip_room_create.json")
    event["rawQueryString"] = f"token={VISITOR}&agentId={agent[0]}"
    event["headers"]["x-user-id"], event["headers"]["x-auth-token"] = agent
    response = api.module.lambda_handler(event, LambdaContext())
    assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is False
    assert isinstance(response["body"], str)
    assert json.loads(response["body"])["success"] is True


def test_unexpected_failure_is_the_500_envelope(
    api: Api, agent: tuple[str, str], services: Services, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services.room_service, "create_or_get", boom)
    status, headers, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert (status, body) == (500, INTERNAL)
    assert "Traceback" not in body
    assert headers["Content-Type"] == "application/json"
    assert headers["X-RateLimit-Remaining"] == "4"  # counted: it came after authentication


def test_failure_in_the_middle_of_a_create_writes_nothing(
    api: Api, agent: tuple[str, str], services: Services, dynamodb: Any, monkeypatch: Any
) -> None:
    before = scan_tables(dynamodb)
    with monkeypatch.context() as patch:
        patch.setattr(services.rooms, "create_open_room", boom)
        status, _, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert (status, body) == (500, INTERNAL)
    after = scan_tables(dynamodb)
    rate_table = services.settings.tables.rate_limits
    assert {t: items for t, items in after.items() if t != rate_table} == {
        t: items for t, items in before.items() if t != rate_table
    }
    status, _, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert status == 200
    assert json.loads(body)["newRoom"] is True


def test_unreadable_event_is_the_500_envelope(api: Api, agent: tuple[str, str]) -> None:
    event = load_event("voip_room_create.json")
    event["body"] = "%%% not base64 %%%"
    event["isBase64Encoded"] = True
    status, headers, body = api.invoke(event)
    assert (status, body) == (500, INTERNAL)
    assert {name: headers[name] for name in TRANSPORT} == TRANSPORT


def test_event_without_headers_or_query_is_401(api: Api) -> None:
    event = load_event("voip_room_no_auth.json")
    del event["headers"]
    del event["rawQueryString"]
    event.pop("queryStringParameters", None)
    status, headers, body = api.invoke(event)
    assert (status, body) == (
        401,
        '{"status":"error","message":"You must be logged in to do this."}',
    )
    assert {name: headers[name] for name in TRANSPORT} == TRANSPORT


def test_every_event_in_events_folder_is_answered(api: Api) -> None:
    """The sample events carry placeholder credentials: each gets the 401 envelope, never a 5xx."""
    for name in (
        "voip_room_create.json",
        "voip_room_get.json",
        "voip_room_invalid_params.json",
        "voip_room_no_auth.json",
    ):
        status, headers, _ = api.invoke(load_event(name))
        assert status == 401, name
        assert headers["Cache-Control"] == "no-store"
