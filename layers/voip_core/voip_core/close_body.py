"""The body rules of `POST voip/room.close`: Rocket.Chat's ajv schema
(docs/contract/call-lifecycle.md §1, §5).

ajv 8 with `coerceTypes: true` and `allErrors: false` reports the first failing rule only, in this
order: the body is an object → `required` (`rid`, then `token`) → `additionalProperties` → each
declared property (`rid`, `token`, `options`: `comment`, then `tags` and its items). Coercion
turns numbers and booleans into strings as JavaScript's `String()` does, `null` into `""` for a
string, and `""`, `0` or `false` into `null` where `null` is allowed; arrays and objects are never
coerced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voip_core.errors import InvalidParams
from voip_core.jsjson import NOT_JSON, js_number_string, parse_body

REQUIRED = "must have required property '{}'"
ADDITIONAL = "must NOT have additional properties"
NOT_OBJECT = "must be object"
NOT_STRING = "must be string"
NOT_ARRAY = "must be array"

_REQUIRED = ("rid", "token")
_PROPERTIES = ("rid", "token", "options")


@dataclass(frozen=True)
class CloseRequest:
    """A valid body, after coercion. `tags` is None when absent, null or coerced to null."""

    rid: str
    token: str
    tags: tuple[str, ...] | None = None


class _Invalid(Exception):
    pass


def _as_string(value: Any) -> str:
    """ajv's coercion to `type: "string"`, or _Invalid."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number_string(value)
    raise _Invalid(NOT_STRING)


def _nullable_string(value: Any) -> str | None:
    return None if value is None else _as_string(value)


def _tags(value: Any) -> tuple[str, ...] | None:
    """`tags`: array of strings, or null (to which `""`, `0` and `false` are coerced)."""
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(_as_string(item) for item in value)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if value is False or value == "" or (is_number and value == 0):
        return None
    raise _Invalid(NOT_ARRAY)


def _options(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, dict):
        raise _Invalid(NOT_OBJECT)
    if "comment" in value:
        _nullable_string(value["comment"])  # validated, otherwise ignored (§5 deviation)
    return _tags(value["tags"]) if "tags" in value else None


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
        rid = _as_string(body["rid"])
        token = _as_string(body["token"])
        tags = _options(body["options"]) if "options" in body else None
    except _Invalid as invalid:
        raise InvalidParams(str(invalid)) from None
    return CloseRequest(rid=rid, token=token, tags=tags)


def read_close_body(raw: bytes | None) -> CloseRequest:
    parsed = parse_body(raw)
    return validate_close_body(None if parsed is NOT_JSON else parsed)
