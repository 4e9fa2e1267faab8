"""rocketchat_settings.json and rocketchat_permissions.json: the login expiry, Rocket.Chat's guest
count, and the roles that hold `inbound-voip-calls` (docs/migrating-from-rocketchat.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from voip_core.domain.models import AGENT_ROLE

from voip_admin.rocketchat.sources import Sources

DEFAULT_LOGIN_DAYS = 90  # Rocket.Chat's getLoginExpirationInDays, when the setting is unusable
PERMISSION = "inbound-voip-calls"
ROLE_PROBLEM = "role-not-in-VOIP_ROOM_ROLES"


@dataclass
class ExportSettings:
    login_days: int | float = DEFAULT_LOGIN_DAYS
    guest_count: int | None = None
    user_roles: set[str] = field(default_factory=set)
    problems: list[tuple[str, str, str, str]] = field(default_factory=list)


def _number(value: object) -> int | float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def read_settings(sources: Sources, voip_room_roles: frozenset[str]) -> ExportSettings:
    """The two small files, read once; the default user selection is VOIP_ROOM_ROLES, the agent
    role and the permission's roles (a role of the permission that VOIP_ROOM_ROLES lacks would
    get its users 403: a problem)."""
    found = ExportSettings(user_roles={*voip_room_roles, AGENT_ROLE})
    settings = sources.get("settings")
    for record in settings if settings is not None else ():
        value = _number(record.doc.get("value"))
        if value is None:
            continue
        if record.doc.get("_id") == "Accounts_LoginExpiration" and value > 0:
            found.login_days = value
        if record.doc.get("_id") == "Livechat_guest_count":
            found.guest_count = int(value)
    permissions = sources.get("permissions")
    for record in permissions if permissions is not None else ():
        roles = record.doc.get("roles")
        if record.doc.get("_id") != PERMISSION or not isinstance(roles, list):
            continue
        for role in (r for r in roles if isinstance(r, str)):
            found.user_roles.add(role)
            if role not in voip_room_roles:
                assert permissions is not None
                found.problems.append((permissions.name, record.at, role, ROLE_PROBLEM))
    return found
