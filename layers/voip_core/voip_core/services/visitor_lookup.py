"""What a registration reads first, in one round trip (docs/contract/call-lifecycle.md §2, §5): the
visitor with its token; the visitors with its phone and with its email, from the indexes (oldest
first, eventually consistent); and the guards of that phone and email (read consistently), whose
holders join the candidates so that a visitor written a moment ago is found too
(store/visitor_guards.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from voip_core.domain.visitors import Registration
from voip_core.store.visitor_guards import EMAIL, PHONE, Guard, GuardStore, guard_key
from voip_core.store.visitors import VisitorRecord, VisitorStore

IndexQuery = Callable[[str], list[tuple[str, str]]]


@dataclass(frozen=True)
class Lookup:
    """`phone_tokens`, `email_tokens`: the candidates' tokens, oldest first. `wanted`: the guards
    of the registration's phone and email, by kind; `guards`: those of them that exist."""

    by_token: VisitorRecord | None
    phone_tokens: tuple[str, ...] = ()
    email_tokens: tuple[str, ...] = ()
    wanted: dict[str, str | None] = field(default_factory=dict)
    guards: dict[str, Guard] = field(default_factory=dict)

    @property
    def free(self) -> set[str]:
        """The wanted guards nobody held when read: a visitor that gets the value may claim it."""
        return {key for key in self.wanted.values() if key and key not in self.guards}


def candidates(indexed: Iterable[tuple[str, str]], holder: Guard | None) -> tuple[str, ...]:
    """Tokens by age (`ts`, then token), each once: the index's, and the guard's holder."""
    found = set(indexed)
    if holder is not None:
        found.add((holder.ts, holder.token))
    return tuple(dict.fromkeys(token for _, token in sorted(found)))


def wanted_guards(registration: Registration) -> dict[str, str | None]:
    return {
        PHONE: guard_key(PHONE, registration.phone),
        EMAIL: guard_key(EMAIL, registration.email),
    }


def look_up(visitors: VisitorStore, guards: GuardStore, registration: Registration) -> Lookup:
    """The token read, the index queries and the guard read, in parallel."""
    if not registration.phone and not registration.email:
        return Lookup(visitors.get_record(registration.token))
    wanted = wanted_guards(registration)
    with ThreadPoolExecutor(max_workers=3) as pool:
        phones = pool.submit(_query, visitors.tokens_by_phone, registration.phone)
        emails = pool.submit(_query, visitors.tokens_by_email, registration.email)
        held = pool.submit(guards.read, wanted.values())
        by_token = visitors.get_record(registration.token)
        found = held.result()
        return Lookup(
            by_token,
            candidates(phones.result(), found.get(wanted[PHONE] or "")),
            candidates(emails.result(), found.get(wanted[EMAIL] or "")),
            wanted,
            found,
        )


def _query(query: IndexQuery, value: str | None) -> list[tuple[str, str]]:
    return query(value) if value else []
