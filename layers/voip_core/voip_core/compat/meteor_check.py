"""A small Meteor `check()`: what Rocket.Chat's `check(value, pattern)` finds wrong with a value,
worded as Meteor words it (docs/contract/call-lifecycle.md §5).

Patterns are STRING, BOOLEAN, `[pattern]` (an array of) and `Object` (Match.ObjectHas...: required
and optional keys, others allowed with `including`, as Match.ObjectIncluding). check() visits an
object's keys in order, stops at the first failure, and reports a missing key only after every
present key passed; a failure's path is written as Meteor writes it (`visitor.customFields[0]`,
`["a b"]`), quoting values with `JSON.stringify`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from voip_core.compat.jsjson import js_stringify

_IDENTIFIER = re.compile(r"[a-z_$][0-9a-z_$]*", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")
_JS_KEYWORDS = frozenset(
    (
        *("do", "if", "in", "for", "let", "new", "try", "var", "case", "else", "enum", "eval"),
        *("false", "null", "this", "true", "void", "with", "break", "catch", "class", "const"),
        *("super", "throw", "while", "yield", "delete", "export", "import", "public", "return"),
        *("static", "switch", "typeof", "default", "extends", "finally", "package", "private"),
        *("continue", "debugger", "function", "arguments", "interface", "protected"),
        *("implements", "instanceof"),
    )
)

STRING = "string"
BOOLEAN = "boolean"


@dataclass(frozen=True)
class Object:
    required: dict[str, Any]
    optional: dict[str, Any]
    including: bool  # Match.ObjectIncluding: other keys allowed


Failure = tuple[str, str]  # (message, path)


def check(value: Any, pattern: Any) -> Failure | None:
    """check()'s failure, or None; TooDeep (compat/jsjson.py) when it would quote a value too deep
    for JavaScript's stack."""
    if pattern in (STRING, BOOLEAN):
        if _typeof(value) == pattern:
            return None
        got = "null" if value is None else _typeof(value)
        return f"Expected {pattern}, got {got}", ""
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return f"Expected array, got {js_stringify(value)}", ""
        for index, item in enumerate(value):
            failure = check(item, pattern[0])
            if failure:
                return failure[0], _prepend_path(index, failure[1])
        return None
    return _check_object(value, pattern)


def _typeof(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return "object"


def _prepend_path(key: str | int, base: str) -> str:
    if isinstance(key, int) or _DIGITS.fullmatch(key):
        key = f"[{key}]"
    elif not _IDENTIFIER.fullmatch(key) or key in _JS_KEYWORDS:
        key = js_stringify([key])
    if base and base[0] != "[":
        return f"{key}.{base}"
    return key + base


def _not_plain_object(value: Any) -> Failure | None:
    if value is None:
        return "Expected object, got null", ""
    if _typeof(value) != "object":
        return f"Expected object, got {_typeof(value)}", ""
    if not isinstance(value, dict):
        return "Expected plain object", ""
    return None


def _check_object(value: Any, pattern: Object) -> Failure | None:
    failure = _not_plain_object(value)
    if failure:
        return failure
    missing = dict(pattern.required)
    for key, item in value.items():
        sub_pattern = missing.pop(key, None) or pattern.optional.get(key)
        if sub_pattern is None:
            if not pattern.including:
                return "Unknown key", key
            continue
        failure = check(item, sub_pattern)
        if failure:
            return failure[0], _prepend_path(key, failure[1])
    if missing:
        return f"Missing key '{next(iter(missing))}'", ""
    return None
