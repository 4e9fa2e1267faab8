"""Secret hygiene for every test: no auth token, token hash or X-Auth-Token value in a log line.

`SecretWatch` registers secrets as the code produces or handles them (it wraps
`voip_core.domain.auth.hash_token`, `voip_core.domain.auth.read_credentials` and
`voip_core.domain.ids.new_secret` wherever they were imported), captures every log record emitted
while it is installed (formatted as the service's Powertools logger writes it, plus its raw
fields), and lists each record that contains a secret in any spelling a log line could give it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pytest
from voip_core.domain import auth, ids
from voip_core.observability import logger as service_logger

# Shorter values (a test's "x" or "bad") would match innocent text; real tokens are 43 characters.
MIN_SECRET_LENGTH = 8
WATCHED_MODULE_PREFIXES = ("voip_core", "voip_admin", "voip_local", "voip_room_app", "tests")
WRAPS = "_secret_watch_wraps"

F = TypeVar("F", bound=Callable[..., Any])


def _marked(wrapper: F, original: Callable[..., Any]) -> F:
    setattr(wrapper, WRAPS, original)
    return wrapper


def spellings(secret: str) -> set[str]:
    """The secret as text, and as a JSON string would carry it."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def hash_spellings(digest: bytes) -> set[str]:
    standard = base64.b64encode(digest).decode()
    return {
        standard,
        standard.rstrip("="),
        base64.urlsafe_b64encode(digest).decode().rstrip("="),
        digest.hex(),
    }


class _Capture(logging.Handler):
    def __init__(self, sink: Callable[[logging.LogRecord], None]) -> None:
        super().__init__(level=logging.NOTSET)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink(record)


class SecretWatch:
    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.lines: list[tuple[str, str]] = []  # (where, text)
        self._seen: set[int] = set()
        self._records: list[logging.LogRecord] = []
        self._capture = _Capture(self._keep)
        self._loggers = [logging.getLogger(), logging.getLogger(service_logger.service)]

    # --- registering ---------------------------------------------------------------------

    def register(self, secret: object) -> None:
        """A token (or anything hashed like one): the value and its stored hash are secrets."""
        if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
            return
        self.secrets |= spellings(secret)
        digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()
        self.secrets |= hash_spellings(digest)

    def register_hash(self, hashed: object) -> None:
        if isinstance(hashed, str) and len(hashed) >= MIN_SECRET_LENGTH:
            self.secrets |= spellings(hashed) | {hashed.rstrip("=")}

    def _hash_token(self, original: Callable[[str], str]) -> Callable[[str], str]:
        def hash_token(token: str) -> str:
            hashed = original(token)
            self.register(token)
            self.register_hash(hashed)
            return hashed

        return _marked(hash_token, original)

    def _new_secret(self, original: Callable[[], str]) -> Callable[[], str]:
        def new_secret() -> str:
            secret = original()
            self.register(secret)
            return secret

        return _marked(new_secret, original)

    def _read_credentials(
        self, original: Callable[[Mapping[str, str]], Any]
    ) -> Callable[[Mapping[str, str]], Any]:
        def read_credentials(headers: Mapping[str, str]) -> Any:
            self.register(headers.get("x-auth-token"))
            return original(headers)

        return _marked(read_credentials, original)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        wrappers: dict[str, tuple[Any, Any]] = {
            "hash_token": (auth.hash_token, self._hash_token(auth.hash_token)),
            "new_secret": (ids.new_secret, self._new_secret(ids.new_secret)),
            "read_credentials": (
                auth.read_credentials,
                self._read_credentials(auth.read_credentials),
            ),
        }
        for name, module in list(sys.modules.items()):
            if module is None or not name.startswith(WATCHED_MODULE_PREFIXES):
                continue
            namespace = vars(module)
            for attribute, (original, wrapper) in wrappers.items():
                # A module first imported during an earlier test holds that test's wrapper.
                current = namespace.get(attribute)
                if current is original or getattr(current, WRAPS, None) is original:
                    monkeypatch.setattr(module, attribute, wrapper)
        for logger in self._loggers:
            logger.addHandler(self._capture)

    def uninstall(self) -> None:
        for logger in self._loggers:
            logger.removeHandler(self._capture)

    # --- capturing and checking ----------------------------------------------------------

    def _keep(self, record: logging.LogRecord) -> None:
        # A record that propagates reaches both loggers' handlers: keep it once. Kept records stay
        # referenced, so no later record can reuse an id.
        if id(record) in self._seen:
            return
        self._seen.add(id(record))
        self._records.append(record)
        where = f"{record.name} {record.levelname} {record.pathname}:{record.lineno}"
        try:
            formatted = service_logger.registered_formatter.format(record)
        except Exception:  # a record the Powertools formatter cannot take: keep the raw parts
            formatted = ""
        raw = f"{record.getMessage()} {record.__dict__!r}"
        self.lines.append((where, f"{formatted}\n{raw}"))

    def leaks(self) -> list[str]:
        """Where each leaking record came from (never the secret itself)."""
        found = []
        for where, text in self.lines:
            if any(secret in text for secret in self.secrets):
                found.append(where)
        return found
