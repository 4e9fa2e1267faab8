"""`POST /api/v1/voip/room.close` (call-lifecycle §1, §5), check by check in Rocket.Chat's order:
authentication → rate limit → body validation → permission → handler."""

from __future__ import annotations

from voip_core.close_body import CloseRequest, read_close_body
from voip_core.errors import InvalidParams
from voip_core.guard import admit_caller
from voip_core.http import ROOM_CLOSED, HttpRequest, HttpResponse
from voip_core.permissions import require_role
from voip_core.services import Services
from voip_core.store.snapshot import SnapshotKeys

ROUTE = "POST /api/v1/voip/room.close"


def close_room(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    # Validated now (it reads nothing), reported in its turn: a valid body's visitor and room go
    # into the one batch read with the caller's token and user.
    body: CloseRequest | InvalidParams
    try:
        body = read_close_body(request.body)
    except InvalidParams as invalid:
        body = invalid
    valid = body if isinstance(body, CloseRequest) else None
    lookups = SnapshotKeys(
        visitor_token=valid.token if valid else None,
        room_id=valid.rid if valid else None,
    )
    settings = services.settings
    snapshot, user = admit_caller(
        services,
        request,
        lookups=lookups,
        route=ROUTE,
        limit=settings.limits.room_close,
        response_headers=response_headers,
    )
    if not isinstance(body, CloseRequest):
        raise body
    require_role(user, settings.voip_room_roles)
    services.room_service.close_for_visitor(
        body.token, body.rid, (snapshot.visitor, snapshot.room), body.tags
    )
    return HttpResponse(200, {"rid": body.rid, "success": True}, outcome=ROOM_CLOSED)
