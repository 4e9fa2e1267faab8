"""The visitor routes (docs/contract/call-lifecycle.md §2, §3, §5): `POST /api/v1/livechat/visitor`,
`GET` and `DELETE /api/v1/livechat/visitor/{token}`. Order: `voip/room`'s authentication and
permission when VISITOR_API_REQUIRES_AUTH is on (the default) → rate limit → body validation →
handler. The body is parsed, and the visitor looked up, only once the request is within its
limit."""

from __future__ import annotations

from voip_core.guard import Admission, Endpoint, admit_visitor_request
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

REGISTER_ROUTE = "POST /api/v1/livechat/visitor"
GET_ROUTE = "GET /api/v1/livechat/visitor/{token}"
DELETE_ROUTE = "DELETE /api/v1/livechat/visitor/{token}"


def admit_register(services: Services, request: HttpRequest) -> Admission:
    limit = services.settings.limits.visitor_register
    return admit_visitor_request(services, request, route=REGISTER_ROUTE, limit=limit)


def register_visitor(services: Services, request: HttpRequest, _: Admission) -> HttpResponse:
    registration = read_registration(request.body)
    visitor, created = services.visitor_service.register(registration)
    outcome = VISITOR_REGISTERED_NEW if created else VISITOR_REGISTERED_MATCHED
    return HttpResponse(200, {"visitor": visitor, "success": True}, outcome=outcome)


def admit_get(services: Services, request: HttpRequest) -> Admission:
    limit = services.settings.limits.visitor_get
    return admit_visitor_request(services, request, route=GET_ROUTE, limit=limit)


def get_visitor(services: Services, request: HttpRequest, _: Admission) -> HttpResponse:
    visitor = services.visitor_service.find(request.path_parameters.get("token", ""))
    return HttpResponse(200, {"visitor": visitor, "success": True}, outcome=VISITOR_FETCHED)


def admit_delete(services: Services, request: HttpRequest) -> Admission:
    limit = services.settings.limits.visitor_delete
    return admit_visitor_request(services, request, route=DELETE_ROUTE, limit=limit)


def delete_visitor(services: Services, request: HttpRequest, _: Admission) -> HttpResponse:
    erased = services.visitor_service.erase(request.path_parameters.get("token", ""))
    return HttpResponse(200, {"visitor": erased, "success": True}, outcome=VISITOR_ERASED)


REGISTER = Endpoint(admit_register, register_visitor)
GET = Endpoint(admit_get, get_visitor)
DELETE = Endpoint(admit_delete, delete_visitor)
