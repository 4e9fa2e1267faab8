"""Lambda entry point: API Gateway HTTP API (payload 2.0) event in, response out. Nothing else."""

from __future__ import annotations

import base64
import gc
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from voip_core.dispatch import handle
from voip_core.errors import INTERNAL_ERROR_BODY
from voip_core.http import HttpRequest, HttpResponse
from voip_core.observability import logger
from voip_core.settings import Settings
from voip_core.wiring import Services

# Building the services (botocore's session, models and client) allocates most of what the
# environment keeps: collections in the middle of it find next to nothing to free and cost ~8 ms
# of a ~140 ms cold start (bench/). So none run until it is done.
_collecting = gc.isenabled()
gc.disable()
try:
    services = Services.build(Settings.from_env())
finally:
    # Everything built so far lives as long as the environment: the collector need not walk it.
    gc.freeze()
    if _collecting:
        gc.enable()


# RFC 9110 §5.5: optional whitespace (spaces and tabs only) around a field value is not part of
# it. Node's HTTP parser, in front of Rocket.Chat, drops it; so does this handler.
_OWS = " \t"


def _decoded_size(text: str) -> int:
    """How many bytes base64 `text` decodes to, without decoding it (API Gateway's base64 is
    padded and has no line breaks)."""
    padding = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    return len(text) * 3 // 4 - padding


def _body(event: dict[str, Any], limit: int) -> tuple[bytes | None, int]:
    """The body's bytes and size; a body over `limit` bytes is sized, never decoded."""
    body = event.get("body")
    if body is None:
        return None, 0
    if event.get("isBase64Encoded"):
        size = _decoded_size(body)
        return (base64.b64decode(body) if size <= limit else None), size
    if len(body) > limit:  # each character is at least one byte of UTF-8
        return None, len(body)
    raw = body.encode("utf-8", "surrogatepass")
    return (raw if len(raw) <= limit else None), len(raw)


def request_from_event(event: dict[str, Any], max_body_bytes: int) -> HttpRequest:
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    raw_body, body_size = _body(event, max_body_bytes)
    return HttpRequest(
        route_key=event.get("routeKey") or f"{http.get('method', '')} {http.get('path', '')}",
        headers={
            name.lower(): value.strip(_OWS) for name, value in (event.get("headers") or {}).items()
        },
        raw_query=event.get("rawQueryString") or "",
        body=raw_body,
        body_size=body_size,
        source_ip=http.get("sourceIp") or "",
        request_id=context.get("requestId") or "",
        path_parameters=event.get("pathParameters") or {},
    )


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        request = request_from_event(event, services.settings.max_request_body_bytes)
    except Exception:  # an event API Gateway would never send: still the 500 envelope, not a crash
        # The route key is the template's ("GET /api/v1/livechat/visitor/{token}"), never a path.
        route = event.get("routeKey") if isinstance(event, dict) else None
        logger.exception("unreadable event", extra={"route": str(route or "-"), "status": 500})
        response = HttpResponse(500, dict(INTERNAL_ERROR_BODY))
    else:
        response = handle(services, request)
    return {
        "statusCode": response.status,
        "headers": response.all_headers(),
        "body": response.body_text(),
        "isBase64Encoded": False,
    }
