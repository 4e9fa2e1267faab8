"""Integration (personal access) tokens (docs/contract/call-lifecycle.md §4, §5): issued with
`voip-admin issue-token --name`, stored only as base64(SHA-256), never expiring, authenticating a
connector's whole call exactly like a login token, one name per user even when issues conflict in
DynamoDB, listed, revoked, and gone with their user's deactivation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from voip_admin.cli import main as voip_admin
from voip_core.domain.auth import hash_token
from voip_core.domain.models import TokenRecord
from voip_core.store.tokens import PERSONAL_ACCESS_TOKEN, DuplicateTokenName
from voip_core.wiring import Services

from tests.unit.calls import Api
from tests.unit.conftest import Actors, FakeClock, scan_tables

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NOT_LOGGED_IN = '{"status":"error","message":"You must be logged in to do this."}'


class Admin:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def ok(self, *argv: str) -> dict[str, Any]:
        self.capsys.readouterr()
        assert voip_admin(list(argv)) == 0
        out, err = self.capsys.readouterr()
        assert err == "" and out.count("\n") == 1
        result: dict[str, Any] = json.loads(out)
        return result

    def refused(self, *argv: str) -> str:
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            voip_admin(list(argv))
        out, err = self.capsys.readouterr()
        assert (exited.value.code, out, err.count("\n")) == (2, "", 1)
        return err.strip()


@pytest.fixture
def admin(capsys: pytest.CaptureFixture[str], dynamodb: Any) -> Admin:
    return Admin(capsys)


@pytest.fixture
def agent(admin: Admin) -> dict[str, Any]:
    return admin.ok("create-user", "--username", "connector.bot", "--role", "livechat-agent")


@pytest.fixture
def calls(api: Api) -> Api:
    return api.rotating_ips()


def whole_call(api: Api, calls: Api, user_id: str, token: str, visitor: str) -> int:
    """register → room → close with this token (on every call: the visitor routes require it by
    default); the status of the first refusal, else 200.
    The caller's phone matches the first call's visitor, whose token the answer carries: a
    connector uses the answer's token from then on."""
    auth = {"X-User-Id": user_id, "X-Auth-Token": token}
    status, _, text = calls.register(
        {"visitor": {"token": visitor, "phone": "+1555"}}, headers=auth
    )
    if status != 200:
        return status
    visitor_token = json.loads(text)["visitor"]["token"]
    status, _, text = api.call({"token": visitor_token, "agentId": user_id}, user_id, token)
    if status != 200:
        return status
    rid = json.loads(text)["room"]["_id"]
    status, _, _ = calls.close({"rid": rid, "token": visitor_token}, user_id, token)
    return status


def test_a_connector_runs_whole_calls_with_an_integration_token(
    admin: Admin, agent: dict[str, Any], api: Api, calls: Api, clock: FakeClock
) -> None:
    issued = admin.ok("issue-token", "--user-id", agent["userId"], "--name", "pbx-connector")
    assert list(issued) == ["userId", "authToken", "expiresAt"]
    assert issued["userId"] == agent["userId"] and issued["expiresAt"] is None
    assert TOKEN.match(issued["authToken"])
    assert whole_call(api, calls, agent["userId"], issued["authToken"], "call-1") == 200
    clock.advance(20 * 365 * 24 * 3600)  # no expiry; the login token has long expired by now
    assert whole_call(api, calls, agent["userId"], issued["authToken"], "call-2") == 200
    assert whole_call(api, calls, agent["userId"], agent["authToken"], "call-3") == 401
    # like a login token, it is bound to its user
    other = admin.ok("create-user", "--username", "other", "--role", "livechat-agent")
    assert whole_call(api, calls, other["userId"], issued["authToken"], "call-4") == 401


def test_stored_only_as_its_hash_with_name_date_and_last_part(
    admin: Admin, agent: dict[str, Any], services: Services, dynamodb: Any
) -> None:
    issued = admin.ok("issue-token", "--user-id", agent["userId"], "--name", "pbx")
    secret = issued["authToken"]
    item = dynamodb.get_item(
        TableName=services.settings.tables.tokens,
        Key={"hashedToken": {"S": hash_token(secret)}},
        ConsistentRead=True,
    )["Item"]
    assert item["userId"] == {"S": agent["userId"]}
    assert item["type"] == {"S": PERSONAL_ACCESS_TOKEN}
    assert item["name"] == {"S": "pbx"}
    assert item["lastTokenPart"] == {"S": secret[-6:]}
    assert ISO_MS.match(item["createdAt"]["S"])
    assert "expiresAt" not in item
    assert secret not in json.dumps(scan_tables(dynamodb))


