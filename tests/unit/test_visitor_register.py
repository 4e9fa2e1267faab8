"""`POST /api/v1/livechat/visitor` (docs/contract/call-lifecycle.md §2, §5): which visitor a
registration is for (token → phone → email), the `guest-<n>` counter, key order, an email trimmed
and matched as JavaScript trims it, text written as JSON.stringify writes it, custom fields, the
rate limit, and lost races. The body rules are in test_visitor_check.py."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest
from voip_admin.cli import main as voip_admin
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api, rate_headers, too_many
from tests.unit.conftest import PUBLIC_VISITOR_API, START_MS, Actors, Configure, FakeClock

HEX_ID = re.compile(r"^[0-9a-f]{24}$")
NOW = "2024-05-01T12:00:00.000Z"


@pytest.fixture
def base_env() -> Mapping[str, str]:
    """Rocket.Chat's registration, on its public route: VISITOR_API_REQUIRES_AUTH=false."""
    return PUBLIC_VISITOR_API


@pytest.fixture
def calls(api: Api) -> Api:
    return api.rotating_ips()


@pytest.fixture
def limited(api: Api) -> Api:
    """Every request from one source IP."""
    return api


def match_error(text: str) -> str:
    return compact({"success": False, "error": f"Match error: {text}"})


def ok(calls: Api, visitor: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    status, _, text = calls.register({"visitor": visitor}, **kwargs)
    assert status == 200, text
    answer = json.loads(text)
    assert list(answer) == ["visitor", "success"] and answer["success"] is True
    registered: dict[str, Any] = answer["visitor"]
    return registered


def stored(services: Services, token: str) -> dict[str, Any]:
    visitor = services.visitors.get(token)
    assert visitor is not None
    return visitor.doc


# --- a new visitor -------------------------------------------------------------------------------


def test_new_visitor_with_everything_in_key_order(calls: Api, services: Services) -> None:
    body = {
        "username": "mary.j",
        "phone": "+1 555 0100",
        "email": "  Mary@Example.COM ",
        "customFields": [{"key": "crm", "value": "42", "overwrite": False}],
        "department": "sales",
        "name": "Mary",
        "token": "t-new-1",
    }
    visitor = ok(calls, body)
    assert list(visitor) == [
        "_id",
        "token",
        "_updatedAt",
        "department",
        "livechatData",
        "name",
        "phone",
        "status",
        "ts",
        "username",
        "visitorEmails",
    ]
    visitor_id = visitor.pop("_id")
    assert HEX_ID.match(visitor_id)
    assert visitor == {
        "token": "t-new-1",
        "_updatedAt": NOW,
        "department": "sales",
        "livechatData": {"crm": "42"},
        "name": "Mary",
        "phone": [{"phoneNumber": "+1 555 0100"}],
        "status": "online",
        "ts": NOW,
        "username": "mary.j",
        "visitorEmails": [{"address": "mary@example.com"}],
    }
    assert compact(stored(services, "t-new-1")) == compact({"_id": visitor_id, **visitor})


def test_minimal_visitor_and_empty_strings_are_not_given(calls: Api, dynamodb: Any) -> None:
    empty = dict.fromkeys(("name", "email", "department", "phone", "username"), "")
    visitor = ok(calls, {"token": "t-min", **empty, "customFields": []})
    assert list(visitor) == ["_id", "token", "_updatedAt", "status", "ts", "username"]
    assert visitor["username"] == "guest-2"


def test_guest_counter_starts_at_two_and_is_shared_with_the_cli(
    calls: Api, dynamodb: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ok(calls, {"token": "g-1"})["username"] == "guest-2"
    assert ok(calls, {"token": "g-2", "username": "named"})["username"] == "named"
    assert ok(calls, {"token": "g-3"})["username"] == "guest-3"
    capsys.readouterr()
    assert voip_admin(["create-visitor", "--token", "g-cli"]) == 0
    assert json.loads(capsys.readouterr().out)["username"] == "guest-4"
    assert ok(calls, {"token": "g-4"})["username"] == "guest-5"
    # a re-registration takes no number
    ok(calls, {"token": "g-4", "name": "Again"})
    assert ok(calls, {"token": "g-5"})["username"] == "guest-6"


# --- matching ------------------------------------------------------------------------------------


def test_token_match_keeps_order_and_appends_gained_keys(
    calls: Api, services: Services, clock: FakeClock
) -> None:
    first = ok(calls, {"token": "t-1", "name": "Mary"})
    clock.advance(10)
    again = ok(
        calls,
        {
            "token": "t-1",
            "username": "ignored",
            "phone": "+1555",
            "email": "M@X.io",
            "department": "d1",
            "customFields": [{"key": "a", "value": "1", "overwrite": False}],
        },
    )
    assert list(again) == [
        "_id",
        "token",
        "_updatedAt",
        "name",
        "status",
        "ts",
        "username",
        "department",
        "livechatData",
        "phone",
        "visitorEmails",
    ]
    assert {k: again[k] for k in ("_id", "username", "ts", "name")} == {
        k: first[k] for k in ("_id", "username", "ts", "name")
    }
    assert again["_updatedAt"] == "2024-05-01T12:00:10.000Z"
    assert again["phone"] == [{"phoneNumber": "+1555"}]
    assert again["visitorEmails"] == [{"address": "m@x.io"}]
    assert compact(stored(services, "t-1")) == compact(again)
    # name replaced in place, status back to online
    clock.advance(1)
    third = ok(calls, {"token": "t-1", "name": "Mary Jones", "phone": "+1666"})
    assert list(third) == list(again)
    assert third["name"] == "Mary Jones" and third["phone"] == [{"phoneNumber": "+1666"}]


def test_phone_match_keeps_the_stored_token(
    calls: Api, services: Services, clock: FakeClock
) -> None:
    oldest = ok(calls, {"token": "t-old", "phone": "+15550100", "name": "Old"})
    clock.advance(1)
    ok(calls, {"token": "t-newer", "phone": "+15550100", "username": "x"})  # matches t-old
    clock.advance(1)
    matched = ok(calls, {"token": "t-call-3", "phone": "+15550100", "name": "Renamed"})
    assert matched["token"] == "t-old" and matched["_id"] == oldest["_id"]
    assert matched["name"] == "Renamed"
    assert services.visitors.get("t-call-3") is None
    assert services.visitors.get("t-newer") is None


def test_oldest_of_several_phone_matches_wins(calls: Api, actors: Actors, clock: FakeClock) -> None:
    clock.advance(5)
    actors.visitor("t-young", phone="+1999", username="young")
    clock.now_ms = START_MS
    actors.visitor("t-elder", phone="+1999", username="elder")
    clock.advance(60)
    assert ok(calls, {"token": "t-call", "phone": "+1999"})["token"] == "t-elder"


def test_email_match_replaces_the_token_case_insensitively(
    calls: Api, services: Services, clock: FakeClock
) -> None:
    original = ok(calls, {"token": "t-mail-old", "email": "Mary@Example.com"})
    clock.advance(3)
    matched = ok(calls, {"token": "t-mail-new", "email": " MARY@example.COM "})
    assert matched["_id"] == original["_id"] and matched["token"] == "t-mail-new"
    assert matched["username"] == original["username"]
    assert list(matched) == list(original)
    assert services.visitors.get("t-mail-old") is None
    assert compact(stored(services, "t-mail-new")) == compact(matched)


def test_phone_is_tried_before_email(calls: Api, dynamodb: Any) -> None:
    by_email = ok(calls, {"token": "t-e", "email": "a@b.c"})
    by_phone = ok(calls, {"token": "t-p", "phone": "+1234"})
    matched = ok(calls, {"token": "t-both", "email": "a@b.c", "phone": "+1234"})
    assert matched["_id"] == by_phone["_id"] != by_email["_id"]
    assert matched["token"] == "t-p"


def test_email_match_moves_the_open_room_not_the_closed_ones(
    api: Api, calls: Api, actors: Actors, services: Services
) -> None:
    agent = actors.user("kim.jane")
    ok(calls, {"token": "t-room-old", "email": "room@x.io", "name": "Roomy"})
    first = json.loads(api.call({"token": "t-room-old", "agentId": agent[0]}, *agent)[2])["room"]
    assert calls.close({"rid": first["_id"], "token": "t-room-old"}, *agent)[0] == 200
    second = json.loads(api.call({"token": "t-room-old", "agentId": agent[0]}, *agent)[2])["room"]
    ok(calls, {"token": "t-room-new", "email": "ROOM@x.io"})
    closed = services.rooms.get(first["_id"])
    moved = services.rooms.get(second["_id"])
    assert closed is not None and closed.doc["v"]["token"] == "t-room-old"
    assert moved is not None and moved.doc["v"]["token"] == "t-room-new"
    assert compact(moved.doc) == compact({**second, "v": {**second["v"], "token": "t-room-new"}})
    visitor = services.visitors.get("t-room-new")
    assert visitor is not None and visitor.open_room == moved.doc
    # the visitor still has exactly one open room, reachable and closable by the new token
    text = api.call({"token": "t-room-new", "agentId": agent[0]}, *agent)[2]
    assert json.loads(text) == {"room": moved.doc, "newRoom": False, "success": True}
    assert calls.close({"rid": second["_id"], "token": "t-room-new"}, *agent)[0] == 200
    assert calls.close({"rid": first["_id"], "token": "t-room-new"}, *agent)[::2] == (
        400,
        '{"success":false,"error":"invalid-room"}',
    )


def test_registering_never_changes_rooms(
    api: Api, calls: Api, actors: Actors, services: Services
) -> None:
    agent = actors.user("kim.jane")
    ok(calls, {"token": "t-keep", "name": "Before", "phone": "+1"})
    room = json.loads(api.call({"token": "t-keep", "agentId": agent[0]}, *agent)[2])["room"]
    ok(calls, {"token": "t-keep", "name": "After", "phone": "+2"})
    stored_room = services.rooms.get(room["_id"])
    assert stored_room is not None and stored_room.doc == room


# --- email: JavaScript's trim(), not Python's strip() (§2, §5) ------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("\x1cMary@Example.COM\x85", "\x1cmary@example.com\x85"),  # not JS whitespace: kept
        ("\x1f a@b \x1d", "\x1f a@b \x1d"),
        ("\ufeff\u00a0A@B\u3000\u2028", "a@b"),  # JS whitespace: trimmed
    ],
)
def test_a_new_visitors_email_is_trimmed_as_javascript_trims_it(
    calls: Api, services: Services, sent: str, kept: str
) -> None:
    visitor = ok(calls, {"token": "t-mail", "email": sent})
    assert visitor["visitorEmails"] == [{"address": kept}]
    assert stored(services, "t-mail")["visitorEmails"] == [{"address": kept}]


