"""Summaries of noisy samples: median and spread, and ratios to a baseline from the same run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated linearly between the two nearest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    """n, median, p10, p90 and p99, rounded for the report."""
    return {
        "n": len(values),
        "median": round(percentile(values, 50), digits),
        "p10": round(percentile(values, 10), digits),
        "p90": round(percentile(values, 90), digits),
        "p99": round(percentile(values, 99), digits),
    }


def paired_ratio(ours: Sequence[float], baseline: Sequence[float]) -> dict[str, Any]:
    """Ratios taken round by round (ours[i] / baseline[i]: measured side by side), summarized.

    Pairing by round cancels noise that hits both kinds in the same round (a busy neighbour).
    """
    ratios = [a / b for a, b in zip(ours, baseline, strict=True) if b > 0]
    return summarize(ratios)


def mode(values: Sequence[int]) -> int:
    """The most frequent value (the smallest among ties)."""
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return min(counts, key=lambda value: (-counts[value], value))
