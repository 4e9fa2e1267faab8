"""Creating, reusing, fetching and closing call-center rooms (docs/contract/voip-room.md §5;
docs/contract/call-lifecycle.md §1)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voip_core.domain.clock import Clock
from voip_core.domain.ids import random_id
from voip_core.domain.models import Room, User, Visitor
from voip_core.domain.rooms import (
    ROOM_TYPE,
    RoomQuery,
    closed_call_room,
    is_call_room_of,
    new_call_room,
    operator_closed_by,
)
from voip_core.errors import BusinessError, ServiceUnavailable
from voip_core.store.retry import ROOM_WRITES, Attempt, Sleep, retry
from voip_core.store.rooms import RoomStore
from voip_core.store.visitors import VisitorStore


class RoomService:
    def __init__(
        self,
        rooms: RoomStore,
        visitors: VisitorStore,
        clock: Clock,
        sleep: Sleep = time.sleep,
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
        """One transaction; a lost race returns the winner's room (docs/contract/voip-room.md §5,
        deviation). The write holds only while the token is still this visitor's (same `_id`): after
        an erasure and a new registration of the token, the re-read visitor is the one the room is
        built from."""

        def attempt(this: Attempt) -> tuple[dict[str, Any], bool]:
            current = visitor if this.first else self.visitors.get(visitor.token)
            if current is None:
                raise BusinessError("invalid-token")
            if current.open_room is not None:
                return current.open_room, False  # the winner's
            if this.last:
                raise ServiceUnavailable()  # the winner is not visible, or it closed: no more
            room = new_call_room(random_id(), current, agent, direction, self.clock())
            self._ensure_closable(room, current)
            self.rooms.create_open_room(room)
            return room, True

        return retry(attempt, ROOM_WRITES, self.sleep)

    def _ensure_closable(self, room: dict[str, Any], visitor: Visitor) -> None:
        """A room opens only if its closed form (which adds the visitor's username once more) fits
        one item too, so every open room can be closed, and its visitor then erased: 413 before
        anything is written otherwise. Registration bounds the fields (routes/visitors.py); this
        covers visitors stored before those bounds."""
        closed_by = {"_id": visitor.id, "username": visitor.doc.get("username")}
        self.rooms.ensure_fits(closed_call_room(room, "visitor", closed_by, self.clock()))

    def close_for_visitor(
        self,
        token: str,
        rid: str,
        read: tuple[Visitor | None, Room | None],
        tags: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        """`POST voip/room.close`: the visitor with `token` closes its room `rid` (closer
        "visitor", closedBy the visitor). `read` is the visitor and room as already read."""

        def reread() -> tuple[Visitor | None, Room | None]:
            return self.visitors.get(token), self.rooms.get(rid) if rid else None

        def target(visitor: Visitor | None, room: Room | None) -> _CloseTarget:
            if visitor is None:
                raise BusinessError("invalid-token")
            # Deviation: an empty rid does not mean "any room of this visitor".
            if not rid or room is None or not is_call_room_of(room.doc, visitor.token):
                raise BusinessError("invalid-room")
            if not room.is_open:
                raise BusinessError("room-closed")
            closed_by = {"_id": visitor.id, "username": visitor.doc.get("username")}
            return _CloseTarget(room, visitor, closed_by)

        return self._close(read, reread, target, "visitor", tags)

    def close_as_operator(self, rid: str) -> dict[str, Any]:
        """`voip-admin close-room`: closer "user", closedBy the agent who served the room."""

        def reread() -> tuple[Visitor | None, Room | None]:
            room = self.rooms.get(rid)
            token = (room.doc.get("v") or {}).get("token") if room else None
            return (self.visitors.get(token) if isinstance(token, str) else None), room

        def target(visitor: Visitor | None, room: Room | None) -> _CloseTarget:
            if room is None or room.doc.get("t") != ROOM_TYPE:
                raise BusinessError("invalid-room")
            if not room.is_open:
                raise BusinessError("room-closed")
            return _CloseTarget(room, visitor, operator_closed_by(room.doc))

        return self._close(reread(), reread, target, "user", None)

    def _close(
        self,
        read: tuple[Visitor | None, Room | None],
        reread: Callable[[], tuple[Visitor | None, Room | None]],
        target: Callable[[Visitor | None, Room | None], _CloseTarget],
        closer: str,
        tags: tuple[str, ...] | None,
    ) -> dict[str, Any]:
        """Close the room and clear its visitor's open-room link in one conditional write. A
        cancelled write re-reads: closed by now → room-closed; still open → again; then 503."""

        def attempt(this: Attempt) -> dict[str, Any]:
            closing = target(*(read if this.first else reread()))
            if this.last:
                raise ServiceUnavailable()
            room = closing.room
            closed = closed_call_room(
                room.doc, closer, closing.closed_by, self.clock(), list(tags or ())
            )
            open_room = closing.visitor.open_room if closing.visitor else None
            links_here = open_room is not None and open_room.get("_id") == room.id
            self.rooms.close_room(closed, unlink_visitor=links_here)
            return closed

        return retry(attempt, ROOM_WRITES, self.sleep)


@dataclass(frozen=True)
class _CloseTarget:
    room: Room
    visitor: Visitor | None
    closed_by: dict[str, Any]
