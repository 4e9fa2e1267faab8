"""The order of checks (docs/contract/voip-room.md §1): authentication → rate limit → query →
permission → handler."""

from __future__ import annotations

import pytest

from tests.unit.calls import Api
from tests.unit.conftest import Actors

UNAUTHORIZED = '{"status":"error","message":"You must be logged in to do this."}'
FORBIDDEN = (
    '{"success":false,"error":"User does not have the permissions required for this action'
    ' [error-unauthorized]"}'
)
NO_QUERY = (
    '{"success":false,"error":"must have required property \'token\'\\n must have required'
    " property 'rid'\\n must match exactly one schema in oneOf [invalid-params]\","
    '"errorType":"invalid-params"}'
)
TOO_MANY = (
    '{"success":false,"error":"Error, too many requests. Please slow down. You must wait 60'
    ' seconds before trying this endpoint again. [error-too-many-requests]"}'
)


@pytest.mark.parametrize("credentials", [(None, None), ("AGENT", "wrong-token"), ("AGENT", "")])
def test_bad_params_and_no_login_is_401(
    api: Api, actors: Actors, credentials: tuple[str | None, str | None]
) -> None:
    agent_id, _ = actors.user("kim.jane")
    user_id = agent_id if credentials[0] == "AGENT" else credentials[0]
    assert api.call("", user_id, credentials[1])[::2] == (401, UNAUTHORIZED)


def test_bad_params_without_permission_is_400_not_403(api: Api, actors: Actors) -> None:
    caller = actors.user("plain.user", roles=("user",))
    assert api.call("", *caller)[::2] == (400, NO_QUERY)


def test_rate_limited_with_bad_params_is_429(api: Api, actors: Actors) -> None:
    caller = actors.user("kim.jane")
    for _ in range(5):
        assert api.call("", *caller)[0] == 400
    assert api.call("", *caller)[::2] == (429, TOO_MANY)


def test_rate_limited_without_permission_is_429(api: Api, actors: Actors) -> None:
    caller = actors.user("plain.user", roles=("user",))
    for _ in range(5):
        assert api.call({"token": "t", "agentId": "a"}, *caller)[::2] == (403, FORBIDDEN)
    assert api.call({"token": "t", "agentId": "a"}, *caller)[::2] == (429, TOO_MANY)


def test_rate_limited_but_not_logged_in_is_401(api: Api, actors: Actors) -> None:
    caller = actors.user("kim.jane")
    for _ in range(5):
        api.call("", *caller)
    assert api.call("", caller[0], "wrong")[::2] == (401, UNAUTHORIZED)


def test_no_permission_comes_before_the_handler(api: Api, actors: Actors) -> None:
    caller = actors.user("plain.user", roles=("user",))
    assert api.call({"token": "nobody", "rid": "x"}, *caller)[::2] == (403, FORBIDDEN)


def test_bad_params_come_before_the_handler(api: Api, actors: Actors) -> None:
    """A query that is invalid for ajv never reaches the visitor lookup (no invalid-token)."""
    caller = actors.user("kim.jane")
    status, _, body = api.call("token=nobody", *caller)
    assert status == 400
    assert '"errorType":"invalid-params"' in body
