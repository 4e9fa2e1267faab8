"""The query rules of `GET voip/room`: Rocket.Chat's ajv schema (docs/contract/voip-room.md §3),
message for message.

ajv 8 with `allErrors: false` reports, inside `oneOf`, the first error of each branch; the keyword
order is `required` → `additionalProperties` → each declared property (`type`, then `enum`), with
one quirk: a failed `type` on `direction` does not stop its `enum` check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voip_core.errors import InvalidParams
from voip_core.querystring import parse_query

DIRECTIONS = ("inbound", "outbound")

REQUIRED = "must have required property '{}'"
ADDITIONAL = "must NOT have additional properties"
NOT_STRING = "must be string"
NOT_ALLOWED = "must be equal to one of the allowed values"
ONE_OF = "must match exactly one schema in oneOf"


@dataclass(frozen=True)
class RoomQuery:
    """A valid query. `rid` set means "get"; otherwise "create" with `agent_id` and `direction`."""

    token: str
    agent_id: str | None = None
    rid: str | None = None
    direction: str | None = None

    @property
    def wants_existing_room(self) -> bool:
        """Rocket.Chat treats `rid=` (empty) as absent."""
        return bool(self.rid)


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
