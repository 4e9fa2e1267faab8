"""Visitor documents, as Rocket.Chat's livechat/visitor shapes a new one (call-lifecycle §2)."""

from __future__ import annotations

from typing import Any

from voip_core.ids import visitor_id
from voip_core.timeutil import iso_from_ms

GUEST_COUNTER = "livechat-guest"


def guest_username(number: int) -> str:
    return f"guest-{number}"


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
        doc["visitorEmails"] = [{"address": email.strip().lower()}]
    return doc
