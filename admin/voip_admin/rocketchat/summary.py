"""The summary the command prints (docs/migrating-from-rocketchat.md, "What the summary says"):
keys in a fixed order, and no token, hash or visitor token anywhere: records are named by `_id`
(tokens by their user's `_id` and their name or `when`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from voip_admin.rocketchat.units import (
    CONFLICT,
    DIFFERS,
    NEW,
    OVERWRITTEN,
    SKIPPED,
    UNCHANGED,
    Candidate,
    Verdict,
)

KINDS = ("users", "tokens", "visitors", "rooms")
MAX_PROBLEMS = 20


@dataclass
class Tally:
    imported: int = 0
    unchanged: int = 0
    conflicts: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
            "skipped": dict(sorted(self.skipped.items())),
        }


@dataclass
class GuestCounter:
    before: int | None = None
    after: int | None = None

    def json(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "next": f"guest-{(self.after or 0) + 2}",
        }


@dataclass
class Summary:
    dry_run: bool
    login_days: int | float
    user_roles: list[str]
    tallies: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    open: int = 0
    closed_on_import: int = 0
    counter: GuestCounter = field(default_factory=GuestCounter)
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def conflicts(self) -> int:
        return sum(tally.conflicts for tally in self.tallies.values())

    def problem(self, file: str, at: str, record_id: str, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"file": file, "at": at, "id": record_id, "reason": reason})

    def count(self, candidate: Candidate, verdict: Verdict, written: bool) -> None:
        """One decided record; `written`: the write phase wrote it (a replaced conflict too)."""
        tally = self.tallies.get(candidate.kind)
        if tally is None:
            return
        if verdict.status == NEW:
            tally.imported += 1
        elif verdict.status == UNCHANGED:
            tally.unchanged += 1
        elif verdict.status == SKIPPED:
            tally.skipped[str(verdict.reason)] += 1
        elif verdict.status == CONFLICT:
            tally.conflicts += 1
            reason = OVERWRITTEN if written and verdict.reason == DIFFERS else verdict.reason
            self.problem(candidate.file, candidate.at, candidate.id, str(reason))
        if verdict.problem is not None:
            self.problem(candidate.file, candidate.at, candidate.id, verdict.problem)
        if verdict.status in (NEW, UNCHANGED):
            self.open += verdict.linked_open
            self.closed_on_import += verdict.closed_on_import

    def json(self) -> dict[str, Any]:
        rooms = self.tallies["rooms"].json()
        rooms.update({"open": self.open, "closedOnImport": self.closed_on_import})
        return {
            "dryRun": self.dry_run,
            "loginExpirationDays": self.login_days,
            "userRoles": self.user_roles,
            "users": self.tallies["users"].json(),
            "tokens": self.tallies["tokens"].json(),
            "visitors": self.tallies["visitors"].json(),
            "rooms": rooms,
            "guestCounter": self.counter.json(),
            "problems": self.problems,
        }
