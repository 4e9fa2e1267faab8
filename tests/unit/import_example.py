"""The spec's worked example (docs/migrating-from-rocketchat.md, "A worked example") as stored
documents, and helpers to run the importer on documents in memory."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from voip_admin.rocketchat.importer import Importer, Options
from voip_admin.rocketchat.sources import MemorySource
from voip_core.domain.clock import ms_from_iso
from voip_core.wiring import Services

# The worked example runs at 2026-01-10T00:00:00Z.
EXAMPLE_NOW_MS = ms_from_iso("2026-01-10T00:00:00.000Z")
LOGIN_1 = "ana-login-token-example-0000000000000000001"
LOGIN_2 = "ana-login-token-example-0000000000000000002"
PAT = "ana-pat-example-000000000000000000000pbx42A"
AGENT_ID = "hZ4kTq8mYw2NcR7aP"


# The worked example's three files, exactly as mongoexport writes them (relaxed Extended JSON,
# JSON lines).
EXAMPLE_USERS = (
    '{"_id":"hZ4kTq8mYw2NcR7aP","username":"ana.agent","roles":["user","livechat-agent"],'
    '"active":true,"services":{"resume":{"loginTokens":[{"when":{"$date":"2025-12-20T08:00:00Z"},'
    '"hashedToken":"PyawHi5ZSTWG6nIDLUr9NUKmIRccpOFvs0jkx3CO2MY="},{"when":{"$date":'
    '"2025-09-01T08:00:00Z"},"hashedToken":"Gv2RIB3na5cx2onejb2jC9vfjOux6an2IGoVRDIWxEQ="},'
    '{"hashedToken":"UTFuNtZrW8y2ZDOlnc3T6edxtOIukNAf8mE1DwBdjY8=","type":"personalAccessToken",'
    '"createdAt":{"$date":"2025-06-01T12:00:00Z"},"lastTokenPart":"pbx42A","name":"pbx"}]}}}\n'
    '{"_id":"rocket.cat","username":"rocket.cat","roles":["bot"],"type":"bot"}\n'
)
EXAMPLE_VISITORS = (
    '{"_id":"6650f1c2a1b2c3d4e5f60718","token":"vis-token-1","username":"guest-41","ts":{"$date":'
    '"2025-12-01T09:00:00Z"},"phone":[{"phoneNumber":"+15551230001"}]}\n'
    '{"_id":"6650f1c2a1b2c3d4e5f60719","token":"vis-token-2","username":"guest-42","ts":{"$date":'
    '"2025-12-02T09:00:00Z"}}\n'
    '{"_id":"6650f1c2a1b2c3d4e5f6071a","disabled":true}\n'
)
EXAMPLE_ROOMS = (
    '{"_id":"Kq7fW2xYz9AbCdEfG","t":"v","ts":{"$date":"2026-01-09T15:00:00Z"},"v":{"_id":'
    '"6650f1c2a1b2c3d4e5f60718","token":"vis-token-1","status":"online","username":"guest-41"},'
    '"servedBy":{"_id":"hZ4kTq8mYw2NcR7aP","username":"ana.agent"},"open":true}\n'
    '{"_id":"Mn3pQ8rStuvWxYz2a","t":"v","ts":{"$date":"2025-12-02T09:05:00Z"},"v":{"_id":'
    '"6650f1c2a1b2c3d4e5f60719","token":"vis-token-2","status":"offline"},"closer":"visitor",'
    '"closedAt":{"$date":"2025-12-02T09:09:00Z"},"callDuration":240000}\n'
    '{"_id":"GENERAL","t":"c"}\n'
)
EXAMPLE_EXPORT = {
    "users.json": EXAMPLE_USERS,
    "rocketchat_livechat_visitor.json": EXAMPLE_VISITORS,
    "rocketchat_room.json": EXAMPLE_ROOMS,
}


def meteor_hash(token: str) -> str:
    """Accounts._hashLoginToken: base64(sha256(token))."""
    return base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()


def example_users() -> list[dict[str, Any]]:
    tokens = [
        {"when": "2025-12-20T08:00:00.000Z", "hashedToken": meteor_hash(LOGIN_1)},
        {"when": "2025-09-01T08:00:00.000Z", "hashedToken": meteor_hash(LOGIN_2)},
        {
            "hashedToken": meteor_hash(PAT),
            "type": "personalAccessToken",
            "createdAt": "2025-06-01T12:00:00.000Z",
            "lastTokenPart": "pbx42A",
            "name": "pbx",
        },
    ]
    return [
        {
            "_id": AGENT_ID,
            "username": "ana.agent",
            "roles": ["user", "livechat-agent"],
            "active": True,
            "services": {"resume": {"loginTokens": tokens}},
        },
        {"_id": "rocket.cat", "username": "rocket.cat", "roles": ["bot"], "type": "bot"},
    ]


def example_visitors() -> list[dict[str, Any]]:
    return [
        {
            "_id": "6650f1c2a1b2c3d4e5f60718",
            "token": "vis-token-1",
            "username": "guest-41",
            "ts": "2025-12-01T09:00:00.000Z",
            "phone": [{"phoneNumber": "+15551230001"}],
        },
        {
            "_id": "6650f1c2a1b2c3d4e5f60719",
            "token": "vis-token-2",
            "username": "guest-42",
            "ts": "2025-12-02T09:00:00.000Z",
        },
        {"_id": "6650f1c2a1b2c3d4e5f6071a", "disabled": True},
    ]


OPEN_ROOM = {
    "_id": "Kq7fW2xYz9AbCdEfG",
    "t": "v",
    "ts": "2026-01-09T15:00:00.000Z",
    "v": {
        "_id": "6650f1c2a1b2c3d4e5f60718",
        "token": "vis-token-1",
        "status": "online",
        "username": "guest-41",
    },
    "servedBy": {"_id": AGENT_ID, "username": "ana.agent"},
    "open": True,
}


def example_rooms() -> list[dict[str, Any]]:
    closed = {
        "_id": "Mn3pQ8rStuvWxYz2a",
        "t": "v",
        "ts": "2025-12-02T09:05:00.000Z",
        "v": {"_id": "6650f1c2a1b2c3d4e5f60719", "token": "vis-token-2", "status": "offline"},
        "closer": "visitor",
        "closedAt": "2025-12-02T09:09:00.000Z",
        "callDuration": 240000,
    }
    return [dict(OPEN_ROOM), closed, {"_id": "GENERAL", "t": "c"}]


def example() -> dict[str, list[dict[str, Any]]]:
    return {"users": example_users(), "visitors": example_visitors(), "rooms": example_rooms()}


FILES = {
    "users": "users.json",
    "visitors": "rocketchat_livechat_visitor.json",
    "rooms": "rocketchat_room.json",
    "settings": "rocketchat_settings.json",
    "permissions": "rocketchat_permissions.json",
}


def run_import(
    services: Services,
    docs: dict[str, list[dict[str, Any]]],
    now_ms: int = EXAMPLE_NOW_MS,
    **options: Any,
) -> dict[str, Any]:
    sources = {name: MemorySource(FILES[name], list(found)) for name, found in docs.items()}
    importer = Importer(services, sources, Options(**options), now_ms, sleep=lambda _: None)
    return importer.run()
