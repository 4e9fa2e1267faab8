"""ajv 8 as Rocket.Chat runs it on query strings and bodies (`allErrors: false`, and on bodies and
`voip/rooms`'s query `coerceTypes: true`): its messages, word for word, and its coercions. The
routes' schemas are their own (routes/voip_room.py, routes/room_close.py,
routes/rooms_list_query.py).

How ajv coerces (lib/compile/validate/dataType.ts): only a value whose type is not one of the
schema's types (`nullable: true` adds `null`) is coerced, to each scalar type listed, in order,
until one succeeds; `array` and `object` are never coerced to (that needs `coerceTypes: "array"`).
- to string: a number or boolean as `"" + x`, `null` as `""`;
- to number: a boolean as 0/1, `null` as 0, a non-empty string `s` when `s == +s` (JavaScript's
  `Number(s)` is not NaN: `" 5"`, `"1e3"`, `"0x10"`, `"Infinity"` all are numbers);
- to null: `""`, `0` and `false`.
"""

from __future__ import annotations

import math
from typing import Any

from voip_core.compat.jsjson import js_number, js_number_string

REQUIRED = "must have required property '{}'"
ADDITIONAL = "must NOT have additional properties"
NOT_OBJECT = "must be object"
NOT_STRING = "must be string"
NOT_ARRAY = "must be array"
NOT_NUMBER = "must be number"
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


def coerce_to_nullable_string(value: Any) -> str | None:
    """`{"type": "string", "nullable": true}`: `null` is already of a listed type and stays."""
    return None if value is None else coerce_to_string(value)


def coerce_to_nullable_number(value: Any) -> float | None:
    """`{"type": "number", "nullable": true}` with coercion. A number that is not finite fails
    (ajv's `strictNumbers`), but a string such as `"Infinity"` or `"1e400"` coerces to one."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        if math.isfinite(value):
            return float(value)
        raise Invalid(NOT_NUMBER)
    if isinstance(value, str):
        if value == "":
            return None  # not a number (`""` is falsy), but null
        number = js_number(value)
        if not math.isnan(number):
            return number
    raise Invalid(NOT_NUMBER)


def coerce_to_nullable_array(value: Any) -> list[Any] | None:
    """`{"type": "array", "nullable": true}` with `coerceTypes: true`: only the coercion to null
    applies (`""`, `0`, `false`); any other non-array fails. The items are the caller's."""
    if value is None or isinstance(value, list):
        return value
    if value == "" or value is False or (type(value) in (int, float) and value == 0):
        return None
    raise Invalid(NOT_ARRAY)
