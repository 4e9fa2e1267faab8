"""`voip-admin import-rocketchat` as an operator runs it, in process: the worked example's files in,
its summary out byte for byte, and every refusal in one line with nothing written
(docs/migrating-from-rocketchat.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from voip_admin.rocketchat import command

from tests.unit.cli_runner import Cli
from tests.unit.conftest import Actors, scan_tables
from tests.unit.import_example import EXAMPLE_EXPORT, EXAMPLE_NOW_MS
from tests.unit.test_import_rocketchat import EXAMPLE_STDOUT

# Spec §6: "A second run: every imported count moves to unchanged, and before: 41".
SECOND_RUN_STDOUT = (
    '{"dryRun": false, "loginExpirationDays": 90, "userRoles": ["livechat-agent"], "users": '
    '{"imported": 0, "unchanged": 1, "conflicts": 0, "skipped": {"no-voip-role": 1}}, "tokens": '
    '{"imported": 0, "unchanged": 2, "conflicts": 0, "skipped": {"expired": 1}}, "visitors": '
    '{"imported": 0, "unchanged": 2, "conflicts": 0, "skipped": {"no-token": 1}}, "rooms": '
    '{"imported": 0, "unchanged": 2, "conflicts": 0, "skipped": {"not-voip": 1}, "open": 1, '
    '"closedOnImport": 0}, "guestCounter": {"before": 41, "after": 41, "next": "guest-43"}, '
    '"problems": []}'
)


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The worked example's directory; the command's clock at the example's moment."""
    monkeypatch.setattr(command, "clock", lambda: EXAMPLE_NOW_MS)
    for name, text in EXAMPLE_EXPORT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def run(cli: Cli, *args: str) -> tuple[int, str, str]:
    return cli.run("import-rocketchat", *args)


def test_the_worked_example_prints_the_specs_summary_byte_for_byte(cli: Cli, export: Path) -> None:
    assert run(cli, "--from", str(export)) == (0, EXAMPLE_STDOUT + "\n", "")


def test_the_worked_example_run_again(cli: Cli, export: Path, dynamodb: Any) -> None:
    run(cli, "--from", str(export))
    before = scan_tables(dynamodb)
    code, out, err = run(cli, "--from", str(export))
    assert (code, err, scan_tables(dynamodb)) == (0, "", before)
    assert out == SECOND_RUN_STDOUT + "\n"
    assert json.loads(out)["visitors"] == {
        "imported": 0,
        "unchanged": 2,
        "conflicts": 0,
        "skipped": {"no-token": 1},
    }


def test_the_worked_example_dry_run(cli: Cli, export: Path, dynamodb: Any) -> None:
    before = scan_tables(dynamodb)
    code, out, err = run(cli, "--from", str(export), "--dry-run")
    expected = EXAMPLE_STDOUT.replace('"dryRun": false', '"dryRun": true')
    assert (code, out, err) == (0, expected + "\n", "")
    assert scan_tables(dynamodb) == before


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--login-expiration-days", "0"), "argument --login-expiration-days: must be"),
        (("--login-expiration-days", "x"), "argument --login-expiration-days: must be"),
        (("--visitors", "some"), "argument --visitors: invalid choice"),
        (("--user-role", "a b"), "--user-role 'a b' is not a role name"),
    ],
)
def test_bad_options_are_refused(
    cli: Cli, export: Path, args: tuple[str, ...], reason: str
) -> None:
    assert reason in cli.refused("import-rocketchat", "--from", str(export), *args)


def test_a_directory_without_an_export_is_refused(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert cli.refused("import-rocketchat", "--from", str(missing)) == (
        f"voip-admin import-rocketchat: --from {missing}: not a directory"
    )
    (tmp_path / "rocketchat_settings.json").write_text("{}\n")
    assert cli.refused("import-rocketchat", "--from", str(tmp_path)) == (
        f"voip-admin import-rocketchat: --from {tmp_path}: none of users.json, "
        "rocketchat_livechat_visitor.json, rocketchat_room.json"
    )


def test_a_bad_record_is_refused_by_its_position_with_nothing_written(
    cli: Cli, export: Path, dynamodb: Any
) -> None:
    rooms = export / "rocketchat_room.json"
    rooms.write_text(rooms.read_text() + "[1]\n")
    before = scan_tables(dynamodb)
    refusal = cli.refused("import-rocketchat", "--from", str(export))
    assert refusal.startswith("voip-admin import-rocketchat: rocketchat_room.json line 4: ")
    assert scan_tables(dynamodb) == before


def test_conflicts_are_refused_with_nothing_written(
    cli: Cli, export: Path, actors: Actors, dynamodb: Any
) -> None:
    actors.visitor("vis-token-1")
    actors.visitor("vis-token-2")
    actors.user("ana.agent")
    before = scan_tables(dynamodb)
    assert cli.refused("import-rocketchat", "--from", str(export)) == (
        "voip-admin import-rocketchat: 3 records differ from the target; nothing written"
    )
    assert scan_tables(dynamodb) == before
    code, out, _ = run(cli, "--from", str(export), "--dry-run")
    assert (code, json.loads(out)["visitors"]["conflicts"]) == (0, 2)


def test_a_datastore_error_names_its_code_and_operation_only(
    cli: Cli, export: Path, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    def refuse(self: Any, request: Any) -> None:
        error = {"Code": "ValidationException", "Message": "key vis-token-1 is bad"}
        raise ClientError({"Error": error}, "BatchWriteItem")

    monkeypatch.setattr("voip_admin.rocketchat.datastore.Datastore._write", refuse)
    code, out, err = run(cli, "--from", str(export))
    assert (code, out) == (1, "")
    assert (
        err == "voip-admin import-rocketchat: DynamoDB BatchWriteItem failed: ValidationException\n"
    )


def test_other_commands_do_not_import_the_importers_libraries() -> None:
    """pymongo, ijson and tqdm are imported by import-rocketchat when it runs, never by
    `voip-admin` itself: every other command starts as fast as before."""
    import subprocess
    import sys

    code = (
        "import sys, voip_admin.cli; "
        "print([m for m in ('bson', 'pymongo', 'ijson', 'tqdm') if m in sys.modules])"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"
