"""`voip-admin import-rocketchat`: a plan that reads, then a write phase that reads each batch
again just before writing it (docs/migrating-from-rocketchat.md, "Re-runs and interruptions").

The plan (all of --dry-run) decides every record: new, unchanged, conflict or skipped. Without
--overwrite, any conflict stops the run before anything is written. The write phase then writes
only what is still new (or, with --overwrite, still in conflict), in the order records depend on
one another: users and tokens, visitors, rooms, the guest counter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from voip_core.store.retry import Sleep
from voip_core.store.transactions import WriteConflict, transact_write
from voip_core.wiring import Services

from voip_admin.rocketchat.context import Context
from voip_admin.rocketchat.datastore import Datastore
from voip_admin.rocketchat.export_settings import read_settings
from voip_admin.rocketchat.progress import Progress, quiet
from voip_admin.rocketchat.rooms import (
    OpenRoom,
    closed_room_candidate,
    newest_open,
    open_room_candidate,
    room_skip,
    skipped_room,
)
from voip_admin.rocketchat.sources import Record, Sources
from voip_admin.rocketchat.summary import Summary
from voip_admin.rocketchat.units import (
    CONFLICT,
    NEW,
    UNCHANGED,
    Candidate,
    Claims,
    conflict,
    fixed,
    skipped,
)
from voip_admin.rocketchat.users import user_candidates
from voip_admin.rocketchat.visitors import guest_number, visitor_candidate

BATCH_RECORDS = 100
GUEST_COUNTER = "livechat-guest"


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    overwrite: bool = False
    user_roles: tuple[str, ...] = ()
    visitors_with_rooms: bool = False
    login_expiration_days: int | None = None


class ImportRefused(Exception):
    """Conflicts without --overwrite: nothing was written (exit 2)."""


class Importer:
    def __init__(
        self,
        services: Services,
        sources: Sources,
        options: Options,
        now_ms: int,
        sleep: Sleep = time.sleep,
        progress: Progress = quiet,
    ) -> None:
        self.services = services
        self.sources = sources
        self.options = options
        self.datastore = Datastore(services.tokens.client, sleep)
        self.progress = progress
        self.export = read_settings(sources, services.settings.voip_room_roles)
        self.context = Context(
            tables=services.settings.tables,
            now_ms=now_ms,
            login_days=options.login_expiration_days or self.export.login_days,
            user_roles=frozenset(options.user_roles or self.export.user_roles),
            visitors=services.visitors,
            guards=services.visitor_service.guards,
            rooms=services.rooms,
        )

    def run(self) -> dict[str, Any]:
        plan = Phase(self, write=False)
        plan.run()
        if self.options.dry_run:
            return plan.summary.json()
        if plan.summary.conflicts and not self.options.overwrite:
            count = plan.summary.conflicts
            noun = "record differs" if count == 1 else "records differ"
            raise ImportRefused(f"{count} {noun} from the target; nothing written")
        writing = Phase(self, write=True, plan=plan)
        writing.run()
        return writing.summary.json()

    def summary(self) -> Summary:
        roles = list(self.options.user_roles) or sorted(self.context.user_roles)
        summary = Summary(self.options.dry_run, self.context.login_days, roles)
        for problem in self.export.problems:
            summary.problem(*problem)
        return summary


class Phase:
    """One pass over the export: the plan (`write` False) or the write phase."""

    def __init__(self, importer: Importer, write: bool, plan: Phase | None = None) -> None:
        self.importer = importer
        self.context = importer.context
        self.write = write
        self.summary = importer.summary()
        # Held in memory (docs/migrating-from-rocketchat.md, "Memory"): the open rooms, by visitor
        # token; with --visitors with-rooms the rooms' visitor ids; the plan's visitors of the
        # open rooms' tokens; the largest guest-<n>.
        self.open_rooms: dict[str, list[OpenRoom]] = plan.open_rooms if plan else {}
        self.room_visitors: set[str] = plan.room_visitors if plan else set()
        self.pending: dict[str, str] = {}
        # Open rooms this phase wrote with their visitor: new, though the rooms find them there.
        self.opened: set[str] = set()
        self.guest_max: int | None = plan.guest_max if plan else None

    def run(self) -> None:
        self._collection("users", self._users)
        if self.write:
            self._collection("visitors", self._visitors)
            self._collection("rooms", self._rooms)
        else:
            self._collection("rooms", self._rooms)
            self._collection("visitors", self._visitors)
        self._decide_all(self._open_rooms())
        self._guest_counter()

    # --- reading ------------------------------------------------------------------------------

    def _collection(self, name: str, mapper: Callable[[Record, str], list[Candidate]]) -> None:
        source = self.importer.sources.get(name)
        if source is None:
            return
        phase = "write" if self.write else "plan"
        candidates: list[Candidate] = []
        for record in self.importer.progress(source, phase):
            if record.unsupported is not None:
                record_id = str(record.doc.get("_id", "?"))
                verdict = skipped("unsupported-value", problem=True)
                candidates.append(fixed(name, source.name, record.at, record_id, verdict))
            else:
                candidates.extend(mapper(record, source.name))
            if len(candidates) >= BATCH_RECORDS:
                self._decide(candidates)
                candidates = []
        self._decide(candidates)

    def _users(self, record: Record, file: str) -> list[Candidate]:
        return user_candidates(record.doc, file, record.at, self.context)

    def _visitors(self, record: Record, file: str) -> list[Candidate]:
        doc = record.doc
        number = guest_number(doc)
        if not self.write and number is not None:
            self.guest_max = max(number, self.guest_max or 0)
        keep = (
            self.room_visitors.__contains__ if self.importer.options.visitors_with_rooms else _all
        )
        token = doc.get("token")
        rooms = self.open_rooms.get(token) if isinstance(token, str) else None
        open_room = newest_open(rooms)[0].doc if rooms else None
        candidate = visitor_candidate(doc, file, record.at, self.context, keep, open_room)
        token = doc.get("token")
        if (
            not self.write
            and candidate.reads
            and isinstance(token, str)
            and token in self.open_rooms
        ):
            self.pending[token] = doc["_id"]
        return [candidate]

    def _rooms(self, record: Record, file: str) -> list[Candidate]:
        doc = record.doc
        reason = room_skip(doc)
        if reason is not None:
            return [skipped_room(doc, file, record.at, reason)]
        if not self.write and self.importer.options.visitors_with_rooms:
            self.room_visitors.add(doc["v"]["_id"])
        if doc.get("open") is True:
            if not self.write:
                self.open_rooms.setdefault(doc["v"]["token"], []).append(OpenRoom(doc, record.at))
            return []
        return [closed_room_candidate(doc, file, record.at, self.context)]

    def _open_rooms(self) -> Iterator[Candidate]:
        source = self.importer.sources.get("rooms")
        file = source.name if source is not None else ""
        for token, rooms in self.open_rooms.items():
            newest, older = newest_open(rooms)
            for room in older:
                yield closed_room_candidate(room.doc, file, room.at, self.context, on_import=True)
            yield open_room_candidate(newest, file, self.context, self.pending.get(token))

    # --- deciding and writing -----------------------------------------------------------------

    def _decide_all(self, candidates: Iterable[Candidate]) -> None:
        batch: list[Candidate] = []
        for candidate in candidates:
            batch.append(candidate)
            if len(batch) >= BATCH_RECORDS:
                self._decide(batch)
                batch = []
        self._decide(batch)

    def _decide(self, candidates: list[Candidate]) -> None:
        if not candidates:
            return
        found = self.importer.datastore.read(read for c in candidates for read in c.reads)
        claims = Claims()
        for candidate in candidates:
            candidate.decide(found, claims)
        chosen = [c for c in candidates if self._writes(c)] if self.write else []
        written = self._put(chosen)
        for candidate in candidates:
            verdict = candidate.verdict
            assert verdict is not None
            if id(candidate) in written and verdict.opens_room is not None:
                self.opened.add(verdict.opens_room)
            if (
                candidate.kind == "rooms"
                and verdict.status == UNCHANGED
                and candidate.id in self.opened
            ):
                verdict.status = NEW
            self.summary.count(candidate, verdict, id(candidate) in written)

    def _writes(self, candidate: Candidate) -> bool:
        verdict = candidate.verdict
        assert verdict is not None
        if verdict.status == CONFLICT:
            return verdict.replaceable and self.importer.options.overwrite
        return verdict.status == NEW

    def _put(self, chosen: list[Candidate]) -> set[int]:
        """Write what `chosen` decided, in dependency order; the ids of those written (a
        conditional write that lost is a conflict now, left alone)."""
        verdicts = [c.verdict for c in chosen if c.verdict is not None]
        datastore = self.importer.datastore
        datastore.write(
            (put for v in verdicts for put in v.first), (d for v in verdicts for d in v.deletes)
        )
        datastore.write(put for v in verdicts for put in v.then)
        written: set[int] = set()
        for candidate in chosen:
            verdict = candidate.verdict
            assert verdict is not None
            try:
                if verdict.transaction:
                    transact_write(datastore.client, verdict.transaction)
                if verdict.write is not None:
                    verdict.write()
            except WriteConflict:
                candidate.verdict = conflict("changed-in-target")
                continue
            written.add(id(candidate))
        return written

    def _guest_counter(self) -> None:
        counters = self.importer.services.counters
        counter = self.summary.counter
        counter.before = counters.get(GUEST_COUNTER)
        wanted = [
            value
            for value in (self.importer.export.guest_count, self.guest_max)
            if value is not None
        ]
        target = max([value - 1 for value in wanted], default=None)
        counter.after = counter.before
        if target is None or (counter.before is not None and target <= counter.before):
            return
        counter.after = target
        if self.write and not counters.raise_to(GUEST_COUNTER, target):
            counter.after = counters.get(GUEST_COUNTER)


def _all(_: str) -> bool:
    return True