def test_an_existing_visitors_email_is_trimmed_as_javascript_trims_it(
    calls: Api, services: Services
) -> None:
    ok(calls, {"token": "t-again"})
    visitor = ok(calls, {"token": "t-again", "email": "B@X\x85"})
    assert visitor["visitorEmails"] == [{"address": "b@x\x85"}]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("a@b.org", "a@b.org\x85"),
        ("\x1ca@b.org", "a@b.org"),
        ("a@b.org\x1e", " A@B.ORG "),
    ],
)
def test_the_email_match_compares_javascript_trimmed_addresses(
    calls: Api, services: Services, first: str, second: str
) -> None:
    """Addresses that differ once JavaScript has trimmed them are different: no match, a new
    visitor, and the first one keeps its token."""
    one = ok(calls, {"token": "t-first", "email": first})
    two = ok(calls, {"token": "t-second", "email": second})
    assert two["_id"] != one["_id"] and two["token"] == "t-second"
    assert stored(services, "t-first")["_id"] == one["_id"]


def test_the_email_match_still_ignores_javascript_whitespace_and_case(
    calls: Api, services: Services
) -> None:
    one = ok(calls, {"token": "t-one", "email": "a@b.org"})
    two = ok(calls, {"token": "t-two", "email": "\ufeff A@B.Org\u00a0"})
    assert (two["_id"], two["token"]) == (one["_id"], "t-two")
    assert services.visitors.get("t-one") is None


