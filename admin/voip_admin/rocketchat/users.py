"""users.json: the users whose roles meet the selection, with their login and personal access
tokens (docs/migrating-from-rocketchat.md, "Users and tokens")."""

from __future__ import annotations

import re
from typing import Any

from voip_core.domain.clock import iso_from_ms, ms_from_iso
from voip_core.domain.models import TokenRecord
from voip_core.store.tokens import PERSONAL_ACCESS_TOKEN, TokenStore
from voip_core.store.users import UserStore

from voip_admin.rocketchat.context import DAY_MS, Context
from voip_admin.rocketchat.units import (
    CONFLICT,
    DIFFERS,
    IGNORED,
    NEW,
    UNCHANGED,
    Candidate,
    Claims,
    Delete,
    Found,
    Put,
    Verdict,
    conflict,
    fixed,
    skipped,
)

# Accounts._hashLoginToken: base64 of a SHA-256 digest, 44 characters with its padding.
_HASH = re.compile(r"[A-Za-z0-9+/]{43}=")


def user_candidates(doc: dict[str, Any], file: str, at: str, context: Context) -> list[Candidate]:
    """The user's candidate, then one per token (judged after it: tokens follow their user)."""
    user_id = doc.get("_id")
    record_id = user_id if isinstance(user_id, str) else "?"
    reason = _user_skip(doc, context)
    if reason is not None:
        problem = reason == "malformed"
        return [fixed("users", file, at, record_id, skipped(reason, problem))]
    user = Candidate("users", file, at, record_id, [], lambda f, c: Verdict(IGNORED))
    user.reads, user.judge = _user_judge(doc, context)
    tokens = ((doc.get("services") or {}).get("resume") or {}).get("loginTokens") or []
    if not isinstance(tokens, list):
        tokens = [None]
    return [user, *(_token_candidate(user, doc, token, file, at, context) for token in tokens)]


def _user_skip(doc: dict[str, Any], context: Context) -> str | None:
    roles = doc.get("roles")
    user_id, username, name = doc.get("_id"), doc.get("username"), doc.get("name")
    well_formed = (
        isinstance(user_id, str)
        and bool(user_id)
        and ":" not in user_id
        and (roles is None or (isinstance(roles, list) and all(isinstance(r, str) for r in roles)))
        and (not username or isinstance(username, str))
        and (name is None or isinstance(name, str))
    )
    if not well_formed:
        return "malformed"
    reasons = (
        ("no-voip-role", not context.user_roles.intersection(roles or ())),
        ("app-user", doc.get("type") == "app"),
        ("no-username", not username),
    )
    return next((reason for reason, applies in reasons if applies), None)


def _user_judge(doc: dict[str, Any], context: Context) -> tuple[list[Any], Any]:
    table = context.tables.users
    user_id, username = doc["_id"], doc["username"]
    active = doc.get("active") if isinstance(doc.get("active"), bool) else None
    created = doc.get("createdAt") if isinstance(doc.get("createdAt"), str) else None
    item = UserStore.item(user_id, username, doc.get("name"), doc["roles"], active, created)
    guard = UserStore.guard_item(username, user_id)
    guard_key = {"_id": guard["_id"]}
    puts = [Put(table, UserStore.key(user_id), item), Put(table, guard_key, guard)]

    def judge(found: Found, claims: Claims) -> Verdict:
        held = found.get(table, guard_key)
        if (held is not None and held["userId"]["S"] != user_id) or not claims.take(
            "username", username, user_id
        ):
            return conflict("username-taken")
        existing = found.get(table, UserStore.key(user_id))
        if existing is None:
            return Verdict(NEW, first=puts)
        if existing == item:
            return Verdict(UNCHANGED) if held is not None else Verdict(NEW, first=puts[1:])
        return conflict(DIFFERS, True, transaction=_rename(table, existing, item, guard))

    return [(table, UserStore.key(user_id)), (table, guard_key)], judge


def _rename(
    table: str, existing: dict[str, Any], item: dict[str, Any], guard: dict[str, Any]
) -> list[Any]:
    """The user replaced; a new username's guard claimed and the old one's released, together."""
    user_id = item["_id"]["S"]
    mine = {
        "ConditionExpression": "attribute_not_exists(#id) OR userId = :user",
        "ExpressionAttributeNames": {"#id": "_id"},
        "ExpressionAttributeValues": {":user": {"S": user_id}},
    }
    actions: list[Any] = [
        {"Put": {"TableName": table, "Item": item}},
        {"Put": {"TableName": table, "Item": guard, **mine}},
    ]
    old = existing.get("username", {}).get("S")
    if old and old != item["username"]["S"]:
        old_key = {"_id": UserStore.guard_item(old, user_id)["_id"]}
        actions.append({"Delete": {"TableName": table, "Key": old_key, **mine}})
    return actions


