"""The public visitor routes (call-lifecycle §2, §3, §5): `POST /api/v1/livechat/visitor`,
`GET` and `DELETE /api/v1/livechat/visitor/{token}`. Order: rate limit → body validation →
handler, with `voip/room`'s authentication and permission in front when VISITOR_API_REQUIRES_AUTH
is on."""

from __future__ import annotations

from voip_core.guard import PublicGate
from voip_core.http import (
    VISITOR_ERASED,
    VISITOR_FETCHED,
    VISITOR_REGISTERED_MATCHED,
    VISITOR_REGISTERED_NEW,
    HttpRequest,
    HttpResponse,
)
from voip_core.services import Services
from voip_core.visitor_check import Registration, read_registration
from voip_core.visitor_lookup import Lookup
from voip_core.visitor_service import VisitorService, invalid_token

REGISTER_ROUTE = "POST /api/v1/livechat/visitor"
GET_ROUTE = "GET /api/v1/livechat/visitor/{token}"
DELETE_ROUTE = "DELETE /api/v1/livechat/visitor/{token}"


def register_visitor(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    gate = PublicGate(services, request, REGISTER_ROUTE, services.settings.limits.visitor_register)
    visitors = VisitorService.of(services)

    def validate_and_look_up() -> tuple[Registration, Lookup]:
        registration = read_registration(request.body)
        return registration, visitors.look_up(registration)

    registration, lookup = gate.then(validate_and_look_up, response_headers)
    visitor, created = visitors.register(registration, lookup)
    outcome = VISITOR_REGISTERED_NEW if created else VISITOR_REGISTERED_MATCHED
    return HttpResponse(200, {"visitor": visitor, "success": True}, outcome=outcome)


def get_visitor(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    gate = PublicGate(services, request, GET_ROUTE, services.settings.limits.visitor_get)
    token = request.path_parameters.get("token", "")
    visitor = gate.then(lambda: VisitorService.of(services).find(token), response_headers)
    return HttpResponse(200, {"visitor": visitor, "success": True}, outcome=VISITOR_FETCHED)


def delete_visitor(
    services: Services, request: HttpRequest, response_headers: dict[str, str]
) -> HttpResponse:
    gate = PublicGate(services, request, DELETE_ROUTE, services.settings.limits.visitor_delete)
    visitors = VisitorService.of(services)
    token = request.path_parameters.get("token", "")
    record = gate.then(lambda: visitors.visitors.get_record(token), response_headers)
    if record is None:
        raise invalid_token()
    erased = visitors.erase(token, record)
    return HttpResponse(200, {"visitor": erased, "success": True}, outcome=VISITOR_ERASED)
