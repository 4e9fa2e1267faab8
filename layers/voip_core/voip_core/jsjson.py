"""JSON as Rocket.Chat's Node.js server reads and writes it, where Python's `json` differs.

Request bodies are parsed as `JSON.parse` would (every number is a double; `NaN`/`Infinity` are not
JSON), numbers are turned into strings as JavaScript's `String()` does (ajv's type coercion), and
values are written back as `JSON.stringify` writes them (Meteor's check() quotes them in messages).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

NOT_JSON = object()
"""What `parse_body` returns for a body that is not JSON at all."""

# JavaScript's String.prototype.trim(): WhiteSpace and LineTerminator code points.
JS_WHITESPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]{0,9}")
_MAX_ARRAY_INDEX = 2**32 - 2
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes | None) -> Any:
    """The body's JSON value; an absent or empty body is `{}`; anything unparsable is NOT_JSON.

    Bytes that are not UTF-8 become U+FFFD and a leading byte-order mark is dropped, as Express's
    body parser decodes a body before JSON.parse sees it.
    """
    if not body:
        return {}
    text = body.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return NOT_JSON


def js_trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


def js_number_string(value: float) -> str:
    """`String(value)` for a JavaScript number (ECMAScript Number::toString, radix 10)."""
    try:
        number = float(value)
    except OverflowError:
        number = math.inf if value > 0 else -math.inf
    if math.isnan(number):
        return "NaN"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    if math.isinf(number):
        return sign + "Infinity"
    return sign + _positive_number_string(abs(number))


def _positive_number_string(number: float) -> str:
    mantissa, _, exponent_text = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    leading_zeros = len(all_digits) - len(all_digits.lstrip("0"))
    digits = all_digits.strip("0")
    # number = 0.<digits> × 10^point; in ECMAScript's terms k = len(digits) and n = point.
    point = len(whole) - leading_zeros + int(exponent_text or 0)
    count = len(digits)
    if count <= point <= 21:
        return digits + "0" * (point - count)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    exponent = point - 1
    mantissa = digits if count == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


def js_key_order(keys: list[str]) -> list[str]:
    """The order JavaScript gives an object's keys: array indices ascending, then the rest."""
    indices = [k for k in keys if _ARRAY_INDEX.fullmatch(k) and int(k) <= _MAX_ARRAY_INDEX]
    index_set = set(indices)
    others = [k for k in keys if k not in index_set]
    return sorted(indices, key=int) + others


def escape_lone_surrogates(text: str) -> str:
    """JSON text with every lone surrogate written as `\\udxxx`, as JSON.stringify writes it
    (Python's json leaves it raw with `ensure_ascii=False`, and raw it is not UTF-8)."""
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _string(text: str) -> str:
    return escape_lone_surrogates(json.dumps(text, ensure_ascii=False))


_LITERALS = {None: "null", True: "true", False: "false"}


def js_stringify(value: Any) -> str:
    """`JSON.stringify(value)` for a value parsed from JSON: compact, JavaScript's numbers."""
    if value is None or isinstance(value, bool):
        return _LITERALS[value]
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (int, float)):
        text = js_number_string(value)
        return "null" if text in ("NaN", "Infinity", "-Infinity") else text
    if isinstance(value, list):
        return "[" + ",".join(js_stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = js_key_order(list(value))
        return "{" + ",".join(f"{_string(key)}:{js_stringify(value[key])}" for key in keys) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")
