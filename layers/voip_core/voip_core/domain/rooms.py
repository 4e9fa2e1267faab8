"""Call-center rooms: what `GET voip/room` asks for, and the documents exactly as Rocket.Chat
shapes them (docs/contract/voip-room.md §6; docs/contract/call-lifecycle.md §1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voip_core.domain.clock import iso_from_ms, ms_from_iso
from voip_core.domain.models import User, Visitor

ROOM_TYPE = "v"
DIRECTIONS = ("inbound", "outbound")


@dataclass(frozen=True)
class RoomQuery:
    """What `GET voip/room` asks for. `rid` set means "get"; otherwise "create" with `agent_id`
    and `direction`."""

    token: str
    agent_id: str | None = None
    rid: str | None = None
    direction: str | None = None

    @property
    def wants_existing_room(self) -> bool:
        """Rocket.Chat treats `rid=` (empty) as absent."""
        return bool(self.rid)


def new_call_room(
    room_id: str, visitor: Visitor, agent: User, direction: str, now_ms: int
) -> dict[str, Any]:
    """A new open room, keys in Rocket.Chat's order; absent values are absent keys, never null."""
    now = iso_from_ms(now_ms)
    doc = visitor.doc
    fname = doc.get("name") or doc.get("username")
    visitor_part: dict[str, Any] = {
        "_id": doc["_id"],
        "token": doc["token"],
        "status": "online",
        "username": doc.get("username"),
    }
    phones = doc.get("phone") or []
    if phones and phones[0].get("phoneNumber"):
        visitor_part["phone"] = phones[0]["phoneNumber"]
    room: dict[str, Any] = {
        "_id": room_id,
        "msgs": 0,
        "usersCount": 1,
        "lm": now,
        "name": fname,
        "fname": fname,
        "t": ROOM_TYPE,
        "ts": now,
    }
    if doc.get("department"):
        room["departmentId"] = doc["department"]
    room.update(
        {
            "v": visitor_part,
            "servedBy": {"_id": agent.id, "ts": now, "username": agent.username},
            "open": True,
            "waitingResponse": True,
            "source": {"type": "api"},
            "queuedAt": now,
            "callStarted": now,
            "queue": "default",
            "uids": [],
            "autoTranslateLanguage": "",
            "livechatData": "",
            "u": {"_id": agent.id, "username": agent.username},
            "direction": direction,
            "_updatedAt": now,
        }
    )
    return room


def is_call_room_of(room: dict[str, Any], visitor_token: str) -> bool:
    return room.get("t") == ROOM_TYPE and (room.get("v") or {}).get("token") == visitor_token


def operator_closed_by(room: dict[str, Any]) -> dict[str, Any]:
    """`closedBy` of a room an operator closes (`voip-admin close-room`): its agent."""
    served_by = room.get("servedBy") or {}
    return {"_id": served_by.get("_id"), "username": served_by.get("username")}


def closed_call_room(
    room: dict[str, Any],
    closer: str,
    closed_by: dict[str, Any],
    now_ms: int,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """The room as Rocket.Chat closes it: `open` removed, `v.status` offline, then appended in order
    `callDuration, closedAt, closedBy, closer[, tags]`; `_updatedAt` keeps its place."""
    closed = {key: value for key, value in room.items() if key != "open"}
    closed["v"] = {**(room.get("v") or {}), "status": "offline"}
    closed["_updatedAt"] = iso_from_ms(now_ms)
    closed["callDuration"] = now_ms - ms_from_iso(room["ts"])
    closed["closedAt"] = iso_from_ms(now_ms)
    closed["closedBy"] = closed_by
    closed["closer"] = closer
    if tags:
        closed["tags"] = list(tags)
    return closed
