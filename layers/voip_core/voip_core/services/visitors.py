"""Registering, finding and erasing visitors (docs/contract/call-lifecycle.md §2, §3, §5).

Which visitor a registration is for: the one with its token; else the oldest whose phone is the one
sent (its token kept); else the oldest whose email is the one sent (its token replaced: the item
moves, its open room following); else a new one. Every write is conditional on what was read; a lost
race re-reads and tries again, so concurrent registrations of one token make one visitor, and the
guards of phone numbers and emails (store/visitor_guards.py) make concurrent registrations of one
phone, or one email, converge on one visitor too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from voip_core.domain.clock import Clock, iso_from_ms
from voip_core.domain.visitors import (
    Registration,
    merged_livechat_data,
    new_visitor_document,
    registration_changes,
    updated_visitor_document,
)
from voip_core.errors import UnknownVisitorToken, VisitorHasOpenRooms
from voip_core.services.visitor_lookup import Lookup, look_up, wanted_guards
from voip_core.store.counters import CounterStore
from voip_core.store.retry import VISITOR_WRITES, Attempt, Sleep, retry
from voip_core.store.transactions import WriteConflict
from voip_core.store.visitor_erasure import VisitorErasure
from voip_core.store.visitor_guards import EMAIL, PHONE, Guard, GuardStore
from voip_core.store.visitor_moves import VisitorMoves
from voip_core.store.visitors import VisitorExists, VisitorRecord, VisitorStore, index_email

# What a registration that lost a race reads again for: any lost write, or a token taken meanwhile.
_LOST_RACE = (WriteConflict, VisitorExists)


def _first_phone(doc: dict[str, Any]) -> str | None:
    phones = doc.get("phone") or []
    return phones[0].get("phoneNumber") if phones else None


def _first_email(doc: dict[str, Any]) -> str | None:
    emails = doc.get("visitorEmails") or []
    return index_email(emails[0].get("address") or "") if emails else None


def _same_but_updated_at(left: dict[str, Any], right: dict[str, Any]) -> bool:
    def without_time(doc: dict[str, Any]) -> list[tuple[str, Any]]:
        return [(key, value) for key, value in doc.items() if key != "_updatedAt"]

    return without_time(left) == without_time(right)


GUEST_COUNTER = "livechat-guest"


def next_guest_username(counters: CounterStore) -> str:
    """`guest-<n>`: Rocket.Chat's guest count starts at 1 and is incremented before use, so a
    fresh install's first generated name is guest-2. The Counters item counts the names handed out
    (its first increment returns 1), so the name's number is one more."""
    return f"guest-{counters.next_value(GUEST_COUNTER) + 1}"


