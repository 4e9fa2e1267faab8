"""rocketchat_room.json: call-center rooms (`t: "v"`). Closed ones go in batches; open ones are
held until the file is read, so that of several open rooms of one caller only the newest stays
open, and each is then created as the service creates one: with its visitor's link, in one
transaction (docs/migrating-from-rocketchat.md, "Rooms")."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from voip_core.domain.clock import ms_from_iso
from voip_core.domain.rooms import ROOM_TYPE, closed_call_room, operator_closed_by
from voip_core.errors import PayloadTooLarge
from voip_core.store.dynamo import dump_document, usable_key
from voip_core.store.rooms import RoomStore
from voip_core.store.visitor_rooms import VisitorRoomIndex
from voip_core.store.visitors import VisitorStore

from voip_admin.rocketchat.context import Context
from voip_admin.rocketchat.units import (
    DIFFERS,
    NEW,
    UNCHANGED,
    Candidate,
    Claims,
    Found,
    Put,
    Verdict,
    conflict,
    fixed,
    skipped,
)


@dataclass(frozen=True)
class OpenRoom:
    """An open room held until the whole file is read."""

    doc: dict[str, Any]
    at: str

    @property
    def order(self) -> tuple[str, str]:
        return self.doc["ts"], self.doc["_id"]


def room_skip(doc: dict[str, Any]) -> str | None:
    if doc.get("t") != ROOM_TYPE:
        return "not-voip"
    visitor = doc.get("v")
    try:
        ms_from_iso(doc["ts"])
    except (KeyError, TypeError, ValueError):
        return "malformed"
    if not (
        isinstance(doc.get("_id"), str)
        and usable_key(doc["_id"])
        and isinstance(visitor, dict)
        and isinstance(visitor.get("_id"), str)
        and usable_key(visitor["_id"])
        and usable_key(visitor.get("token"))
    ):
        return "malformed"
    try:
        dump_document(doc)
    except PayloadTooLarge:
        return "too-large"
    return None


def skipped_room(doc: dict[str, Any], file: str, at: str, reason: str) -> Candidate:
    room_id = doc.get("_id") if isinstance(doc.get("_id"), str) else "?"
    verdict = skipped(reason, reason in ("malformed", "too-large"))
    return fixed("rooms", file, at, str(room_id), verdict)


def newest_open(rooms: list[OpenRoom]) -> tuple[OpenRoom, list[OpenRoom]]:
    """Of one caller's open rooms, the newest (stays open) and the others, each closed as
    `close-room` closes it at the moment the next one began."""
    ordered = sorted(rooms, key=lambda room: room.order)
    closed = [
        OpenRoom(
            closed_call_room(
                room.doc, "user", operator_closed_by(room.doc), ms_from_iso(after.doc["ts"])
            ),
            room.at,
        )
        for room, after in itertools.pairwise(ordered)
    ]
    return ordered[-1], closed


def closed_room_candidate(
    doc: dict[str, Any], file: str, at: str, context: Context, on_import: bool = False
) -> Candidate:
    table = context.tables.rooms
    key = RoomStore.key(doc["_id"])
    entry_key = VisitorRoomIndex.key(doc["v"]["_id"], doc["_id"])
    item = RoomStore.item(doc)
    entry = Put(context.tables.visitor_rooms, entry_key, entry_key)
    reads = [(table, key), (context.tables.visitor_rooms, entry_key)]

    def judge(found: Found, _: Claims) -> Verdict:
        existing = found.get(table, key)
        has_entry = found.get(context.tables.visitor_rooms, entry_key) is not None
        if existing is None or (existing == item and not has_entry):
            put = [Put(table, key, item)] if existing is None else []
            return Verdict(NEW, first=[entry], then=put, closed_on_import=on_import)
        if existing == item:
            return Verdict(UNCHANGED, closed_on_import=on_import)
        if "isOpen" in existing:
            return conflict("room-open-in-target")
        return conflict(DIFFERS, True, first=[entry], then=[Put(table, key, item)])

    return Candidate("rooms", file, at, doc["_id"], reads, judge)


def open_room_candidate(
    room: OpenRoom, file: str, context: Context, visitor_in_export: str | None
) -> Candidate:
    """`visitor_in_export`: the plan's word for the `_id` the export's visitor with this token
    will have once written (the write phase reads it instead)."""
    doc = room.doc
    table, visitors = context.tables.rooms, context.tables.visitors
    key = RoomStore.key(doc["_id"])
    visitor_key = VisitorStore.key(doc["v"]["token"])
    item = RoomStore.item(doc)

    def judge(found: Found, _: Claims) -> Verdict:
        existing = found.get(table, key)
        visitor = found.get(visitors, visitor_key)
        if visitor is None:
            same = visitor_in_export == doc["v"]["_id"]
            link = None
        else:
            same = "doc" in visitor and visitor["_id"]["S"] == doc["v"]["_id"]
            link = visitor.get("openRoomId", {}).get("S")
        if existing is not None and existing != item:
            reason = "room-open-in-target" if "isOpen" in existing else "room-closed-in-target"
            return conflict(reason)
        if same and link is not None and link != doc["_id"]:
            return conflict("visitor-has-open-room")
        if existing is None:
            actions = context.rooms.open_room_actions(doc, link=same)
            return Verdict(NEW, transaction=actions, linked_open=same, problem=_unlinked(same))
        if same and link is None:
            update = {"Update": context.rooms.link_action(doc)}
            return Verdict(NEW, transaction=[update], linked_open=True)
        return Verdict(UNCHANGED, linked_open=same, problem=_unlinked(same))

    return Candidate(
        "rooms", file, room.at, doc["_id"], [(table, key), (visitors, visitor_key)], judge
    )


def _unlinked(linked: bool) -> str | None:
    return None if linked else "unlinked-open-room"
