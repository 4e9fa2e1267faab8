"""Provisioning users and their tokens (docs/architecture.md, "Interfaces that stay stable";
docs/contract/call-lifecycle.md §4).

A token is shown once, when issued; only base64(sha256(token)) is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from voip_core.domain.auth import hash_token
from voip_core.domain.clock import iso_from_ms
from voip_core.domain.ids import new_secret, random_id
from voip_core.domain.models import TokenRecord, User
from voip_core.store.tokens import PERSONAL_ACCESS_TOKEN, TokenStore
from voip_core.store.users import UserStore

LOGIN_TOKEN_TTL_SECONDS = 90 * 24 * 3600  # Rocket.Chat's default login expiry


class UnknownUser(Exception):
    pass


@dataclass(frozen=True)
class IssuedToken:
    user_id: str
    token: str  # the secret itself: printed once, never stored
    expires_at: str | None


class Accounts:
    def __init__(self, users: UserStore, tokens: TokenStore) -> None:
        self.users = users
        self.tokens = tokens

    def create_user(
        self,
        username: str,
        now_ms: int,
        name: str | None = None,
        roles: tuple[str, ...] = (),
        active: bool = True,
    ) -> IssuedToken:
        user = User(id=random_id(), username=username, name=name, roles=roles, active=active)
        self.users.create(user, iso_from_ms(now_ms))
        return self.issue_login_token(user.id, now_ms)

    def issue_login_token(
        self, user_id: str, now_ms: int, ttl_seconds: int = LOGIN_TOKEN_TTL_SECONDS
    ) -> IssuedToken:
        self._require_user(user_id)
        token = new_secret()
        expires_at = now_ms // 1000 + ttl_seconds
        self.tokens.put(
            TokenRecord(hash_token(token), user_id, iso_from_ms(now_ms), expires_at=expires_at)
        )
        return IssuedToken(user_id, token, iso_from_ms(expires_at * 1000))

    def issue_personal_access_token(self, user_id: str, name: str, now_ms: int) -> IssuedToken:
        """Never expires; raises DuplicateTokenName when the user already has one by that name."""
        self._require_user(user_id)
        token = new_secret()
        self.tokens.put(
            TokenRecord(
                hash_token(token),
                user_id,
                iso_from_ms(now_ms),
                kind=PERSONAL_ACCESS_TOKEN,
                name=name,
                last_token_part=token[-6:],
            )
        )
        return IssuedToken(user_id, token, None)

    def personal_access_tokens(self, user_id: str) -> list[TokenRecord]:
        self._require_user(user_id)
        return [t for t in self.tokens.list_for_user(user_id) if t.kind == PERSONAL_ACCESS_TOKEN]

    def revoke_personal_access_token(self, user_id: str, name: str) -> bool:
        self._require_user(user_id)
        record = self.tokens.personal_access_token(user_id, name)
        if record is None:
            return False
        self.tokens.delete(record)
        return True

    def deactivate(self, user_id: str) -> None:
        """Mark the user inactive and delete every login and integration token of theirs."""
        if not self.users.deactivate(user_id):
            raise UnknownUser(user_id)
        for record in self.tokens.list_for_user(user_id):
            self.tokens.delete(record)

    def _require_user(self, user_id: str) -> None:
        if not user_id or self.users.get(user_id) is None:
            raise UnknownUser(user_id)
