"""Reading a Rocket.Chat mongoexport (admin/voip_admin/rocketchat/export_files.py): the three
layouts, relaxed and canonical Extended JSON, the stored form of every value, the positions of bad
input, streaming in bounded memory; and the export generator (bench/rocketchat_export.py) read back.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from voip_admin.rocketchat import export_files
from voip_admin.rocketchat.export_files import (
    COLLECTION_FILES,
    ExportFile,
    ExportFileError,
    ExportRecord,
)
from voip_core.domain.auth import hash_token
from voip_core.domain.clock import ms_from_iso
from voip_core.domain.models import User, Visitor
from voip_core.domain.rooms import new_call_room
from voip_core.store.dynamo import dump_document

from bench.rocketchat_export import write_export
from tests.unit.import_example import (
    EXAMPLE_NOW_MS,
    EXAMPLE_ROOMS,
    EXAMPLE_USERS,
    EXAMPLE_VISITORS,
)

# The room as GET voip/room answers it after the import (the spec's verification, step 1).
EXAMPLE_OPEN_ROOM_AS_SENT = (
    '{"_id":"Kq7fW2xYz9AbCdEfG","t":"v","ts":"2026-01-09T15:00:00.000Z","v":{"_id":'
    '"6650f1c2a1b2c3d4e5f60718","token":"vis-token-1","status":"online","username":"guest-41"},'
    '"servedBy":{"_id":"hZ4kTq8mYw2NcR7aP","username":"ana.agent"},"open":true}'
)


def export_file(
    tmp_path: Path, text: str | bytes, name: str = "rocketchat_room.json"
) -> ExportFile:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return ExportFile(path)


def docs(file: ExportFile) -> list[dict[str, Any]]:
    return [record.doc for record in file]


def read_error(file: ExportFile) -> str:
    with pytest.raises(ExportFileError) as raised:
        list(file)
    return str(raised.value)


def as_array(lines: str) -> str:
    return "[" + ",".join(line for line in lines.splitlines() if line.strip()) + "]"


def as_pretty(lines: str) -> str:
    return "".join(json.dumps(json.loads(line), indent="\t") + "\n" for line in lines.splitlines())


# --- the worked example: stored documents field by field, key order kept ---------------------


@pytest.mark.parametrize("layout", [str, as_array, as_pretty])
def test_worked_example_users_in_stored_form(tmp_path: Path, layout: Any) -> None:
    records = list(export_file(tmp_path, layout(EXAMPLE_USERS), "users.json"))
    assert [record.unsupported for record in records] == [None, None]
    ana, bot = (record.doc for record in records)
    assert list(ana) == ["_id", "username", "roles", "active", "services"]
    tokens = ana["services"]["resume"]["loginTokens"]
    assert tokens[0] == {
        "when": "2025-12-20T08:00:00.000Z",
        "hashedToken": "PyawHi5ZSTWG6nIDLUr9NUKmIRccpOFvs0jkx3CO2MY=",
    }
    assert list(tokens[0]) == ["when", "hashedToken"]
    assert tokens[1]["when"] == "2025-09-01T08:00:00.000Z"
    assert list(tokens[2]) == ["hashedToken", "type", "createdAt", "lastTokenPart", "name"]
    assert tokens[2]["createdAt"] == "2025-06-01T12:00:00.000Z"
    assert tokens[2]["hashedToken"] == hash_token("ana-pat-example-000000000000000000000pbx42A")
    assert tokens[0]["hashedToken"] == hash_token("ana-login-token-example-0000000000000000001")
    assert bot == {"_id": "rocket.cat", "username": "rocket.cat", "roles": ["bot"], "type": "bot"}


@pytest.mark.parametrize("layout", [str, as_array, as_pretty])
def test_worked_example_rooms_read_back_as_rocket_chat_sent_them(
    tmp_path: Path, layout: Any
) -> None:
    records = list(export_file(tmp_path, layout(EXAMPLE_ROOMS)))
    open_room, closed_room, general = (record.doc for record in records)
    assert dump_document(open_room) == EXAMPLE_OPEN_ROOM_AS_SENT
    assert dump_document(closed_room) == (
        '{"_id":"Mn3pQ8rStuvWxYz2a","t":"v","ts":"2025-12-02T09:05:00.000Z","v":{"_id":'
        '"6650f1c2a1b2c3d4e5f60719","token":"vis-token-2","status":"offline"},"closer":"visitor",'
        '"closedAt":"2025-12-02T09:09:00.000Z","callDuration":240000}'
    )
    assert general == {"_id": "GENERAL", "t": "c"}


def test_worked_example_visitors(tmp_path: Path) -> None:
    first, second, disabled = docs(
        export_file(tmp_path, EXAMPLE_VISITORS, "rocketchat_livechat_visitor.json")
    )
    assert first == {
        "_id": "6650f1c2a1b2c3d4e5f60718",
        "token": "vis-token-1",
        "username": "guest-41",
        "ts": "2025-12-01T09:00:00.000Z",
        "phone": [{"phoneNumber": "+15551230001"}],
    }
    assert list(first) == ["_id", "token", "username", "ts", "phone"]
    assert second["ts"] == "2025-12-02T09:00:00.000Z"
    assert disabled == {"_id": "6650f1c2a1b2c3d4e5f6071a", "disabled": True}


# --- layouts, positions, bad input -------------------------------------------------------


def test_positions_count_lines_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    file = export_file(tmp_path, '\n{"_id":"a"}\n\n  \t\n{"_id":"b"}\r\n\n')
    assert list(file) == [
        ExportRecord("line 2", {"_id": "a"}),
        ExportRecord("line 5", {"_id": "b"}),
    ]


@pytest.mark.parametrize("layout", [as_array, as_pretty])
def test_array_and_pretty_positions_count_documents(tmp_path: Path, layout: Any) -> None:
    file = export_file(tmp_path, layout('{"_id":"a"}\n{"_id":"b"}\n{"_id":"c"}'))
    assert [record.at for record in file] == ["document 1", "document 2", "document 3"]


def test_a_line_that_is_json_but_not_an_object(tmp_path: Path) -> None:
    text = '{"_id":"a"}\n' * 16 + '["not", "an", "object"]\n{"_id":"b"}\n'
    assert read_error(export_file(tmp_path, text)) == (
        "rocketchat_room.json line 17: not an Extended JSON object"
    )


def test_a_line_that_is_not_json(tmp_path: Path) -> None:
    text = '{"_id":"a"}\n' * 16 + '{"_id": "secret-value" "x"}\n'
    message = read_error(export_file(tmp_path, text))
    assert message.startswith("rocketchat_room.json line 17: not valid JSON (")
    assert "secret-value" not in message


def test_extended_json_of_a_wrong_shape_is_named_without_its_value(tmp_path: Path) -> None:
    message = read_error(export_file(tmp_path, '{"ts":{"$date":"secret-soon"}}\n'))
    assert message == "rocketchat_room.json line 1: not valid Extended JSON ($date)"
    message = read_error(export_file(tmp_path, as_array('{"o":{"$oid":"secret-oid","x":1}}')))
    assert message == "rocketchat_room.json document 1: not valid Extended JSON ($oid)"


@pytest.mark.parametrize("layout", [as_array, as_pretty])
def test_an_element_that_is_not_an_object(tmp_path: Path, layout: Any) -> None:
    text = layout('{"_id":"a"}\n{"_id":"b"}\n"a string"\n{"_id":"c"}')
    assert read_error(export_file(tmp_path, text)) == (
        "rocketchat_room.json document 3: not an Extended JSON object"
    )


def test_a_date_alone_is_a_value_not_a_document(tmp_path: Path) -> None:
    assert read_error(export_file(tmp_path, '{"$date":"2025-01-01T00:00:00Z"}\n')) == (
        "rocketchat_room.json line 1: not an Extended JSON object"
    )


def test_a_truncated_array(tmp_path: Path) -> None:
    message = read_error(export_file(tmp_path, '[{"_id":"a"},{"_id":"b"},{"_id":"c","x":'))
    assert message == (
        "rocketchat_room.json document 3: truncated: the file ends before the JSON does"
    )
    message = read_error(export_file(tmp_path, '[{"_id":"a"}'))
    assert message == (
        "rocketchat_room.json document 2: truncated: the file ends before the JSON does"
    )


def test_a_truncated_pretty_file(tmp_path: Path) -> None:
    text = as_pretty('{"_id":"a"}\n{"_id":"b"}')[:-4]
    assert read_error(export_file(tmp_path, text)).startswith(
        "rocketchat_room.json document 2: truncated"
    )


def test_text_after_an_array(tmp_path: Path) -> None:
    assert read_error(export_file(tmp_path, '[{"_id":"a"}] {"_id":"b"}')) == (
        "rocketchat_room.json document 2: text after the end of the array"
    )


def test_an_array_that_is_not_json(tmp_path: Path) -> None:
    message = read_error(export_file(tmp_path, '[{"_id":"a"},{"_id" "secret-value"}]'))
    assert message.startswith("rocketchat_room.json document 2: not valid JSON (parse error")
    assert "secret-value" not in message


def test_not_utf8(tmp_path: Path) -> None:
    assert read_error(export_file(tmp_path, b'{"_id":"\xff"}\n')) == (
        "rocketchat_room.json line 1: not UTF-8 text"
    )
    assert read_error(export_file(tmp_path, b'[{"_id":"\xff"}]')) == (
        "rocketchat_room.json document 1: not UTF-8 text"
    )


def test_a_file_that_is_no_export_at_all(tmp_path: Path) -> None:
    message = read_error(export_file(tmp_path, "id,name\nsecret,value\n"))
    assert message.startswith("rocketchat_room.json line 1: not valid JSON (")
    assert "secret" not in message


def test_a_line_too_long_to_be_a_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_files, "MAX_LINE_BYTES", 100)
    text = '{"_id":"a"}\n{"_id":"' + "b" * 200 + '"}\n'
    assert read_error(export_file(tmp_path, text)) == (
        "rocketchat_room.json line 2: longer than 64 MiB"
    )


@pytest.mark.parametrize("text", ["", "\n\n  \n", "[]", " [ ]\n"])
def test_empty_files_hold_no_records(tmp_path: Path, text: str) -> None:
    assert list(export_file(tmp_path, text)) == []


def test_a_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    assert docs(export_file(tmp_path, b'\xef\xbb\xbf{"_id":"a"}\n')) == [{"_id": "a"}]
    assert docs(export_file(tmp_path, b'\xef\xbb\xbf[{"_id":"a"}]')) == [{"_id": "a"}]


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ExportFileError) as raised:
        ExportFile(tmp_path / "users.json")
    assert str(raised.value) == "users.json: cannot be read (No such file or directory)"


# --- values in stored form ----------------------------------------------------------------

LAYOUTS = [str, as_array, as_pretty]


def read_one(tmp_path: Path, line: str, layout: Any = str) -> ExportRecord:
    (record,) = list(export_file(tmp_path, layout(line + "\n")))
    return record


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ('"2025-12-20T08:00:00Z"', "2025-12-20T08:00:00.000Z"),
        ('"2025-12-20T08:00:00.007Z"', "2025-12-20T08:00:00.007Z"),
        ('"2025-12-20T10:00:00.999+02:00"', "2025-12-20T08:00:00.999Z"),
        ('{"$numberLong":"1766217600123"}', "2025-12-20T08:00:00.123Z"),
        ("1766217600123", "2025-12-20T08:00:00.123Z"),  # legacy: a number
        ('{"$numberLong":"-1"}', "1969-12-31T23:59:59.999Z"),
        ('{"$numberLong":"-62135596800000"}', "0001-01-01T00:00:00.000Z"),
        ('{"$numberLong":"253402300799999"}', "9999-12-31T23:59:59.999Z"),
    ],
)
def test_dates_become_exact_iso_strings(
    tmp_path: Path, layout: Any, date: str, expected: str
) -> None:
    record = read_one(tmp_path, f'{{"_id":"a","ts":{{"$date":{date}}}}}', layout)
    assert record == ExportRecord(record.at, {"_id": "a", "ts": expected})


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("millis", ["-62135596800001", "253402300800000", "-99999999999999999"])
def test_dates_outside_years_1_to_9999_are_unsupported(
    tmp_path: Path, layout: Any, millis: str
) -> None:
    line = f'{{"_id":"a","x":[{{"closedAt":{{"$date":{{"$numberLong":"{millis}"}}}}}}]}}'
    record = read_one(tmp_path, line, layout)
    assert record.doc == {"_id": "a"}
    assert record.unsupported == "x.0.closedAt: date outside years 1-9999"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_numbers_as_json_stringify_writes_them(tmp_path: Path, layout: Any) -> None:
    line = (
        '{"_id":{"$oid":"6650f1c2a1b2c3d4e5f60718"},"i":{"$numberInt":"-7"},'
        '"l":{"$numberLong":"9007199254740993"},"whole":3.0,"negativeZero":-0.0,'
        '"half":{"$numberDouble":"2.5"},"plain":226.4365,"big":1.152921504606847e18,'
        '"huge":1e21,"nan":{"$numberDouble":"NaN"},"inf":{"$numberDouble":"Infinity"},'
        '"minusInf":{"$numberDouble":"-Infinity"},"callWaitingTime":{"$numberDouble":"NaN"}}'
    )
    doc = read_one(tmp_path, line, layout).doc
    assert dump_document(doc) == (
        '{"_id":"6650f1c2a1b2c3d4e5f60718","i":-7,"l":9007199254740993,"whole":3,'
        '"negativeZero":0,"half":2.5,"plain":226.4365,"big":1152921504606847000,"huge":1e+21,'
        '"nan":null,"inf":null,"minusInf":null,"callWaitingTime":null}'
    )
    assert type(doc["l"]) is int  # not bson's Int64
    assert type(doc["whole"]) is int


UNSUPPORTED = {
    "Decimal128": '{"$numberDecimal":"12.50"}',
    "Binary": '{"$binary":{"base64":"c2VjcmV0","subType":"00"}}',
    "Binary (uuid)": '{"$binary":{"base64":"c2VjcmV0c2VjcmV0c2VjcmV0","subType":"04"}}',
    "Regex": '{"$regularExpression":{"pattern":"secret","options":"i"}}',
    "Regex (legacy)": '{"$regex":"secret","$options":"i"}',
    "Timestamp": '{"$timestamp":{"t":1700000000,"i":1}}',
    "MinKey": '{"$minKey":1}',
    "MaxKey": '{"$maxKey":1}',
    "Code": '{"$code":"secret()"}',
    "Code (scope)": '{"$code":"secret()","$scope":{}}',
    "DBRef": '{"$ref":"users","$id":"secret"}',
    "DBPointer": '{"$dbPointer":{"$ref":"users","$id":{"$oid":"6650f1c2a1b2c3d4e5f60718"}}}',
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", list(UNSUPPORTED))
def test_other_bson_types_are_unsupported(tmp_path: Path, layout: Any, kind: str) -> None:
    line = f'{{"_id":"a","ok":1,"livechatData":{{"list":[0,{UNSUPPORTED[kind]}]}}}}'
    record = read_one(tmp_path, line, layout)
    assert record.doc == {"_id": "a"}
    type_name = kind.split(" ", maxsplit=1)[0].replace("DBPointer", "DBRef")
    assert record.unsupported == f"livechatData.list.1: {type_name} is not supported"


def test_an_unsupported_id_leaves_no_id(tmp_path: Path) -> None:
    record = read_one(tmp_path, '{"_id":{"$numberDecimal":"1"},"t":"v"}')
    assert record == ExportRecord("line 1", {}, "_id: Decimal128 is not supported")


def test_unsupported_records_do_not_stop_the_file(tmp_path: Path) -> None:
    text = '{"_id":"a"}\n{"_id":"b","x":{"$minKey":1}}\n{"_id":"c"}\n'
    assert list(export_file(tmp_path, text)) == [
        ExportRecord("line 1", {"_id": "a"}),
        ExportRecord("line 2", {"_id": "b"}, "x: MinKey is not supported"),
        ExportRecord("line 3", {"_id": "c"}),
    ]


# --- streaming ----------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["lines", "array", "pretty"])
def test_tell_grows_to_the_size_and_each_iteration_reads_again(tmp_path: Path, layout: str) -> None:
    write_export(tmp_path, 600, layout=layout, now_ms=EXAMPLE_NOW_MS)
    file = ExportFile(tmp_path / COLLECTION_FILES["visitors"])
    assert file.tell() == 0
    seen = []
    for _ in file:
        seen.append(file.tell())
    assert seen == sorted(seen)
    assert 0 < seen[0] < seen[-1] <= file.size
    assert file.tell() == file.size == (tmp_path / COLLECTION_FILES["visitors"]).stat().st_size
    first, second = list(file), list(file)
    assert first == second
    assert len(first) == 600


def test_a_50_mb_one_line_array_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / COLLECTION_FILES["rooms"]
    padding = "x" * 5_000
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for n in range(10_000):
            out.write(
                ("," if n else "")
                + f'{{"_id":"room-{n}","ts":{{"$date":{{"$numberLong":"{EXAMPLE_NOW_MS + n}"}}}},'
                f'"padding":"{padding}","n":{{"$numberInt":"{n}"}}}}'
            )
        out.write("]")
    file = ExportFile(path)
    assert file.size > 50_000_000
    count = 0
    tracemalloc.start()
    try:
        for record in file:
            count += record.doc["n"] == count
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 10_000
    assert peak < file.size / 10


# --- the generator, read back -------------------------------------------------------------


def read_export(directory: Path) -> dict[str, list[ExportRecord]]:
    return {name: list(ExportFile(directory / name)) for name in COLLECTION_FILES.values()}


def test_every_layout_and_mode_gives_the_same_records(tmp_path: Path) -> None:
    results = {}
    for layout in ("lines", "array", "pretty"):
        for canonical in (False, True):
            directory = tmp_path / f"{layout}-{canonical}"
            write_export(
                directory, 40, layout=layout, canonical=canonical, seed=3, now_ms=EXAMPLE_NOW_MS
            )
            read = read_export(directory)
            results[layout, canonical] = {
                name: [(record.doc, record.unsupported) for record in records]
                for name, records in read.items()
            }
    expected = results["lines", False]
    assert all(result == expected for result in results.values())
    # visitors, rooms (8 calls and GENERAL), users, settings, permissions
    assert sum(len(records) for records in expected.values()) == 40 + 9 + 5 + 3 + 2


def test_the_generated_export_reads_back_with_the_counts_it_reports(tmp_path: Path) -> None:
    summary = write_export(
        tmp_path, 50, rooms=30, now_ms=EXAMPLE_NOW_MS, open_share=0.3, twice_open=True
    )
    read = read_export(tmp_path)
    assert {name: len(records) for name, records in read.items()} == summary.records
    assert all(record.unsupported is None for records in read.values() for record in records)

    users = {record.doc["_id"]: record.doc for record in read["users.json"]}
    for agent in summary.agents:
        tokens = users[agent.user_id]["services"]["resume"]["loginTokens"]
        hashes = [token["hashedToken"] for token in tokens]
        assert hash_token(agent.login_token) in hashes
        pat = next(token for token in tokens if token.get("type") == "personalAccessToken")
        assert pat["hashedToken"] == hash_token(agent.pat_token)
        assert pat["lastTokenPart"] == agent.pat_token[-6:]
        assert pat["name"] == agent.pat_name
    expired = summary.agents[0].expired_login_token
    assert expired is not None
    assert hash_token(expired) in str(users[summary.agents[0].user_id])
    assert users[summary.bot_id]["type"] == "bot"

    visitors = {record.doc["_id"]: record.doc for record in read[COLLECTION_FILES["visitors"]]}
    usable = [v for v in visitors.values() if "token" in v and not v.get("disabled")]
    assert len(visitors) == summary.visitors == 50
    assert len(usable) == summary.importable_visitors == 48
    assert "token" not in visitors[str(summary.erased_visitor_id)]
    assert visitors[str(summary.disabled_visitor_id)]["disabled"] is True
    assert max(int(v["username"].removeprefix("guest-")) for v in visitors.values()) == (
        summary.largest_guest
    )

    rooms = [record.doc for record in read[COLLECTION_FILES["rooms"]]]
    voip = [room for room in rooms if room["t"] == "v"]
    assert len(voip) == summary.rooms
    assert len(rooms) - len(voip) == summary.non_voip_rooms == 1
    open_ids = [room["_id"] for room in voip if room.get("open") is True]
    expected_open = [room.room_id for room in summary.open_rooms] + summary.older_open_room_ids
    assert sorted(open_ids) == sorted(expected_open)
    assert len(voip) - len(open_ids) == summary.closed_rooms
    assert sum(1 for room in voip if "tags" in room) == summary.tagged_rooms > 0
    assert {(r.visitor_id, r.visitor_token) for r in summary.open_rooms} <= {
        (v["_id"], v["token"]) for v in usable
    }

    settings = {
        record.doc["_id"]: record.doc["value"] for record in read["rocketchat_settings.json"]
    }
    assert settings["Livechat_guest_count"] == summary.guest_count_setting
    assert settings["Accounts_LoginExpiration"] == summary.login_expiration_days


def test_generated_rooms_are_the_service_s_own_shape(tmp_path: Path) -> None:
    """An open room read back is what new_call_room builds for its visitor and agent."""
    summary = write_export(tmp_path, 20, rooms=10, now_ms=EXAMPLE_NOW_MS, open_share=0.5)
    read = read_export(tmp_path)
    visitors = {record.doc["_id"]: record.doc for record in read[COLLECTION_FILES["visitors"]]}
    rooms = {record.doc["_id"]: record.doc for record in read[COLLECTION_FILES["rooms"]]}
    agents = {agent.user_id: agent.username for agent in summary.agents}
    assert summary.open_rooms
    for open_room in summary.open_rooms:
        room = rooms[open_room.room_id]
        agent_id = room["servedBy"]["_id"]
        rebuilt = new_call_room(
            open_room.room_id,
            Visitor(visitors[open_room.visitor_id]),
            User(agent_id, agents[agent_id]),
            "inbound",
            ms_from_iso(room["ts"]),
        )
        assert dump_document(room) == dump_document(rebuilt)


def test_the_summary_never_shows_a_token(tmp_path: Path) -> None:
    summary = write_export(tmp_path, 10, rooms=5, now_ms=EXAMPLE_NOW_MS, open_share=1.0)
    shown = repr(summary)
    secrets = [agent.login_token for agent in summary.agents] + [
        agent.pat_token for agent in summary.agents
    ]
    secrets += [room.visitor_token for room in summary.open_rooms]
    assert secrets
    assert not [secret for secret in secrets if secret in shown]
