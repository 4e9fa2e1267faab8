"""Creating, reusing, fetching and closing call-center rooms (spec §5; call-lifecycle §1)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from voip_core.errors import BusinessError, ServiceUnavailable
from voip_core.ids import random_id
from voip_core.models import Room, User, Visitor
from voip_core.room_query import RoomQuery
from voip_core.rooms import closed_call_room, is_call_room_of, new_call_room
from voip_core.store.rooms import RoomStore, RoomWriteConflict
from voip_core.store.visitors import VisitorStore
from voip_core.timeutil import Clock

# Pauses (seconds) before re-reading after a lost conditional write; then 503.
CONFLICT_BACKOFF = (0.01, 0.025, 0.05, 0.1, 0.2)


class RoomService:
    def __init__(
        self,
        rooms: RoomStore,
        visitors: VisitorStore,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rooms = rooms
        self.visitors = visitors
        self.clock = clock
        self.sleep = sleep

    def create_or_get(
        self,
        query: RoomQuery,
        visitor: Visitor | None,
        room: Room | None,
        agent: User | None,
    ) -> tuple[dict[str, Any], bool]:
        """The room and whether it was created now; the visitor, room and agent as read for it."""
        if visitor is None:
            raise BusinessError("invalid-token")
        if query.wants_existing_room:
            if room is None or not is_call_room_of(room.doc, visitor.token):
                raise BusinessError("invalid-room")
            return room.doc, False
        if visitor.open_room is not None:
            return visitor.open_room, False
        if agent is None or not agent.is_agent:
            raise BusinessError("agent-not-found")
        return self._create(visitor, agent, query.direction or "inbound")

    def _create(self, visitor: Visitor, agent: User, direction: str) -> tuple[dict[str, Any], bool]:
        """One transaction; a lost race returns the winner's room (spec §5 deviation)."""
        for pause in CONFLICT_BACKOFF:
            room = new_call_room(random_id(), visitor, agent, direction, self.clock())
            try:
                self.rooms.create_open_room(room)
                return room, True
            except RoomWriteConflict:
                self.sleep(pause)
            current = self.visitors.get(visitor.token)
            if current is None:
                raise BusinessError("invalid-token")
            if current.open_room is not None:
                return current.open_room, False
            visitor = current  # no open room yet (the winner is not visible, or it closed): again
        raise ServiceUnavailable()

    def close(
        self,
        room_id: str,
        closer: str,
        tags: list[str] | None = None,
        visitor_token: str | None = None,
    ) -> dict[str, Any]:
        """Close an open room, and clear its visitor's open-room link, in one conditional write.

        `closer` is "visitor" (the HTTP route: closedBy is the visitor) or "user" (an operator:
        closedBy is the agent who served the room). With `visitor_token`, the room must be that
        visitor's.
        """
        for pause in (0.0, *CONFLICT_BACKOFF):
            if pause:
                self.sleep(pause)
            room = self.rooms.get(room_id) if room_id else None
            if room is None or room.doc.get("t") != "v":
                raise BusinessError("invalid-room")
            room_token = str((room.doc.get("v") or {}).get("token"))
            if visitor_token is not None and room_token != visitor_token:
                raise BusinessError("invalid-room")
            if not room.is_open:
                raise BusinessError("room-closed")
            visitor = self.visitors.get(room_token)
            if closer == "visitor":
                source = visitor.doc if visitor else room.doc.get("v") or {}
            else:
                source = room.doc.get("servedBy") or {}
            closed_by = {"_id": source.get("_id"), "username": source.get("username")}
            closed = closed_call_room(room.doc, closer, closed_by, self.clock(), tags)
            links_here = bool(visitor and visitor.open_room and visitor.open_room["_id"] == room_id)
            try:
                self.rooms.close_room(closed, unlink_visitor=links_here)
                return closed
            except RoomWriteConflict:
                continue
        raise ServiceUnavailable()
