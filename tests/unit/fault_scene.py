"""The scenario of the fault tests: an agent and a visitor, the create request, and what the tables
hold afterwards (no room without its visitor link, no link to a missing or closed room)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from voip_core.domain.ids import random_id
from voip_core.domain.models import User
from voip_core.domain.rooms import new_call_room
from voip_core.store.dynamo import make_client
from voip_core.store.rooms import RoomStore
from voip_core.store.users import UserStore
from voip_core.store.visitors import VisitorStore
from voip_core.wiring import Services

from tests.unit.calls import Api

VISITOR = "visitor-1"


@dataclass
class Scene:
    api: Api
    services: Services
    agent_id: str
    agent_token: str

    def create(self, user_id: str | None = None, token: str | None = None) -> tuple[int, Any]:
        status, _, body = self.api.call(
            {"token": VISITOR, "agentId": self.agent_id},
            user_id or self.agent_id,
            token or self.agent_token,
        )
        return status, body

    def rooms(self) -> list[dict[str, Any]]:
        return scan(self.services, self.services.settings.tables.rooms)

    def visitors(self) -> list[dict[str, Any]]:
        return scan(self.services, self.services.settings.tables.visitors)

    def assert_consistent(self) -> None:
        """Every open room is linked from its visitor, every link names an open room of that
        visitor, and the visitor's copy of the room is the room."""
        open_rooms = {r["_id"]["S"]: r for r in self.rooms() if "isOpen" in r}
        for visitor in self.visitors():
            token = visitor["token"]["S"]
            linked = visitor.get("openRoomId", {}).get("S")
            mine = [rid for rid, r in open_rooms.items() if r["visitorToken"]["S"] == token]
            assert mine == ([linked] if linked else []), (token, linked, mine)
            if linked:
                assert visitor["openRoom"]["S"] == open_rooms[linked]["doc"]["S"]

    def rival_creates_room(self) -> str:
        """Another request's create, committed through its own client: the race's winner."""
        rival = make_client()  # not wired: the rival's requests meet no injected fault
        tables = self.services.settings.tables
        visitor = VisitorStore(rival, tables.visitors).get(VISITOR)
        agent = UserStore(rival, tables.users).get(self.agent_id)
        assert visitor is not None and isinstance(agent, User)
        room = new_call_room(random_id(), visitor, agent, "inbound", self.services.clock())
        RoomStore(rival, tables.rooms, tables.visitors, tables.visitor_rooms).create_open_room(room)
        return str(room["_id"])


def scan(services: Services, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = services.rooms.client.scan(TableName=table, ConsistentRead=True)[
        "Items"
    ]
    return items


def assert_created(scene: Scene, status: int, body: str, new_room: bool = True) -> dict[str, Any]:
    assert status == 200, body
    answer = json.loads(body)
    assert answer["newRoom"] is new_room
    (stored,) = scene.rooms()
    assert json.loads(stored["doc"]["S"]) == answer["room"]
    scene.assert_consistent()
    return dict(answer["room"])


def assert_nothing_written(scene: Scene) -> None:
    assert scene.rooms() == []
    assert all("openRoomId" not in v for v in scene.visitors())
