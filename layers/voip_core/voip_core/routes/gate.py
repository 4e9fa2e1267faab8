"""What stands in front of a route's own checks, and what it lets through (`Admission`).

- `admit_caller`: authentication → rate limit, the first two checks of the authenticated routes
  (docs/contract/voip-room.md §1; docs/contract/call-lifecycle.md §1). The counter's increment runs
  beside the request's one batch read; a 401, or a caller with an exempt role, gives it back.
- `admit_visitor_request`: the visitor routes' (docs/contract/call-lifecycle.md §2): with
  VISITOR_API_REQUIRES_AUTH (the default), `voip/room`'s authentication and permission, then the
  rate limit; without it, the rate limit alone, every request counting and no role exempt.

A request over its limit is refused here, before its route parses its body or reads anything but
the counter (and, where authentication comes first, the token and user it needs anyway): a
refused request costs almost nothing.

Every route is an `Endpoint`: its gate, then its answer. The dispatcher (dispatch.py) puts the
admission's X-RateLimit-* headers on whatever the answer turns out to be, a refusal included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from voip_core.domain.auth import authenticate, hash_token, read_credentials
from voip_core.domain.models import User
from voip_core.domain.permissions import require_role
from voip_core.http import HttpRequest, HttpResponse
from voip_core.store.snapshot import Snapshot, SnapshotKeys
from voip_core.wiring import Services

# The public routes have no caller: nobody is exempt from their limit.
_NOBODY = User(id="", username=None)
_NO_EXEMPT_ROLES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Admission:
    """A request the gate let through: who asked, what was read for it, and the rate limit's
    X-RateLimit-* headers for its answer (none when its route has no limit, or for an exempt
    caller)."""

    user: User
    snapshot: Snapshot = field(default_factory=Snapshot)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    admit: Callable[[Services, HttpRequest], Admission]
    answer: Callable[[Services, HttpRequest, Admission], HttpResponse]


def admit_caller(
    services: Services, request: HttpRequest, *, lookups: SnapshotKeys, route: str, limit: int
) -> Admission:
    """Authenticate the caller (401) and count the request against `route`'s limit (429): the
    caller's token and user are read in the same batch as `lookups`, the route's own keys."""
    credentials = read_credentials(request.headers)
    keys = replace(lookups, hashed_token=hash_token(credentials.token), user_id=credentials.user_id)
    now_ms = services.clock()
    hit = services.rate_limiter.start(route, request.source_ip, limit, now_ms)
    try:
        snapshot = services.snapshots.read(keys)
        user = authenticate(credentials, snapshot.token, snapshot.user, now_ms)
    except BaseException:
        hit.give_back()
        raise
    headers = hit.admit(user, services.settings.rate_limit_exempt_roles)
    return Admission(user, snapshot, headers)


def require_voip_caller(services: Services, request: HttpRequest) -> User:
    """`voip/room`'s authentication (401) and permission (403), with no rate limit of its own."""
    credentials = read_credentials(request.headers)
    keys = SnapshotKeys(hashed_token=hash_token(credentials.token), user_id=credentials.user_id)
    snapshot = services.snapshots.read(keys)
    user = authenticate(credentials, snapshot.token, snapshot.user, services.clock())
    require_role(user, services.settings.voip_room_roles)
    return user


def admit_visitor_request(
    services: Services, request: HttpRequest, *, route: str, limit: int
) -> Admission:
    """The visitor routes' first checks: 401 and 403 as `voip/room` answers them when
    VISITOR_API_REQUIRES_AUTH is on (the count given back: they come before the rate limit), then
    429 — before the route reads its body. The counter's increment runs beside the credentials'
    batch read."""
    hit = services.rate_limiter.start(route, request.source_ip, limit, services.clock())
    user = _NOBODY
    if services.settings.visitor_api_requires_auth:
        try:
            user = require_voip_caller(services, request)
        except BaseException:
            hit.give_back()
            raise
    return Admission(user, headers=hit.admit(_NOBODY, _NO_EXEMPT_ROLES))
