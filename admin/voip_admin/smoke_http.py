"""HTTP for `voip-admin smoke`, through the standard library only: one request, its status,
JSON body and latency."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status (None when none came), JSON body (None when not JSON), why it
    failed at the transport level, and how long it took."""

    status: int | None
    body: Any
    latency_ms: float
    failure: str | None = None


Transport = Callable[[str, str, dict[str, str], bytes | None], Reply]


def http_transport(timeout_seconds: float) -> Transport:
    """One request per call with urllib (HTTPS verified with the system's CAs)."""

    def send(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Reply:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as answer:  # noqa: S310
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            return Reply(None, None, _since(started), f"no answer: {reason}")
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return Reply(status, None, _since(started), "the answer is not JSON")
        return Reply(status, parsed, _since(started))

    return send


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
