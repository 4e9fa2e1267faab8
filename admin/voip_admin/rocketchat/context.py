"""What every mapper needs to know about the run: the tables, its one clock, the login expiry, the
roles whose users are imported, and the stores whose functions build the items."""

from __future__ import annotations

from dataclasses import dataclass

from voip_core.settings import TableNames
from voip_core.store.rooms import RoomStore
from voip_core.store.visitor_guards import GuardStore
from voip_core.store.visitors import VisitorStore

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Context:
    tables: TableNames
    now_ms: int
    login_days: int | float
    user_roles: frozenset[str]
    visitors: VisitorStore
    guards: GuardStore
    rooms: RoomStore