def test_list_tokens_shows_integration_tokens_only_oldest_first(
    admin: Admin, agent: dict[str, Any], services: Services, clock: FakeClock
) -> None:
    names = ["b-second", "a-first", "c-third"]
    issued = [admin.ok("issue-token", "--user-id", agent["userId"], "--name", n) for n in names]
    admin.ok("issue-token", "--user-id", agent["userId"], "--ttl-seconds", "60")
    listed = admin.ok("list-tokens", "--user-id", agent["userId"])
    assert list(listed) == ["userId", "tokens"]
    assert [t["name"] for t in listed["tokens"]] == names
    for row, token in zip(listed["tokens"], issued, strict=True):
        assert list(row) == ["name", "type", "createdAt", "lastTokenPart"]
        assert row["type"] == "personalAccessToken"
        assert row["lastTokenPart"] == token["authToken"][-6:]
        assert hash_token(token["authToken"]) not in json.dumps(listed)
    created = [row["createdAt"] for row in listed["tokens"]]
    assert created == sorted(created)


def test_duplicate_name_is_refused_even_when_the_issues_race(
    admin: Admin, agent: dict[str, Any], services: Services, dynamodb: Any
) -> None:
    admin.ok("issue-token", "--user-id", agent["userId"], "--name", "pbx")
    assert admin.refused("issue-token", "--user-id", agent["userId"], "--name", "pbx").endswith(
        "A token with this name already exists"
    )
    # Two issuers that both found the name free: the name's guard item is claimed in the same
    # transaction as the token, so the second one's write is refused as a whole.
    first = TokenRecord(
        hash_token("x" * 43), agent["userId"], "2024-05-01T12:00:00.000Z",
        kind=PERSONAL_ACCESS_TOKEN, name="raced", last_token_part="xxxxxx",
    )  # fmt: skip
    second = TokenRecord(
        hash_token("y" * 43), agent["userId"], "2024-05-01T12:00:00.000Z",
        kind=PERSONAL_ACCESS_TOKEN, name="raced", last_token_part="yyyyyy",
    )  # fmt: skip
    services.tokens.put(first)
    with pytest.raises(DuplicateTokenName):
        services.tokens.put(second)
    names = [r.name for r in services.tokens.list_for_user(agent["userId"])]
    assert names.count("raced") == 1
    tokens_table = json.dumps(scan_tables(dynamodb)[services.settings.tables.tokens])
    assert hash_token("y" * 43) not in tokens_table


# The duplicate-name rule when DynamoDB cancels the issue's transaction for a conflict
# (TransactionConflict) rather than a failed condition.


def _record(user_id: str, secret: str, name: str) -> TokenRecord:
    return TokenRecord(
        hash_token(secret),
        user_id,
        "2024-05-01T12:00:00.000Z",
        kind=PERSONAL_ACCESS_TOKEN,
        name=name,
        last_token_part=secret[-6:],
    )


