"""`POST /api/v1/voip/room.close` (docs/contract/call-lifecycle.md §1, §5), check by check in
Rocket.Chat's order: authentication → rate limit → body validation → permission → handler."""

from __future__ import annotations

from voip_core.close_body import read_close_body
from voip_core.guard import Admission, Endpoint, admit_caller
from voip_core.http import ROOM_CLOSED, HttpRequest, HttpResponse
from voip_core.permissions import require_role
from voip_core.services import Services
from voip_core.store.snapshot import SnapshotKeys

ROUTE = "POST /api/v1/voip/room.close"


def admit(services: Services, request: HttpRequest) -> Admission:
    """Authentication and rate limit. The body is parsed only once the caller is admitted: a
    refused request never costs a parse."""
    limit = services.settings.limits.room_close
    return admit_caller(services, request, lookups=SnapshotKeys(), route=ROUTE, limit=limit)


def close_room(services: Services, request: HttpRequest, admitted: Admission) -> HttpResponse:
    body = read_close_body(request.body)
    require_role(admitted.user, services.settings.voip_room_roles)
    # The visitor and room the body names, in a batch read of their own.
    read = services.snapshots.read(SnapshotKeys(visitor_token=body.token, room_id=body.rid))
    services.room_service.close_for_visitor(
        body.token, body.rid, (read.visitor, read.room), body.tags
    )
    return HttpResponse(200, {"rid": body.rid, "success": True}, outcome=ROOM_CLOSED)


ENDPOINT = Endpoint(admit, close_room)
