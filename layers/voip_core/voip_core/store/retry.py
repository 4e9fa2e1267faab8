"""Trying again, the one way every part of the service does it: the first attempt at once, then a
pause before each further one; 503 when the last one fails too. Every pause the service takes is
here, beside why it is that long.

botocore already retries each call (store/dynamo.py). These retries are around what only the
service can redo: a batch DynamoDB left partly unprocessed, and a lost conditional write, which is
read again and decided again before it is written again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from voip_core.errors import ServiceUnavailable
from voip_core.store.transactions import WriteConflict

T = TypeVar("T")
Sleep = Callable[[float], None]
"""`time.sleep`, or a stand-in the tests inject."""

_JITTER = random.SystemRandom()


@dataclass(frozen=True)
class Attempt:
    number: int  # 0: the first
    last: bool  # no attempt follows this one

    @property
    def first(self) -> bool:
        return self.number == 0


@dataclass(frozen=True)
class Backoff:
    """The pauses (seconds) before the second, third... attempt: one attempt more than pauses.
    With `jitter`, each pause is stretched by a random factor from 0.5 to 1.5."""

    pauses: tuple[float, ...]
    jitter: bool = False

    def attempts(self, sleep: Sleep = time.sleep) -> Iterator[Attempt]:
        """One `Attempt` per attempt, pausing before each but the first."""
        yield Attempt(0, last=not self.pauses)
        for number, pause in enumerate(self.pauses, 1):
            sleep(pause * _JITTER.uniform(0.5, 1.5) if self.jitter else pause)
            yield Attempt(number, last=number == len(self.pauses))


# A batch's unprocessed keys or items (DynamoDB throttled part of it), and a transaction that
# overlapped another on the same item: a moment is enough.
BATCH = Backoff((0.02, 0.05, 0.1, 0.2))
# A room's create or close that lost: re-read, then again, five writes in all (the re-read after
# the fifth only decides: the winner's room, room-closed, or 503).
ROOM_WRITES = Backoff((0.01, 0.025, 0.05, 0.1, 0.2))
# A visitor's write that lost: every email match moves the visitor to its own token, so N
# concurrent ones take N turns, and requests that collided must not collide again in step.
VISITOR_WRITES = Backoff((0.01, 0.02, 0.04, 0.08, 0.15, 0.25, 0.4, 0.5, 0.5), jitter=True)


def retry(
    attempt: Callable[[Attempt], T],
    backoff: Backoff,
    sleep: Sleep = time.sleep,
    on: tuple[type[Exception], ...] = (WriteConflict,),
) -> T:
    """`attempt`'s result; an attempt that raises one of `on` is followed by the next, and the
    last one's by ServiceUnavailable (503)."""
    for current in backoff.attempts(sleep):
        try:
            return attempt(current)
        except on:
            continue
    raise ServiceUnavailable()
