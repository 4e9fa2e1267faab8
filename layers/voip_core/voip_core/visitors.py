"""Visitor documents, as Rocket.Chat's livechat/visitor shapes a new one
(docs/contract/call-lifecycle.md §2)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from voip_core.ids import visitor_id
from voip_core.jsjson import js_trim
from voip_core.store.counters import CounterStore
from voip_core.timeutil import iso_from_ms

GUEST_COUNTER = "livechat-guest"


def guest_username(number: int) -> str:
    return f"guest-{number}"


def next_guest_username(counters: CounterStore) -> str:
    """`guest-<n>`: Rocket.Chat's guest count starts at 1 and is incremented before use, so a
    fresh install's first generated name is guest-2. The Counters item counts the names handed out
    (its first increment returns 1), so the name's number is one more."""
    return guest_username(counters.next_value(GUEST_COUNTER) + 1)


def merged_livechat_data(current: Any, fields: Iterable[tuple[str, str, bool]]) -> dict[str, Any]:
    """`livechatData` after custom fields `(key, value, overwrite)`: a key that exists is kept
    unless `overwrite`; new keys follow the fields' order."""
    data = dict(current) if isinstance(current, dict) else {}
    for key, value, overwrite in fields:
        if key in data and not overwrite:
            continue
        data[key] = value
    return data


def updated_visitor_document(
    doc: dict[str, Any], changes: dict[str, Any], now_ms: int
) -> dict[str, Any]:
    """An existing visitor with `changes` and a new `_updatedAt`: keys it has keep their place,
    keys it gains are appended in lexicographic order (docs/contract/call-lifecycle.md §2)."""
    changes = {**changes, "_updatedAt": iso_from_ms(now_ms)}
    updated = {key: changes.get(key, value) for key, value in doc.items()}
    for key in sorted(key for key in changes if key not in doc):
        updated[key] = changes[key]
    return updated


def new_visitor_document(  # noqa: PLR0913 - the visitor's optional fields, each by name
    token: str,
    username: str,
    now_ms: int,
    *,
    name: str | None = None,
    department: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    livechat_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Keys in Rocket.Chat's order: `_id, token, _updatedAt, [department], [livechatData], [name],
    [phone], status, ts, username, [visitorEmails]` (bracketed ones only when given)."""
    now = iso_from_ms(now_ms)
    doc: dict[str, Any] = {"_id": visitor_id(), "token": token, "_updatedAt": now}
    if department:
        doc["department"] = department
    if livechat_data:
        doc["livechatData"] = dict(livechat_data)
    if name:
        doc["name"] = name
    if phone:
        doc["phone"] = [{"phoneNumber": phone}]
    doc.update({"status": "online", "ts": now, "username": username})
    if email:
        doc["visitorEmails"] = [{"address": js_trim(email).lower()}]
    return doc
