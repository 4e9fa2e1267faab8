"""`GET /api/v1/voip/rooms`'s request rules (docs/contract/call-history.md §1–§5): from the query
qs parsed to the `RoomListQuery` the listing answers, check by check in Rocket.Chat's order.

    validation (§2) → pagination, then `sort` (§4) → permission (§3) → dates (§5)
    → a negative offset (MongoDB's refusal, which comes with the listing itself)

Pure: no datastore, no clock. The deliberate deviations (docs/compatibility.md) are marked here
as they are in the contract: an infinite `count` or `offset` is refused, a negative `count` counts
its absolute value, `sort` takes one listed field and a JSON object only, `count=0` lists every
match only with API_ALLOW_INFINITE_COUNT (off by default), and the date filters apply.
"""

from __future__ import annotations

import math
from typing import Any

from voip_core.compat.ajv import NOT_NUMBER
from voip_core.compat.jsjson import NOT_JSON, js_number_string, js_parse_int, parse_json_text
from voip_core.domain.iso_dates import parse_iso_date
from voip_core.domain.models import User
from voip_core.domain.room_listing import SORT_FIELDS, RoomListQuery, TimeRange
from voip_core.errors import (
    InvalidDateFilter,
    InvalidParams,
    InvalidSort,
    ListingForbidden,
    NegativeOffset,
)
from voip_core.routes.rooms_list_query import read_listing_query, validate_listing_query
from voip_core.settings import Settings

__all__ = ["check_listing", "read_listing_query", "validate_listing_query"]

NEWEST_FIRST = ("ts", True)  # (sort key, descending): absent, `sort=` and `{}` (§4)
_DATE_FILTERS = ("createdAt", "closedAt")
_BOUNDS = ("start", "end")


def check_listing(query: dict[str, Any], user: User, settings: Settings) -> RoomListQuery:
    """The listing `query` (qs's object) asks `user` for, or the ApiError of its first failing
    check (docs/contract/call-history.md §1, steps 3 to 6)."""
    values = validate_listing_query(query)
    offset = _offset(values.get("offset"))
    count = _count(values.get("count"), settings)
    sort_key, descending = _sort(values.get("sort"))
    agents = values.get("agents")
    _require_permission(user, agents, settings)
    created, closed = (_date_range(values.get(name), name) for name in _DATE_FILTERS)
    if offset < 0:
        raise NegativeOffset(offset)
    visitor_id = values.get("visitorId")
    return RoomListQuery(
        open=values.get("open") == "true",  # absent too lists closed rooms: no "both" (§5)
        agents=tuple(agents or ()),
        tags=tuple(values.get("tags") or ()),
        queue=values.get("queue") or None,
        direction=values.get("direction") or None,
        visitor_id=visitor_id if visitor_id and visitor_id != "undefined" else None,
        room_name=values.get("roomName") or None,
        created=created,
        closed=closed,
        sort_key=sort_key,
        descending=descending,
        offset=offset,
        count=count,
    )


# --- pagination (§4) -----------------------------------------------------------------------------


def _integer_part(number: float) -> int:
    """Rocket.Chat's `parseInt(String(number))` (`10.9` → 10, `1e21` → 1). **Deviation**:
    `Infinity` (from `Infinity` or `1e400`, which ajv lets through) has none: 400, as ajv would
    answer a value that is not a number."""
    integer = js_parse_int(js_number_string(number))
    if not math.isfinite(integer):
        raise InvalidParams(NOT_NUMBER)
    return int(integer)


def _offset(value: float | None) -> int:
    """Absent, null or 0 is 0; else its integer part, negative ones included (refused later)."""
    return _integer_part(value) if value else 0


def _count(value: float | None, settings: Settings) -> int | None:
    """The page size; None is every match. Absent or null is API_DEFAULT_COUNT; **Deviation**: a
    negative count counts as its absolute value, under the same cap; `0` is every match only with
    API_ALLOW_INFINITE_COUNT, else the default."""
    count = settings.api_default_count if value is None else abs(_integer_part(value))
    count = min(count, settings.api_upper_count_limit)
    if count == 0:
        return None if settings.api_allow_infinite_count else settings.api_default_count
    return count


def _sort(raw: str | None) -> tuple[str, bool]:
    """Rocket.Chat's `parseJsonQuery`: JSON whose values are 1 or -1, else `error-invalid-sort`
    quoting `raw`. **Deviation**: it must be an object of at most one key from SORT_FIELDS; `{}`
    is newest first, as an absent or empty `sort` is."""
    if not raw:
        return NEWEST_FIRST
    parsed = parse_json_text(raw)
    if parsed is NOT_JSON or not isinstance(parsed, dict) or len(parsed) > 1:
        raise InvalidSort(raw)
    if not parsed:
        return NEWEST_FIRST
    ((key, direction),) = parsed.items()
    # Every JSON number is a float here; `true` is not the number 1.
    if key not in SORT_FIELDS or type(direction) is not float or direction not in (1, -1):
        raise InvalidSort(raw)
    return key, direction == -1


# --- permission (§3) -----------------------------------------------------------------------------


def _require_permission(user: User, agents: list[str] | None, settings: Settings) -> None:
    """`view-livechat-rooms` lists anything; `view-l-room` lists only one's own rooms: `agents`
    exactly one element, the caller's own id."""
    roles = set(user.roles)
    if not settings.rooms_list_admin_roles.isdisjoint(roles):
        return
    own_rooms_only = agents is not None and len(agents) == 1 and agents[0] == user.id
    if own_rooms_only and not settings.rooms_list_agent_roles.isdisjoint(roles):
        return
    raise ListingForbidden()


# --- dates (§5) ----------------------------------------------------------------------------------


def _date_range(raw: str | None, parameter: str) -> TimeRange | None:
    """**Deviation** (Rocket.Chat's filter matches nothing): a JSON object whose `start` and `end`,
    when given (JavaScript-truthy), are ISO-8601 dates (domain/iso_dates.py). None when the filter
    is absent or empty, or bounds nothing (`{}`)."""
    if not raw:
        return None
    parsed = parse_json_text(raw)
    if not isinstance(parsed, dict):  # NOT_JSON, an array, null, a number...
        raise InvalidDateFilter.not_an_object(parameter)
    bounds: list[int | None] = []
    for bound in _BOUNDS:
        value = parsed.get(bound)
        if not _js_truthy(value):
            bounds.append(None)
            continue
        epoch_ms = parse_iso_date(value) if isinstance(value, str) else None
        if epoch_ms is None:
            raise InvalidDateFilter.not_a_date(parameter, bound)
        bounds.append(epoch_ms)
    start_ms, end_ms = bounds
    if start_ms is None and end_ms is None:
        return None
    return TimeRange(start_ms=start_ms, end_ms=end_ms)


def _js_truthy(value: Any) -> bool:
    """JavaScript's truthiness of a JSON value: only null, false, 0 and "" are false (an empty
    object or array is true)."""
    if isinstance(value, (dict, list)):
        return True
    return bool(value)
