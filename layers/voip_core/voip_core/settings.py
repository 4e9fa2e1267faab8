"""The function's settings, read once from the environment (set by template.yaml's parameters).

A plain frozen dataclass rather than pydantic-settings: it is on the cold-start path and the rules
are few (docs/decisions.md, "Where the cold start goes").
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """A setting has a value the service cannot run with."""


@dataclass(frozen=True)
class Table:
    """One DynamoDB table under each name it goes by: the one registry the function, the local
    stack and `voip-admin` read (template.yaml defines the table, sets its variable, outputs it)."""

    field: str  # its attribute in TableNames
    variable: str  # the function's environment variable that names it
    logical_id: str  # its resource in template.yaml, and its name when the variable is unset
    output: str  # the stack output that names it (`voip-admin --stack-name`)


TABLES = (
    Table("tokens", "TOKENS_TABLE", "TokensTable", "TokensTableName"),
    Table("users", "USERS_TABLE", "UsersTable", "UsersTableName"),
    Table("visitors", "VISITORS_TABLE", "VisitorsTable", "VisitorsTableName"),
    Table("rooms", "ROOMS_TABLE", "RoomsTable", "RoomsTableName"),
    Table("rate_limits", "RATE_LIMITS_TABLE", "RateLimitsTable", "RateLimitsTableName"),
    Table("counters", "COUNTERS_TABLE", "CountersTable", "CountersTableName"),
    Table("visitor_rooms", "VISITOR_ROOMS_TABLE", "VisitorRoomsTable", "VisitorRoomsTableName"),
    Table("visitor_guards", "VISITOR_GUARDS_TABLE", "VisitorGuardsTable", "VisitorGuardsTableName"),
)


@dataclass(frozen=True)
class TableNames:
    """Each table's name, by its field in TABLES."""

    tokens: str
    users: str
    visitors: str
    rooms: str
    rate_limits: str
    counters: str
    visitor_rooms: str
    visitor_guards: str

    @classmethod
    def by_logical_id(cls) -> TableNames:
        """Each table named after its logical id: the default, the local stack's names."""
        return cls(**{table.field: table.logical_id for table in TABLES})


@dataclass(frozen=True)
class RouteLimits:
    """Requests allowed per window, per route; 0 turns a route's limit off."""

    voip_room: int = 5
    room_close: int = 10
    visitor_register: int = 5
    visitor_get: int = 10
    visitor_delete: int = 10
    rooms_list: int = 10


# A request body larger than this is refused (413) before anything else is done with it. 64 KiB
# holds any real registration or close by far; at the most allowed, the largest answer an accepted
# body can produce (an invalid email quoted twice, each byte turned into a 3-byte U+FFFD) stays
# near 3 MB, under Lambda's 6 MB response limit (docs/configuration.md).
DEFAULT_MAX_REQUEST_BODY_BYTES = 65_536
MOST_REQUEST_BODY_BYTES = 524_288

# Who may list call history (docs/contract/call-history.md §3): the roles holding
# `view-livechat-rooms` (any listing) and `view-l-room` (one's own rooms), Rocket.Chat's defaults.
DEFAULT_ROOMS_LIST_ADMIN_ROLES = "livechat-manager,livechat-monitor,admin"
DEFAULT_ROOMS_LIST_AGENT_ROLES = "livechat-manager,livechat-monitor,livechat-agent,admin"