# --- bodies as JSON.stringify writes them (docs/contract/voip-room.md §8) -------------------------


def test_a_lone_surrogate_is_escaped_as_json_stringify_does(
    calls: Api, api: Api, actors: Actors
) -> None:
    """`"a\\ud800b"` is valid JSON; JSON.stringify writes it back escaped. The body must be text
    the gateway can send (UTF-8), not a string it cannot encode (a bare 500 over HTTP)."""
    status, _, text = calls.register('{"visitor":{"token":"t-lone","name":"a\\ud800b"}}')
    assert status == 200, text
    text.encode("utf-8")
    assert '"name":"a\\ud800b"' in text
    assert json.loads(text)["visitor"]["name"] == "a\ud800b"
    status, _, text = calls.get("t-lone")
    assert status == 200
    text.encode("utf-8")
    assert json.loads(text)["visitor"]["name"] == "a\ud800b"
    agent = actors.user("kim.jane")
    status, _, text = api.call({"token": "t-lone", "agentId": agent[0]}, *agent)
    assert status == 200, text
    text.encode("utf-8")
    assert '"fname":"a\\ud800b"' in text


def test_a_surrogate_pair_is_written_as_the_character(calls: Api) -> None:
    status, _, text = calls.register('{"visitor":{"token":"t-pair","name":"\\ud83d\\ude00"}}')
    assert status == 200
    assert '"name":"\U0001f600"' in text
    assert compact(json.loads(text)) == text