class VisitorService:
    def __init__(  # noqa: PLR0913, PLR0917 - the service's parts, each by name
        self,
        visitors: VisitorStore,
        guards: GuardStore,
        moves: VisitorMoves,
        erasure: VisitorErasure,
        counters: CounterStore,
        clock: Clock,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.visitors = visitors
        self.guards = guards
        self.moves = moves
        self.erasure = erasure
        self.counters = counters
        self.clock = clock
        self.sleep = sleep

    # --- register -----------------------------------------------------------------------------

    def look_up(self, registration: Registration) -> Lookup:
        """The token read, the index queries and the guard read, in parallel."""
        return look_up(self.visitors, self.guards, registration)

    def register(self, registration: Registration) -> tuple[dict[str, Any], bool]:
        """The visitor document after this registration, and whether it was created (else an
        existing visitor matched by token, phone or email)."""

        def attempt(this: Attempt) -> tuple[dict[str, Any], bool]:
            lookup = self.look_up(registration)
            return self._register(registration, lookup, lost_race=not this.first)

        return retry(attempt, VISITOR_WRITES, self.sleep, on=_LOST_RACE)

    def _register(
        self, registration: Registration, lookup: Lookup, lost_race: bool
    ) -> tuple[dict[str, Any], bool]:
        by_token = lookup.by_token
        if by_token is not None and by_token.erasing:
            # An erasure of this token was interrupted: it is finished first, then the token is
            # free for this registration.
            self.erasure.complete(by_token.visitor, self.erasure.deadline())
            by_token = None
        free = lookup.free
        if by_token is not None:
            return self._update(by_token, registration, registration.token, lost_race, free), False
        phone_guard = lookup.guards.get(lookup.wanted.get(PHONE) or "")
        record = self._oldest(lookup.phone_tokens, _first_phone, registration.phone, phone_guard)
        if record is not None:
            return self._update(record, registration, record.visitor.token, lost_race, free), False
        email_guard = lookup.guards.get(lookup.wanted.get(EMAIL) or "")
        record = self._oldest(lookup.email_tokens, _first_email, registration.email, email_guard)
        if record is not None:
            if record.visitor.token == registration.token:
                return self._update(
                    record, registration, registration.token, lost_race, free
                ), False
            return self._move(record, registration, free), False
        return self._create(registration, free), True

    def _oldest(
        self,
        tokens: tuple[str, ...],
        value_of: Callable[[dict[str, Any]], str | None],
        wanted: str | None,
        guard: Guard | None,
    ) -> VisitorRecord | None:
        """The first of `tokens` (oldest first) that still has `wanted`, read consistently: an
        index may lag behind the table. None only if nobody holds `wanted`'s guard: a holder
        always has the value, so one that did not has just changed (a move, a new phone):
        WriteConflict, and the registration reads again."""
        for token in tokens:
            record = self.visitors.get_record(token)
            if record is None or record.erasing:
                continue
            if value_of(record.visitor.doc) == wanted:
                return record
        if guard is not None:
            self.guards.drop_if_stale(guard)
            raise WriteConflict()
        return None

    def _update(
        self,
        record: VisitorRecord,
        registration: Registration,
        token: str,
        lost_race: bool,
        free: set[str],
    ) -> dict[str, Any]:
        current = record.visitor.doc
        changes = registration_changes(registration, token, current)
        doc = updated_visitor_document(current, changes, self.clock())
        if lost_race and _same_but_updated_at(doc, current):
            return current  # a concurrent request just wrote exactly this
        guards = self.guards.changes(doc, record.held, VisitorStore.guard_keys(doc), free)
        self.visitors.replace_doc(record, doc, guards)
        return doc

    def _move(
        self, record: VisitorRecord, registration: Registration, free: set[str]
    ) -> dict[str, Any]:
        current = record.visitor.doc
        changes = registration_changes(registration, registration.token, current)
        doc = updated_visitor_document(current, changes, self.clock())
        wanted = VisitorStore.guard_keys(doc)
        self.moves.move(record, doc, self.guards.changes(doc, record.held, wanted, free, True))
        return doc

    def create(self, registration: Registration) -> dict[str, Any]:
        """A new visitor only, as a registration creates one (`voip-admin create-visitor`);
        VisitorExists when the token is taken. No phone or email matching: the visitor claims the
        guards of its phone and email only if nobody holds them."""

        def attempt(_: Attempt) -> dict[str, Any]:
            # Again when a guard was claimed meanwhile: they are read again.
            wanted = wanted_guards(registration)
            held = self.guards.read(wanted.values())
            return self._create(registration, {k for k in wanted.values() if k and k not in held})

        return retry(attempt, VISITOR_WRITES, self.sleep)

    def _create(self, registration: Registration, free: set[str]) -> dict[str, Any]:
        username = registration.username or next_guest_username(self.counters)
        fields = ((f.key, f.value, f.overwrite) for f in registration.custom_fields)
        doc = new_visitor_document(
            registration.token,
            username,
            self.clock(),
            name=registration.name,
            department=registration.department,
            phone=registration.phone,
            email=registration.email,
            livechat_data=merged_livechat_data(None, fields),
        )
        guards = self.guards.changes(doc, {}, VisitorStore.guard_keys(doc), free)
        self.visitors.create(doc, guards)
        return doc

    # --- find, erase --------------------------------------------------------------------------

    def find(self, token: str) -> dict[str, Any]:
        visitor = self.visitors.get(token)
        if visitor is None:
            raise UnknownVisitorToken()
        return visitor.doc

    def erase(self, token: str) -> dict[str, Any]:
        """Delete the visitor's rooms and the visitor (its token is free again): `{_id, ts}`.
        Refused with an open room, having written nothing; an erasure interrupted earlier (a
        crash, a 503, more rooms than one request's time allows) is resumed and finished."""
        deadline = self.erasure.deadline()

        def attempt(this: Attempt) -> dict[str, Any]:
            # Again when the mark lost: a room opened, or the token moved.
            read = self.visitors.get_record(token)
            if read is None:
                raise UnknownVisitorToken()
            if not read.erasing:
                if read.open_room_id is not None:
                    raise VisitorHasOpenRooms()
                self.erasure.mark(read)
            self.erasure.complete(read.visitor, deadline)
            return {"_id": read.visitor.id, "ts": iso_from_ms(self.clock())}

        return retry(attempt, VISITOR_WRITES, self.sleep)
