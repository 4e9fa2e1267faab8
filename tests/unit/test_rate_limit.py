"""The rate limit (docs/contract/voip-room.md §7): 5 per 60 s per source IP, aligned windows,
headers, exemptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.wiring import Services

from tests.unit.calls import Api
from tests.unit.conftest import START_MS, Actors, Configure, FakeClock

VISITOR = "visitor-rl-1"
WINDOW_END = START_MS + 60_000


def too_many(seconds: int) -> str:
    return (
        '{"success":false,"error":"Error, too many requests. Please slow down. You must wait '
        f'{seconds} seconds before trying this endpoint again. [error-too-many-requests]"}}'
    )


def rate_headers(headers: dict[str, str]) -> dict[str, str]:
    return {
        name: value for name, value in headers.items() if name.lower().startswith("x-ratelimit")
    }


def limit_headers(limit: int, remaining: int, reset_ms: int) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset_ms),
    }


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR)
    return actors.user("kim.jane")


def good(agent: tuple[str, str]) -> dict[str, str]:
    return {"token": VISITOR, "agentId": agent[0]}


def use_up(
    api: Api, agent: tuple[str, str], count: int = 5, source_ip: str = "203.0.113.10"
) -> None:
    for _ in range(count):
        status, _, body = api.call(good(agent), *agent, source_ip=source_ip)
        assert status == 200, body


def test_five_pass_and_the_sixth_is_refused(api: Api, agent: tuple[str, str]) -> None:
    for remaining in (4, 3, 2, 1, 0):
        status, headers, body = api.call(good(agent), *agent)
        assert status == 200, body
        assert rate_headers(headers) == limit_headers(5, remaining, WINDOW_END)
    status, headers, body = api.call(good(agent), *agent)
    assert (status, body) == (429, too_many(60))
    assert rate_headers(headers) == limit_headers(5, 0, WINDOW_END)
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("elapsed_ms", "wait"),
    [(1, 60), (999, 60), (1_000, 59), (30_500, 30), (59_000, 1), (59_001, 1), (59_999, 1)],
)
def test_wait_is_the_rest_of_the_window_rounded_up(
    api: Api, agent: tuple[str, str], clock: FakeClock, elapsed_ms: int, wait: int
) -> None:
    use_up(api, agent)
    clock.now_ms = START_MS + elapsed_ms
    status, headers, body = api.call(good(agent), *agent)
    assert (status, body) == (429, too_many(wait))
    assert headers["X-RateLimit-Reset"] == str(WINDOW_END)


def test_next_aligned_window_starts_afresh(
    api: Api, agent: tuple[str, str], clock: FakeClock
) -> None:
    use_up(api, agent)
    assert api.call(good(agent), *agent)[0] == 429
    clock.now_ms = WINDOW_END
    status, headers, _ = api.call(good(agent), *agent)
    assert status == 200
    assert rate_headers(headers) == limit_headers(5, 4, WINDOW_END + 60_000)


@pytest.mark.parametrize("offset_ms", [0, 12_345, 45_000, 59_999])
def test_reset_is_the_end_of_the_epoch_aligned_window(
    api: Api, agent: tuple[str, str], clock: FakeClock, offset_ms: int
) -> None:
    clock.now_ms = START_MS + offset_ms
    _, headers, _ = api.call(good(agent), *agent)
    assert headers["X-RateLimit-Reset"] == str(WINDOW_END)
    assert WINDOW_END % 60_000 == 0


def test_window_straddling_requests_are_counted_per_window(
    api: Api, agent: tuple[str, str], clock: FakeClock
) -> None:
    """Not a sliding window: 5 at the end of one window and 5 at the start of the next all pass."""
    clock.now_ms = WINDOW_END - 1
    use_up(api, agent)
    clock.now_ms = WINDOW_END
    use_up(api, agent)


@pytest.mark.parametrize(
    "case",
    [
        ({"RATE_LIMIT_REQUESTS": "2"}, 2, WINDOW_END),
        ({"RATE_LIMIT_REQUESTS": "3", "RATE_LIMIT_WINDOW_SECONDS": "10"}, 3, START_MS + 10_000),
        ({"RATE_LIMIT_WINDOW_SECONDS": "3600"}, 5, START_MS + 3_600_000),
    ],
)
def test_limit_and_window_are_settings(
    api: Api,
    agent: tuple[str, str],
    configure: Configure,
    clock: FakeClock,
    case: tuple[dict[str, str], int, int],
) -> None:
    env, limit, reset_ms = case
    configure(env)
    clock.now_ms = START_MS + 1_000
    for remaining in range(limit - 1, -1, -1):
        status, headers, _ = api.call(good(agent), *agent)
        assert status == 200
        assert rate_headers(headers) == limit_headers(limit, remaining, reset_ms)
    status, _, body = api.call(good(agent), *agent)
    assert (status, body) == (429, too_many((reset_ms - clock.now_ms + 999) // 1000))


def test_zero_turns_it_off(api: Api, agent: tuple[str, str], configure: Configure) -> None:
    configure({"RATE_LIMIT_REQUESTS": "0"})
    for _ in range(12):
        status, headers, _ = api.call(good(agent), *agent)
        assert status == 200
        assert rate_headers(headers) == {}


def test_different_source_ips_are_counted_apart(api: Api, agent: tuple[str, str]) -> None:
    use_up(api, agent, source_ip="198.51.100.1")
    assert api.call(good(agent), *agent, source_ip="198.51.100.1")[0] == 429
    status, headers, _ = api.call(good(agent), *agent, source_ip="198.51.100.2")
    assert status == 200
    assert headers["X-RateLimit-Remaining"] == "4"


def test_forwarded_for_header_is_not_the_client_key(api: Api, agent: tuple[str, str]) -> None:
    """Only API Gateway's sourceIp counts: a client-supplied header cannot buy more quota."""
    for n in range(5):
        headers = {"x-forwarded-for": f"192.0.2.{n}"}
        assert api.call(good(agent), *agent, headers=headers)[0] == 200
    status, _, _ = api.call(good(agent), *agent, headers={"x-forwarded-for": "192.0.2.99"})
    assert status == 429