# --- custom fields -------------------------------------------------------------------------------


def field(key: str, value: str, overwrite: bool) -> dict[str, Any]:
    return {"key": key, "value": value, "overwrite": overwrite}


def test_custom_fields_overwrite_rules_and_order(calls: Api, dynamodb: Any) -> None:
    first = ok(
        calls,
        {"token": "t-cf", "customFields": [field("b", "1", False), field("a", "1", False)]},
    )
    assert first["livechatData"] == {"b": "1", "a": "1"}
    again = ok(
        calls,
        {
            "token": "t-cf",
            "customFields": [
                field("a", "2", False),  # kept
                field("b", "2", True),  # overwritten in place
                field("c", "2", False),  # new: appended
                field("c", "3", False),  # exists now: kept
            ],
        },
    )
    assert compact(again["livechatData"]) == '{"b":"2","a":"1","c":"2"}'
    assert list(again) == list(first)
    unchanged = ok(calls, {"token": "t-cf", "customFields": []})
    assert unchanged["livechatData"] == again["livechatData"]


def test_custom_fields_go_to_the_phone_matched_visitor(calls: Api, dynamodb: Any) -> None:
    ok(calls, {"token": "t-cf-phone", "phone": "+1777"})
    matched = ok(
        calls, {"token": "t-other", "phone": "+1777", "customFields": [field("k", "v", False)]}
    )
    assert matched["token"] == "t-cf-phone"
    assert matched["livechatData"] == {"k": "v"}


# --- the rate limit (public route) ---------------------------------------------------------------


def test_five_per_window_every_request_counts_nobody_exempt(
    limited: Api, actors: Actors, dynamodb: Any
) -> None:
    admin = actors.user("root", roles=("admin",))
    window_end = str(START_MS + 60_000)
    bodies: list[Any] = [{}, b"nope", {"visitor": {"token": "ok-1"}}, {}, {"visitor": {}}]
    for remaining, body in zip(range(4, -1, -1), bodies, strict=True):
        status, headers, _ = limited.register(
            body, headers={"x-user-id": admin[0], "x-auth-token": admin[1]}
        )
        assert status in (200, 400)
        assert rate_headers(headers) == {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": window_end,
        }
    status, headers, text = limited.register({"visitor": {"token": "ok-2"}})
    assert (status, text) == (429, too_many(60))
    assert rate_headers(headers)["X-RateLimit-Remaining"] == "0"
    # a refused request wrote nothing
    assert limited.get("ok-2", source_ip="198.51.100.1")[0] == 400
    # per source IP
    assert limited.register({"visitor": {"token": "ok-3"}}, source_ip="198.51.100.2")[0] == 200