def _token_candidate(
    user: Candidate, doc: dict[str, Any], token: Any, file: str, at: str, context: Context
) -> Candidate:
    user_id = doc["_id"]
    record = _token_record(user_id, token, context)
    label = _token_label(token)
    record_id = f"{user_id} {label}"
    candidate = Candidate("tokens", file, at, record_id, [], lambda f, c: Verdict(IGNORED))
    if isinstance(record, str):
        reason = record
    elif doc.get("active") is False:
        reason = "user-inactive"
    elif record.expires_at is not None and record.expires_at * 1000 <= context.now_ms:
        reason = "expired"
    else:
        reads, judge = _token_judge(record, context.tables.tokens)
        candidate.reads = reads
        candidate.judge = lambda found, claims: (
            judge(found, claims) if _imports(user) else Verdict(IGNORED)
        )
        return candidate
    verdict = skipped(reason, reason == "malformed")
    candidate.judge = lambda found, claims: verdict if _imports(user) else Verdict(IGNORED)
    return candidate


def _imports(user: Candidate) -> bool:
    verdict = user.verdict
    return verdict is not None and (
        verdict.status in (NEW, UNCHANGED) or (verdict.status == CONFLICT and verdict.replaceable)
    )


def _token_label(token: Any) -> str:
    if isinstance(token, dict) and isinstance(token.get("name"), str):
        return f"token {token['name']}"
    if isinstance(token, dict) and isinstance(token.get("when"), str):
        return f"token {token['when']}"
    return "token"


def _token_record(user_id: str, token: Any, context: Context) -> TokenRecord | str:
    """The token as the service stores it, or why it is skipped."""
    if not isinstance(token, dict) or not _HASH.fullmatch(str(token.get("hashedToken"))):
        return "malformed"
    hashed = token["hashedToken"]
    if token.get("type") == PERSONAL_ACCESS_TOKEN:
        name, created = token.get("name"), token.get("createdAt")
        last = token.get("lastTokenPart")
        if not (isinstance(name, str) and name and isinstance(created, str)):
            return "malformed"
        last = last if isinstance(last, str) else None
        return TokenRecord(hashed, user_id, created, None, PERSONAL_ACCESS_TOKEN, name, last)
    when = token.get("when")
    if "type" in token or not isinstance(when, (str, int)) or isinstance(when, bool):
        return "malformed"
    try:
        when_ms = when if isinstance(when, int) else ms_from_iso(when)
    except ValueError:
        return "malformed"
    expires = int((when_ms + context.login_days * DAY_MS) // 1000)
    return TokenRecord(hashed, user_id, iso_from_ms(when_ms), expires_at=expires)


def _token_judge(record: TokenRecord, table: str) -> tuple[list[Any], Any]:
    item = TokenStore.item(record)
    marker = TokenStore.import_marker_item(record)
    key = TokenStore.key(record.hashed_token)
    marker_key = {"hashedToken": marker["hashedToken"]}
    first = [Put(table, key, item)]
    reads = [(table, key), (table, marker_key)]
    guard_key = None
    if record.kind == PERSONAL_ACCESS_TOKEN:
        guard = TokenStore.name_guard_item(record)
        guard_key = {"hashedToken": guard["hashedToken"]}
        first.append(Put(table, guard_key, guard))
        reads.append((table, guard_key))
    then = [Put(table, marker_key, marker)]

    def judge(found: Found, claims: Claims) -> Verdict:
        existing = found.get(table, key)
        if not claims.take("token", record.hashed_token, record.user_id) or (
            existing is not None and existing.get("userId", {}).get("S") != record.user_id
        ):
            return conflict("token-taken")
        name_guard = found.get(table, guard_key) if guard_key else None
        if name_guard is not None and name_guard["tokenHash"]["S"] != record.hashed_token:
            return conflict("token-name-taken")
        if existing is None:
            if found.get(table, marker_key) is not None:
                return skipped("revoked-in-target")
            return Verdict(NEW, first=first, then=then)
        complete = found.get(table, marker_key) == marker and (
            guard_key is None or name_guard is not None
        )
        if existing == item:
            return Verdict(UNCHANGED) if complete else Verdict(NEW, first=first, then=then)
        deletes = _old_name(table, existing, record.name)
        return conflict(DIFFERS, True, first=first, then=then, deletes=deletes)

    return reads, judge


def _old_name(table: str, existing: dict[str, Any], name: str | None) -> list[Delete]:
    """The name guard of the token as it was, when its name changes."""
    if "name" not in existing or existing["name"]["S"] == name:
        return []
    old = TokenRecord(
        existing["hashedToken"]["S"], existing["userId"]["S"], "", name=existing["name"]["S"]
    )
    return [Delete(table, {"hashedToken": TokenStore.name_guard_item(old)["hashedToken"]})]
