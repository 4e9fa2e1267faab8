"""The local stack's rate limits (issue 12 §1): `make run` turns off every route's limit the
developer did not set; LOCAL_RATE_LIMITS=rocketchat keeps the template's defaults (Rocket.Chat's);
the banner says which apply. A deployment is not concerned: only the local stack does this."""

from __future__ import annotations

import pytest
from voip_admin.template import load_template
from voip_core.settings import Settings
from voip_local.functions import RATE_LIMITS_ROCKETCHAT, prepare_environment
from voip_local.seed import rate_limit_line

ROUTE_LIMITS = (
    "RATE_LIMIT_REQUESTS",
    "RATE_LIMIT_ROOM_CLOSE_REQUESTS",
    "RATE_LIMIT_VISITOR_REGISTER_REQUESTS",
    "RATE_LIMIT_VISITOR_GET_REQUESTS",
    "RATE_LIMIT_VISITOR_DELETE_REQUESTS",
    "RATE_LIMIT_ROOMS_LIST_REQUESTS",
)
DYNAMODB_URL = "http://127.0.0.1:8000"


def prepared(environ: dict[str, str], **options: str) -> dict[str, str]:
    return prepare_environment(load_template(), DYNAMODB_URL, environ, **options)


def test_make_run_turns_every_route_limit_off() -> None:
    env = prepared({})
    assert [env[name] for name in ROUTE_LIMITS] == ["0"] * 6
    # The rest of the rate-limit settings stay the template's.
    assert (env["RATE_LIMIT_WINDOW_SECONDS"], env["RATE_LIMIT_EXEMPT_ROLES"]) == (
        "60",
        "admin,bot,app",
    )
    assert rate_limit_line(Settings.from_env(env)) == (
        "off on every route (the local default); Rocket.Chat's limits:"
        " LOCAL_RATE_LIMITS=rocketchat make run"
    )


def test_a_limit_the_developer_sets_is_kept() -> None:
    env = prepared({"RATE_LIMIT_REQUESTS": "5", "RATE_LIMIT_WINDOW_SECONDS": "30"})
    assert [env[name] for name in ROUTE_LIMITS] == ["5", "0", "0", "0", "0", "0"]
    assert rate_limit_line(Settings.from_env(env)) == (
        "per 30 s per client IP (here every request comes from 127.0.0.1): GET voip/room 5,"
        " POST voip/room.close off, POST livechat/visitor off, GET livechat/visitor off,"
        " DELETE livechat/visitor off, GET voip/rooms off"
    )


@pytest.mark.parametrize("set_by_developer", [{}, {"RATE_LIMIT_ROOM_CLOSE_REQUESTS": "0"}])
def test_rocketchat_keeps_the_template_defaults(set_by_developer: dict[str, str]) -> None:
    env = prepared(dict(set_by_developer), rate_limits=RATE_LIMITS_ROCKETCHAT)
    close = set_by_developer.get("RATE_LIMIT_ROOM_CLOSE_REQUESTS", "10")
    assert [env[name] for name in ROUTE_LIMITS] == ["5", close, "5", "10", "10", "10"]
    line = rate_limit_line(Settings.from_env(env))
    assert line.startswith("per 60 s per client IP (here every request comes from 127.0.0.1): ")
    assert line.endswith(
        f"GET voip/room 5, POST voip/room.close {'off' if close == '0' else close},"
        " POST livechat/visitor 5, GET livechat/visitor 10, DELETE livechat/visitor 10,"
        " GET voip/rooms 10"
    )