def test_invalid_credentials_are_ignored(calls: Api, dynamodb: Any) -> None:
    headers = {"x-user-id": "nobody", "x-auth-token": "wrong"}
    assert ok(calls, {"token": "t-anon"}, headers=headers)["token"] == "t-anon"


def test_configurable_limit(limited: Api, configure: Configure) -> None:
    configure({"RATE_LIMIT_VISITOR_REGISTER_REQUESTS": "1"})
    assert [limited.register({})[0] for _ in range(2)] == [400, 429]
    configure({"RATE_LIMIT_VISITOR_REGISTER_REQUESTS": "0"})
    status, headers, _ = limited.register({})
    assert status == 400 and rate_headers(headers) == {}


def test_requires_auth_setting(calls: Api, configure: Configure, actors: Actors) -> None:
    configure({"VISITOR_API_REQUIRES_AUTH": "true"})
    agent = actors.user("kim.jane")
    outsider = actors.user("outsider", roles=("user",))
    assert calls.register({"visitor": {"token": "t-auth"}})[::2] == (
        401,
        '{"status":"error","message":"You must be logged in to do this."}',
    )
    auth = {"x-user-id": outsider[0], "x-auth-token": outsider[1]}
    assert calls.register({"visitor": {"token": "t-auth"}}, headers=auth)[0] == 403
    auth = {"x-user-id": agent[0], "x-auth-token": agent[1]}
    assert ok(calls, {"token": "t-auth"}, headers=auth)["token"] == "t-auth"


# --- lost races ----------------------------------------------------------------------------------


def test_a_concurrent_registration_of_the_token_wins_and_both_answer_with_it(
    calls: Api, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request creates the visitor between this one's read and its write: this one loses
    the conditional put, re-reads, and answers with the winner's visitor (its number skipped)."""
    real_create = services.visitors.create
    winner: list[dict[str, Any]] = []

    def create_after_a_winner(doc: dict[str, Any], guards: Any = None) -> None:
        if not winner:
            other = services.visitor_service
            monkeypatch.setattr(services.visitors, "create", real_create)
            document, created = other.register(registration_of({"token": "t-race", "name": "Mary"}))
            assert created  # the loser below matched it instead: no two "new" for one token
            winner.append(document)
        real_create(doc, guards)

    monkeypatch.setattr(services.visitors, "create", create_after_a_winner)
    answer = ok(calls, {"token": "t-race", "name": "Mary"})
    assert answer == winner[0]
    assert winner[0]["username"] == "guest-3"  # the loser had taken guest-2
    assert compact(stored(services, "t-race")) == compact(winner[0])
    assert ok(calls, {"token": "t-race-next"})["username"] == "guest-4"


def test_a_conflicting_update_is_retried(
    calls: Api, services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(calls, {"token": "t-upd", "name": "One"})
    real_replace = services.visitors.replace_doc
    interfered: list[bool] = []

    def replace_after_another(record: Any, doc: dict[str, Any], guards: Any = None) -> None:
        if not interfered:
            interfered.append(True)
            real_replace(record, {**record.visitor.doc, "department": "other"})
        real_replace(record, doc, guards)

    monkeypatch.setattr(services.visitors, "replace_doc", replace_after_another)
    clock.advance(1)
    answer = ok(calls, {"token": "t-upd", "name": "Two"})
    assert answer["name"] == "Two" and answer["department"] == "other"
    assert compact(stored(services, "t-upd")) == compact(answer)


def registration_of(visitor: dict[str, Any]) -> Any:
    from voip_core.routes.visitors import registration_from

    return registration_from(visitor)
