"""Time as the service keeps it: epoch milliseconds inside, ISO-8601 UTC with ms outside."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], int]
"""Returns the current time in epoch milliseconds; injected so tests can fix it."""


def system_clock() -> int:
    return time.time_ns() // 1_000_000


def iso_from_ms(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms // 1000, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


def ms_from_iso(text: str) -> int:
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000 + 0.5)
