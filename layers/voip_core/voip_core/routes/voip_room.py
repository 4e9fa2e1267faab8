"""`GET /api/v1/voip/room`, check by check in Rocket.Chat's order (docs/contract/voip-room.md §1):
authentication → rate limit → query validation → permission → handler.

The query rules are Rocket.Chat's ajv schema (docs/contract/voip-room.md §3), message for message:
ajv 8 with `allErrors: false` reports, inside `oneOf`, the first error of each branch; the keyword
order is `required` → `additionalProperties` → each declared property (`type`, then `enum`), with
one quirk: a failed `type` on `direction` does not stop its `enum` check.
"""

from __future__ import annotations

from typing import Any

from voip_core.compat.ajv import ADDITIONAL, NOT_ALLOWED, NOT_STRING, ONE_OF, REQUIRED
from voip_core.compat.querystring import parse_query
from voip_core.domain.permissions import require_role
from voip_core.domain.rooms import DIRECTIONS, RoomQuery
from voip_core.errors import InvalidParams
from voip_core.http import (
    ROOM_CREATED,
    ROOM_FETCHED_BY_RID,
    ROOM_REUSED,
    HttpRequest,
    HttpResponse,
)
from voip_core.routes.gate import Admission, Endpoint, admit_caller
from voip_core.store.snapshot import SnapshotKeys
from voip_core.wiring import Services

ROUTE = "GET /api/v1/voip/room"


def admit(services: Services, request: HttpRequest) -> Admission:
    """Authentication and rate limit; the visitor, room and agent the query names are read in the
    same batch as the caller's token and user."""
    query = request.query
    lookups = SnapshotKeys(
        visitor_token=_as_key(query.get("token")),
        room_id=_as_key(query.get("rid")),
        agent_id=None if query.get("rid") else _as_key(query.get("agentId")),
    )
    limit = services.settings.limits.voip_room
    return admit_caller(services, request, lookups=lookups, route=ROUTE, limit=limit)


def _as_key(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def create_or_get_room(
    services: Services, request: HttpRequest, admitted: Admission
) -> HttpResponse:
    room_query = validate_room_query(request.query)
    require_role(admitted.user, services.settings.voip_room_roles)
    read = admitted.snapshot
    room, is_new = services.room_service.create_or_get(
        room_query, read.visitor, read.room, read.agent
    )
    if room_query.wants_existing_room:
        outcome = ROOM_FETCHED_BY_RID
    else:
        outcome = ROOM_CREATED if is_new else ROOM_REUSED
    return HttpResponse(200, {"room": room, "newRoom": is_new, "success": True}, outcome=outcome)


ENDPOINT = Endpoint(admit, create_or_get_room)


# --- the query rules ----------------------------------------------------------------------------

_CREATE = (("token", "agentId"), ("token", "agentId", "direction"))
_GET = (("rid", "token"), ("rid", "token"))


def validate_room_query(query: dict[str, Any]) -> RoomQuery:
    """Return the query's values, or raise InvalidParams with ajv's exact message."""
    create_errors = _branch_errors(query, *_CREATE)
    get_errors = _branch_errors(query, *_GET)
    if not create_errors and get_errors:
        return RoomQuery(
            token=query["token"], agent_id=query["agentId"], direction=query.get("direction")
        )
    if not get_errors and create_errors:
        return RoomQuery(token=query["token"], rid=query["rid"])
    raise InvalidParams("\n ".join([*create_errors, *get_errors, ONE_OF]))


def read_room_query(raw_query_string: str) -> RoomQuery:
    return validate_room_query(parse_query(raw_query_string))


def _branch_errors(
    query: dict[str, Any], required: tuple[str, ...], properties: tuple[str, ...]
) -> list[str]:
    for name in required:
        if name not in query:
            return [REQUIRED.format(name)]
    if any(key not in properties for key in query):
        return [ADDITIONAL]
    for name in properties:
        if name not in query:
            continue
        value = query[name]
        if name == "direction":
            if not isinstance(value, str):
                return [NOT_STRING, NOT_ALLOWED]
            if value not in DIRECTIONS:
                return [NOT_ALLOWED]
        elif not isinstance(value, str):
            return [NOT_STRING]
    return []
