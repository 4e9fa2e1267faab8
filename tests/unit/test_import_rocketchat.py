"""`voip-admin import-rocketchat`'s mapping, phases and summary, against moto in process
(docs/migrating-from-rocketchat.md)."""

from __future__ import annotations

import json
from typing import Any

from voip_core.domain.models import TokenRecord, User
from voip_core.domain.visitors import Registration
from voip_core.services.accounts import Accounts
from voip_core.store.tokens import TokenStore
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api
from tests.unit.conftest import FakeClock, scan_tables
from tests.unit.import_example import (
    AGENT_ID,
    EXAMPLE_NOW_MS,
    LOGIN_1,
    LOGIN_2,
    OPEN_ROOM,
    PAT,
    example,
    meteor_hash,
    run_import,
)

EXAMPLE_STDOUT = (
    '{"dryRun": false, "loginExpirationDays": 90, "userRoles": ["livechat-agent"], "users": '
    '{"imported": 1, "unchanged": 0, "conflicts": 0, "skipped": {"no-voip-role": 1}}, "tokens": '
    '{"imported": 2, "unchanged": 0, "conflicts": 0, "skipped": {"expired": 1}}, "visitors": '
    '{"imported": 2, "unchanged": 0, "conflicts": 0, "skipped": {"no-token": 1}}, "rooms": '
    '{"imported": 2, "unchanged": 0, "conflicts": 0, "skipped": {"not-voip": 1}, "open": 1, '
    '"closedOnImport": 0}, "guestCounter": {"before": null, "after": 41, "next": "guest-43"}, '
    '"problems": []}'
)


def test_worked_example(services: Services, dynamodb: Any) -> None:
    assert json.dumps(run_import(services, example())) == EXAMPLE_STDOUT


def test_worked_example_second_run_changes_nothing(services: Services, dynamodb: Any) -> None:
    run_import(services, example())
    before = scan_tables(dynamodb)
    second = run_import(services, example())
    assert scan_tables(dynamodb) == before
    expected = json.loads(EXAMPLE_STDOUT)
    for kind in ("users", "tokens", "visitors", "rooms"):
        expected[kind]["unchanged"], expected[kind]["imported"] = expected[kind]["imported"], 0
    expected["guestCounter"]["before"] = 41
    assert second == expected


def test_dry_run_writes_nothing_and_says_what_would_be(services: Services, dynamodb: Any) -> None:
    before = scan_tables(dynamodb)
    planned = run_import(services, example(), dry_run=True)
    assert scan_tables(dynamodb) == before
    expected = json.loads(EXAMPLE_STDOUT)
    expected["dryRun"] = True
    assert planned == expected


def test_the_service_answers_with_what_was_imported(
    services: Services, api: Api, clock: FakeClock
) -> None:
    run_import(services, example())
    clock.now_ms = EXAMPLE_NOW_MS
    agent = (AGENT_ID, LOGIN_1)
    query = {"token": "vis-token-1", "rid": OPEN_ROOM["_id"]}
    status, _, body = api.call(query, *agent)
    expected = {"room": OPEN_ROOM, "newRoom": False, "success": True}
    assert (status, body) == (200, compact(expected))
    assert api.call(query, AGENT_ID, PAT)[2] == body
    assert api.call(query, AGENT_ID, LOGIN_2)[0] == 401
    reuse = api.call({"token": "vis-token-1", "agentId": AGENT_ID}, *agent)
    assert (reuse[0], json.loads(reuse[2])["newRoom"]) == (200, False)
    assert json.loads(reuse[2])["room"]["_id"] == OPEN_ROOM["_id"]
    status, _, body = api.close({"rid": OPEN_ROOM["_id"], "token": "vis-token-1"}, *agent)
    assert status == 200, body
    status, _, body = api.call({"token": "vis-token-1", "agentId": AGENT_ID}, *agent)
    assert json.loads(body)["newRoom"] is True


def test_the_next_new_caller_is_named_after_the_imported_ones(services: Services) -> None:
    run_import(services, example())
    created = services.visitor_service.create(Registration(token="t-new"))
    assert created["username"] == "guest-43"


def test_imported_items_are_the_services_own(services: Services) -> None:
    run_import(services, example())
    user = services.users.get(AGENT_ID)
    assert user == User(AGENT_ID, "ana.agent", None, ("user", "livechat-agent"), True)
    login = services.tokens.client.get_item(
        TableName=services.tokens.table, Key=services.tokens.key(meteor_hash(LOGIN_1))
    )["Item"]
    assert TokenStore.decode(login) == TokenRecord(
        meteor_hash(LOGIN_1), AGENT_ID, "2025-12-20T08:00:00.000Z", expires_at=1773993600
    )
    pats = Accounts(services.users, services.tokens).personal_access_tokens(AGENT_ID)
    assert [(t.name, t.last_token_part, t.created_at, t.expires_at) for t in pats] == [
        ("pbx", "pbx42A", "2025-06-01T12:00:00.000Z", None)
    ]
    visitor = services.visitors.get_record("vis-token-1")
    assert visitor is not None
    assert visitor.visitor.doc == example()["visitors"][0]
    assert visitor.open_room_id == OPEN_ROOM["_id"]
    assert visitor.held == {"phone": "phone:+15551230001", "email": None}
    assert services.visitors.tokens_by_phone("+15551230001")[0][1] == "vis-token-1"
    assert services.rooms.ids_for_visitor("6650f1c2a1b2c3d4e5f60719") == ["Mn3pQ8rStuvWxYz2a"]


def test_nothing_printed_holds_a_secret(services: Services) -> None:
    docs = example()
    docs["users"][0]["services"]["resume"]["loginTokens"].append({"hashedToken": "short"})
    text = json.dumps(run_import(services, docs)) + json.dumps(run_import(services, docs))
    secrets = [LOGIN_1, LOGIN_2, PAT, "vis-token", "short", "+1555"]
    secrets += [meteor_hash(token) for token in (LOGIN_1, LOGIN_2, PAT)]
    assert [secret for secret in secrets if secret in text] == []
    assert '"id": "hZ4kTq8mYw2NcR7aP token"' in text  # the malformed one, named by its user
