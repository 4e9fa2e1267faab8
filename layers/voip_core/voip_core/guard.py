"""What stands in front of a route's own checks.

- `admit_caller`: authentication → rate limit, the first two checks of the authenticated routes
  (voip-room.md §1; call-lifecycle §1). The counter's increment runs beside the request's one batch
  read; a 401, or a caller with an exempt role, gives it back.
- `PublicGate`: the public visitor routes (call-lifecycle §5): rate limit first, every request
  counts, no role is exempt; with VISITOR_API_REQUIRES_AUTH, authentication and the permission of
  `voip/room` come before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from voip_core.auth import authenticate, hash_token, read_credentials
from voip_core.http import HttpRequest
from voip_core.models import User
from voip_core.permissions import require_role
from voip_core.services import Services
from voip_core.store.snapshot import Snapshot, SnapshotKeys

T = TypeVar("T")

# The public routes have no caller: nobody is exempt from their limit.
_NOBODY = User(id="", username=None)
_NO_EXEMPT_ROLES: frozenset[str] = frozenset()


def admit_caller(
    services: Services,
    request: HttpRequest,
    *,
    lookups: SnapshotKeys,
    route: str,
    limit: int,
    response_headers: dict[str, str],
) -> tuple[Snapshot, User]:
    """Authenticate the caller (401) and count the request against `route`'s limit (429): the
    caller's token and user are read in the same batch as `lookups`, the route's own keys. The
    X-RateLimit-* headers go into `response_headers`."""
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
    response_headers.update(hit.admit(user, services.settings.rate_limit_exempt_roles))
    return snapshot, user


def require_voip_caller(services: Services, request: HttpRequest) -> User:
    """`voip/room`'s authentication (401) and permission (403), with no rate limit of its own."""
    credentials = read_credentials(request.headers)
    keys = SnapshotKeys(hashed_token=hash_token(credentials.token), user_id=credentials.user_id)
    snapshot = services.snapshots.read(keys)
    user = authenticate(credentials, snapshot.token, snapshot.user, services.clock())
    require_role(user, services.settings.voip_room_roles)
    return user


class PublicGate:
    """The rate limit of a public route. Its increment starts at once; `then` runs the route's
    first step beside it and only then answers 429 if the window is full, so a refused request
    never gets another answer, and every request counts whatever its outcome."""

    def __init__(self, services: Services, request: HttpRequest, route: str, limit: int) -> None:
        if services.settings.visitor_api_requires_auth:
            require_voip_caller(services, request)
        self._hit = services.rate_limiter.start(route, request.source_ip, limit, services.clock())

    def then(self, step: Callable[[], T], response_headers: dict[str, str]) -> T:
        try:
            result = step()
        except BaseException:
            self._admit(response_headers)
            raise
        self._admit(response_headers)
        return result

    def _admit(self, response_headers: dict[str, str]) -> None:
        response_headers.update(self._hit.admit(_NOBODY, _NO_EXEMPT_ROLES))
