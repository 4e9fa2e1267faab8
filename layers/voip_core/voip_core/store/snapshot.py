"""Everything one request needs, read in one strongly consistent BatchGetItem.

Every key is known from the request itself (the hashed header token, the header user id, the visitor
token, the room id, the agent id), so the reads go out together: one round trip in series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voip_core.domain.models import Room, TokenRecord, User, Visitor
from voip_core.store.batches import batch_get
from voip_core.store.dynamo import usable_key
from voip_core.store.rooms import RoomStore
from voip_core.store.tokens import TokenStore
from voip_core.store.users import UserStore
from voip_core.store.visitors import VisitorStore


@dataclass(frozen=True)
class SnapshotKeys:
    hashed_token: str | None = None
    user_id: str | None = None
    visitor_token: str | None = None
    room_id: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True)
class Snapshot:
    token: TokenRecord | None = None
    user: User | None = None
    visitor: Visitor | None = None
    room: Room | None = None
    agent: User | None = None


class SnapshotReader:
    def __init__(
        self,
        client: Any,
        tokens: TokenStore,
        users: UserStore,
        visitors: VisitorStore,
        rooms: RoomStore,
    ) -> None:
        self.client = client
        self.tokens = tokens
        self.users = users
        self.visitors = visitors
        self.rooms = rooms

    def read(self, keys: SnapshotKeys) -> Snapshot:
        wanted: dict[str, list[dict[str, Any]]] = {}

        def want(table: str, key: dict[str, Any], value: str | None) -> None:
            if usable_key(value) and key not in wanted.setdefault(table, []):
                wanted[table].append(key)

        want(self.tokens.table, TokenStore.key(keys.hashed_token or ""), keys.hashed_token)
        want(self.users.table, UserStore.key(keys.user_id or ""), keys.user_id)
        want(self.users.table, UserStore.key(keys.agent_id or ""), keys.agent_id)
        want(self.visitors.table, VisitorStore.key(keys.visitor_token or ""), keys.visitor_token)
        want(self.rooms.table, RoomStore.key(keys.room_id or ""), keys.room_id)
        items = batch_get(self.client, wanted)

        def found(table: str, attribute: str, value: str | None) -> dict[str, Any] | None:
            for item in items.get(table, ()):
                if item.get(attribute, {}).get("S") == value:
                    return item
            return None

        token_item = found(self.tokens.table, "hashedToken", keys.hashed_token)
        user_item = found(self.users.table, "_id", keys.user_id)
        agent_item = found(self.users.table, "_id", keys.agent_id)
        visitor_item = found(self.visitors.table, "token", keys.visitor_token)
        room_item = found(self.rooms.table, "_id", keys.room_id)
        return Snapshot(
            token=TokenStore.decode(token_item) if token_item else None,
            user=UserStore.decode(user_item) if user_item else None,
            visitor=VisitorStore.decode(visitor_item) if visitor_item else None,
            room=RoomStore.decode(room_item) if room_item else None,
            agent=UserStore.decode(agent_item) if agent_item else None,
        )
