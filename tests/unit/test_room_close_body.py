"""`POST /api/v1/voip/room.close`'s body rules (docs/contract/call-lifecycle.md §1, §5): ajv 8 with
`coerceTypes`, first error only, in the spec's order; and what coercion makes of the values."""

from __future__ import annotations

from typing import Any

import pytest
from voip_core.domain.rooms import new_call_room
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api, business, invalid, open_room, stored_room
from tests.unit.conftest import START_MS, Actors

VISITOR = "visitor-close-body"


@pytest.fixture
def calls(api: Api) -> Api:
    return api


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR, name="Mary", phone="+15550001")
    return actors.user("kim.jane")


# --- the body rules (ajv 8, coerceTypes, first error only) -------------------------------------

BODY_ERRORS = [
    ({}, "must have required property 'rid'"),
    ({"token": "t"}, "must have required property 'rid'"),
    ({"foo": 1}, "must have required property 'rid'"),
    ({"rid": "r"}, "must have required property 'token'"),
    ({"foo": 1, "rid": {}}, "must have required property 'token'"),
    ({"rid": "r", "token": "t", "foo": 1}, "must NOT have additional properties"),
    ({"rid": "r", "token": "t", "comment": "x"}, "must NOT have additional properties"),
    ({"rid": "r", "token": "t", "tags": ["a"]}, "must NOT have additional properties"),
    ({"rid": {"x": 1}, "token": []}, "must be string"),
    ({"rid": {}, "token": "t"}, "must be string"),
    ({"rid": [], "token": "t"}, "must be string"),
    ({"rid": "r", "token": {}}, "must be string"),
    ({"rid": "r", "token": ["t"]}, "must be string"),
    ({"rid": "r", "token": "t", "options": None}, "must be object"),
    ({"rid": "r", "token": "t", "options": "x"}, "must be object"),
    ({"rid": "r", "token": "t", "options": []}, "must be object"),
    ({"rid": "r", "token": "t", "options": {"tags": "a"}}, "must be array"),
    ({"rid": "r", "token": "t", "options": {"tags": 5}}, "must be array"),
    ({"rid": "r", "token": "t", "options": {"tags": True}}, "must be array"),
    ({"rid": "r", "token": "t", "options": {"tags": {}}}, "must be array"),
    ({"rid": "r", "token": "t", "options": {"tags": [{}]}}, "must be string"),
    ({"rid": "r", "token": "t", "options": {"tags": ["a", []]}}, "must be string"),
    ({"rid": "r", "token": "t", "options": {"comment": {}}}, "must be string"),
    ({"rid": "r", "token": "t", "options": {"comment": []}}, "must be string"),
    # comment is checked before tags
    ({"rid": "r", "token": "t", "options": {"tags": 5, "comment": {}}}, "must be string"),
    # rid before token before options
    ({"rid": {}, "token": {}, "options": 1}, "must be string"),
    ({"rid": "r", "token": {}, "options": 1}, "must be string"),
]


@pytest.mark.parametrize(("body", "message"), BODY_ERRORS)
def test_body_errors(
    calls: Api, agent: tuple[str, str], body: dict[str, Any], message: str
) -> None:
    status, headers, text = calls.close(body, *agent)
    assert (status, text) == (400, invalid(message))
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[]", b'"x"', b"1", b"null", b"true", b"{", b"NaN", b"  ", b'{"rid":"r",}'],
)
def test_not_an_object_is_must_be_object(calls: Api, agent: tuple[str, str], raw: bytes) -> None:
    assert calls.close(raw, *agent)[::2] == (400, invalid("must be object"))


def test_empty_body_is_an_empty_object(calls: Api, agent: tuple[str, str]) -> None:
    assert calls.close(b"", *agent)[::2] == (400, invalid("must have required property 'rid'"))


def test_body_is_json_whatever_the_content_type_and_base64(
    api: Api, calls: Api, agent: tuple[str, str]
) -> None:
    room = open_room(api, agent, VISITOR)
    body = {"rid": room["_id"], "token": VISITOR}
    status, _, text = calls.close(
        body, *agent, as_base64=True, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert (status, text) == (200, compact({"rid": room["_id"], "success": True}))


# --- coercion ------------------------------------------------------------------------------------


def put_room(services: Services, agent_id: str, rid: str, visitor_token: str) -> None:
    visitor = services.visitors.get(visitor_token)
    agent = services.users.get(agent_id)
    assert visitor is not None and agent is not None
    services.rooms.create_open_room(new_call_room(rid, visitor, agent, "inbound", START_MS))


COERCED = [
    # (rid as sent, the room's id, token as sent, the visitor's token)
    (123, "123", "t-123", "t-123"),
    (1.0, "1", "t-1", "t-1"),
    (1e21, "1e+21", "t-e21", "t-e21"),
    (0.000001, "0.000001", "t-small", "t-small"),
    ("r-bool", "r-bool", True, "true"),
    ("r-false", "r-false", False, "false"),
    ("r-num", "r-num", 42, "42"),
]


@pytest.mark.parametrize("case", COERCED)
def test_scalars_are_coerced_to_strings(
    calls: Api,
    actors: Actors,
    services: Services,
    agent: tuple[str, str],
    case: tuple[Any, str, Any, str],
) -> None:
    rid, stored_id, token, visitor_token = case
    actors.visitor(visitor_token, username=f"u-{visitor_token}")
    put_room(services, agent[0], stored_id, visitor_token)
    status, _, text = calls.close({"rid": rid, "token": token}, *agent)
    assert (status, text) == (200, compact({"rid": stored_id, "success": True}))
    assert "open" not in stored_room(services, stored_id)


def test_null_rid_and_token_become_empty_strings(calls: Api, agent: tuple[str, str]) -> None:
    # "" token finds no visitor: the handler's first refusal, not a validation error.
    assert calls.close({"rid": None, "token": None}, *agent)[::2] == (
        400,
        business("invalid-token"),
    )


@pytest.mark.parametrize("tags", ["", 0, 0.0, False, None])
def test_tags_coerced_to_null_mean_no_tags(
    api: Api, calls: Api, agent: tuple[str, str], services: Services, tags: Any
) -> None:
    room = open_room(api, agent, VISITOR)
    body = {"rid": room["_id"], "token": VISITOR, "options": {"tags": tags, "comment": None}}
    assert calls.close(body, *agent)[0] == 200
    assert "tags" not in stored_room(services, room["_id"])


def test_tag_items_are_coerced_and_stored(
    api: Api, calls: Api, agent: tuple[str, str], services: Services
) -> None:
    room = open_room(api, agent, VISITOR)
    options = {"comment": 7, "tags": [1, None, "vip", True, 2.50], "extra": {"kept": "out"}}
    assert calls.close({"rid": room["_id"], "token": VISITOR, "options": options}, *agent)[0] == 200
    assert stored_room(services, room["_id"])["tags"] == ["1", "", "vip", "true", "2.5"]


def test_empty_tags_array_adds_no_tags(
    api: Api, calls: Api, agent: tuple[str, str], services: Services
) -> None:
    room = open_room(api, agent, VISITOR)
    body = {"rid": room["_id"], "token": VISITOR, "options": {"tags": []}}
    assert calls.close(body, *agent)[0] == 200
    assert "tags" not in stored_room(services, room["_id"])
