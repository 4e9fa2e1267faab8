"""Visitors: what a registration asks for, and the documents as Rocket.Chat's livechat/visitor
shapes them (docs/contract/call-lifecycle.md §2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from voip_core.compat.jsjson import js_trim
from voip_core.domain.clock import iso_from_ms
from voip_core.domain.ids import visitor_id


@dataclass(frozen=True)
class CustomField:
    key: str
    value: str
    overwrite: bool


@dataclass(frozen=True)
class Registration:
    """A valid registration. Empty strings are "not given" (None); `email` is trimmed and
    lower-cased."""

    token: str
    name: str | None = None
    email: str | None = None
    department: str | None = None
    phone: str | None = None
    username: str | None = None
    custom_fields: tuple[CustomField, ...] = ()

    def __repr__(self) -> str:  # personal data and the token stay out of logs
        return "Registration(<hidden>)"


def merged_livechat_data(current: Any, fields: Iterable[tuple[str, str, bool]]) -> dict[str, Any]:
    """`livechatData` after custom fields `(key, value, overwrite)`: a key that exists is kept
    unless `overwrite`; new keys follow the fields' order."""
    data = dict(current) if isinstance(current, dict) else {}
    for key, value, overwrite in fields:
        if key in data and not overwrite:
            continue
        data[key] = value
    return data


def registration_changes(
    registration: Registration, token: str, doc: dict[str, Any]
) -> dict[str, Any]:
    """What every registration sets on the visitor it matched (besides `_updatedAt`)."""
    changes: dict[str, Any] = {"status": "online", "token": token}
    if registration.name:
        changes["name"] = registration.name
    if registration.phone:
        changes["phone"] = [{"phoneNumber": registration.phone}]
    if registration.email:
        changes["visitorEmails"] = [{"address": registration.email}]
    if registration.department:
        changes["department"] = registration.department
    if registration.custom_fields:
        changes["livechatData"] = merged_livechat_data(
            doc.get("livechatData"),
            ((f.key, f.value, f.overwrite) for f in registration.custom_fields),
        )
    return changes


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
