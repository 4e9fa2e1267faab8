"""Extended JSON values turned into documents as this service stores them, which is as Rocket.Chat's
REST API sent them (docs/migrating-from-rocketchat.md): dates as `toISOString()` writes them,
ObjectIds as their 24 hex characters, numbers as `JSON.stringify` writes them, key order kept.

Decoding Extended JSON itself is pymongo's (`bson.json_util`), never done here: `decode_line` for
one JSON line, `decode_element` for a value ijson built (each object, innermost first, through the
same hook `json_util.loads` applies). `stored_document` then maps what pymongo gives to plain JSON
values, or raises `Unsupported` for what the service cannot store (naming the field and the BSON
type, never the value: the files hold token hashes).
"""

from __future__ import annotations

import json
import math
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from bson import json_util
from bson.codec_options import DatetimeConversion
from bson.datetime_ms import DatetimeMS
from bson.errors import BSONError
from bson.json_util import JSONOptions
from bson.objectid import ObjectId
from voip_core.compat.jsjson import js_number_string

# DATETIME_MS: every `$date` becomes a DatetimeMS (exact epoch milliseconds), whatever its year;
# a datetime could not hold years outside 1–9999 and would round-trip through microseconds.
OPTIONS = JSONOptions(datetime_conversion=DatetimeConversion.DATETIME_MS)

# What `Date.prototype.toISOString()` writes as YYYY-MM-DDTHH:MM:SS.mmmZ: years 1–9999 (the spec's
# range; JavaScript writes year 0 and beyond 9999 in another form).
FIRST_MS = -62_135_596_800_000  # 0001-01-01T00:00:00.000Z
LAST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
_EPOCH = datetime(1970, 1, 1)  # naive: isoformat() then writes no offset

# Up to here JSON.stringify writes an integral double as digits without exponent or fraction.
_LARGEST_PLAIN_DOUBLE = 1e21


# What json_util raises for a wrapper of the wrong shape ({"$date": "soon"}, {"$oid": 1}, ...).
EXTENDED_JSON_ERRORS = (TypeError, ValueError, KeyError, IndexError, OverflowError, BSONError)


class Unsupported(Exception):
    """A value the service cannot store; `reason` names where and what, never the value."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what
        self.path: deque[str] = deque()

    @property
    def reason(self) -> str:
        return f"{'.'.join(self.path) or '(document)'}: {self.what}"


class BadValue(ValueError):
    """Text that is not (Extended) JSON; the message is safe to print."""


def decode_line(line: bytes) -> Any:
    """One JSON line as `json_util.loads` reads it."""
    try:
        return json_util.loads(line, json_options=OPTIONS)
    except json.JSONDecodeError as error:
        raise BadValue(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except UnicodeDecodeError:
        raise BadValue("not UTF-8 text") from None
    except RecursionError:
        raise BadValue("nested too deeply") from None
    except EXTENDED_JSON_ERRORS:
        pass
    # pymongo's messages quote the value (a token hash, say): read the line again, only to name
    # the wrapper that failed.
    json.loads(line, object_hook=_object_hook)
    raise BadValue("not valid Extended JSON")


def decode_element(value: Any) -> Any:
    """A value ijson built, each object decoded innermost first by json_util's hook (as
    `json_util.loads` decodes a line: with a dict document class it calls `object_hook` on the dict
    `object_pairs_hook` would build, so this skips rebuilding it)."""
    try:
        return _decode(value)
    except RecursionError:
        raise BadValue("nested too deeply") from None


def _decode(value: Any) -> Any:
    if type(value) is dict:
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                value[key] = _decode(item)  # same keys: safe while iterating
        return _object_hook(value)
    if type(value) is list:
        return [_decode(item) if type(item) in (dict, list) else item for item in value]
    return value


def _object_hook(value: dict[str, Any]) -> Any:
    """json_util's hook; a wrapper it refuses is named by its operator, never its value."""
    try:
        return json_util.object_hook(value, OPTIONS)
    except EXTENDED_JSON_ERRORS:
        # json_util's own table of the wrappers it knows ($date, $oid, ...): names, not values.
        operators = [key for key in value if key in json_util._PARSERS_SET]
        named = f" ({operators[0]})" if operators else ""
        raise BadValue(f"not valid Extended JSON{named}") from None


def stored_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document as stored; Unsupported for a value the service cannot store."""
    stored: dict[str, Any] = _stored(document)
    return stored


def stored_id(document: dict[str, Any]) -> dict[str, Any]:
    """`{"_id": ...}` when the document's `_id` can be stored, else `{}` (a problem list's name)."""
    if "_id" not in document:
        return {}
    try:
        return {"_id": _stored(document["_id"])}
    except Unsupported:
        return {}


# Values stored as they are: most of a document, so they skip a call.
_AS_IS = frozenset({str, bool, int, type(None)})


def _stored(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:
        return _stored_members(value.items())
    if kind is list:
        return _stored_members(enumerate(value), as_list=True)
    return _stored_scalar(value)


def _stored_members(members: Any, *, as_list: bool = False) -> Any:
    stored = {}
    for key, item in members:
        if type(item) in _AS_IS:
            stored[key] = item
            continue
        try:
            stored[key] = _stored(item)
        except Unsupported as problem:
            problem.path.appendleft(str(key))
            raise
    return list(stored.values()) if as_list else stored


def _stored_scalar(value: Any) -> Any:
    if isinstance(value, int):  # Int64 (an int subclass)
        return int(value)
    if isinstance(value, float):
        return js_double(value)
    if isinstance(value, DatetimeMS):
        return iso_from_ms(int(value))
    if isinstance(value, ObjectId):
        return str(value)
    raise Unsupported(f"{bson_type_name(value)} is not supported")


def js_double(value: float) -> int | float | None:
    """A double as JSON.stringify writes it: NaN and ±Infinity are `null`; an integral one below
    1e21 has no fraction (an int with JavaScript's digits: 2**60 is 1152921504606847000).

    Known gap: a non-integral double below 1e-4 is kept as a float, which Python writes with an
    exponent (1e-05) where JavaScript writes 0.00001; both read back as the same number.
    """
    if math.isnan(value) or math.isinf(value):
        return None
    if value.is_integer() and abs(value) < _LARGEST_PLAIN_DOUBLE:
        return int(js_number_string(value))
    return value


def iso_from_ms(epoch_ms: int) -> str:
    """`new Date(epoch_ms).toISOString()` for years 1–9999; Unsupported outside them."""
    if not FIRST_MS <= epoch_ms <= LAST_MS:
        raise Unsupported("date outside years 1-9999")
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return moment.isoformat(timespec="milliseconds") + "Z"  # four-digit years, unlike strftime


def bson_type_name(value: Any) -> str:
    """The BSON type's name, as the export's Extended JSON spells it."""
    if isinstance(value, bytes):  # Binary subtype 0 decodes to bytes
        return "Binary"
    if type(value).__module__ == "uuid":  # Binary subtype 4 may decode to a UUID
        return "Binary"
    return type(value).__name__
