"""The handler (docs/contract/voip-room.md §5): visitor, then room or agent, in that order."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api
from tests.unit.conftest import Actors

INVALID_TOKEN = '{"success":false,"error":"invalid-token"}'
INVALID_ROOM = '{"success":false,"error":"invalid-room"}'
AGENT_NOT_FOUND = '{"success":false,"error":"agent-not-found"}'
VISITOR = "visitor-h-1"
OTHER_VISITOR = "visitor-h-2"


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR, name="Mary")
    actors.visitor(OTHER_VISITOR, name="Otto")
    return actors.user("kim.jane")


def rooms_in_table(dynamodb: Any, services: Services) -> list[dict[str, Any]]:
    items = dynamodb.scan(TableName=services.settings.tables.rooms, ConsistentRead=True)["Items"]
    return [json.loads(item["doc"]["S"]) for item in items]


def create(api: Api, agent: tuple[str, str], token: str = VISITOR, **extra: str) -> dict[str, Any]:
    status, _, body = api.call({"token": token, "agentId": agent[0], **extra}, *agent)
    assert status == 200, body
    created: dict[str, Any] = json.loads(body)
    assert created["newRoom"] is True
    return created["room"]


# --- 1. the visitor comes first -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"token": "nobody", "agentId": "AGENT"},
        {"token": "nobody", "agentId": "unknown-agent"},
        {"token": "nobody", "agentId": ""},
        {"token": "nobody", "rid": "ROOM"},
        {"token": "nobody", "rid": "unknown-room"},
        {"token": "nobody", "rid": ""},
        {"token": "", "agentId": "AGENT"},
    ],
)
def test_unknown_visitor_is_invalid_token_before_anything(
    api: Api, agent: tuple[str, str], query: dict[str, str]
) -> None:
    room = create(api, agent)
    filled = {
        key: {"AGENT": agent[0], "ROOM": room["_id"]}.get(value, value)
        for key, value in query.items()
    }
    status, _, body = api.call(filled, *agent)
    assert (status, body) == (400, INVALID_TOKEN)


# --- 2. with a room id ----------------------------------------------------------------------------


def test_unknown_room_id(api: Api, agent: tuple[str, str]) -> None:
    status, _, body = api.call({"token": VISITOR, "rid": "NoSuchRoom1234567"}, *agent)
    assert (status, body) == (400, INVALID_ROOM)


def test_room_of_another_visitor(api: Api, agent: tuple[str, str]) -> None:
    others = create(api, agent, token=OTHER_VISITOR)
    status, _, body = api.call({"token": VISITOR, "rid": others["_id"]}, *agent)
    assert (status, body) == (400, INVALID_ROOM)


@pytest.mark.parametrize("kind", ["l", "d", "c", "p"])
def test_room_of_another_kind(
    api: Api, agent: tuple[str, str], dynamodb: Any, services: Services, kind: str
) -> None:
    """A livechat (or any non-`v`) room that even carries this visitor's token is not found."""
    doc = {"_id": "OtherKindRoom1234", "t": kind, "v": {"token": VISITOR}, "open": True}
    dynamodb.put_item(
        TableName=services.settings.tables.rooms,
        Item={"_id": {"S": doc["_id"]}, "t": {"S": kind}, "doc": {"S": json.dumps(doc)}},
    )
    status, _, body = api.call({"token": VISITOR, "rid": doc["_id"]}, *agent)
    assert (status, body) == (400, INVALID_ROOM)


def test_own_open_room_by_id(api: Api, agent: tuple[str, str]) -> None:
    room = create(api, agent)
    status, _, body = api.call({"token": VISITOR, "rid": room["_id"]}, *agent)
    assert status == 200
    assert body == compact({"room": room, "newRoom": False, "success": True})


def test_closed_room_is_still_returned_by_id(
    api: Api, agent: tuple[str, str], services: Services
) -> None:
    room = create(api, agent)
    closed = services.room_service.close_as_operator(room["_id"])
    status, _, body = api.call({"token": VISITOR, "rid": room["_id"]}, *agent)
    assert status == 200
    answer = json.loads(body)
    assert answer == {"room": closed, "newRoom": False, "success": True}
    assert "open" not in answer["room"]
    assert answer["room"]["closedAt"]


# --- 3. without a room id -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"agentId": "AGENT"},
        {"agentId": "unknown-agent"},
        {"agentId": ""},
        {"agentId": "OTHER_AGENT", "direction": "outbound"},
        {"agentId": "AGENT", "direction": "outbound"},
        {"rid": ""},  # `rid=` is absent: Rocket.Chat also reuses the open room
    ],
)
def test_open_room_is_reused_whatever_agent_and_direction_say(
    api: Api,
    actors: Actors,
    agent: tuple[str, str],
    dynamodb: Any,
    services: Services,
    extra: dict[str, str],
) -> None:
    room = create(api, agent)
    other_agent_id, _ = actors.user("other.agent")
    filled = {
        key: {"AGENT": agent[0], "OTHER_AGENT": other_agent_id}.get(value, value)
        for key, value in extra.items()
    }
    status, _, body = api.call({"token": VISITOR, **filled}, *agent)
    assert status == 200
    assert body == compact({"room": room, "newRoom": False, "success": True})
    assert len(rooms_in_table(dynamodb, services)) == 1


