"""The query string read as Rocket.Chat reads it: Express's "extended" parser, i.e. `qs.parse(str,
{allowPrototypes: true})` with qs's defaults (depth 5, arrayLimit 20, parameterLimit 1000).

Only what decides the validation's outcome has to be exact: which top-level keys exist and whether
each value is a string (and which string). Nested values are kept as lists and dicts.
JS semantics that matter and are reproduced here:
- `%5B`/`%5D` become brackets before anything else; `+` is a space; a value or key whose percent
  escapes `decodeURIComponent` rejects (malformed, or not UTF-8) is kept as written.
- a key given twice becomes an array; `k[]=v` and `k[0]=v` are arrays, `k[sub]=v` an object;
  an array's missing indices are dropped at the end (`k[3]=v` is `["v"]`);
  `[k]=v` (no parent) sets `k`; `__proto__` is dropped; only the first 1000 parameters count.
"""

from __future__ import annotations

import re
from typing import Any

PARAMETER_LIMIT = 1000
DEPTH = 5
ARRAY_LIMIT = 20

_HOLE = object()  # a missing index of a sparse JS array
_BRACKET_ESCAPE = re.compile(r"%5[bBdD]")
_CHILD = re.compile(r"(\[[^\[\]]*\])")
# A canonical non-negative decimal in ASCII digits: what JS's `String(parseInt(s, 10)) === s`
# accepts (str.isdigit() would also take "²" or "١", and int() rejects the first).
_CANONICAL_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_JS_MAX_ARRAY_INDEX = 2**32 - 2  # the largest key a JS object lists as an array index


def parse_query(raw: str) -> dict[str, Any]:
    """Parse a raw query string (no leading `?`) into qs's top-level object."""
    raw = _BRACKET_ESCAPE.sub(lambda m: "[" if m.group(0)[2] in "bB" else "]", raw)
    values: dict[str, Any] = {}
    for part in raw.split("&")[:PARAMETER_LIMIT]:
        key, value = _split_part(part)
        if key in values:
            values[key] = _combine(values[key], value)
        else:
            values[key] = value
    result: dict[str, Any] = {}
    for key in _js_key_order(values):
        nested = _parse_keys(key, values[key])
        if nested is not None:
            result = _merge(result, nested)
    compacted: dict[str, Any] = _compact(result)
    return compacted


def _js_key_order(keys: dict[str, Any]) -> list[str]:
    """The order a JS object lists its keys in: array indices first, ascending, then the rest as
    inserted. qs merges the parts in that order, and the order decides the shape of a key given
    both plain and with brackets (`0[a]=&0=` makes `0` an array, not an object)."""
    indices = sorted((index, key) for key in keys if (index := _index(key)) is not None)
    index_keys = [key for _, key in indices]
    listed = set(index_keys)
    return index_keys + [key for key in keys if key not in listed]


def _index(text: str, limit: int = _JS_MAX_ARRAY_INDEX) -> int | None:
    """The number `text` is the canonical decimal of, if it is at most `limit`. Long digit strings
    are refused by length before int() sees them (it rejects more than 4300 digits)."""
    if len(text) > len(str(limit)) or not _CANONICAL_DECIMAL.fullmatch(text):
        return None
    number = int(text)
    return number if number <= limit else None


def _split_part(part: str) -> tuple[str, Any]:
    bracket_equals = part.find("]=")
    pos = part.find("=") if bracket_equals == -1 else bracket_equals + 1
    if pos == -1:
        return js_decode(part), ""
    return js_decode(part[:pos]), js_decode(part[pos + 1 :])


def js_decode(text: str) -> str:
    """qs's decoder: `+` to space, then decodeURIComponent, or the text unchanged if that throws."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    out: list[str] = []
    pending = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            hex_digits = text[i + 1 : i + 3]
            if len(hex_digits) != 2 or not all(c in "0123456789abcdefABCDEF" for c in hex_digits):
                return text
            pending.append(int(hex_digits, 16))
            i += 3
            continue
        if pending and not _flush(pending, out):
            return text
        out.append(char)
        i += 1
    if pending and not _flush(pending, out):
        return text
    return "".join(out)


def _flush(pending: bytearray, out: list[str]) -> bool:
    try:
        out.append(pending.decode("utf-8"))
    except UnicodeDecodeError:
        return False
    pending.clear()
    return True


def _combine(existing: Any, value: Any) -> list[Any]:
    left = existing if isinstance(existing, list) else [existing]
    right = value if isinstance(value, list) else [value]
    return left + right


def _parse_keys(key: str, value: Any) -> Any:
    if not key:
        return None
    first = _CHILD.search(key)
    parent = key[: first.start()] if first else key
    chain: list[str] = [parent] if parent else []
    for count, match in enumerate(_CHILD.finditer(key)):
        if count >= DEPTH:
            chain.append("[" + key[match.start() :] + "]")
            break
        chain.append(match.group(1))
    return _parse_object(chain, value)


def _parse_object(chain: list[str], leaf: Any) -> Any:
    for root in reversed(chain):
        if root == "[]":
            leaf = list(leaf) if isinstance(leaf, list) else [leaf]
            continue
        clean = root[1:-1] if root.startswith("[") and root.endswith("]") else root
        index = _index(clean, ARRAY_LIMIT) if root != clean else None
        if index is not None:
            leaf = [_HOLE] * index + [leaf]
            continue
        leaf = {} if clean == "__proto__" else {clean: leaf}
    return leaf


def _compact(value: Any) -> Any:
    """qs's final `utils.compact`: the holes of every array dropped (`k[5]=a` is `["a"]`), at any
    depth. The nesting is bounded by DEPTH, so recursion is safe."""
    if isinstance(value, list):
        return [_compact(item) for item in value if item is not _HOLE]
    if isinstance(value, dict):
        return {key: _compact(item) for key, item in value.items()}
    return value


def _array_to_object(array: list[Any]) -> dict[str, Any]:
    return {str(i): item for i, item in enumerate(array) if item is not _HOLE}


def _merge(target: Any, source: Any) -> Any:
    """qs's utils.merge, for the shapes parse_query produces."""
    if source is None or source == "":
        return target
    if not isinstance(source, (dict, list)):
        return _merge_scalar(target, source)
    if not isinstance(target, (dict, list)):
        return [target, *source] if isinstance(source, list) else [target, source]
    if isinstance(target, list) and isinstance(source, list):
        return _merge_arrays(target, source)
    accumulator = _array_to_object(target) if isinstance(target, list) else dict(target)
    items = _array_to_object(source).items() if isinstance(source, list) else source.items()
    for key, value in items:
        accumulator[key] = _merge(accumulator[key], value) if key in accumulator else value
    return accumulator


def _merge_scalar(target: Any, source: Any) -> Any:
    if isinstance(target, list):
        return [*target, source]
    if isinstance(target, dict):
        return {**target, source: True}
    return [target, source]


def _merge_arrays(target: list[Any], source: list[Any]) -> list[Any]:
    merged = list(target)
    for index, item in enumerate(source):
        if item is _HOLE:
            continue
        if index < len(merged) and merged[index] is not _HOLE:
            current = merged[index]
            if isinstance(current, (dict, list)) and isinstance(item, (dict, list)):
                merged[index] = _merge(current, item)
            else:
                merged.append(item)
        else:
            merged.extend([_HOLE] * (index + 1 - len(merged)))
            merged[index] = item
    return merged