def test_headers_on_every_checked_response(
    api: Api, actors: Actors, agent: tuple[str, str]
) -> None:
    no_permission = actors.user("plain.user", roles=("user",))
    responses = [
        api.call("", *agent),  # 400 invalid-params
        api.call({"token": "nobody", "agentId": agent[0]}, *agent),  # 400 invalid-token
        api.call(good(agent), *no_permission),  # 403
        api.call({"token": VISITOR, "agentId": "nobody"}, *agent),  # 400 agent-not-found
        api.call(good(agent), *agent),  # 200
        api.call(good(agent), *agent),  # 429
    ]
    assert [status for status, _, _ in responses] == [400, 400, 403, 400, 200, 429]
    for remaining, (_, headers, _) in zip((4, 3, 2, 1, 0, 0), responses, strict=True):
        assert rate_headers(headers) == limit_headers(5, remaining, WINDOW_END)


def test_unauthenticated_requests_are_not_counted_and_carry_no_headers(
    api: Api, agent: tuple[str, str]
) -> None:
    for user_id, token in [(None, None), (agent[0], "wrong"), ("nobody", agent[1])] * 4:
        status, headers, _ = api.call(good(agent), user_id, token)
        assert status == 401
        assert rate_headers(headers) == {}
    status, headers, _ = api.call(good(agent), *agent)
    assert status == 200
    assert headers["X-RateLimit-Remaining"] == "4"


@pytest.mark.parametrize("role", ["admin", "bot", "app"])
def test_exempt_roles_are_not_counted_and_get_no_headers(
    api: Api, actors: Actors, agent: tuple[str, str], role: str
) -> None:
    exempt = actors.user(f"{role}.user", roles=(role, "livechat-agent"))
    for _ in range(8):
        status, headers, body = api.call(good(agent), *exempt)
        assert status == 200, body
        assert rate_headers(headers) == {}
    use_up(api, agent)


def test_exempt_caller_without_permission_gets_403_without_headers(
    api: Api, actors: Actors, agent: tuple[str, str]
) -> None:
    admin = actors.user("root", roles=("admin",))
    status, headers, _ = api.call(good(agent), *admin)
    assert status == 403
    assert rate_headers(headers) == {}
    use_up(api, agent)


def test_exempt_roles_are_a_setting(
    api: Api, actors: Actors, agent: tuple[str, str], configure: Configure
) -> None:
    configure({"RATE_LIMIT_EXEMPT_ROLES": "voip-connector"})
    admin = actors.user("root", roles=("admin", "livechat-agent"))
    connector = actors.user("connector", roles=("voip-connector", "livechat-agent"))
    _, headers, _ = api.call(good(agent), *admin)
    assert headers["X-RateLimit-Remaining"] == "4"
    for _ in range(6):
        _, headers, _ = api.call(good(agent), *connector)
        assert rate_headers(headers) == {}


def test_refused_requests_still_count(api: Api, agent: tuple[str, str]) -> None:
    use_up(api, agent)
    for _ in range(3):
        status, headers, _ = api.call(good(agent), *agent)
        assert status == 429
        assert headers["X-RateLimit-Remaining"] == "0"


def test_counter_item_expires_after_its_window(
    api: Api, agent: tuple[str, str], dynamodb: Any, services: Services
) -> None:
    api.call(good(agent), *agent)
    items = dynamodb.scan(TableName=services.settings.tables.rate_limits)["Items"]
    assert len(items) == 1
    ttl = dynamodb.describe_time_to_live(TableName=services.settings.tables.rate_limits)
    attribute = ttl["TimeToLiveDescription"]["AttributeName"]
    expires_at = int(items[0][attribute]["N"])
    assert expires_at >= WINDOW_END // 1000
    assert json.dumps(items[0]).count("203.0.113.10") == 1