def _conflict_once(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The next TransactWriteItems is cancelled as DynamoDB cancels one that overlaps another
    transaction on the same item; later ones go through."""
    client = services.tokens.client
    real = client.transact_write_items
    calls: list[int] = []

    def transact(**kwargs: Any) -> Any:
        calls.append(len(kwargs["TransactItems"]))
        if len(calls) == 1:
            raise client.exceptions.TransactionCanceledException(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                    "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
                },
                "TransactWriteItems",
            )
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", transact)
    return calls


def test_a_conflicting_issue_of_a_taken_name_is_still_a_duplicate(
    services: Services, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, _ = actors.user("connector.bot")
    services.tokens.put(_record(user_id, "x" * 43, "pbx"))
    attempts = _conflict_once(services, monkeypatch)
    with pytest.raises(DuplicateTokenName):
        services.tokens.put(_record(user_id, "y" * 43, "pbx"))
    assert len(attempts) == 2
    names = [r.name for r in services.tokens.list_for_user(user_id)]
    assert names.count("pbx") == 1


def test_a_conflicting_issue_of_a_free_name_succeeds(
    services: Services, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, _ = actors.user("connector.bot")
    attempts = _conflict_once(services, monkeypatch)
    services.tokens.put(_record(user_id, "z" * 43, "pbx"))
    assert len(attempts) == 2
    assert [r.name for r in services.tokens.list_for_user(user_id) if r.name] == ["pbx"]


def test_revoke_is_immediate_and_frees_the_name(
    admin: Admin, agent: dict[str, Any], api: Api, calls: Api, services: Services
) -> None:
    issued = admin.ok("issue-token", "--user-id", agent["userId"], "--name", "pbx")
    assert whole_call(api, calls, agent["userId"], issued["authToken"], "call-1") == 200
    assert admin.ok("revoke-token", "--user-id", agent["userId"], "--name", "pbx") == {
        "userId": agent["userId"],
        "name": "pbx",
        "revoked": True,
    }
    assert whole_call(api, calls, agent["userId"], issued["authToken"], "call-2") == 401
    assert services.tokens.list_for_user(agent["userId"]) != []  # the login token stays
    assert admin.refused("revoke-token", "--user-id", agent["userId"], "--name", "pbx").endswith(
        "No token with this name"
    )
    admin.ok("issue-token", "--user-id", agent["userId"], "--name", "pbx")


def test_deactivating_the_user_deletes_every_token(
    admin: Admin, agent: dict[str, Any], api: Api, calls: Api, services: Services, dynamodb: Any
) -> None:
    pat = admin.ok("issue-token", "--user-id", agent["userId"], "--name", "pbx")
    admin.ok("issue-token", "--user-id", agent["userId"], "--name", "backup")
    assert admin.ok("deactivate-user", "--user-id", agent["userId"]) == {
        "userId": agent["userId"],
        "active": False,
    }
    assert whole_call(api, calls, agent["userId"], pat["authToken"], "call-1") == 401
    assert whole_call(api, calls, agent["userId"], agent["authToken"], "call-2") == 401
    assert scan_tables(dynamodb)[services.settings.tables.tokens] == []
    assert admin.ok("list-tokens", "--user-id", agent["userId"])["tokens"] == []


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--name", "pbx", "--ttl-seconds", "60"], "cannot be used together"),
        (["--name", ""], "name"),
        (["--name", "   "], "name"),
    ],
)
def test_issue_token_bad_input(
    admin: Admin, agent: dict[str, Any], dynamodb: Any, argv: list[str], reason: str
) -> None:
    before = scan_tables(dynamodb)
    assert reason in admin.refused("issue-token", "--user-id", agent["userId"], *argv)
    assert scan_tables(dynamodb) == before


def test_unknown_user_is_refused(admin: Admin, services: Services, dynamodb: Any) -> None:
    for argv in (
        ["issue-token", "--user-id", "NoSuchUser1234567", "--name", "pbx"],
        ["list-tokens", "--user-id", "NoSuchUser1234567"],
        ["revoke-token", "--user-id", "NoSuchUser1234567", "--name", "pbx"],
    ):
        assert "NoSuchUser1234567" in admin.refused(*argv)
    assert scan_tables(dynamodb)[services.settings.tables.tokens] == []


def test_revoke_right_after_issue_does_not_wait_for_the_users_index(
    admin: Admin, agent: dict[str, Any], monkeypatch: pytest.MonkeyPatch, api: Api, calls: Api
) -> None:
    """DynamoDB's index by user is eventually consistent: a token issued a moment ago may not show
    there yet. Revoking reads the name's guard item instead, consistently."""
    issued = admin.ok("issue-token", "--user-id", agent["userId"], "--name", "fresh")
    monkeypatch.setattr("voip_core.store.tokens.TokenStore.list_for_user", lambda *_: [])
    revoked = admin.ok("revoke-token", "--user-id", agent["userId"], "--name", "fresh")
    assert revoked == {"userId": agent["userId"], "name": "fresh", "revoked": True}
    status, _, body = api.call(
        {"token": "nobody", "agentId": agent["userId"]}, agent["userId"], issued["authToken"]
    )
    assert (status, body) == (401, NOT_LOGGED_IN)
