"""The room document a create returns and stores (docs/contract/voip-room.md §6): field by field, in
order, written as JSON.stringify writes it (§8)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from voip_core.domain.ids import random_id
from voip_core.wiring import Services

from tests.expected import ROOM_KEYS, compact
from tests.unit.calls import Api
from tests.unit.conftest import Actors, FakeClock

ID_PATTERN = re.compile(r"^[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{17}$")
CREATED = "2024-05-01T12:00:01.234Z"
# A lone surrogate: JSON can carry it (as `\ud800`), and a stored visitor name can hold it.
LONE = "\ud800"


@pytest.fixture
def agent(actors: Actors, clock: FakeClock) -> tuple[str, str]:
    clock.advance(1.234)
    return actors.user("kim.jane")


def create(
    api: Api, agent: tuple[str, str], token: str, **extra: str
) -> tuple[dict[str, Any], str]:
    status, headers, body = api.call({"token": token, "agentId": agent[0], **extra}, *agent)
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    room: dict[str, Any] = json.loads(body)["room"]
    return room, body


def test_full_document_byte_for_byte(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    visitor = actors.visitor(
        "visitor-doc-1", name="Mary Major", department="sales", phone="+15550100"
    )
    room, body = create(api, agent, "visitor-doc-1", direction="outbound")
    expected = {
        "_id": room["_id"],
        "msgs": 0,
        "usersCount": 1,
        "lm": CREATED,
        "name": "Mary Major",
        "fname": "Mary Major",
        "t": "v",
        "ts": CREATED,
        "departmentId": "sales",
        "v": {
            "_id": visitor["_id"],
            "token": "visitor-doc-1",
            "status": "online",
            "username": visitor["username"],
            "phone": "+15550100",
        },
        "servedBy": {"_id": agent[0], "ts": CREATED, "username": "kim.jane"},
        "open": True,
        "waitingResponse": True,
        "source": {"type": "api"},
        "queuedAt": CREATED,
        "callStarted": CREATED,
        "queue": "default",
        "uids": [],
        "autoTranslateLanguage": "",
        "livechatData": "",
        "u": {"_id": agent[0], "username": "kim.jane"},
        "direction": "outbound",
        "_updatedAt": CREATED,
    }
    assert list(room) == ROOM_KEYS
    assert body == compact({"room": expected, "newRoom": True, "success": True})
    assert ID_PATTERN.match(room["_id"])


def test_nested_key_order(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    actors.visitor("visitor-doc-2", name="Mary", phone="+15550100")
    room, _ = create(api, agent, "visitor-doc-2")
    assert list(room["v"]) == ["_id", "token", "status", "username", "phone"]
    assert list(room["servedBy"]) == ["_id", "ts", "username"]
    assert list(room["u"]) == ["_id", "username"]
    assert list(room["source"]) == ["type"]


def test_no_department_means_no_key(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    actors.visitor("visitor-doc-3", name="Mary")
    room, body = create(api, agent, "visitor-doc-3")
    assert list(room) == [key for key in ROOM_KEYS if key != "departmentId"]
    assert "departmentId" not in body
    assert "null" not in body


def test_no_phone_means_no_v_phone(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    visitor = actors.visitor("visitor-doc-4", name="Mary")
    room, _ = create(api, agent, "visitor-doc-4")
    assert room["v"] == {
        "_id": visitor["_id"],
        "token": "visitor-doc-4",
        "status": "online",
        "username": visitor["username"],
    }
    assert list(room["v"]) == ["_id", "token", "status", "username"]


def test_first_phone_of_several(
    api: Api, services: Services, clock: FakeClock, agent: tuple[str, str]
) -> None:
    services.visitors.create(
        {
            "_id": "65f0c0ffee0000000000abcd",
            "token": "visitor-doc-5",
            "_updatedAt": "2024-04-01T00:00:00.000Z",
            "name": "Two Phones",
            "phone": [{"phoneNumber": "+15550001"}, {"phoneNumber": "+15550002"}],
            "status": "online",
            "ts": "2024-04-01T00:00:00.000Z",
            "username": "guest-9",
        }
    )
    room, _ = create(api, agent, "visitor-doc-5")
    assert room["v"]["phone"] == "+15550001"
    assert room["v"]["_id"] == "65f0c0ffee0000000000abcd"


def test_fname_falls_back_to_username(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    actors.visitor("visitor-doc-6", username="guest-41")
    room, _ = create(api, agent, "visitor-doc-6")
    assert room["fname"] == "guest-41"
    assert room["name"] == "guest-41"  # Deviation: not "guest-41-undefined"


def test_name_equals_fname(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    actors.visitor("visitor-doc-7", name="José Ñúñez 山田")
    room, body = create(api, agent, "visitor-doc-7")
    assert room["name"] == room["fname"] == "José Ñúñez 山田"
    assert '"fname":"José Ñúñez 山田"' in body  # not \u-escaped, as JSON.stringify writes it


def test_times_are_iso_with_milliseconds(api: Api, actors: Actors, agent: tuple[str, str]) -> None:
    actors.visitor("visitor-doc-8")
    room, _ = create(api, agent, "visitor-doc-8")
    times = [room[k] for k in ("lm", "ts", "queuedAt", "callStarted")] + [room["servedBy"]["ts"]]
    assert times == [CREATED] * 5
    assert room["_updatedAt"] >= room["ts"]


def test_read_back_is_the_created_document(
    api: Api, actors: Actors, agent: tuple[str, str]
) -> None:
    actors.visitor("visitor-doc-9", name="Mary", department="d1", phone="+1")
    room, body = create(api, agent, "visitor-doc-9")
    _, _, by_id = api.call({"token": "visitor-doc-9", "rid": room["_id"]}, *agent)
    _, _, reused = api.call({"token": "visitor-doc-9", "agentId": agent[0]}, *agent)
    same = body.replace('"newRoom":true', '"newRoom":false')
    assert by_id == same
    assert reused == same


def test_registering_later_does_not_change_the_room(
    api: Api, actors: Actors, agent: tuple[str, str], services: Services, dynamodb: Any
) -> None:
    """A room keeps the visitor data it was created with."""
    actors.visitor("visitor-doc-10", name="Before")
    room, _ = create(api, agent, "visitor-doc-10")
    item = dynamodb.get_item(
        TableName=services.settings.tables.visitors, Key={"token": {"S": "visitor-doc-10"}}
    )["Item"]
    doc = json.loads(item["doc"]["S"])
    doc["name"] = "After"
    dynamodb.update_item(
        TableName=services.settings.tables.visitors,
        Key={"token": {"S": "visitor-doc-10"}},
        UpdateExpression="SET #doc = :doc",
        ExpressionAttributeNames={"#doc": "doc"},
        ExpressionAttributeValues={":doc": {"S": json.dumps(doc)}},
    )
    _, _, body = api.call({"token": "visitor-doc-10", "rid": room["_id"]}, *agent)
    assert json.loads(body)["room"]["fname"] == "Before"


def test_room_ids_are_distinct_and_from_the_alphabet(
    api: Api, actors: Actors, agent: tuple[str, str]
) -> None:
    ids = set()
    for n in range(3):
        actors.visitor(f"visitor-ids-{n}")
        ids.add(create(api, agent, f"visitor-ids-{n}")[0]["_id"])
    ids |= {random_id() for _ in range(2000)}
    assert len(ids) == 2003
    assert all(ID_PATTERN.match(room_id) for room_id in ids)


# --- §6/§8: bodies are written as JSON.stringify writes them ------------------------------------


def test_lone_surrogate_in_a_room_is_written_as_json_stringify_writes_it(
    api: Api, actors: Actors, agent: tuple[str, str]
) -> None:
    actors.visitor("odd-name", name=f"a{LONE}b")
    status, _, body = api.call({"token": "odd-name", "agentId": agent[0]}, *agent)
    assert status == 200
    body.encode("utf-8")  # a body any transport can send (else: a bare gateway 500)
    assert '"name":"a\\ud800b","fname":"a\\ud800b"' in body
    room = json.loads(body)["room"]
    assert room["fname"] == f"a{LONE}b"
    status, _, again = api.call({"token": "odd-name", "rid": room["_id"]}, *agent)
    assert (status, again) == (200, body.replace('"newRoom":true', '"newRoom":false'))
