"""`GET /api/v1/voip/room`, check by check in Rocket.Chat's order (docs/contract/voip-room.md §1):
authentication → rate limit → query validation → permission → handler."""

from __future__ import annotations

from typing import Any

from voip_core.guard import admit_caller
from voip_core.http import (
    ROOM_CREATED,
    ROOM_FETCHED_BY_RID,
    ROOM_REUSED,
    HttpRequest,
    HttpResponse,
)
from voip_core.permissions import require_role
from voip_core.querystring import parse_query
from voip_core.room_query import validate_room_query
from voip_core.services import Services
from voip_core.store.snapshot import SnapshotKeys

ROUTE = "GET /api/v1/voip/room"


def _as_key(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def create_or_get_room(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    query = parse_query(request.raw_query)
    lookups = SnapshotKeys(
        visitor_token=_as_key(query.get("token")),
        room_id=_as_key(query.get("rid")),
        agent_id=None if query.get("rid") else _as_key(query.get("agentId")),
    )
    settings = services.settings
    snapshot, user = admit_caller(
        services,
        request,
        lookups=lookups,
        route=ROUTE,
        limit=settings.limits.voip_room,
        response_headers=response_headers,
    )
    room_query = validate_room_query(query)
    require_role(user, settings.voip_room_roles)
    room, is_new = services.room_service.create_or_get(
        room_query, snapshot.visitor, snapshot.room, snapshot.agent
    )
    if room_query.wants_existing_room:
        outcome = ROOM_FETCHED_BY_RID
    else:
        outcome = ROOM_CREATED if is_new else ROOM_REUSED
    return HttpResponse(200, {"room": room, "newRoom": is_new, "success": True}, outcome=outcome)
