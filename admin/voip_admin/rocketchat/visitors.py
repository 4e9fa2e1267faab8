"""rocketchat_livechat_visitor.json: callers, each keyed by its visitor token, holding the guards of
its phone and email when nobody holds them (docs/migrating-from-rocketchat.md, "Visitors")."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from voip_core.domain.models import Visitor
from voip_core.errors import PayloadTooLarge
from voip_core.store.dynamo import load_document, usable_key
from voip_core.store.rooms import RoomStore
from voip_core.store.visitor_guards import HELD_ATTRIBUTE, KINDS, GuardStore
from voip_core.store.visitor_rooms import VisitorRoomIndex
from voip_core.store.visitors import VisitorRecord, VisitorStore

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

_GUEST = re.compile(r"guest-([0-9]{1,15})")


def guest_number(doc: dict[str, Any]) -> int | None:
    """n of a `guest-<n>` username."""
    match = _GUEST.fullmatch(str(doc.get("username")))
    return int(match.group(1)) if match else None


def visitor_skip(doc: dict[str, Any], keep: Callable[[str], bool]) -> str | None:
    if not doc.get("token"):
        return "no-token"
    if doc.get("disabled") is True:
        return "disabled"
    visitor_id = doc.get("_id")
    if not (isinstance(visitor_id, str) and visitor_id and usable_key(doc["token"])):
        return "malformed"
    if not keep(visitor_id):
        return "no-room"
    return None


def visitor_candidate(
    doc: dict[str, Any],
    file: str,
    at: str,
    context: Context,
    keep: Callable[[str], bool],
    open_room: dict[str, Any] | None = None,
) -> Candidate:
    """`open_room`: the export's open room of this visitor's token (the one that stays open)."""
    visitor_id = doc.get("_id") if isinstance(doc.get("_id"), str) else "?"
    reason = visitor_skip(doc, keep)
    if reason is None:
        try:
            VisitorStore.item(doc)
        except PayloadTooLarge:
            reason = "too-large"
    if reason is not None:
        problem = reason in ("malformed", "too-large")
        return fixed("visitors", file, at, str(visitor_id), skipped(reason, problem))
    if open_room is not None and open_room["v"]["_id"] != doc["_id"]:
        open_room = None
    reads, judge = _judge(doc, context, open_room)
    return Candidate("visitors", file, at, str(visitor_id), reads, judge)


def _judge(
    doc: dict[str, Any], context: Context, open_room: dict[str, Any] | None
) -> tuple[list[Any], Any]:
    table, guards_table = context.tables.visitors, context.tables.visitor_guards
    key = VisitorStore.key(doc["token"])
    wanted = VisitorStore.guard_keys(doc) if isinstance(doc.get("ts"), str) else {}
    guard_keys = {kind: guard for kind, guard in wanted.items() if guard}
    reads = [(table, key), *((guards_table, GuardStore.key(g)) for g in guard_keys.values())]
    if open_room is not None:
        reads.append((context.tables.rooms, RoomStore.key(open_room["_id"])))

    def judge(found: Found, claims: Claims) -> Verdict:
        existing = found.get(table, key)
        if not claims.take("visitor-token", doc["token"], doc["_id"]):
            return conflict("token-taken")
        if existing is None:
            verdict = _new(doc, found, claims, guard_keys, context)
            return _with_open_room(verdict, open_room, found, context)
        if "doc" not in existing or existing["_id"]["S"] != doc["_id"]:
            return conflict("token-taken")
        if existing["doc"] == VisitorStore.item(doc)["doc"]:
            return Verdict(UNCHANGED)
        free = [
            g for g in guard_keys.values() if found.get(guards_table, GuardStore.key(g)) is None
        ]
        return conflict(DIFFERS, True, write=lambda: _overwrite(existing, doc, free, context))

    return reads, judge


def _new(
    doc: dict[str, Any],
    found: Found,
    claims: Claims,
    guard_keys: dict[str, str],
    context: Context,
) -> Verdict:
    """The visitor and the guards it claims: those nobody holds (first in the export wins)."""
    held: dict[str, str | None] = {}
    claimed: list[Put] = []
    for kind, guard in guard_keys.items():
        holder = found.get(context.tables.visitor_guards, GuardStore.key(guard))
        if holder is None and claims.take("guard", guard, doc["_id"]):
            held[kind] = guard
            item = GuardStore.claim_item(guard, doc)
            claimed.append(Put(context.tables.visitor_guards, GuardStore.key(guard), item))
        elif holder is not None and holder["visitorId"]["S"] == doc["_id"]:
            held[kind] = guard
    put = Put(context.tables.visitors, VisitorStore.key(doc["token"]), VisitorStore.item(doc, held))
    return Verdict(NEW, first=claimed, then=[put])


def _with_open_room(
    verdict: Verdict, room: dict[str, Any] | None, found: Found, context: Context
) -> Verdict:
    """A new visitor written with its open room's link, as the room-create transaction leaves it
    (store/rooms.py), the room and its index entry written first: one batch write for the two
    instead of a transaction each (docs/decisions.md). A room the target already holds otherwise
    is left to the rooms (rooms.py decides)."""
    if room is None:
        return verdict
    item = RoomStore.item(room)
    existing = found.get(context.tables.rooms, RoomStore.key(room["_id"]))
    if existing is not None and existing != item:
        return verdict
    entry = VisitorRoomIndex.key(room["v"]["_id"], room["_id"])
    verdict.first += [
        Put(context.tables.visitor_rooms, entry, entry),
        Put(context.tables.rooms, RoomStore.key(room["_id"]), item),
    ]
    put = verdict.then[0]
    verdict.then = [Put(put.table, put.key, {**put.item, **RoomStore.link_attributes(room)})]
    verdict.opens_room = room["_id"]
    return verdict


def _overwrite(
    existing: dict[str, Any], doc: dict[str, Any], free: list[str], context: Context
) -> None:
    """--overwrite: the visitor's document replaced, its open-room link kept (store/visitors.py's
    conditional update, guards following its phone and email)."""
    held = {kind: existing.get(HELD_ATTRIBUTE[kind], {}).get("S") for kind in KINDS}
    record = VisitorRecord(
        visitor=Visitor(doc=load_document(existing["doc"]["S"])),
        doc_text=existing["doc"]["S"],
        open_room_id=existing.get("openRoomId", {}).get("S"),
        held=held,
    )
    changes = context.guards.changes(doc, held, VisitorStore.guard_keys(doc), free)
    context.visitors.replace_doc(record, doc, changes)
