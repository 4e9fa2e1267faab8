"""What the importer decides for each record: the items it wants, the keys it reads to decide, and
the verdict once they are read (docs/migrating-from-rocketchat.md, "What the summary says").

A mapper (users.py, visitors.py, rooms.py) turns a record into `Candidate`s; the plan and the write
phase read every candidate's keys of a batch together and ask each for its `Verdict` on what was
found. The same verdicts drive both phases, so the plan says what the write phase will do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Item = dict[str, Any]

NEW = "new"
UNCHANGED = "unchanged"
CONFLICT = "conflict"
SKIPPED = "skipped"
IGNORED = "ignored"  # not counted: a token of a user that is not imported

# A conflict --overwrite replaces is listed with this reason in the plan, and as OVERWRITTEN once
# replaced.
DIFFERS = "differs-from-target"
OVERWRITTEN = "overwritten"


@dataclass(frozen=True)
class Put:
    table: str
    key: Item
    item: Item


@dataclass(frozen=True)
class Delete:
    table: str
    key: Item


Ref = tuple[str, tuple[tuple[str, str, Any], ...]]


def ref(table: str, key: Item) -> Ref:
    """A key as a dictionary key of its own: (table, ((attribute, type, value), ...))."""
    parts = ((name, kind, value) for name, attr in key.items() for kind, value in attr.items())
    return table, tuple(sorted(parts))


@dataclass
class Verdict:
    """`first` is written before `then` (a marker after its token, a room after its index entry:
    a run interrupted between the two leaves what the next run completes). `transaction` and
    `write` are conditional writes made alone (an open room, a rename, a visitor overwritten)."""

    status: str
    reason: str | None = None
    replaceable: bool = False
    first: list[Put] = field(default_factory=list)
    then: list[Put] = field(default_factory=list)
    deletes: list[Delete] = field(default_factory=list)
    transaction: list[Item] = field(default_factory=list)
    write: Callable[[], None] | None = None
    problem: str | None = None  # listed in the summary's problems though not a conflict
    linked_open: bool = False  # rooms: an open room linked to its visitor
    closed_on_import: bool = False
    opens_room: str | None = None  # visitors: the open room written with the visitor

    @property
    def writes(self) -> bool:
        return bool(self.first or self.then or self.deletes or self.transaction or self.write)


def skipped(reason: str, problem: bool = False) -> Verdict:
    return Verdict(SKIPPED, reason, problem=reason if problem else None)


def conflict(reason: str, replaceable: bool = False, **writes: Any) -> Verdict:
    return Verdict(CONFLICT, reason, replaceable=replaceable, **writes)


class Found:
    """The items a batch read, by table and key."""

    def __init__(self) -> None:
        self.items: dict[Ref, Item] = {}

    def add(self, table: str, key: Item, item: Item) -> None:
        self.items[ref(table, key)] = item

    def get(self, table: str, key: Item) -> Item | None:
        return self.items.get(ref(table, key))


class Claims:
    """What earlier records of the same batch took (a username, a token hash, a visitor token, a
    phone's guard): a later record of the export that wants it too is a duplicate, first wins."""

    def __init__(self) -> None:
        self.owners: dict[tuple[str, str], str] = {}

    def take(self, kind: str, value: str, owner: str) -> bool:
        """Whether `owner` holds `value` now (it was free, or already its own)."""
        return self.owners.setdefault((kind, value), owner) == owner

    def held_by_other(self, kind: str, value: str, owner: str) -> bool:
        current = self.owners.get((kind, value))
        return current is not None and current != owner


@dataclass
class Candidate:
    """One record (or one token of a user record) to decide on."""

    kind: str  # users, tokens, visitors, rooms
    file: str
    at: str
    id: str
    reads: list[tuple[str, Item]]
    judge: Callable[[Found, Claims], Verdict]
    verdict: Verdict | None = None

    def decide(self, found: Found, claims: Claims) -> Verdict:
        self.verdict = self.judge(found, claims)
        return self.verdict


def fixed(kind: str, file: str, at: str, record_id: str, verdict: Verdict) -> Candidate:
    """A candidate decided without reading anything (a skip)."""
    return Candidate(kind, file, at, record_id, [], lambda _found, _claims: verdict)
