"""The service's parts: every store and service, built once per Lambda environment (at init) and
shared by the routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voip_core.domain.clock import Clock, system_clock
from voip_core.services.rate_limit import RateLimiter
from voip_core.services.room_listing import RoomListing
from voip_core.services.rooms import RoomService
from voip_core.services.visitors import VisitorService
from voip_core.settings import Settings
from voip_core.store.counters import CounterStore
from voip_core.store.dynamo import make_client
from voip_core.store.rate_limits import RateLimitStore
from voip_core.store.room_listing import RoomListingStore
from voip_core.store.rooms import RoomStore
from voip_core.store.snapshot import SnapshotReader
from voip_core.store.tokens import TokenStore
from voip_core.store.users import UserStore
from voip_core.store.visitor_erasure import VisitorErasure
from voip_core.store.visitor_guards import GuardStore
from voip_core.store.visitor_moves import VisitorMoves
from voip_core.store.visitors import VisitorStore


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    tokens: TokenStore
    users: UserStore
    visitors: VisitorStore
    rooms: RoomStore
    counters: CounterStore
    snapshots: SnapshotReader
    rate_limiter: RateLimiter
    room_service: RoomService
    visitor_service: VisitorService
    room_listing: RoomListing

    @classmethod
    def build(cls, settings: Settings, client: Any = None, clock: Clock = system_clock) -> Services:
        client = client if client is not None else make_client(settings.dynamodb_endpoint_url)
        tables = settings.tables
        tokens = TokenStore(client, tables.tokens)
        users = UserStore(client, tables.users)
        visitors = VisitorStore(client, tables.visitors)
        rooms = RoomStore(client, tables.rooms, tables.visitors, tables.visitor_rooms)
        counters = CounterStore(client, tables.counters)
        guards = GuardStore(client, tables.visitor_guards)
        return cls(
            settings=settings,
            clock=clock,
            tokens=tokens,
            users=users,
            visitors=visitors,
            rooms=rooms,
            counters=counters,
            snapshots=SnapshotReader(client, tokens, users, visitors, rooms),
            rate_limiter=RateLimiter(
                RateLimitStore(client, tables.rate_limits), settings.rate_limit_window_seconds
            ),
            room_service=RoomService(rooms, visitors, clock),
            visitor_service=VisitorService(
                visitors=visitors,
                guards=guards,
                moves=VisitorMoves(client, tables.visitors, tables.rooms),
                erasure=VisitorErasure(client, tables.visitors, rooms, guards),
                counters=counters,
                clock=clock,
            ),
            room_listing=RoomListing(RoomListingStore(client, tables.rooms)),
        )
