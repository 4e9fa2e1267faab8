"""`voip-admin import-rocketchat`'s mapping, phases and summary, against moto in process
(docs/migrating-from-rocketchat.md)."""

from __future__ import annotations

import json
from typing import Any

from voip_core.wiring import Services

from tests.unit.conftest import scan_tables
from tests.unit.rocketchat_export import example, run_import

EXAMPLE_STDOUT = (
    '{"dryRun": false, "loginExpirationDays": 90, "userRoles": ["livechat-agent"], "users": '
    '{"imported": 1, "unchanged": 0, "conflicts": 0, "skipped": {"no-voip-role": 1}}, "tokens": '
    '{"imported": 2, "unchanged": 0, "conflicts": 0, "skipped": {"expired": 1}}, "visitors": '
    '{"imported": 2, "unchanged": 0, "conflicts": 0, "skipped": {"no-token": 1}}, "rooms": '
    '{"imported": 2, "unchanged": 0, "conflicts": 0, "skipped": {"not-voip": 1}, "open": 1, '
    '"closedOnImport": 0}, "guestCounter": {"before": null, "after": 41, "next": "guest-43"}, '
    '"problems": []}'
)


def test_worked_example(services: Services, dynamodb: Any) -> None:
    assert json.dumps(run_import(services, example())) == EXAMPLE_STDOUT


def test_worked_example_second_run_changes_nothing(services: Services, dynamodb: Any) -> None:
    run_import(services, example())
    before = scan_tables(dynamodb)
    second = run_import(services, example())
    assert scan_tables(dynamodb) == before
    expected = json.loads(EXAMPLE_STDOUT)
    for kind in ("users", "tokens", "visitors", "rooms"):
        expected[kind]["unchanged"], expected[kind]["imported"] = expected[kind]["imported"], 0
    expected["guestCounter"]["before"] = 41
    assert second == expected
