"""Shared fixtures: AWS credentials that cannot reach AWS, the events in events/, and no secret in
any test's logs."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.botocore_files import parsed_once
from tests.secret_watch import SecretWatch
from tests.summary import keep_worker_lines, write_worker_lines

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"


@pytest.fixture(scope="session", autouse=True)
def _botocore_files_parsed_once() -> Iterator[None]:
    """tests/botocore_files.py: a client per test costs no JSON parsing."""
    with parsed_once():
        yield


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may use real credentials or reach AWS."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def secret_watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretWatch]:
    """Fails any test whose log records carry an auth token, a token hash or an X-Auth-Token value
    produced, hashed or received during that test (tests/secret_watch.py)."""
    watch = SecretWatch()
    watch.install(monkeypatch)
    try:
        yield watch
    finally:
        watch.uninstall()
    leaks = watch.leaks()
    if leaks:
        pytest.fail(f"a secret was logged, by: {'; '.join(leaks)}", pytrace=False)


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return copy.deepcopy(event)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker finished; keep the summary lines it wrote (tests/summary.py)."""
    keep_worker_lines(node.config, getattr(node, "workeroutput", {}))


def pytest_terminal_summary(config: pytest.Config) -> None:
    write_worker_lines(config)
