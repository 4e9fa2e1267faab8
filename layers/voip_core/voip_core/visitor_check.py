"""The body rules of `POST livechat/visitor` (docs/contract/call-lifecycle.md §2, §5), as
Rocket.Chat checks it:

    check(bodyParams, {visitor: Match.ObjectIncluding({token: String, name: Match.Optional(String),
      email, department, phone, username: Match.Optional(String), customFields:
      Match.Optional([Match.ObjectIncluding({key: String, value: String, overwrite: Boolean})])})})

then a blank token, then the email. Meteor's check() visits an object's keys in order, stops at the
first failure, and reports a missing key only after every present key passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from voip_core.errors import (
    FieldTooLong,
    InvalidEmail,
    InvalidVisitorToken,
    MatchError,
    TooDeepToQuote,
)
from voip_core.jsjson import NOT_JSON, TooDeep, js_stringify, js_trim, parse_body
from voip_core.store.dynamo import usable_key

_IDENTIFIER = re.compile(r"[a-z_$][0-9a-z_$]*", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")
_EMAIL = re.compile(r"[^@]+@[^@]+")
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
OPTIONAL_TEXT_FIELDS = ("name", "email", "department", "phone", "username")
# Deviation (docs/compatibility.md): the fields a room copies (name and username as `fname`/`name`,
# `v.username`, then `closedBy.username` when it closes; `v.phone`; `departmentId`) are bounded, in
# JavaScript characters (UTF-16 code units), so that every room that opens can also close within
# one DynamoDB item. Rocket.Chat (MongoDB, 16 MB documents) has no such bound.
MAX_FIELD_LENGTH = 1024
BOUNDED_FIELDS = ("name", "department", "phone", "username")


def js_length(text: str) -> int:
    """`text.length` in JavaScript: characters beyond the BMP count twice (a surrogate pair)."""
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


# --- a small Meteor check(): patterns are STRING, BOOLEAN, [pattern] and _Object -----------------

STRING = "string"
BOOLEAN = "boolean"


@dataclass(frozen=True)
class _Object:
    required: dict[str, Any]
    optional: dict[str, Any]
    including: bool  # Match.ObjectIncluding: other keys allowed


_Failure = tuple[str, str]  # (message, path)


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


def _test(value: Any, pattern: Any) -> _Failure | None:
    if pattern in (STRING, BOOLEAN):
        if _typeof(value) == pattern:
            return None
        got = "null" if value is None else _typeof(value)
        return f"Expected {pattern}, got {got}", ""
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return f"Expected array, got {js_stringify(value)}", ""
        for index, item in enumerate(value):
            failure = _test(item, pattern[0])
            if failure:
                return failure[0], _prepend_path(index, failure[1])
        return None
    return _test_object(value, pattern)


def _not_plain_object(value: Any) -> _Failure | None:
    if value is None:
        return "Expected object, got null", ""
    if _typeof(value) != "object":
        return f"Expected object, got {_typeof(value)}", ""
    if not isinstance(value, dict):
        return "Expected plain object", ""
    return None


def _test_object(value: Any, pattern: _Object) -> _Failure | None:
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
        failure = _test(item, sub_pattern)
        if failure:
            return failure[0], _prepend_path(key, failure[1])
    if missing:
        return f"Missing key '{next(iter(missing))}'", ""
    return None


_CUSTOM_FIELD = _Object({"key": STRING, "value": STRING, "overwrite": BOOLEAN}, {}, including=True)
_VISITOR = _Object(
    {"token": STRING},
    {**dict.fromkeys(OPTIONAL_TEXT_FIELDS, STRING), "customFields": [_CUSTOM_FIELD]},
    including=True,
)
_BODY = _Object({"visitor": _VISITOR}, {}, including=False)


# --- the registration the body asks for -----------------------------------------------------------


@dataclass(frozen=True)
class CustomField:
    key: str
    value: str
    overwrite: bool


@dataclass(frozen=True)
class Registration:
    """A valid registration. Empty strings are "not given" (None); `email` is trimmed and
    lower-cased."""

    token: str
    name: str | None = None
    email: str | None = None
    department: str | None = None
    phone: str | None = None
    username: str | None = None
    custom_fields: tuple[CustomField, ...] = ()

    def __repr__(self) -> str:  # personal data and the token stay out of logs
        return "Registration(<hidden>)"


def check_visitor_body(body: Any) -> dict[str, Any]:
    """The `visitor` object, or MatchError as check() words it."""
    try:
        failure = _test(body, _BODY)
    except TooDeep:
        raise TooDeepToQuote() from None
    if failure:
        raise MatchError(*failure)
    visitor: dict[str, Any] = body["visitor"]
    return visitor


def registration_from(visitor: dict[str, Any]) -> Registration:
    """After check(): a blank token, then an invalid email, are refused (§5 order); then a field
    over its length (a deviation, checked last so Rocket.Chat's own answers keep their order)."""
    token: str = visitor["token"]
    if not js_trim(token):
        raise InvalidVisitorToken("Token cannot be empty")
    if not usable_key(token):
        # Deviation: longer than a DynamoDB key may be (2048 bytes of UTF-8), or not UTF-8 at all.
        raise InvalidVisitorToken("Token is too long or not valid text")
    given = {name: visitor.get(name) or None for name in OPTIONAL_TEXT_FIELDS}
    email = given["email"]
    if email is not None:
        email = js_trim(email).lower()
        if not _EMAIL.fullmatch(email):
            raise InvalidEmail(email)
    for name in BOUNDED_FIELDS:
        value = given[name]
        if value is not None and js_length(value) > MAX_FIELD_LENGTH:
            raise FieldTooLong(name, MAX_FIELD_LENGTH)
    fields = tuple(
        CustomField(field["key"], field["value"], field["overwrite"])
        for field in visitor.get("customFields") or ()
    )
    return Registration(
        token=token,
        name=given["name"],
        email=email,
        department=given["department"],
        phone=given["phone"],
        username=given["username"],
        custom_fields=fields,
    )


def read_registration(raw: bytes | None) -> Registration:
    parsed = parse_body(raw)
    # Not JSON: check() sees the body as a string (§5).
    body = "" if parsed is NOT_JSON else parsed
    return registration_from(check_visitor_body(body))
