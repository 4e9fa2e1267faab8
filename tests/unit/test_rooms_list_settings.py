"""The call-history listing's settings (docs/configuration.md): their defaults, and every bad value
refused at init with a one-line reason, as the other settings' are."""

from __future__ import annotations

import pytest
from voip_core.settings import Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.rooms_list_admin_roles == {"livechat-manager", "livechat-monitor", "admin"}
    assert settings.rooms_list_agent_roles == {
        "livechat-manager",
        "livechat-monitor",
        "livechat-agent",
        "admin",
    }
    assert (settings.api_default_count, settings.api_upper_count_limit) == (50, 100)
    assert settings.api_allow_infinite_count is False
    assert settings.limits.rooms_list == 10


def test_values_are_read() -> None:
    settings = Settings.from_env(
        {
            "ROOMS_LIST_ADMIN_ROLES": " supervisor , admin ,",
            "ROOMS_LIST_AGENT_ROLES": "",
            "API_DEFAULT_COUNT": "25",
            "API_UPPER_COUNT_LIMIT": "25",
            "API_ALLOW_INFINITE_COUNT": "TRUE",
            "RATE_LIMIT_ROOMS_LIST_REQUESTS": "0",
        }
    )
    assert settings.rooms_list_admin_roles == {"supervisor", "admin"}
    assert settings.rooms_list_agent_roles == frozenset()  # nobody lists only their own rooms
    assert (settings.api_default_count, settings.api_upper_count_limit) == (25, 25)
    assert settings.api_allow_infinite_count is True
    assert settings.limits.rooms_list == 0  # off


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        (
            {"RATE_LIMIT_ROOMS_LIST_REQUESTS": "5.5"},
            "RATE_LIMIT_ROOMS_LIST_REQUESTS must be a whole",
        ),
        (
            {"RATE_LIMIT_ROOMS_LIST_REQUESTS": "-1"},
            "RATE_LIMIT_ROOMS_LIST_REQUESTS must be a whole",
        ),
        ({"API_DEFAULT_COUNT": "0"}, "API_DEFAULT_COUNT must be at least 1"),
        ({"API_DEFAULT_COUNT": "ten"}, "API_DEFAULT_COUNT must be a whole number"),
        ({"API_UPPER_COUNT_LIMIT": "0"}, "API_UPPER_COUNT_LIMIT must be at least 1"),
        ({"API_UPPER_COUNT_LIMIT": "1e3"}, "API_UPPER_COUNT_LIMIT must be a whole number"),
        ({"API_UPPER_COUNT_LIMIT": "40"}, r"API_DEFAULT_COUNT \(50\) must not exceed"),
        ({"API_DEFAULT_COUNT": "101"}, r"API_DEFAULT_COUNT \(101\) must not exceed"),
        ({"API_ALLOW_INFINITE_COUNT": "sometimes"}, "API_ALLOW_INFINITE_COUNT must be true or"),
    ],
)
def test_bad_values_are_refused(env: dict[str, str], reason: str) -> None:
    with pytest.raises(SettingsError, match=f"^{reason}"):
        Settings.from_env(env)