@dataclass(frozen=True)
class Settings:
    tables: TableNames = dataclasses.field(default_factory=TableNames.by_logical_id)
    voip_room_roles: frozenset[str] = frozenset({"livechat-agent"})
    limits: RouteLimits = RouteLimits()
    rate_limit_window_seconds: int = 60
    rate_limit_exempt_roles: frozenset[str] = frozenset({"admin", "bot", "app"})
    # Secure by default (docs/contract/call-lifecycle.md §2): Rocket.Chat's public visitor routes
    # hand a caller's visitor token and personal data to anyone who knows their phone number or
    # email.
    visitor_api_requires_auth: bool = True
    max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES
    rooms_list_admin_roles: frozenset[str] = frozenset(DEFAULT_ROOMS_LIST_ADMIN_ROLES.split(","))
    rooms_list_agent_roles: frozenset[str] = frozenset(DEFAULT_ROOMS_LIST_AGENT_ROLES.split(","))
    # A listing's page size (docs/contract/call-history.md §4), Rocket.Chat's settings of the same
    # names. Infinite counts (`count=0`) are off here: a listing of every match reads the whole
    # history (docs/compatibility.md).
    api_default_count: int = 50
    api_upper_count_limit: int = 100
    api_allow_infinite_count: bool = False
    log_level: str = "INFO"
    # Only for `sam local` (env.json): a DynamoDB reachable from the container. Empty on AWS.
    dynamodb_endpoint_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults_limits = RouteLimits()
        tables = TableNames(
            **{table.field: env.get(table.variable) or table.logical_id for table in TABLES}
        )
        limits = RouteLimits(
            **{
                field: _non_negative_int(env, variable, getattr(defaults_limits, field))
                for field, variable in _LIMIT_VARIABLES.items()
            }
        )
        window = _non_negative_int(env, "RATE_LIMIT_WINDOW_SECONDS", 60)
        if window == 0:
            raise SettingsError("RATE_LIMIT_WINDOW_SECONDS must be at least 1")
        body_limit = _non_negative_int(
            env, "MAX_REQUEST_BODY_BYTES", DEFAULT_MAX_REQUEST_BODY_BYTES
        )
        if not 1 <= body_limit <= MOST_REQUEST_BODY_BYTES:
            raise SettingsError(
                f"MAX_REQUEST_BODY_BYTES must be between 1 and {MOST_REQUEST_BODY_BYTES}"
            )
        default_count, upper_count = _page_sizes(env)
        return cls(
            tables=tables,
            voip_room_roles=_role_set(env, "VOIP_ROOM_ROLES", "livechat-agent"),
            limits=limits,
            rate_limit_window_seconds=window,
            rate_limit_exempt_roles=_role_set(env, "RATE_LIMIT_EXEMPT_ROLES", "admin,bot,app"),
            visitor_api_requires_auth=_boolean(env, "VISITOR_API_REQUIRES_AUTH", True),
            max_request_body_bytes=body_limit,
            rooms_list_admin_roles=_role_set(
                env, "ROOMS_LIST_ADMIN_ROLES", DEFAULT_ROOMS_LIST_ADMIN_ROLES
            ),
            rooms_list_agent_roles=_role_set(
                env, "ROOMS_LIST_AGENT_ROLES", DEFAULT_ROOMS_LIST_AGENT_ROLES
            ),
            api_default_count=default_count,
            api_upper_count_limit=upper_count,
            api_allow_infinite_count=_boolean(env, "API_ALLOW_INFINITE_COUNT", False),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None,
        )


_TABLE_VARIABLES = {
    "tokens": "TOKENS_TABLE",
    "users": "USERS_TABLE",
    "visitors": "VISITORS_TABLE",
    "rooms": "ROOMS_TABLE",
    "rate_limits": "RATE_LIMITS_TABLE",
    "counters": "COUNTERS_TABLE",
    "visitor_rooms": "VISITOR_ROOMS_TABLE",
    "visitor_guards": "VISITOR_GUARDS_TABLE",
}

_LIMIT_VARIABLES = {
    "voip_room": "RATE_LIMIT_REQUESTS",
    "room_close": "RATE_LIMIT_ROOM_CLOSE_REQUESTS",
    "visitor_register": "RATE_LIMIT_VISITOR_REGISTER_REQUESTS",
    "visitor_get": "RATE_LIMIT_VISITOR_GET_REQUESTS",
    "visitor_delete": "RATE_LIMIT_VISITOR_DELETE_REQUESTS",
    "rooms_list": "RATE_LIMIT_ROOMS_LIST_REQUESTS",
}


def _page_sizes(env: Mapping[str, str]) -> tuple[int, int]:
    """API_DEFAULT_COUNT and API_UPPER_COUNT_LIMIT: each at least 1 (Rocket.Chat quietly uses 50
    and 100 instead of a value <= 0), and the default no larger than the cap."""
    default_count = _non_negative_int(env, "API_DEFAULT_COUNT", 50)
    upper_count = _non_negative_int(env, "API_UPPER_COUNT_LIMIT", 100)
    sizes = {"API_DEFAULT_COUNT": default_count, "API_UPPER_COUNT_LIMIT": upper_count}
    for name, value in sizes.items():
        if value == 0:
            raise SettingsError(f"{name} must be at least 1")
    if default_count > upper_count:
        raise SettingsError(
            f"API_DEFAULT_COUNT ({default_count}) must not exceed"
            f" API_UPPER_COUNT_LIMIT ({upper_count})"
        )
    return default_count, upper_count


def _non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number >= 0, got {raw!r}")
    return int(raw)


def _role_set(env: Mapping[str, str], name: str, default: str) -> frozenset[str]:
    raw = env.get(name)
    if raw is None:
        raw = default
    return frozenset(role.strip() for role in raw.split(",") if role.strip())


def _boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")
