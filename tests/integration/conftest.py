"""Integration fixtures: the local stack (`python -m voip_local`, what `make run` runs) started as a
subprocess on free ports, an HTTP client over real sockets, and `voip-admin` run as an operator
runs it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.conftest import ROOT

STARTUP_TIMEOUT_SECONDS = 60
# What every stack process is given: credentials that can reach nothing but the stack itself.
BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "LOG_LEVEL": "WARNING",
}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class LocalStack:
    process: subprocess.Popen[bytes]
    state: dict[str, Any]
    output: Path

    @property
    def api_url(self) -> str:
        return str(self.state["apiUrl"])

    @property
    def dynamodb_url(self) -> str:
        return str(self.state["dynamodbUrl"])

    @property
    def agent_id(self) -> str:
        return str(self.state["agent"]["userId"])

    @property
    def agent_token(self) -> str:
        return str(self.state["agent"]["authToken"])

    @property
    def auth(self) -> dict[str, str]:
        return {"X-User-Id": self.agent_id, "X-Auth-Token": self.agent_token}

    def request(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        """One request on its own connection, the target sent exactly as given."""
        address = urlsplit(self.api_url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.request(method, target, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read().decode("utf-8"))
        finally:
            connection.close()

    def get_room(
        self,
        query: str | Mapping[str, str] | list[tuple[str, str]] = "",
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        raw = query if isinstance(query, str) else urlencode(query)
        return self.request(
            "GET", f"/api/v1/voip/room?{raw}" if raw else "/api/v1/voip/room", headers
        )

    def admin(self, *args: str) -> dict[str, Any]:
        """`voip-admin --endpoint-url <the stack's DynamoDB> ...`, its JSON answer."""
        result = run_admin(self, *args)
        assert result.returncode == 0, result.stderr
        answer: dict[str, Any] = json.loads(result.stdout)
        return answer

    def dynamodb(self) -> Any:
        from voip_core.store.dynamo import make_client

        return make_client(self.dynamodb_url, self.state["region"])


def run_admin(stack: LocalStack, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "voip-admin"
    env = {**os.environ, **BASE_ENV}
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    return subprocess.run(
        [str(script), "--endpoint-url", stack.dynamodb_url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def stack_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "voip_local", *args]


def stack_env(settings: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "RATE_LIMIT", "VOIP_"))
    }
    return {**env, **BASE_ENV, **(settings or {})}


@contextmanager
def running_stack(
    directory: Path, settings: Mapping[str, str] | None = None
) -> Iterator[LocalStack]:
    """Start the stack on free ports, wait until it is ready, stop it with SIGTERM afterwards
    (asserting it stopped cleanly)."""
    directory.mkdir(parents=True, exist_ok=True)
    ready_file = directory / "ready.json"
    output = directory / "stack.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            stack_command("--port", "0", "--dynamodb-port", "0", "--ready-file", str(ready_file)),
            cwd=ROOT,
            env=stack_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        stack = LocalStack(process, _wait_until_ready(process, ready_file, output), output)
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
    log_text = output.read_text(encoding="utf-8", errors="replace")
    assert code == 0, f"the stack exited with {code}:\n{log_text[-4000:]}"
    assert "Traceback" not in log_text, log_text[-4000:]


def _wait_until_ready(
    process: subprocess.Popen[bytes], ready_file: Path, output: Path
) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if ready_file.exists():
            state: dict[str, Any] = json.loads(ready_file.read_text(encoding="utf-8"))
            return state
        if process.poll() is not None:
            break
        time.sleep(0.05)
    log_text = output.read_text(encoding="utf-8", errors="replace")
    raise RuntimeError(f"the local stack did not start:\n{log_text[-4000:]}")


def every_rate_limit_off() -> dict[str, str]:
    """Over loopback every request comes from 127.0.0.1: one quota for the whole suite."""
    from voip_admin.template import load_template
    from voip_local.functions import template_environment

    return {
        name: "0"
        for name in template_environment(load_template())
        if name.startswith("RATE_LIMIT") and name.endswith("_REQUESTS")
    }


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The shared stack, with every route's rate limit off so tests share no quota (the rate-limit
    tests start their own, with the defaults)."""
    with running_stack(tmp_path_factory.mktemp("stack"), every_rate_limit_off()) as running:
        yield running