def test_after_close_a_new_room_is_created(
    api: Api, agent: tuple[str, str], services: Services, dynamodb: Any
) -> None:
    first = create(api, agent)
    services.room_service.close_as_operator(first["_id"])
    second = create(api, agent)
    assert second["_id"] != first["_id"]
    assert len(rooms_in_table(dynamodb, services)) == 2


def test_each_visitor_has_its_own_room(api: Api, agent: tuple[str, str]) -> None:
    assert create(api, agent)["_id"] != create(api, agent, token=OTHER_VISITOR)["_id"]


def _no_username_agent(dynamodb: Any, services: Services) -> str:
    dynamodb.put_item(
        TableName=services.settings.tables.users,
        Item={
            "_id": {"S": "NoUsernameAgent12"},
            "roles": {"L": [{"S": "livechat-agent"}]},
            "active": {"BOOL": True},
        },
    )
    return "NoUsernameAgent12"


@pytest.mark.parametrize(
    "who", ["missing", "empty", "unknown", "no-role", "admin-only", "no-username", "guard-item"]
)
def test_agent_not_found(
    api: Api,
    actors: Actors,
    agent: tuple[str, str],
    dynamodb: Any,
    services: Services,
    who: str,
) -> None:
    query = {"token": VISITOR}
    if who == "missing":
        query["rid"] = ""  # the only valid query without agentId
    elif who == "empty":
        query["agentId"] = ""
    elif who == "unknown":
        query["agentId"] = "NoSuchAgent123456"
    elif who == "no-role":
        query["agentId"] = actors.user("plain.user", roles=("user",))[0]
    elif who == "admin-only":
        query["agentId"] = actors.user("root", roles=("admin",))[0]
    elif who == "no-username":
        query["agentId"] = _no_username_agent(dynamodb, services)
    else:
        query["agentId"] = "username:kim.jane"
    status, _, body = api.call(query, *agent)
    assert (status, body) == (400, AGENT_NOT_FOUND)
    assert rooms_in_table(dynamodb, services) == []


def test_inactive_agent_is_still_an_agent(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    """As in Rocket.Chat, the agent's `active` flag is not checked."""
    inactive_id, _ = actors.user("gone.agent", active=False)
    status, _, body = api.call({"token": VISITOR, "agentId": inactive_id}, *agent)
    assert status == 200, body
    assert json.loads(body)["room"]["servedBy"]["_id"] == inactive_id


def test_agent_other_than_caller(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    other_id, _ = actors.user("other.agent")
    room = create(api, agent, agentId=other_id)
    assert room["servedBy"]["_id"] == other_id
    assert room["servedBy"]["username"] == "other.agent"
    assert room["u"] == {"_id": other_id, "username": "other.agent"}


def test_agent_id_equal_to_caller_works(api: Api, agent: tuple[str, str]) -> None:
    room = create(api, agent)
    assert room["servedBy"]["_id"] == agent[0]
    assert room["u"] == {"_id": agent[0], "username": "kim.jane"}


@pytest.mark.parametrize(
    ("given", "stored"), [(None, "inbound"), ("inbound", "inbound"), ("outbound", "outbound")]
)
def test_direction_is_stored_with_inbound_by_default(
    api: Api, agent: tuple[str, str], given: str | None, stored: str
) -> None:
    extra = {} if given is None else {"direction": given}
    room = create(api, agent, **extra)
    assert room["direction"] == stored
    status, _, body = api.call({"token": VISITOR, "rid": room["_id"]}, *agent)
    assert status == 200
    assert json.loads(body)["room"]["direction"] == stored


def test_success_body_key_order(api: Api, agent: tuple[str, str]) -> None:
    status, _, body = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert status == 200
    assert list(json.loads(body)) == ["room", "newRoom", "success"]
    assert body.endswith(',"newRoom":true,"success":true}')


def test_business_errors_have_no_error_type(api: Api, agent: tuple[str, str]) -> None:
    for query in ({"token": "nobody", "agentId": agent[0]}, {"token": VISITOR, "agentId": "x"}):
        _, _, body = api.call(query, *agent)
        assert list(json.loads(body)) == ["success", "error"]


@pytest.mark.parametrize(
    ("field", "answer"),
    [("token", INVALID_TOKEN), ("rid", INVALID_ROOM), ("agentId", AGENT_NOT_FOUND)],
)
def test_oversized_keys_match_nothing(
    api: Api, agent: tuple[str, str], field: str, answer: str
) -> None:
    """DynamoDB refuses keys over 2048 bytes: such a value is simply not found (no 5xx)."""
    query = {"token": VISITOR, "rid" if field == "rid" else "agentId": agent[0]}
    query[field] = "é" * 1025  # 2050 bytes in UTF-8
    status, _, body = api.call(query, *agent)
    assert (status, body) == (400, answer)
