"""The local stack over HTTP (`python -m voip_local`, what `make run` starts, in its own process):
requests per second and latency at several concurrencies, for a get by rid and a create.

Each request opens its own connection, as curl and the integration tests do: on a keep-alive
connection the local server's two writes per response (headers, then body) meet Nagle's algorithm
and the client's delayed ACK, and every request stalls ~40 ms (the `keep_alive_floor` figure shows
it). The baseline, in the same run and at the same concurrency, is a request the local gateway
answers itself (no route: 404, the function is not called): the HTTP floor of the stack here.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.stats import summarize
from bench.world import OFFLINE_AWS, ROOT

STARTUP_TIMEOUT_SECONDS = 90
ROUTE = "/api/v1/voip/room"
FLOOR_TARGET = "/bench/no-such-route"
STACK_COMMAND = (sys.executable, "-m", "voip_local", "--port", "0", "--dynamodb-port", "0")


@dataclass(frozen=True)
class Target:
    path: str
    headers: dict[str, str]


@contextmanager
def local_stack() -> Iterator[dict[str, Any]]:
    """The stack on free ports; yields its ready file's content (URLs, demo agent) with, under
    "log", the path of its output (the function's JSON log lines)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RATE_LIMIT"))}
    env.update(OFFLINE_AWS)
    env.pop("AWS_SESSION_TOKEN", None)
    # Counted as deployed, never refused: the load comes from one address.
    env.update({"RATE_LIMIT_REQUESTS": "1000000", "LOG_LEVEL": "INFO"})
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as scratch:
        ready = Path(scratch) / "ready.json"
        log_path = Path(scratch) / "stack.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*STACK_COMMAND, "--ready-file", str(ready)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            yield {**_wait_until_ready(process, ready), "log": str(log_path)}
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], ready: Path) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if ready.exists():
            state: dict[str, Any] = json.loads(ready.read_text(encoding="utf-8"))
            return state
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {process.returncode}")
        time.sleep(0.05)
    raise RuntimeError("the local stack did not start in time")


def run_level(
    api_url: str, targets: list[Target], concurrency: int, keep_alive: bool = False
) -> dict[str, Any]:
    """All `targets`, `concurrency` at a time; latency per request and requests per second."""
    address = urlsplit(api_url)
    pending = iter(targets)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def worker() -> None:
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
        try:
            while True:
                with lock:
                    target = next(pending, None)
                if target is None:
                    return
                started = time.perf_counter()
                connection.request("GET", target.path, headers=target.headers)
                response = connection.getresponse()
                response.read()
                if not keep_alive:
                    connection.close()
                elapsed_ms = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed_ms)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": summarize(latencies, 2),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
    }


def _fresh_visitors(state: dict[str, Any], count: int) -> list[str]:
    """Visitors provisioned in the stack's DynamoDB the way `voip-admin create-visitor` does."""
    from voip_core.domain.visitors import new_visitor_document
    from voip_core.settings import Settings
    from voip_core.store.dynamo import make_client
    from voip_core.wiring import Services

    services = Services.build(
        Settings.from_env({}), client=make_client(state["dynamodbUrl"], state["region"])
    )
    tokens = []
    for n in range(count):
        token = f"load-visitor-{n:06d}"
        doc = new_visitor_document(
            token, f"guest-{n + 100}", services.clock(), name=f"Caller {n}", phone=f"+1666{n:07d}"
        )
        services.visitors.create(doc)
        tokens.append(token)
    return tokens


def measure(levels: tuple[int, ...], requests: int, warmup: int) -> dict[str, Any]:
    with local_stack() as state:
        api_url = state["apiUrl"]
        agent = state["agent"]
        auth = {"X-User-Id": agent["userId"], "X-Auth-Token": agent["authToken"]}
        visitors = iter(_fresh_visitors(state, 1 + len(levels) * (requests + warmup)))

        def create_target() -> Target:
            query = urlencode({"token": next(visitors), "agentId": agent["userId"]})
            return Target(f"{ROUTE}?{query}", auth)

        opener = create_target()
        first = run_level(api_url, [opener], 1)
        if first["statuses"] != {"200": 1}:
            raise RuntimeError(f"the local stack answered {first['statuses']} to a create")
        room_id = _room_of(api_url, opener)
        get = Target(f"{ROUTE}?{urlencode({'token': _token_of(opener), 'rid': room_id})}", auth)
        floor = Target(FLOOR_TARGET, {})
        results: dict[str, list[dict[str, Any]]] = {"get (rid)": [], "create": [], "floor": []}
        for concurrency in levels:
            run_level(api_url, [get] * warmup, concurrency)
            results["floor"].append(run_level(api_url, [floor] * requests, concurrency))
            results["get (rid)"].append(run_level(api_url, [get] * requests, concurrency))
            run_level(api_url, [create_target() for _ in range(warmup)], concurrency)
            creates = [create_target() for _ in range(requests)]
            results["create"].append(run_level(api_url, creates, concurrency))
        stall = run_level(api_url, [floor] * min(requests, 50), 1, keep_alive=True)
        failures = _logged_failures(Path(state["log"]))
    return {
        "requests_per_level": requests,
        "levels": list(levels),
        "connection": "new per request",
        "kinds": results,
        "keep_alive_floor": stall,
        "failures_logged": failures,
    }


def _logged_failures(log_path: Path) -> dict[str, int]:
    """The function's ERROR lines by exception name (its JSON logs carry no token)."""
    counts: dict[str, int] = {}
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{") or '"ERROR"' not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        name = str(record.get("exception_name") or record.get("message") or "?")
        counts[name] = counts.get(name, 0) + 1
    return counts


def _token_of(target: Target) -> str:
    return target.path.split("token=", 1)[1].split("&", 1)[0]


def _room_of(api_url: str, target: Target) -> str:
    """The room a repeated create (a reuse) answers: the visitor's open room."""
    address = urlsplit(api_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    try:
        connection.request("GET", target.path, headers=target.headers)
        body = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    return str(body["room"]["_id"])
