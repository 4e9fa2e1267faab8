"""ajv 8 as Rocket.Chat runs it on query strings and bodies (`allErrors: false`, and on bodies
`coerceTypes: true`): its messages, word for word, and its coercion to a string. The routes'
schemas are their own (routes/voip_room.py, routes/room_close.py)."""

from __future__ import annotations

from typing import Any

from voip_core.compat.jsjson import js_number_string

REQUIRED = "must have required property '{}'"
ADDITIONAL = "must NOT have additional properties"
NOT_OBJECT = "must be object"
NOT_STRING = "must be string"
NOT_ARRAY = "must be array"
NOT_ALLOWED = "must be equal to one of the allowed values"
ONE_OF = "must match exactly one schema in oneOf"


class Invalid(ValueError):
    """A value a keyword refuses; its text is ajv's message."""


def coerce_to_string(value: Any) -> str:
    """`type: "string"` with coercion: numbers and booleans as JavaScript's `String()` writes them,
    `null` as `""`; arrays and objects are never coerced (Invalid)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number_string(value)
    raise Invalid(NOT_STRING)
