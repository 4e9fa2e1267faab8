"""`POST /api/v1/voip/room.close` (docs/contract/call-lifecycle.md §1, §5): the check order, the
business errors, the closed document, the one conditional write, and the CLI's close-room sharing
it. The body rules (ajv, with coercion) are in test_room_close_body.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_admin.cli import main as voip_admin
from voip_core.domain.ids import random_id
from voip_core.domain.models import Room
from voip_core.domain.rooms import new_call_room
from voip_core.store.transactions import WriteConflict
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api, business, invalid, open_room, rate_headers, stored_room, too_many
from tests.unit.cli_runner import Cli
from tests.unit.conftest import START_MS, Actors, Configure, FakeClock, scan_tables

VISITOR = "visitor-close-1"
# A lone surrogate: JSON can carry it (as `\ud800`), and a stored visitor name can hold it.
LONE = "\ud800"
NOT_LOGGED_IN = '{"status":"error","message":"You must be logged in to do this."}'
FORBIDDEN = (
    '{"success":false,"error":"User does not have the permissions required for this action '
    '[error-unauthorized]"}'
)


@pytest.fixture
def calls(api: Api) -> Api:
    return api


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR, name="Mary", phone="+15550001")
    return actors.user("kim.jane")


# --- order of checks: auth → rate limit → body → permission → handler ---------------------------


def test_no_login_beats_a_bad_body(calls: Api, agent: tuple[str, str]) -> None:
    assert calls.close({"foo": 1})[::2] == (401, NOT_LOGGED_IN)
    assert calls.close({"foo": 1}, agent[0], "wrong-token")[::2] == (401, NOT_LOGGED_IN)
    assert calls.close({"foo": 1}, agent[0])[::2] == (401, NOT_LOGGED_IN)


def test_bad_body_beats_missing_permission(calls: Api, actors: Actors) -> None:
    outsider = actors.user("outsider", roles=("user",))
    assert calls.close({"foo": 1}, *outsider)[::2] == (
        400,
        invalid("must have required property 'rid'"),
    )
    assert calls.close({"rid": "r", "token": "t"}, *outsider)[::2] == (403, FORBIDDEN)


def test_permission_beats_the_handler(
    api: Api, calls: Api, agent: tuple[str, str], actors: Actors
) -> None:
    room = open_room(api, agent, VISITOR)
    admin = actors.user("admin.user", roles=("admin",))
    assert calls.close({"rid": room["_id"], "token": VISITOR}, *admin)[::2] == (403, FORBIDDEN)


def test_any_holder_of_the_permission_may_close(
    api: Api, calls: Api, agent: tuple[str, str], actors: Actors
) -> None:
    room = open_room(api, agent, VISITOR)
    other_agent = actors.user("other.agent")
    status, _, text = calls.close({"rid": room["_id"], "token": VISITOR}, *other_agent)
    assert (status, text) == (200, compact({"rid": room["_id"], "success": True}))


def test_rate_limit_ten_per_window_counted_after_authentication(
    calls: Api, agent: tuple[str, str]
) -> None:
    for _ in range(3):
        assert calls.close({"foo": 1})[0] == 401  # never counted
    window_end = START_MS + 60_000
    for remaining in range(9, -1, -1):
        status, headers, _ = calls.close({"foo": 1}, *agent)
        assert status == 400
        assert rate_headers(headers) == {
            "X-RateLimit-Limit": "10",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(window_end),
        }
    status, headers, text = calls.close({"foo": 1}, *agent)
    assert (status, text) == (429, too_many(60))
    assert rate_headers(headers)["X-RateLimit-Remaining"] == "0"
    # another source IP has its own counter; voip/room has its own too
    assert calls.close({"foo": 1}, *agent, source_ip="198.51.100.7")[0] == 400


def test_rate_limit_is_separate_from_voip_room(
    api: Api, calls: Api, agent: tuple[str, str]
) -> None:
    for _ in range(10):
        calls.close({"foo": 1}, *agent)
    assert calls.close({"foo": 1}, *agent)[0] == 429
    status, headers, _ = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    assert status == 200
    assert rate_headers(headers)["X-RateLimit-Remaining"] == "4"


def test_exempt_roles_and_configurable_limit(
    calls: Api, configure: Configure, actors: Actors, agent: tuple[str, str]
) -> None:
    configure({"RATE_LIMIT_ROOM_CLOSE_REQUESTS": "2"})
    bot = actors.user("bot.user", roles=("bot", "livechat-agent"))
    for _ in range(4):
        status, headers, _ = calls.close({"foo": 1}, *bot)
        assert status == 400 and rate_headers(headers) == {}
    assert [calls.close({"foo": 1}, *agent)[0] for _ in range(3)] == [400, 400, 429]
    configure({"RATE_LIMIT_ROOM_CLOSE_REQUESTS": "0"})
    status, headers, _ = calls.close({"foo": 1}, *agent)
    assert status == 400 and rate_headers(headers) == {}


# --- the handler's refusals ----------------------------------------------------------------------


def test_unknown_visitor_is_invalid_token(api: Api, calls: Api, agent: tuple[str, str]) -> None:
    room = open_room(api, agent, VISITOR)
    assert calls.close({"rid": room["_id"], "token": "nobody"}, *agent)[::2] == (
        400,
        business("invalid-token"),
    )


def test_invalid_room_cases(
    api: Api, calls: Api, agent: tuple[str, str], actors: Actors, services: Services
) -> None:
    actors.visitor("visitor-close-2", name="Other")
    others_room = open_room(api, agent, "visitor-close-2")
    open_room(api, agent, VISITOR)
    for rid in ("NoSuchRoom1234567", others_room["_id"], "", "x" * 3000):
        assert calls.close({"rid": rid, "token": VISITOR}, *agent)[::2] == (
            400,
            business("invalid-room"),
        ), rid
    # a room of another kind with this visitor's token
    doc = {**stored_room(services, others_room["_id"]), "_id": random_id(), "t": "l"}
    doc["v"] = {**doc["v"], "token": VISITOR}
    services.rooms.client.put_item(
        TableName=services.settings.tables.rooms, Item=services.rooms.item(doc)
    )
    assert calls.close({"rid": doc["_id"], "token": VISITOR}, *agent)[::2] == (
        400,
        business("invalid-room"),
    )


def test_closing_twice_is_room_closed(api: Api, calls: Api, agent: tuple[str, str]) -> None:
    room = open_room(api, agent, VISITOR)
    assert calls.close({"rid": room["_id"], "token": VISITOR}, *agent)[0] == 200
    assert calls.close({"rid": room["_id"], "token": VISITOR}, *agent)[::2] == (
        400,
        business("room-closed"),
    )


# --- the closed room -----------------------------------------------------------------------------


def test_closed_document_and_the_next_call_gets_a_new_room(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    clock: FakeClock,
) -> None:
    room = open_room(api, agent, VISITOR)
    clock.advance(95.25)
    body = {"rid": room["_id"], "token": VISITOR, "options": {"comment": "done", "tags": ["a"]}}
    status, _, text = calls.close(body, *agent)
    assert (status, text) == (200, '{"rid":"' + room["_id"] + '","success":true}')
    visitor = services.visitors.get(VISITOR)
    assert visitor is not None and visitor.open_room is None
    expected = {k: v for k, v in room.items() if k != "open"}
    expected["v"] = {**room["v"], "status": "offline"}
    expected["_updatedAt"] = "2024-05-01T12:01:35.250Z"
    expected.update(
        {
            "callDuration": 95_250,
            "closedAt": "2024-05-01T12:01:35.250Z",
            "closedBy": {"_id": visitor.id, "username": visitor.doc["username"]},
            "closer": "visitor",
            "tags": ["a"],
        }
    )
    closed = stored_room(services, room["_id"])
    assert list(closed) == list(expected)
    assert compact(closed) == compact(expected)
    # voip/room with the rid still returns it, closed; without rid a new room is created.
    status, _, text = api.call({"token": VISITOR, "rid": room["_id"]}, *agent)
    assert json.loads(text) == {"room": closed, "newRoom": False, "success": True}
    status, _, text = api.call({"token": VISITOR, "agentId": agent[0]}, *agent)
    again = json.loads(text)
    assert again["newRoom"] is True and again["room"]["_id"] != room["_id"]


def test_link_to_another_room_is_kept(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    actors: Actors,
    services: Services,
    clock: FakeClock,
) -> None:
    """An open room that is not the visitor's linked one (imported data) closes without touching
    the link."""
    linked = open_room(api, agent, VISITOR)
    visitor = services.visitors.get(VISITOR)
    user = services.users.get(agent[0])
    assert visitor is not None and user is not None
    stray = new_call_room(random_id(), visitor, user, "inbound", clock())
    services.rooms.client.put_item(
        TableName=services.settings.tables.rooms, Item=services.rooms.item(stray)
    )
    assert calls.close({"rid": stray["_id"], "token": VISITOR}, *agent)[0] == 200
    after = services.visitors.get(VISITOR)
    assert after is not None and after.open_room == linked


# --- the one conditional write -------------------------------------------------------------------


def test_concurrent_close_one_wins_one_gets_room_closed(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other request closes the room between this one's read and its write: this one's
    transaction is cancelled, it re-reads, and answers room-closed; the winner's document stays."""
    room = open_room(api, agent, VISITOR)
    real_close = services.rooms.close_room
    winner: list[dict[str, Any]] = []

    def close_after_a_winner(closed: dict[str, Any], unlink_visitor: bool) -> None:
        if not winner:
            winner.append({**closed, "closer": "visitor", "tags": ["winner"]})
            real_close(winner[0], unlink_visitor)
        real_close(closed, unlink_visitor)

    monkeypatch.setattr(services.rooms, "close_room", close_after_a_winner)
    body = {"rid": room["_id"], "token": VISITOR}
    assert calls.close(body, *agent)[::2] == (400, business("room-closed"))
    assert stored_room(services, room["_id"]) == winner[0]


