"""Identifiers and secrets, all from the operating system's randomness (`secrets`), never a
seeded PRNG, so a snapshot-restored (SnapStart) environment cannot repeat them."""

from __future__ import annotations

import secrets

# Meteor's Random.id() alphabet: no characters that are easy to confuse.
UNMISTAKABLE_CHARS = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"


def random_id(length: int = 17) -> str:
    """A Meteor-style id: rooms and users."""
    return "".join(secrets.choice(UNMISTAKABLE_CHARS) for _ in range(length))


def visitor_id() -> str:
    """24 lower-case hex characters, as a Mongo ObjectId prints."""
    return secrets.token_hex(12)


def new_secret() -> str:
    """43 characters of [A-Za-z0-9_-], like Meteor's Random.secret() and Rocket.Chat's tokens."""
    return secrets.token_urlsafe(32)
