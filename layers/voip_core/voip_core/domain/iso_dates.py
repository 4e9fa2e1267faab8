"""The dates a call-history filter accepts (docs/contract/call-history.md §5): ISO-8601 as
ECMAScript's date-time string format writes it, read without a clock and without a time zone.

- `YYYY`, `YYYY-MM`, `YYYY-MM-DD`: midnight UTC of the first day they name;
- `YYYY-MM-DDTHH:mm`, `...:ss`, `...:ss.f` (any number of fraction digits, kept to the
  millisecond, as V8 does), each with an optional `Z` or `±HH:mm`; no offset means UTC (where
  JavaScript's `Date.parse` would use the server's zone).

Years 0000–9999; every field in its range (no 24:00, no February 30th). Anything else, including
the other forms `Date.parse` guesses at ("May 1, 2024", "2024/05/01"), is not a date.
"""

from __future__ import annotations

import re

_ISO = re.compile(
    r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?)?"
    r"(?P<zone>Z|(?P<sign>[+-])(?P<zone_hour>[0-9]{2}):(?P<zone_minute>[0-9]{2}))?)?)?)?",
    re.ASCII,
)
_FIELDS = ("year", "month", "day", "hour", "minute", "second", "zone_hour", "zone_minute")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MS_PER_MINUTE = 60_000
_MS_PER_DAY = 86_400_000


def parse_iso_date(text: str) -> int | None:
    """Epoch milliseconds of `text`, or None if it is not one of the forms above."""
    found = _ISO.fullmatch(text)
    if found is None:
        return None
    part = {name: int(found[name]) for name in _FIELDS if found[name]}
    year, month, day = part["year"], part.get("month", 1), part.get("day", 1)
    hour, minute, second = part.get("hour", 0), part.get("minute", 0), part.get("second", 0)
    zone_hour, zone_minute = part.get("zone_hour", 0), part.get("zone_minute", 0)
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)):
        return None
    if hour > 23 or minute > 59 or second > 59 or zone_hour > 23 or zone_minute > 59:
        return None
    milliseconds = int((found["fraction"] or "0")[:3].ljust(3, "0"))
    offset_minutes = zone_hour * 60 + zone_minute
    if found["sign"] == "-":
        offset_minutes = -offset_minutes
    minutes = hour * 60 + minute - offset_minutes
    return (
        _days_from_civil(year, month, day) * _MS_PER_DAY
        + minutes * _MS_PER_MINUTE
        + second * 1000
        + milliseconds
    )


def _days_in_month(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else _DAYS_IN_MONTH[month - 1]


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (year 0 included, which Python's
    datetime lacks)."""
    shifted = year - (month <= 2)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468