def test_conflict_while_still_open_retries_then_succeeds(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room = open_room(api, agent, VISITOR)
    real_close = services.rooms.close_room
    attempts: list[int] = []

    def conflict_twice(closed: dict[str, Any], unlink_visitor: bool) -> None:
        attempts.append(1)
        if len(attempts) <= 2:
            raise WriteConflict("TransactionConflict")
        real_close(closed, unlink_visitor)

    monkeypatch.setattr(services.rooms, "close_room", conflict_twice)
    assert calls.close({"rid": room["_id"], "token": VISITOR}, *agent)[0] == 200
    assert len(attempts) == 3


def test_conflicts_that_outlast_the_retries_are_503_and_write_nothing(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    dynamodb: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room = open_room(api, agent, VISITOR)
    before = scan_tables(dynamodb)

    def always_conflict(closed: dict[str, Any], unlink_visitor: bool) -> None:
        raise WriteConflict("TransactionConflict")

    monkeypatch.setattr(services.rooms, "close_room", always_conflict)
    monkeypatch.setattr(services.room_service, "sleep", lambda seconds: None)
    status, _, text = calls.close({"rid": room["_id"], "token": VISITOR}, *agent)
    assert (status, text) == (503, '{"success":false,"error":"Service unavailable, try again"}')
    after = scan_tables(dynamodb)
    rate_limits = services.settings.tables.rate_limits
    assert {k: v for k, v in after.items() if k != rate_limits} == {
        k: v for k, v in before.items() if k != rate_limits
    }


def test_close_needs_the_room_still_its_visitors(
    api: Api, agent: tuple[str, str], services: Services
) -> None:
    """The write's condition: still open and still carrying the visitor's token (a registration
    may move it)."""
    room = open_room(api, agent, VISITOR)
    closed = {**stored_room(services, room["_id"]), "v": {**room["v"], "token": "someone-else"}}
    with pytest.raises(WriteConflict):
        services.rooms.close_room(closed, unlink_visitor=False)
    assert Room(stored_room(services, room["_id"])).is_open
    # and a room already closed is never closed again, link or no link
    first = {**stored_room(services, room["_id"]), "closer": "first"}
    del first["open"]
    services.rooms.close_room(first, unlink_visitor=True)
    with pytest.raises(WriteConflict):
        services.rooms.close_room({**first, "closer": "second"}, unlink_visitor=False)
    assert stored_room(services, room["_id"])["closer"] == "first"


# --- voip-admin close-room shares the close ------------------------------------------------------


def test_cli_close_room_closes_as_user(
    api: Api,
    calls: Api,
    agent: tuple[str, str],
    services: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    room = open_room(api, agent, VISITOR)
    capsys.readouterr()
    assert voip_admin(["close-room", "--rid", room["_id"]]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == stored_room(services, room["_id"])
    assert printed["closer"] == "user"
    assert printed["closedBy"] == {"_id": agent[0], "username": "kim.jane"}
    assert list(printed)[-4:] == ["callDuration", "closedAt", "closedBy", "closer"]
    visitor = services.visitors.get(VISITOR)
    assert visitor is not None and visitor.open_room is None
    assert calls.close({"rid": room["_id"], "token": VISITOR}, *agent)[::2] == (
        400,
        business("room-closed"),
    )


def test_close_room_prints_a_lone_surrogate_as_json_escapes_it(
    cli: Cli, api: Api, actors: Actors, agent: tuple[str, str]
) -> None:
    actors.visitor("odd-name", name=f"a{LONE}b")
    _, _, body = api.call({"token": "odd-name", "agentId": agent[0]}, *agent)
    rid = json.loads(body)["room"]["_id"]
    code, out, err = cli.run("close-room", "--rid", rid)
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert "a\\ud800b" in out
    assert json.loads(out)["fname"] == f"a{LONE}b"
