"""Permissions (docs/contract/voip-room.md §4): which roles hold a permission is the deployment's
configuration."""

from __future__ import annotations

from collections.abc import Set

from voip_core.domain.models import User
from voip_core.errors import Forbidden

INBOUND_VOIP_CALLS = "inbound-voip-calls"


def require_role(user: User, allowed_roles: Set[str]) -> None:
    """403 unless the user holds one of the roles granted the route's permission."""
    if allowed_roles.isdisjoint(user.roles):
        raise Forbidden()
