"""import-rocketchat's mapping rules, one by one (docs/migrating-from-rocketchat.md): users by
role, tokens, visitors, rooms, the guest counter, and every skip reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.services.accounts import Accounts
from voip_core.store.tokens import TokenStore
from voip_core.wiring import Services

from tests.unit.conftest import Actors
from tests.unit.import_example import (
    AGENT_ID,
    EXAMPLE_NOW_MS,
    LOGIN_1,
    example,
    meteor_hash,
    run_import,
)


def agent(user_id: str = "u1", username: str = "u.one", **fields: Any) -> dict[str, Any]:
    return {"_id": user_id, "username": username, "roles": ["livechat-agent"], **fields}


def login(secret: str, when: str = "2026-01-01T00:00:00.000Z") -> dict[str, Any]:
    return {"when": when, "hashedToken": meteor_hash(secret)}


def with_tokens(user: dict[str, Any], *tokens: dict[str, Any]) -> dict[str, Any]:
    return {**user, "services": {"resume": {"loginTokens": list(tokens)}}}


def visitor(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "_id": f"v{n}",
        "token": f"tok-{n}",
        "username": f"guest-{n}",
        "ts": f"2025-12-0{n % 9 + 1}T09:00:00.000Z",
        **fields,
    }


def room(rid: str, n: int, ts: str = "2026-01-09T15:00:00.000Z", **fields: Any) -> dict[str, Any]:
    return {
        "_id": rid,
        "t": "v",
        "ts": ts,
        "v": {"_id": f"v{n}", "token": f"tok-{n}", "status": "online"},
        "servedBy": {"_id": "u1", "username": "u.one", "ts": ts},
        **fields,
    }


def token_item(services: Services, secret: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = services.tokens.client.get_item(
        TableName=services.tokens.table, Key=TokenStore.key(meteor_hash(secret))
    ).get("Item")
    return item


# --- users ----------------------------------------------------------------------------------


def test_users_are_chosen_by_role(services: Services) -> None:
    users = [
        agent("a1", "one"),
        agent("a2", "two", roles=["admin"]),
        agent("a3", "three", type="app"),
        agent("a4", None),
        agent("a5", "five", roles="admin"),
        {"username": "no-id", "roles": ["livechat-agent"]},
    ]
    summary = run_import(services, {"users": users})
    assert summary["users"] == {
        "imported": 1,
        "unchanged": 0,
        "conflicts": 0,
        "skipped": {"app-user": 1, "malformed": 2, "no-username": 1, "no-voip-role": 1},
    }
    assert [p["at"] for p in summary["problems"]] == ["line 5", "line 6"]
    assert services.users.get("a1") is not None
    assert services.users.get("a2") is None


def test_user_role_option_replaces_the_selection(services: Services) -> None:
    users = [agent("a1", "one"), agent("a2", "two", roles=["manager"])]
    summary = run_import(services, {"users": users}, user_roles=("manager",))
    assert summary["userRoles"] == ["manager"]
    assert summary["users"]["skipped"] == {"no-voip-role": 1}
    assert services.users.get("a2") is not None


def test_permission_roles_join_the_selection_and_a_role_the_service_lacks_is_a_problem(
    services: Services,
) -> None:
    permissions = [{"_id": "inbound-voip-calls", "roles": ["livechat-agent", "voip-desk"]}]
    users = [agent("a1", "one", roles=["voip-desk"])]
    summary = run_import(services, {"users": users, "permissions": permissions})
    assert summary["userRoles"] == ["livechat-agent", "voip-desk"]
    assert summary["users"]["imported"] == 1
    assert summary["problems"] == [
        {
            "file": "rocketchat_permissions.json",
            "at": "line 1",
            "id": "voip-desk",
            "reason": "role-not-in-VOIP_ROOM_ROLES",
        }
    ]


def test_a_username_held_by_another_user_is_never_replaced(
    services: Services, actors: Actors
) -> None:
    actors.user("u.one")
    refused = run_import(services, {"users": [agent()]}, dry_run=True)
    assert refused["users"]["conflicts"] == 1
    assert refused["problems"][0]["reason"] == "username-taken"
    summary = run_import(services, {"users": [agent()]}, overwrite=True)
    assert summary["users"]["conflicts"] == 1
    assert services.users.get("u1") is None


def test_overwrite_renames_a_user_and_moves_the_username_guard(
    services: Services, actors: Actors
) -> None:
    run_import(services, {"users": [agent(name="One")]})
    renamed = agent(username="u.uno", name="Uno")
    plan = run_import(services, {"users": [renamed]}, dry_run=True)
    assert plan["problems"][0]["reason"] == "differs-from-target"
    summary = run_import(services, {"users": [renamed]}, overwrite=True)
    assert summary["users"]["conflicts"] == 1
    assert summary["problems"][0]["reason"] == "overwritten"
    user = services.users.get("u1")
    assert user is not None and (user.username, user.name) == ("u.uno", "Uno")
    actors.user("u.one")  # the old name is free again
    assert run_import(services, {"users": [renamed]})["users"]["unchanged"] == 1


# --- tokens ---------------------------------------------------------------------------------


def test_login_expiry_comes_from_the_option_the_setting_or_90_days(services: Services) -> None:
    user = with_tokens(agent(), login("a-secret-token", "2025-12-01T00:00:00.000Z"))
    setting = [{"_id": "Accounts_LoginExpiration", "value": 30}]
    summary = run_import(services, {"users": [user], "settings": setting})
    assert (summary["loginExpirationDays"], summary["tokens"]["skipped"]) == (30, {"expired": 1})
    summary = run_import(services, {"users": [user]}, login_expiration_days=60)
    assert summary["loginExpirationDays"] == 60
    item = token_item(services, "a-secret-token")
    assert item is not None and item["expiresAt"] == {"N": str(1764547200 + 60 * 86400)}
    for unusable in (0, -5, "90", None):
        settings = [{"_id": "Accounts_LoginExpiration", "value": unusable}]
        plan = run_import(services, {"users": [user], "settings": settings}, dry_run=True)
        assert plan["loginExpirationDays"] == 90


def test_tokens_of_an_inactive_user_are_not_imported(services: Services) -> None:
    user = with_tokens(agent(active=False), login("a-secret-token"))
    summary = run_import(services, {"users": [user]})
    assert summary["tokens"]["skipped"] == {"user-inactive": 1}
    assert token_item(services, "a-secret-token") is None


@pytest.mark.parametrize(
    "token",
    [
        {"when": "2026-01-01T00:00:00.000Z", "hashedToken": "not-a-hash"},
        {"hashedToken": meteor_hash("x" * 20)},
        {"hashedToken": meteor_hash("x" * 20), "type": "personalAccessToken", "name": "n"},
        {"when": "2026-01-01T00:00:00.000Z", "hashedToken": meteor_hash("y" * 20), "type": "x"},
    ],
)
def test_a_malformed_token_is_a_problem(services: Services, token: dict[str, Any]) -> None:
    summary = run_import(services, {"users": [with_tokens(agent(), token)]})
    assert summary["tokens"]["skipped"] == {"malformed": 1}
    assert summary["problems"][0]["reason"] == "malformed"


def test_a_token_revoked_here_stays_revoked(services: Services) -> None:
    docs = example()
    run_import(services, docs)
    accounts = Accounts(services.users, services.tokens)
    assert accounts.revoke_personal_access_token(AGENT_ID, "pbx")
    summary = run_import(services, docs)
    assert summary["tokens"]["skipped"] == {"expired": 1, "revoked-in-target": 1}
    assert accounts.personal_access_tokens(AGENT_ID) == []


def test_a_hash_held_by_another_user_is_never_replaced(services: Services) -> None:
    users = [with_tokens(agent(), login("shared-secret")), with_tokens(agent("u2", "u.two"))]
    run_import(services, {"users": users})
    users[1] = with_tokens(agent("u2", "u.two"), login("shared-secret"))
    summary = run_import(services, {"users": users}, overwrite=True)
    assert summary["tokens"]["conflicts"] == 1
    assert summary["problems"][0]["reason"] == "token-taken"
    item = token_item(services, "shared-secret")
    assert item is not None and item["userId"] == {"S": "u1"}


def test_overwrite_replaces_a_tokens_metadata_for_the_same_user(services: Services) -> None:
    pat = {
        "hashedToken": meteor_hash("pat-secret-000"),
        "type": "personalAccessToken",
        "createdAt": "2025-06-01T12:00:00.000Z",
        "name": "old",
    }
    run_import(services, {"users": [with_tokens(agent(), pat)]})
    renamed = with_tokens(agent(), {**pat, "name": "new"})
    summary = run_import(services, {"users": [renamed]}, overwrite=True)
    assert summary["tokens"]["conflicts"] == 1
    accounts = Accounts(services.users, services.tokens)
    assert [t.name for t in accounts.personal_access_tokens("u1")] == ["new"]
    assert services.tokens.personal_access_token("u1", "old") is None
    assert run_import(services, {"users": [renamed]})["tokens"]["unchanged"] == 1


def test_tokens_follow_their_user(services: Services, actors: Actors) -> None:
    actors.user("u.one")  # the export's user cannot be imported: nor can its tokens
    user = with_tokens(agent(), login("a-secret-token"))
    summary = run_import(services, {"users": [user]}, overwrite=True)
    assert summary["tokens"] == {"imported": 0, "unchanged": 0, "conflicts": 0, "skipped": {}}


# --- visitors -------------------------------------------------------------------------------


def test_visitor_skip_reasons(services: Services) -> None:
    visitors = [
        visitor(1),
        {"_id": "v2", "username": "guest-2"},
        visitor(3, disabled=True),
        visitor(4, _id=None),
        visitor(5, name="x" * 200_000),
    ]
    summary = run_import(services, {"visitors": visitors})
    assert summary["visitors"] == {
        "imported": 1,
        "unchanged": 0,
        "conflicts": 0,
        "skipped": {"disabled": 1, "malformed": 1, "no-token": 1, "too-large": 1},
    }
    assert [p["reason"] for p in summary["problems"]] == ["malformed", "too-large"]


def test_a_visitor_token_held_by_another_visitor_is_never_replaced(
    services: Services, actors: Actors
) -> None:
    actors.visitor("tok-1")
    summary = run_import(services, {"visitors": [visitor(1)]}, overwrite=True)
    assert (summary["visitors"]["conflicts"], summary["problems"][0]["reason"]) == (
        1,
        "token-taken",
    )


def test_a_duplicate_token_in_the_export_first_wins(services: Services) -> None:
    summary = run_import(services, {"visitors": [visitor(1), visitor(1, _id="v9")]}, overwrite=True)
    assert (summary["visitors"]["imported"], summary["visitors"]["conflicts"]) == (1, 1)
    record = services.visitors.get_record("tok-1")
    assert record is not None and record.visitor.id == "v1"


def test_overwrite_replaces_a_visitor_and_keeps_its_open_room(services: Services) -> None:
    docs = {"visitors": [visitor(1)], "rooms": [room("r1", 1, open=True)]}
    run_import(services, docs)
    docs["visitors"] = [visitor(1, name="Renamed", phone=[{"phoneNumber": "+15550001"}])]
    assert run_import(services, docs, dry_run=True)["visitors"]["conflicts"] == 1
    summary = run_import(services, docs, overwrite=True)
    assert summary["problems"] == [
        {
            "file": "rocketchat_livechat_visitor.json",
            "at": "line 1",
            "id": "v1",
            "reason": "overwritten",
        }
    ]
    record = services.visitors.get_record("tok-1")
    assert record is not None
    assert (record.visitor.doc["name"], record.open_room_id) == ("Renamed", "r1")
    assert record.held["phone"] == "phone:+15550001"
    assert run_import(services, docs)["visitors"]["unchanged"] == 1


def test_visitors_with_rooms_keeps_only_the_rooms_callers(services: Services) -> None:
    docs = {"visitors": [visitor(1), visitor(2)], "rooms": [room("r2", 2)]}
    summary = run_import(services, docs, visitors_with_rooms=True)
    assert summary["visitors"]["skipped"] == {"no-room": 1}
    assert services.visitors.get("tok-1") is None
    assert services.visitors.get("tok-2") is not None


def test_a_phone_is_guarded_by_its_first_visitor_only(services: Services) -> None:
    phone = [{"phoneNumber": "+15550001"}]
    docs = {"visitors": [visitor(1, phone=phone), visitor(2, phone=phone)]}
    run_import(services, docs)
    records = [services.visitors.get_record(f"tok-{n}") for n in (1, 2)]
    held = [record.held["phone"] if record else "absent" for record in records]
    assert held == ["phone:+15550001", None]


# --- rooms ----------------------------------------------------------------------------------


def test_room_skip_reasons(services: Services) -> None:
    rooms = [
        room("r1", 1),
        {"_id": "GENERAL", "t": "c"},
        {**room("r3", 3), "v": {"_id": "v3"}},
        {**room("r4", 4), "ts": None},
        room("r5", 5, fname="x" * 200_000),
    ]
    summary = run_import(services, {"rooms": rooms})
    assert summary["rooms"]["skipped"] == {"malformed": 2, "not-voip": 1, "too-large": 1}
    assert summary["rooms"]["imported"] == 1


def test_several_open_rooms_of_one_caller_leave_the_newest_open(services: Services) -> None:
    rooms = [
        room("r-new", 1, "2026-01-09T15:00:00.000Z", open=True),
        room("r-old", 1, "2026-01-09T10:00:00.000Z", open=True),
        room("r-older", 1, "2026-01-08T10:00:00.000Z", open=True),
    ]
    summary = run_import(services, {"visitors": [visitor(1)], "rooms": rooms})
    assert (summary["rooms"]["open"], summary["rooms"]["closedOnImport"]) == (1, 2)
    assert summary["rooms"]["imported"] == 3
    old = services.rooms.get("r-old")
    assert old is not None
    assert old.doc == {
        **{key: value for key, value in rooms[1].items() if key != "open"},
        "v": {"_id": "v1", "token": "tok-1", "status": "offline"},
        "callDuration": 5 * 3600 * 1000,
        "closedAt": "2026-01-09T15:00:00.000Z",
        "closedBy": {"_id": "u1", "username": "u.one"},
        "closer": "user",
        "_updatedAt": "2026-01-09T15:00:00.000Z",
    }
    assert list(old.doc)[-4:] == ["callDuration", "closedAt", "closedBy", "closer"]
    record = services.visitors.get_record("tok-1")
    assert record is not None and record.open_room_id == "r-new"
    again = run_import(services, {"visitors": [visitor(1)], "rooms": rooms})
    assert (again["rooms"]["unchanged"], again["rooms"]["closedOnImport"]) == (3, 2)


def test_an_open_room_without_its_visitor_is_linked_by_a_later_run(services: Services) -> None:
    rooms = [room("r1", 1, open=True)]
    summary = run_import(services, {"rooms": rooms})
    assert (summary["rooms"]["imported"], summary["rooms"]["open"]) == (1, 0)
    assert summary["problems"] == [
        {"file": "rocketchat_room.json", "at": "line 1", "id": "r1", "reason": "unlinked-open-room"}
    ]
    run_import(services, {"visitors": [visitor(1)]})
    summary = run_import(services, {"rooms": rooms})
    assert (summary["rooms"]["imported"], summary["rooms"]["open"], summary["problems"]) == (
        1,
        1,
        [],
    )
    record = services.visitors.get_record("tok-1")
    assert record is not None and record.open_room_id == "r1"
    assert record.visitor.open_room == rooms[0]


def test_an_open_room_is_never_replaced_nor_a_visitors_other_open_room(
    services: Services,
) -> None:
    run_import(services, {"visitors": [visitor(1)], "rooms": [room("r1", 1, open=True)]})
    changed = room("r1", 1, open=True, fname="changed")
    summary = run_import(services, {"rooms": [changed]}, overwrite=True)
    assert summary["problems"][0]["reason"] == "room-open-in-target"
    summary = run_import(services, {"rooms": [room("r2", 1, open=True)]}, overwrite=True)
    assert summary["problems"][0]["reason"] == "visitor-has-open-room"
    assert services.rooms.get("r2") is None


def test_closed_rooms_are_replaced_by_closed_rooms_with_overwrite(services: Services) -> None:
    run_import(services, {"rooms": [room("r1", 1, closer="user")]})
    changed = room("r1", 1, closer="visitor")
    assert run_import(services, {"rooms": [changed]}, dry_run=True)["rooms"]["conflicts"] == 1
    run_import(services, {"rooms": [changed]}, overwrite=True)
    stored = services.rooms.get("r1")
    assert stored is not None and stored.doc["closer"] == "visitor"


# --- the guest counter ----------------------------------------------------------------------


def test_the_guest_counter_follows_the_setting_and_names(services: Services) -> None:
    setting = [{"_id": "Livechat_guest_count", "value": 100}]
    summary = run_import(services, {"visitors": [visitor(7)], "settings": setting})
    assert summary["guestCounter"] == {"before": None, "after": 99, "next": "guest-101"}


def test_the_guest_counter_is_never_lowered(services: Services) -> None:
    services.counters.raise_to("livechat-guest", 500)
    summary = run_import(services, {"visitors": [visitor(7)]})
    assert summary["guestCounter"] == {"before": 500, "after": 500, "next": "guest-502"}
    assert services.counters.get("livechat-guest") == 500


def test_unsupported_values_are_skipped_and_listed(services: Services) -> None:
    from voip_admin.rocketchat.importer import Importer, Options
    from voip_admin.rocketchat.sources import MemoryRecord, MemorySource

    source = MemorySource("rocketchat_room.json", [])
    source.records = [MemoryRecord("line 4", {"_id": "r1"}, "ts: a Decimal128")]
    source.size = 1
    summary = Importer(services, {"rooms": source}, Options(), EXAMPLE_NOW_MS).run()
    assert summary["rooms"]["skipped"] == {"unsupported-value": 1}
    assert summary["problems"] == [
        {"file": "rocketchat_room.json", "at": "line 4", "id": "r1", "reason": "unsupported-value"}
    ]


def test_problems_are_capped_at_20(services: Services) -> None:
    rooms = [{**room(f"r{n}", 1), "v": {}} for n in range(30)]
    summary = run_import(services, {"rooms": rooms})
    assert (len(summary["problems"]), summary["rooms"]["skipped"]) == (20, {"malformed": 30})
    assert json.dumps(summary).count("malformed") == 21
    assert LOGIN_1 not in json.dumps(summary)
