"""The visitor routes (docs/contract/call-lifecycle.md §2, §3, §5): `POST /api/v1/livechat/visitor`,
`GET` and `DELETE /api/v1/livechat/visitor/{token}`. Order: `voip/room`'s authentication and
permission when VISITOR_API_REQUIRES_AUTH is on (the default) → rate limit → body validation →
handler. The body is parsed, and the visitor looked up, only once the request is within its
limit."""

from __future__ import annotations

from voip_core.errors import UnknownVisitorToken
from voip_core.guard import admit_visitor_request
from voip_core.http import (
    VISITOR_ERASED,
    VISITOR_FETCHED,
    VISITOR_REGISTERED_MATCHED,
    VISITOR_REGISTERED_NEW,
    HttpRequest,
    HttpResponse,
)
from voip_core.services import Services
from voip_core.visitor_check import read_registration
from voip_core.visitor_service import VisitorService

REGISTER_ROUTE = "POST /api/v1/livechat/visitor"
GET_ROUTE = "GET /api/v1/livechat/visitor/{token}"
DELETE_ROUTE = "DELETE /api/v1/livechat/visitor/{token}"


def register_visitor(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    limit = services.settings.limits.visitor_register
    admit_visitor_request(
        services, request, route=REGISTER_ROUTE, limit=limit, response_headers=response_headers
    )
    registration = read_registration(request.body)
    visitors = VisitorService.of(services)
    visitor, created = visitors.register(registration, visitors.look_up(registration))
    outcome = VISITOR_REGISTERED_NEW if created else VISITOR_REGISTERED_MATCHED
    return HttpResponse(200, {"visitor": visitor, "success": True}, outcome=outcome)


def get_visitor(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    limit = services.settings.limits.visitor_get
    admit_visitor_request(
        services, request, route=GET_ROUTE, limit=limit, response_headers=response_headers
    )
    visitor = VisitorService.of(services).find(request.path_parameters.get("token", ""))
    return HttpResponse(200, {"visitor": visitor, "success": True}, outcome=VISITOR_FETCHED)


def delete_visitor(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    limit = services.settings.limits.visitor_delete
    admit_visitor_request(
        services, request, route=DELETE_ROUTE, limit=limit, response_headers=response_headers
    )
    visitors = VisitorService.of(services)
    token = request.path_parameters.get("token", "")
    record = visitors.visitors.get_record(token)
    if record is None:
        raise UnknownVisitorToken()
    erased = visitors.erase(token, record)
    return HttpResponse(200, {"visitor": erased, "success": True}, outcome=VISITOR_ERASED)
