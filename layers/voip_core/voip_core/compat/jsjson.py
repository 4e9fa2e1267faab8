"""JSON as Rocket.Chat's Node.js server reads and writes it, where Python's `json` differs.

Request bodies are parsed as `JSON.parse` would (every number is a double, so an integer of 5,000
digits is `Infinity`; `NaN`/`Infinity` are not JSON; any depth of nesting), numbers are turned into
strings as JavaScript's `String()` does (ajv's type coercion), and values are written back as
`JSON.stringify` writes them (Meteor's check() quotes them in messages), without recursion, up to
`MAX_STRINGIFY_DEPTH` levels (docs/compatibility.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from voip_core.compat.deep_json import parse_deep

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

# How deep a value `js_stringify` writes. Rocket.Chat quotes a value in a check() message with
# Meteor's EJSON.stringify, whose recursion runs out of stack near 2,800 levels on Node 20 (measured
# on a replica of it; the exact depth depends on the stack in use); EJSON then throws
# "Converting circular structure to JSON". Here the depth is fixed.
MAX_STRINGIFY_DEPTH = 2500


class TooDeep(ValueError):
    """A value nested deeper than MAX_STRINGIFY_DEPTH: what JavaScript's stack would not take."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes | None) -> Any:
    """The body's JSON value; an absent or empty body is `{}`; anything unparsable is NOT_JSON.

    Bytes that are not UTF-8 become U+FFFD and a leading byte-order mark is dropped, as Express's
    body parser decodes a body before JSON.parse sees it.
    """
    if not body:
        return {}
    return parse_json_text(body.decode("utf-8", errors="replace").removeprefix("\ufeff"))


def parse_json_text(text: str) -> Any:
    """`JSON.parse(text)`, or NOT_JSON where it throws (a byte-order mark included)."""
    try:
        # Every number a double (`float`): no int_max_str_digits limit, 1e400 is infinite.
        return json.loads(text, parse_int=float, parse_constant=_reject_constant)
    except RecursionError:
        pass  # nested deeper than Python's recursion: read it without recursion
    except ValueError:
        return NOT_JSON
    try:
        return parse_deep(text)
    except ValueError:
        return NOT_JSON


def js_trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


def js_length(text: str) -> int:
    """`text.length` in JavaScript: characters beyond the BMP count twice (a surrogate pair)."""
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


# ECMAScript's StringNumericLiteral, once trimmed: a signed decimal (ASCII digits, no `_`) or
# Infinity, or an unsigned binary, octal or hexadecimal integer.
_DECIMAL_LITERAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX_LITERAL = re.compile(r"0(?:[xX](?P<x>[0-9a-fA-F]+)|[oO](?P<o>[0-7]+)|[bB](?P<b>[01]+))")
_RADIX = {"x": 16, "o": 8, "b": 2}
_LEADING_INTEGER = re.compile(r"[+-]?[0-9]+")


def js_number(text: str) -> float:
    """`Number(text)` (ECMAScript StringToNumber): JavaScript's whitespace trimmed, blank is 0,
    anything else not a literal is NaN. Python's float() alone would also take `nan`, `inf`,
    `1_000` and non-ASCII digits; both round to the nearest double."""
    literal = js_trim(text)
    if not literal:
        return 0.0
    if _DECIMAL_LITERAL.fullmatch(literal):
        return float(literal)
    radix = _RADIX_LITERAL.fullmatch(literal)
    if radix is None:
        return math.nan
    kind = next(name for name, digits in radix.groupdict().items() if digits is not None)
    try:
        return float(int(radix[kind], _RADIX[kind]))
    except OverflowError:
        return math.inf


def js_parse_int(text: str) -> float:
    """`parseInt(text, 10)`: the leading decimal integer after JavaScript's whitespace; NaN if
    none (`"1e+21"` is 1, `"Infinity"` is NaN)."""
    found = _LEADING_INTEGER.match(js_trim(text))
    if found is None:
        return math.nan
    try:
        return float(int(found.group()))
    except OverflowError:
        return math.inf if not found.group().startswith("-") else -math.inf


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

_Entries = Iterator[tuple[str, Any]]  # (what comes before a member, the member)


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return _LITERALS[value]
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (int, float)):
        text = js_number_string(value)
        return "null" if text in ("NaN", "Infinity", "-Infinity") else text
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _opening(value: Any) -> tuple[str, _Entries, str] | None:
    """An array's or object's brackets and members; None for anything else."""
    if isinstance(value, list):
        return "[", (("," if index else "", item) for index, item in enumerate(value)), "]"
    if isinstance(value, dict):
        keys = js_key_order(list(value))
        members = (
            (("," if index else "") + _string(key) + ":", value[key])
            for index, key in enumerate(keys)
        )
        return "{", members, "}"
    return None


def js_stringify(value: Any, max_depth: int = MAX_STRINGIFY_DEPTH) -> str:
    """`JSON.stringify(value)` for a value parsed from JSON: compact, JavaScript's numbers. The
    open arrays and objects wait on a list, not on Python's stack; TooDeep past `max_depth`."""
    out: list[str] = []
    waiting: list[tuple[_Entries, str]] = []
    entries: _Entries = iter((("", value),))
    closing = ""
    while True:
        for before, item in entries:
            out.append(before)
            opening = _opening(item)
            if opening is None:
                out.append(_scalar(item))
                continue
            if len(waiting) >= max_depth:
                raise TooDeep(f"nested deeper than {max_depth} levels")
            waiting.append((entries, closing))
            out.append(opening[0])
            _, entries, closing = opening
            break
        else:
            out.append(closing)
            if not waiting:
                return "".join(out)
            entries, closing = waiting.pop()
