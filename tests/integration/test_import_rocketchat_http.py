"""The proof that matters (issue 16 item 5): an export shaped as Rocket.Chat 6.x/7.x writes it
(tokens hashed as Meteor hashes them), imported with `voip-admin import-rocketchat`, then used over
HTTP against the local stack with the plain credentials the connector holds: nothing re-issued
(docs/migrating-from-rocketchat.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from voip_admin.rocketchat.export_files import COLLECTION_FILES, ExportFile
from voip_core.domain.auth import hash_token

from bench.rocketchat_export import ExportSummary, write_export
from tests.expected import compact
from tests.integration.conftest import LocalStack, every_rate_limit_off, run_admin, running_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def migrated(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalStack, ExportSummary, dict[str, Any]]]:
    """A stack of its own (the import raises its guest counter), the export, the summary."""
    directory = tmp_path_factory.mktemp("import")
    export = write_export(
        directory / "export", 60, seed=16, now_ms=time.time_ns() // 1_000_000, twice_open=True
    )
    with running_stack(directory / "stack", every_rate_limit_off()) as stack:
        result = run_admin(stack, "import-rocketchat", "--from", str(export.directory))
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
        secrets = [room.visitor_token for room in export.open_rooms]
        for agent in export.agents:
            secrets += [agent.login_token, agent.pat_token, hash_token(agent.login_token)]
            secrets.append(hash_token(agent.pat_token))
        assert [secret for secret in secrets if secret in result.stdout] == []
        yield stack, export, json.loads(result.stdout)


def exported_room(export: ExportSummary, room_id: str) -> dict[str, Any]:
    """The room as the export holds it, in stored form (what Rocket.Chat's REST API sent)."""
    path = export.directory / COLLECTION_FILES["rooms"]
    return next(record.doc for record in ExportFile(path) if record.doc.get("_id") == room_id)


def headers(user_id: str, token: str) -> dict[str, str]:
    return {"X-User-Id": user_id, "X-Auth-Token": token}


def test_the_import_summary(migrated: tuple[LocalStack, ExportSummary, dict[str, Any]]) -> None:
    _, export, summary = migrated
    assert summary["users"]["imported"] == 3
    assert summary["users"]["skipped"] == {"no-voip-role": 2}
    assert summary["tokens"] == {
        "imported": 6,
        "unchanged": 0,
        "conflicts": 0,
        "skipped": {"expired": 1},
    }
    assert summary["visitors"]["imported"] == export.importable_visitors
    assert summary["rooms"]["open"] == len(export.open_rooms)
    assert summary["rooms"]["closedOnImport"] == len(export.older_open_room_ids) == 1
    assert summary["problems"] == []


def test_the_connectors_credentials_and_rooms_work_unchanged(
    migrated: tuple[LocalStack, ExportSummary, dict[str, Any]],
) -> None:
    stack, export, _ = migrated
    agent = export.agents[0]
    room = export.open_rooms[0]
    query = {"token": room.visitor_token, "rid": room.room_id}
    reply = stack.get_room(query, headers(agent.user_id, agent.login_token))
    expected = compact(
        {"room": exported_room(export, room.room_id), "newRoom": False, "success": True}
    )
    assert (reply.status, reply.text) == (200, expected)
    assert stack.get_room(query, headers(agent.user_id, agent.pat_token)).text == expected
    assert agent.expired_login_token is not None
    expired = stack.get_room(query, headers(agent.user_id, agent.expired_login_token))
    assert expired.status == 401
    reuse = stack.get_room(
        {"token": room.visitor_token, "agentId": agent.user_id},
        headers(agent.user_id, agent.login_token),
    )
    assert (reuse.status, reuse.json()["newRoom"], reuse.json()["room"]["_id"]) == (
        200,
        False,
        room.room_id,
    )
    body = json.dumps({"rid": room.room_id, "token": room.visitor_token}).encode()
    closed = stack.request(
        "POST",
        "/api/v1/voip/room.close",
        {**headers(agent.user_id, agent.login_token), "Content-Type": "application/json"},
        body,
    )
    assert (closed.status, closed.json()) == (200, {"rid": room.room_id, "success": True})
    again = stack.get_room(
        {"token": room.visitor_token, "agentId": agent.user_id},
        headers(agent.user_id, agent.login_token),
    )
    assert again.json()["newRoom"] is True


def test_the_operators_see_the_imported_tokens_and_counter(
    migrated: tuple[LocalStack, ExportSummary, dict[str, Any]],
) -> None:
    stack, export, summary = migrated
    tokens = stack.admin("list-tokens", "--user-id", export.agents[1].user_id)["tokens"]
    assert [(t["name"], t["lastTokenPart"]) for t in tokens] == [
        ("pbx", export.agents[1].pat_token[-6:])
    ]
    created = stack.admin("create-visitor", "--token", "t-new-caller")
    assert (
        created["username"]
        == summary["guestCounter"]["next"]
        == f"guest-{export.largest_guest + 1}"
    )


def test_a_second_import_writes_nothing(
    migrated: tuple[LocalStack, ExportSummary, dict[str, Any]],
) -> None:
    stack, export, _ = migrated
    result = run_admin(stack, "import-rocketchat", "--from", str(export.directory), "--dry-run")
    planned = json.loads(result.stdout)
    assert planned["users"]["imported"] == planned["visitors"]["imported"] == 0
    assert planned["tokens"]["imported"] == 0


def test_the_call_history_lists_the_imported_closed_rooms(
    migrated: tuple[LocalStack, ExportSummary, dict[str, Any]],
) -> None:
    """An agent's own history (`voip/rooms`, closed rooms by default) holds every room the export
    had closed for that agent, each exactly as the export holds it."""
    stack, export, _ = migrated
    agent = export.agents[0]
    closed_in_export = {
        record.doc["_id"]: record.doc
        for record in ExportFile(export.directory / COLLECTION_FILES["rooms"])
        if record.doc.get("t") == "v"
        and "open" not in record.doc
        and (record.doc.get("servedBy") or {}).get("_id") == agent.user_id
    }
    assert closed_in_export
    listed: dict[str, dict[str, Any]] = {}
    while True:
        reply = stack.request(
            "GET",
            f"/api/v1/voip/rooms?agents[]={agent.user_id}&count=5&offset={len(listed)}",
            headers(agent.user_id, agent.login_token),
        )
        assert reply.status == 200, reply.text
        page = reply.json()
        listed.update((room["_id"], room) for room in page["rooms"])
        if not page["rooms"] or len(listed) >= page["total"]:
            break
    assert len(listed) == page["total"]
    for room_id, doc in closed_in_export.items():
        assert compact(listed[room_id]) == compact(doc)
