"""The rate limit (docs/contract/voip-room.md §7): fixed windows aligned on the epoch, counted per
(route, source IP).

The counter's increment goes out on its own thread while the request's batch read is in flight, so
it adds no round trip in series. Requests that fail authentication, and callers with an exempt role,
must not use up quota (Rocket.Chat never counts them): those paths give the increment back.
"""

from __future__ import annotations

import threading
from collections.abc import Set

from voip_core.domain.models import User
from voip_core.errors import TooManyRequests
from voip_core.observability import logger
from voip_core.store.rate_limits import RateLimitStore

# Counters outlive their window by this much before DynamoDB's TTL may delete them.
TTL_GRACE_SECONDS = 60


class PendingHit:
    """One request's increment of its window's counter, running in the background."""

    def __init__(
        self, store: RateLimitStore, key: str, limit: int, now_ms: int, window_ms: int
    ) -> None:
        self.store = store
        self.key = key
        self.limit = limit
        self.now_ms = now_ms
        self.reset_ms = now_ms - now_ms % window_ms + window_ms
        self.expires_at = self.reset_ms // 1000 + TTL_GRACE_SECONDS
        self._count: int | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="rate-limit", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._count = self.store.hit(self.key, self.expires_at)
        except BaseException as error:  # re-raised on the request's thread by count()
            self._error = error

    def count(self) -> int:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._count is not None
        return self._count

    def give_back(self) -> None:
        """Undo the increment (best effort: a failure only leaves the count one too high)."""
        self._thread.join()
        if self._error is not None:
            return
        try:
            self.store.hit(self.key, self.expires_at, amount=-1)
        except Exception:
            logger.warning("rate-limit give-back failed", extra={"rateLimitKey": self.key})

    def admit(self, user: User, exempt_roles: Set[str]) -> dict[str, str]:
        """The X-RateLimit-* headers for this request, or TooManyRequests; {} for exempt callers."""
        if not exempt_roles.isdisjoint(user.roles):
            self.give_back()
            return {}
        count = self.count()
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - count)),
            "X-RateLimit-Reset": str(self.reset_ms),
        }
        if count > self.limit:
            wait_seconds = max(1, -(-(self.reset_ms - self.now_ms) // 1000))
            raise TooManyRequests(wait_seconds, headers)
        return headers


class NoLimit:
    """Stands in for PendingHit when a route's limit is 0 (off)."""

    def give_back(self) -> None:
        return None

    def admit(self, user: User, exempt_roles: Set[str]) -> dict[str, str]:
        return {}


class RateLimiter:
    def __init__(self, store: RateLimitStore, window_seconds: int) -> None:
        self.store = store
        self.window_ms = window_seconds * 1000

    def start(self, route: str, source_ip: str, limit: int, now_ms: int) -> PendingHit | NoLimit:
        if limit <= 0:
            return NoLimit()
        window_start = now_ms - now_ms % self.window_ms
        key = f"{route}#{source_ip}#{window_start}"
        return PendingHit(self.store, key, limit, now_ms, self.window_ms)
