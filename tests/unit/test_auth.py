"""Authentication (docs/contract/voip-room.md §2): every path to 401, and the ones that must
pass."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.services.accounts import Accounts
from voip_core.wiring import Services

from tests.unit.calls import Api
from tests.unit.conftest import Actors, FakeClock

UNAUTHORIZED = '{"status":"error","message":"You must be logged in to do this."}'
VISITOR = "visitor-auth-1"


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR)
    return actors.user("kim.jane")


def room_query(agent_id: str) -> dict[str, str]:
    return {"token": VISITOR, "agentId": agent_id}


def assert_unauthorized(response: tuple[int, dict[str, str], str]) -> None:
    status, headers, body = response
    assert (status, body) == (401, UNAUTHORIZED)
    assert not [name for name in headers if name.lower().startswith("x-ratelimit")]
    assert headers["Content-Type"] == "application/json"


def test_valid_credentials_pass(api: Api, agent: tuple[str, str]) -> None:
    status, _, body = api.call(room_query(agent[0]), *agent)
    assert status == 200, body


@pytest.mark.parametrize(
    ("user_id", "token"),
    [(None, None), ("user", None), (None, "token"), ("", "token"), ("user", ""), ("", "")],
)
def test_missing_or_empty_header(
    api: Api, agent: tuple[str, str], user_id: str | None, token: str | None
) -> None:
    real_id, real_token = agent
    user_id = real_id if user_id == "user" else user_id
    token = real_token if token == "token" else token
    assert_unauthorized(api.call(room_query(real_id), user_id, token))


@pytest.mark.parametrize(
    ("id_header", "token_header"),
    [
        ("X-User-Id", "X-Auth-Token"),
        ("X-USER-ID", "X-AUTH-TOKEN"),
        ("x-User-ID", "x-auth-Token"),
    ],
)
def test_header_names_are_case_insensitive(
    api: Api, agent: tuple[str, str], id_header: str, token_header: str
) -> None:
    user_id, token = agent
    headers = {id_header: user_id, token_header: token}
    status, _, body = api.call(room_query(user_id), headers=headers)
    assert status == 200, body


@pytest.mark.parametrize("padding", [" ", "\t", "  ", " \t \t"])
def test_spaces_and_tabs_around_a_header_value_are_not_part_of_it(
    api: Api, agent: tuple[str, str], padding: str
) -> None:
    """RFC 9110 §5.5 (what Node does in front of Rocket.Chat): a client that sends
    `token + " "` is authenticated."""
    user_id, token = agent
    headers = {"X-User-Id": padding + user_id + padding, "X-Auth-Token": token + padding}
    status, _, body = api.call(room_query(user_id), headers=headers)
    assert status == 200, body


@pytest.mark.parametrize("padding", ["\u00a0", "\n", "\x0b", "\u3000"])
def test_other_whitespace_around_a_header_value_is_part_of_it(
    api: Api, agent: tuple[str, str], padding: str
) -> None:
    user_id, token = agent
    assert_unauthorized(api.call(room_query(user_id), user_id, token + padding))


def test_unknown_token(api: Api, agent: tuple[str, str]) -> None:
    assert_unauthorized(api.call(room_query(agent[0]), agent[0], agent[1] + "x"))


def test_token_of_another_user(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    _, other_token = actors.user("other.agent")
    assert_unauthorized(api.call(room_query(agent[0]), agent[0], other_token))


def test_unknown_user_id_with_a_valid_token(api: Api, agent: tuple[str, str]) -> None:
    assert_unauthorized(api.call(room_query(agent[0]), "NoSuchUser1234567", agent[1]))


def test_expired_token(api: Api, services: Services, clock: FakeClock, actors: Actors) -> None:
    actors.visitor(VISITOR)
    user_id, _ = actors.user("kim.jane")
    issued = Accounts(services.users, services.tokens).issue_login_token(user_id, clock(), 60)
    clock.advance(59.999)
    status, _, body = api.call(room_query(user_id), user_id, issued.token)
    assert status == 200, body
    clock.advance(0.001)
    assert_unauthorized(api.call(room_query(user_id), user_id, issued.token))


def test_token_without_expiry_never_expires(
    api: Api, services: Services, clock: FakeClock, actors: Actors
) -> None:
    actors.visitor(VISITOR)
    user_id, _ = actors.user("kim.jane")
    issued = Accounts(services.users, services.tokens).issue_personal_access_token(
        user_id, "connector", clock()
    )
    clock.advance(20 * 365 * 24 * 3600)
    status, _, body = api.call(room_query(user_id), user_id, issued.token)
    assert status == 200, body


def test_inactive_user(api: Api, actors: Actors) -> None:
    actors.visitor(VISITOR)
    user_id, token = actors.user("kim.jane", active=False)
    assert_unauthorized(api.call(room_query(user_id), user_id, token))


def test_deactivated_user_fails_at_once(
    api: Api, services: Services, agent: tuple[str, str]
) -> None:
    user_id, token = agent
    assert api.call(room_query(user_id), user_id, token)[0] == 200
    Accounts(services.users, services.tokens).deactivate(user_id)
    assert_unauthorized(api.call(room_query(user_id), user_id, token))


def test_deleted_user(api: Api, services: Services, dynamodb: Any, agent: tuple[str, str]) -> None:
    user_id, token = agent
    dynamodb.delete_item(TableName=services.settings.tables.users, Key={"_id": {"S": user_id}})
    assert_unauthorized(api.call(room_query(user_id), user_id, token))


def test_revoked_token_fails_at_once(
    api: Api, services: Services, dynamodb: Any, agent: tuple[str, str]
) -> None:
    user_id, token = agent
    assert api.call(room_query(user_id), user_id, token)[0] == 200
    for record in services.tokens.list_for_user(user_id):
        dynamodb.delete_item(
            TableName=services.settings.tables.tokens,
            Key={"hashedToken": {"S": record.hashed_token}},
        )
    assert_unauthorized(api.call(room_query(user_id), user_id, token))


def test_user_without_active_flag_is_active(
    api: Api, services: Services, dynamodb: Any, agent: tuple[str, str]
) -> None:
    """Imported data may lack the flag: Rocket.Chat treats such a user as active."""
    user_id, token = agent
    dynamodb.update_item(
        TableName=services.settings.tables.users,
        Key={"_id": {"S": user_id}},
        UpdateExpression="REMOVE active",
    )
    item = dynamodb.get_item(TableName=services.settings.tables.users, Key={"_id": {"S": user_id}})
    assert "active" not in item["Item"]
    status, _, body = api.call(room_query(user_id), user_id, token)
    assert status == 200, body


@pytest.mark.parametrize(
    ("token", "meteor_hash"),
    [
        ("abc", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="),
        ("pässwörd-tökén", "32nE0sMsT0Mg8Vo00i2aaHLvbXfM+bLtYI8/U9TjozE="),
    ],
)
def test_hash_exported_from_rocket_chat_authenticates(
    api: Api, services: Services, dynamodb: Any, actors: Actors, token: str, meteor_hash: str
) -> None:
    """Hashes computed by Meteor (`sha256(token).digest('base64')`, by node) work unchanged."""
    actors.visitor(VISITOR)
    user_id, _ = actors.user("kim.jane")
    dynamodb.put_item(
        TableName=services.settings.tables.tokens,
        Item={
            "hashedToken": {"S": meteor_hash},
            "userId": {"S": user_id},
            "createdAt": {"S": "2024-01-01T00:00:00.000Z"},
        },
    )
    status, _, body = api.call(room_query(user_id), user_id, token)
    assert status == 200, body


def test_token_is_never_stored(services: Services, dynamodb: Any, agent: tuple[str, str]) -> None:
    _, token = agent
    items = dynamodb.scan(TableName=services.settings.tables.tokens)["Items"]
    assert items
    assert token not in json.dumps(items)


@pytest.mark.parametrize("size", [2048, 2049, 5000])
def test_oversized_user_id_is_401_not_an_error(api: Api, agent: tuple[str, str], size: int) -> None:
    """DynamoDB refuses keys over 2048 bytes; such an id cannot match a user."""
    assert_unauthorized(api.call(room_query(agent[0]), "u" * size, agent[1]))


def test_oversized_token_is_401(api: Api, agent: tuple[str, str]) -> None:
    assert_unauthorized(api.call(room_query(agent[0]), agent[0], "t" * 10_000))


def test_username_guard_item_is_no_user(
    api: Api, services: Services, dynamodb: Any, agent: tuple[str, str]
) -> None:
    """The Users table also holds a `username:<name>` item that keeps usernames unique; a token
    pointing at it must not authenticate."""
    dynamodb.put_item(
        TableName=services.settings.tables.tokens,
        Item={
            "hashedToken": {"S": "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="},
            "userId": {"S": "username:kim.jane"},
            "createdAt": {"S": "2024-01-01T00:00:00.000Z"},
        },
    )
    assert_unauthorized(api.call(room_query(agent[0]), "username:kim.jane", "abc"))
