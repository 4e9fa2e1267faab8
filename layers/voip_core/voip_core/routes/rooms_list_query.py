"""`GET /api/v1/voip/rooms`'s query validation (docs/contract/call-history.md §2): Rocket.Chat's
ajv schema, run as ajv 8 runs it with `coerceTypes: true` and `allErrors: false`.

The first failing rule wins: an unknown key (`additionalProperties: false`, whichever it is),
then each property in the schema's order, its `type` (after coercion) before its `enum` or its
`items`. A value that passes keeps its coerced form: numbers as numbers, `""` as null for the
nullable numbers and arrays (compat/ajv.py). `Infinity` passes here, as in ajv; the pagination
refuses it (routes/rooms_list_rules.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voip_core.compat.ajv import (
    ADDITIONAL,
    NOT_ALLOWED,
    Invalid,
    coerce_to_nullable_array,
    coerce_to_nullable_number,
    coerce_to_nullable_string,
    coerce_to_string,
)
from voip_core.compat.querystring import parse_query
from voip_core.errors import InvalidParams

# The schema (§2), property by property in its order: how a value is coerced, and its enum.
_STRING = coerce_to_nullable_string
_NUMBER = coerce_to_nullable_number
_ARRAY = coerce_to_nullable_array
_SCHEMA: dict[str, tuple[Callable[[Any], Any], tuple[str, ...] | None]] = {
    "agents": (_ARRAY, None),
    "open": (_STRING, ("true", "false")),
    "createdAt": (_STRING, None),
    "closedAt": (_STRING, None),
    "tags": (_ARRAY, None),
    "queue": (_STRING, None),
    "visitorId": (_STRING, None),
    "direction": (_STRING, ("inbound", "outbound")),
    "roomName": (_STRING, None),
    "count": (_NUMBER, None),
    "offset": (_NUMBER, None),
    "sort": (_STRING, None),
    "query": (_STRING, None),
}
PROPERTIES = tuple(_SCHEMA)


def validate_listing_query(query: dict[str, Any]) -> dict[str, Any]:
    """The query's values as ajv leaves them once coerced (same keys, same order), or
    InvalidParams with ajv's first message."""
    if any(key not in _SCHEMA for key in query):
        raise InvalidParams(ADDITIONAL)
    coerced = dict(query)
    for name, (coerce, allowed) in _SCHEMA.items():
        if name not in query:
            continue
        try:
            value = coerce(query[name])
            if allowed is not None and value not in allowed:
                raise Invalid(NOT_ALLOWED)
            if isinstance(value, list):
                value = [coerce_to_string(item) for item in value]  # `items: {type: string}`
        except Invalid as error:
            raise InvalidParams(str(error)) from None
        coerced[name] = value
    return coerced


def read_listing_query(raw_query_string: str) -> dict[str, Any]:
    """The raw query string (no `?`) as qs parses it, then validated."""
    return validate_listing_query(parse_query(raw_query_string))
