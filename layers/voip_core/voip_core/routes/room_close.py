"""`POST /api/v1/voip/room.close` (docs/contract/call-lifecycle.md §1, §5), check by check in
Rocket.Chat's order: authentication → rate limit → body validation → permission → handler.

The body rules are Rocket.Chat's ajv schema: ajv 8 with `coerceTypes: true` and `allErrors: false`
reports the first failing rule only, in this order: the body is an object → `required` (`rid`,
then `token`) → `additionalProperties` → each declared property (`rid`, `token`, `options`:
`comment`, then `tags` and its items). Coercion turns numbers and booleans into strings as
JavaScript's `String()` does, `null` into `""` for a string, and `""`, `0` or `false` into `null`
where `null` is allowed; arrays and objects are never coerced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voip_core.compat.ajv import (
    ADDITIONAL,
    NOT_ARRAY,
    NOT_OBJECT,
    REQUIRED,
    Invalid,
    coerce_to_string,
)
from voip_core.compat.jsjson import NOT_JSON, parse_body
from voip_core.domain.permissions import require_role
from voip_core.errors import InvalidParams
from voip_core.http import ROOM_CLOSED, HttpRequest, HttpResponse
from voip_core.routes.gate import Admission, Endpoint, admit_caller
from voip_core.store.snapshot import SnapshotKeys
from voip_core.wiring import Services

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


# --- the body rules -----------------------------------------------------------------------------

_REQUIRED = ("rid", "token")
_PROPERTIES = ("rid", "token", "options")


@dataclass(frozen=True)
class CloseRequest:
    """A valid body, after coercion. `tags` is None when absent, null or coerced to null."""

    rid: str
    token: str
    tags: tuple[str, ...] | None = None


def read_close_body(raw: bytes | None) -> CloseRequest:
    parsed = parse_body(raw)
    return validate_close_body(None if parsed is NOT_JSON else parsed)


def validate_close_body(body: Any) -> CloseRequest:
    """The body's values, or InvalidParams with ajv's first message."""
    if not isinstance(body, dict):
        raise InvalidParams(NOT_OBJECT)
    for name in _REQUIRED:
        if name not in body:
            raise InvalidParams(REQUIRED.format(name))
    if any(key not in _PROPERTIES for key in body):
        raise InvalidParams(ADDITIONAL)
    try:
        rid = coerce_to_string(body["rid"])
        token = coerce_to_string(body["token"])
        tags = _options(body["options"]) if "options" in body else None
    except Invalid as invalid:
        raise InvalidParams(str(invalid)) from None
    return CloseRequest(rid=rid, token=token, tags=tags)


def _options(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, dict):
        raise Invalid(NOT_OBJECT)
    if "comment" in value and value["comment"] is not None:
        coerce_to_string(value["comment"])  # validated, otherwise ignored (§5 deviation)
    return _tags(value["tags"]) if "tags" in value else None


def _tags(value: Any) -> tuple[str, ...] | None:
    """`tags`: array of strings, or null (to which `""`, `0` and `false` are coerced)."""
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(coerce_to_string(item) for item in value)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if value is False or value == "" or (is_number and value == 0):
        return None
    raise Invalid(NOT_ARRAY)
