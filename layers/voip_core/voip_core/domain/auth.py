"""Authentication (docs/contract/voip-room.md §2): the `X-User-Id` / `X-Auth-Token` headers against
the Tokens table."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from voip_core.domain.models import TokenRecord, User
from voip_core.errors import Unauthorized


@dataclass(frozen=True)
class Credentials:
    user_id: str
    token: str

    def __repr__(self) -> str:  # never print the token, even by accident
        return f"Credentials(user_id={self.user_id!r}, token=<hidden>)"


def hash_token(token: str) -> str:
    """base64(sha256(token)), standard alphabet with padding: how Meteor stores login tokens."""
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
    return base64.b64encode(digest).decode("ascii")


def read_credentials(headers: Mapping[str, str]) -> Credentials:
    """Headers arrive with lower-cased names; either one missing or empty is a 401."""
    user_id = headers.get("x-user-id") or ""
    token = headers.get("x-auth-token") or ""
    if not user_id or not token:
        raise Unauthorized()
    return Credentials(user_id=user_id, token=token)


def authenticate(
    credentials: Credentials, token: TokenRecord | None, user: User | None, now_ms: int
) -> User:
    """The caller, if the token is known, is theirs, has not expired, and the user is active."""
    expected = hash_token(credentials.token)
    if token is None or not hmac.compare_digest(token.hashed_token, expected):
        raise Unauthorized()
    if token.user_id != credentials.user_id:
        raise Unauthorized()
    if token.expires_at is not None and token.expires_at * 1000 <= now_ms:
        raise Unauthorized()
    if user is None or user.id != credentials.user_id or not user.active:
        raise Unauthorized()
    return user
