"""`GET /api/v1/voip/rooms`, call history, check by check in Rocket.Chat's order
(docs/contract/call-history.md §1): authentication → rate limit → the query's rules (validation,
pagination and sort, permission, dates: routes/rooms_list_rules.py) → the listing
(services/room_listing.py).

The gate reads nothing but the caller's token and user: whose rooms may be listed depends only on
the caller's roles and the query."""

from __future__ import annotations

from voip_core.http import ROOMS_LISTED, HttpRequest, HttpResponse
from voip_core.routes.gate import Admission, Endpoint, admit_caller
from voip_core.routes.rooms_list_rules import check_listing
from voip_core.store.snapshot import SnapshotKeys
from voip_core.wiring import Services

ROUTE = "GET /api/v1/voip/rooms"


def admit(services: Services, request: HttpRequest) -> Admission:
    limit = services.settings.limits.rooms_list
    return admit_caller(services, request, lookups=SnapshotKeys(), route=ROUTE, limit=limit)


def list_rooms(services: Services, request: HttpRequest, admitted: Admission) -> HttpResponse:
    """`{"rooms","count","total","offset","success"}`, in that order (§6)."""
    query = check_listing(request.query, admitted.user, services.settings)
    page = services.room_listing.list(query)
    body = {
        "rooms": page.rooms,
        "count": len(page.rooms),
        "total": page.total,
        "offset": query.offset,
        "success": True,
    }
    return HttpResponse(200, body, outcome=ROOMS_LISTED)


ENDPOINT = Endpoint(admit, list_rooms)
