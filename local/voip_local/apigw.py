"""API Gateway HTTP API's side of a Lambda proxy integration, payload format 2.0: the event it
builds from an HTTP request, and the HTTP response it makes of what the function returns.

Reference: the API Gateway developer guide, "Working with AWS Lambda proxy integrations for HTTP
APIs". What it builds: `rawPath` and `pathParameters` percent-decoded; `rawQueryString` as sent;
`queryStringParameters` decoded (`+` is a space), a repeated key's values joined by commas, absent
when there is no query; header names lower-cased, repeated headers joined by commas, `cookie`
headers moved to `cookies`; the body as text for textual media types, otherwise base64.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from voip_local.routes import RouteMatch

ACCOUNT_ID = "123456789012"
API_ID = "local"
TEXT_MEDIA_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

NOT_FOUND_BODY = b'{"message":"Not Found"}'
INTERNAL_ERROR_BODY = b'{"message":"Internal Server Error"}'


@dataclass(frozen=True)
class IncomingRequest:
    """An HTTP request as it reached the server, before API Gateway's translation."""

    method: str
    target: str  # path and query as sent, still percent-encoded
    protocol: str  # "HTTP/1.1"
    headers: list[tuple[str, str]]  # in arrival order, repeats kept
    body: bytes
    source_ip: str
    server_port: int

    @property
    def raw_path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def raw_query(self) -> str:
        return self.target.partition("?")[2]


@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def new_request_id() -> str:
    """Shaped like API Gateway's (`Zx1cV2bN3mQ4wE5r6T=`): opaque, unique, base64 text."""
    return base64.b64encode(secrets.token_bytes(13)).decode("ascii")[:19] + "="


def request_time(epoch_ms: int) -> str:
    """`01/May/2024:12:00:00 +0000`, in English whatever the locale."""
    moment = time.gmtime(epoch_ms / 1000)
    month = _MONTHS[moment.tm_mon - 1]
    return time.strftime(f"%d/{month}/%Y:%H:%M:%S +0000", moment)


def query_parameters(raw_query: str) -> dict[str, str] | None:
    """`queryStringParameters`: decoded, repeated keys' values joined by commas, None when empty."""
    if not raw_query:
        return None
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters or None


def header_map(request: IncomingRequest) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers with repeats joined by commas, plus the cookies taken out of them; and
    the headers API Gateway adds (forwarding and tracing)."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = (
        f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    )
    headers["x-forwarded-port"] = str(request.server_port)
    headers["x-forwarded-proto"] = "http"
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")
    return headers, cookies


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES


def build_event(
    request: IncomingRequest, match: RouteMatch, request_id: str, epoch_ms: int
) -> dict[str, Any]:
    """The payload 2.0 event API Gateway sends the function for this request."""
    headers, cookies = header_map(request)
    path = unquote(request.raw_path)
    domain = (headers.get("host") or "127.0.0.1").rsplit(":", 1)[0] or "127.0.0.1"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route.key,
        "rawPath": path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    parameters = query_parameters(request.raw_query)
    if parameters is not None:
        event["queryStringParameters"] = parameters
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": match.route.key,
        "stage": "$default",
        "time": request_time(epoch_ms),
        "timeEpoch": epoch_ms,
    }
    if request.body:
        if is_text(headers.get("content-type")):
            event["body"] = request.body.decode("utf-8", errors="replace")
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    event.setdefault("isBase64Encoded", False)
    return event


def gateway_error(status: int, body: bytes) -> GatewayResponse:
    return GatewayResponse(status, [("Content-Type", "application/json")], body)


def response_from_result(result: Any) -> GatewayResponse:
    """The HTTP response API Gateway makes of the function's result (payload 2.0): a dict with
    `statusCode` is taken as the response; anything else is a 200 JSON body of the result."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return GatewayResponse(
            200, [("Content-Type", "application/json")], json.dumps(result).encode("utf-8")
        )
    try:
        status = int(result["statusCode"])
        headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
        headers += [("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or []]
        body = result.get("body")
        if body is None:
            payload = b""
        elif result.get("isBase64Encoded"):
            payload = base64.b64decode(str(body), validate=True)
        else:
            payload = str(body).encode("utf-8")
    except (TypeError, ValueError, binascii.Error):
        return gateway_error(500, INTERNAL_ERROR_BODY)
    if not 100 <= status <= 599:
        return gateway_error(500, INTERNAL_ERROR_BODY)
    return GatewayResponse(status, headers, payload)
