"""The one place that turns a route's outcome into a response: success, a Rocket.Chat error
envelope, 503 for an unavailable datastore, or the 500 envelope for anything unexpected (§8).

Before any route's own checks, a body over MAX_REQUEST_BODY_BYTES is refused with 413, as a
gateway's limit would: it is never decoded or parsed, and counts against no rate limit."""

from __future__ import annotations

from collections.abc import Callable

from voip_core.errors import INTERNAL_ERROR_BODY, NOT_FOUND_BODY, ApiError, PayloadTooLarge
from voip_core.http import HttpRequest, HttpResponse
from voip_core.observability import logger
from voip_core.room_close import ROUTE as ROOM_CLOSE_ROUTE
from voip_core.room_close import close_room
from voip_core.services import Services
from voip_core.visitor_routes import (
    DELETE_ROUTE,
    GET_ROUTE,
    REGISTER_ROUTE,
    delete_visitor,
    get_visitor,
    register_visitor,
)
from voip_core.voip_room import ROUTE as VOIP_ROOM_ROUTE
from voip_core.voip_room import create_or_get_room

Route = Callable[[Services, HttpRequest, dict[str, str]], HttpResponse]

ROUTES: dict[str, Route] = {
    VOIP_ROOM_ROUTE: create_or_get_room,
    ROOM_CLOSE_ROUTE: close_room,
    REGISTER_ROUTE: register_visitor,
    GET_ROUTE: get_visitor,
    DELETE_ROUTE: delete_visitor,
}


def handle(services: Services, request: HttpRequest) -> HttpResponse:
    route = ROUTES.get(request.route_key)
    if route is None:
        return HttpResponse(404, dict(NOT_FOUND_BODY))
    response_headers: dict[str, str] = {}
    try:
        if request.body_size > services.settings.max_request_body_bytes:
            raise PayloadTooLarge()
        response = route(services, request, response_headers)
    except ApiError as error:
        response = HttpResponse(error.status, error.body, {**response_headers, **error.headers})
        log = logger.warning if error.status >= 500 else logger.info
        log(
            "request refused",
            extra={"route": request.route_key, "status": error.status, "error": error.code},
        )
        return response
    except Exception:
        logger.exception("unexpected failure", extra={"route": request.route_key, "status": 500})
        return HttpResponse(500, dict(INTERNAL_ERROR_BODY), response_headers)
    response.headers = {**response_headers, **response.headers}
    logger.info(
        "request handled",
        extra={"route": request.route_key, "status": response.status, "outcome": response.outcome},
    )
    return response
