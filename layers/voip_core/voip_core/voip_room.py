"""`GET /api/v1/voip/room`, check by check in Rocket.Chat's order (docs/contract/voip-room.md §1):
authentication → rate limit → query validation → permission → handler."""

from __future__ import annotations

from typing import Any

from voip_core.guard import Admission, Endpoint, admit_caller
from voip_core.http import (
    ROOM_CREATED,
    ROOM_FETCHED_BY_RID,
    ROOM_REUSED,
    HttpRequest,
    HttpResponse,
)
from voip_core.permissions import require_role
from voip_core.room_query import validate_room_query
from voip_core.services import Services
from voip_core.store.snapshot import SnapshotKeys

ROUTE = "GET /api/v1/voip/room"


def _as_key(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def admit(services: Services, request: HttpRequest) -> Admission:
    """Authentication and rate limit; the visitor, room and agent the query names are read in the
    same batch as the caller's token and user."""
    query = request.query
    lookups = SnapshotKeys(
        visitor_token=_as_key(query.get("token")),
        room_id=_as_key(query.get("rid")),
        agent_id=None if query.get("rid") else _as_key(query.get("agentId")),
    )
    limit = services.settings.limits.voip_room
    return admit_caller(services, request, lookups=lookups, route=ROUTE, limit=limit)


def create_or_get_room(
    services: Services, request: HttpRequest, admitted: Admission
) -> HttpResponse:
    room_query = validate_room_query(request.query)
    require_role(admitted.user, services.settings.voip_room_roles)
    read = admitted.snapshot
    room, is_new = services.room_service.create_or_get(
        room_query, read.visitor, read.room, read.agent
    )
    if room_query.wants_existing_room:
        outcome = ROOM_FETCHED_BY_RID
    else:
        outcome = ROOM_CREATED if is_new else ROOM_REUSED
    return HttpResponse(200, {"room": room, "newRoom": is_new, "success": True}, outcome=outcome)


ENDPOINT = Endpoint(admit, create_or_get_room)
