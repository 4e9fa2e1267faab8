"""The records the routes work with, free of DynamoDB's attribute formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AGENT_ROLE = "livechat-agent"


@dataclass(frozen=True)
class TokenRecord:
    """A stored login or personal access token: only its hash is kept."""

    hashed_token: str
    user_id: str
    created_at: str
    expires_at: int | None = None  # epoch seconds; None never expires
    kind: str = "login"  # or "personalAccessToken"
    name: str | None = None
    last_token_part: str | None = None


@dataclass(frozen=True)
class User:
    id: str
    username: str | None
    name: str | None = None
    roles: tuple[str, ...] = ()
    active: bool = True

    @property
    def is_agent(self) -> bool:
        return AGENT_ROLE in self.roles and bool(self.username)


@dataclass(frozen=True)
class Visitor:
    """A visitor document (as Rocket.Chat shapes it) and its open call-center room, if any."""

    doc: dict[str, Any]
    open_room: dict[str, Any] | None = None

    @property
    def token(self) -> str:
        return str(self.doc["token"])

    @property
    def id(self) -> str:
        return str(self.doc["_id"])


@dataclass(frozen=True)
class Room:
    doc: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.doc["_id"])

    @property
    def is_open(self) -> bool:
        return self.doc.get("open") is True
