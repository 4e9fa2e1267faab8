"""The one place that turns a request into a response: its route's gate, then its answer; an
`ApiError` as its Rocket.Chat envelope (503 for an unavailable datastore), and anything unexpected
as the 500 envelope (§8). Each is logged in one line.

Before any route's own checks, a body over MAX_REQUEST_BODY_BYTES is refused with 413, as a
gateway's limit would: it is never decoded or parsed, and counts against no rate limit. Once the
gate has counted a request, its X-RateLimit-* headers go on the answer, whatever it is."""

from __future__ import annotations

from voip_core.errors import INTERNAL_ERROR_BODY, NOT_FOUND_BODY, ApiError, PayloadTooLarge
from voip_core.http import HttpRequest, HttpResponse
from voip_core.observability import logger
from voip_core.routes import room_close, rooms_list, visitors, voip_room
from voip_core.routes.gate import Endpoint
from voip_core.wiring import Services

ROUTES: dict[str, Endpoint] = {
    voip_room.ROUTE: voip_room.ENDPOINT,
    room_close.ROUTE: room_close.ENDPOINT,
    visitors.REGISTER_ROUTE: visitors.REGISTER,
    visitors.GET_ROUTE: visitors.GET,
    visitors.DELETE_ROUTE: visitors.DELETE,
    rooms_list.ROUTE: rooms_list.ENDPOINT,
}


def handle(services: Services, request: HttpRequest) -> HttpResponse:
    endpoint = ROUTES.get(request.route_key)
    if endpoint is None:
        return HttpResponse(404, dict(NOT_FOUND_BODY))
    rate_headers: dict[str, str] = {}  # none until the gate has counted the request
    try:
        if request.body_size > services.settings.max_request_body_bytes:
            raise PayloadTooLarge()
        admitted = endpoint.admit(services, request)
        rate_headers = admitted.headers
        answer = endpoint.answer(services, request, admitted)
    except ApiError as error:
        log = logger.warning if error.status >= 500 else logger.info
        log(
            "request refused",
            extra={"route": request.route_key, "status": error.status, "error": error.code},
        )
        return HttpResponse(error.status, error.body, {**rate_headers, **error.headers})
    except Exception:
        logger.exception("unexpected failure", extra={"route": request.route_key, "status": 500})
        return HttpResponse(500, dict(INTERNAL_ERROR_BODY), rate_headers)
    logger.info(
        "request handled",
        extra={"route": request.route_key, "status": answer.status, "outcome": answer.outcome},
    )
    headers = {**rate_headers, **answer.headers}
    return HttpResponse(answer.status, answer.body, headers, outcome=answer.outcome)
