"""`POST /api/v1/voip/room.close` (docs/contract/call-lifecycle.md §1, §5), check by check in
Rocket.Chat's order: authentication → rate limit → body validation → permission → handler."""

from __future__ import annotations

from voip_core.close_body import read_close_body
from voip_core.guard import admit_caller
from voip_core.http import ROOM_CLOSED, HttpRequest, HttpResponse
from voip_core.permissions import require_role
from voip_core.services import Services
from voip_core.store.snapshot import SnapshotKeys

ROUTE = "POST /api/v1/voip/room.close"


def close_room(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    settings = services.settings
    # The body is parsed only once the caller is authenticated and within the limit: a refused
    # request never costs a parse. Its visitor and room are then read in a batch of their own.
    _, user = admit_caller(
        services,
        request,
        lookups=SnapshotKeys(),
        route=ROUTE,
        limit=settings.limits.room_close,
        response_headers=response_headers,
    )
    body = read_close_body(request.body)
    require_role(user, settings.voip_room_roles)
    snapshot = services.snapshots.read(SnapshotKeys(visitor_token=body.token, room_id=body.rid))
    services.room_service.close_for_visitor(
        body.token, body.rid, (snapshot.visitor, snapshot.room), body.tags
    )
    return HttpResponse(200, {"rid": body.rid, "success": True}, outcome=ROOM_CLOSED)
