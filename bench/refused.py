"""What requests cost the function, route by route: the DynamoDB calls each makes (in all, in
series, and their shape) and the CPU it spends on them, above all on the requests it refuses.

    .venv/bin/python -m bench.refused [--rounds N]

DynamoDB is a moto server in a process of its own, so `time.process_time()` around the handler
counts the handler's work only (parsing, botocore's serializing and signing), not the datastore's.
The handler is functions/voip_room/app.py, loaded by path from the tree this module is in (or the
one PYTHONPATH points at: the script only calls `lambda_handler`, so it measures older trees too).
Each run prints one table; the issue's figures are its "refused" rows.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from bench.roundtrips import CallRecorder, describe, in_series
from bench.world import OFFLINE_AWS, ROOT

EVENTS = ROOT / "events"
Event = dict[str, Any]


@contextlib.contextmanager
def moto_process() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(os.path.join(os.path.dirname(sys.executable), "moto_server")), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            time.sleep(0.05)
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


def load(name: str, **changes: Any) -> Event:
    event: Event = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    event.update(changes)
    return event


def with_body(event: Event, raw: bytes) -> Event:
    event["body"] = base64.b64encode(raw).decode("ascii")
    event["isBase64Encoded"] = True
    return event


def with_auth(event: Event, agent: tuple[str, str], source_ip: str) -> Event:
    headers = {k: v for k, v in event["headers"].items() if k not in ("x-user-id", "x-auth-token")}
    event["headers"] = {**headers, "x-user-id": agent[0], "x-auth-token": agent[1]}
    event["requestContext"]["http"]["sourceIp"] = source_ip
    return event


def custom_fields_body(count: int) -> bytes:
    fields = [{"key": f"k{i}", "value": "v", "overwrite": True} for i in range(count)]
    body = {"visitor": {"token": "bench-caller", "customFields": fields}}
    return json.dumps(body, separators=(",", ":")).encode()


def largest_under(limit: int, make: Callable[[int], bytes]) -> bytes:
    """The largest `make(n)` of at most `limit` bytes (make grows with n)."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if len(make(middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return make(low)


def visitor_path(name: str, token: str) -> Event:
    path = f"/api/v1/livechat/visitor/{token}"
    event = load(name, rawPath=path, pathParameters={"token": token})
    event["requestContext"]["http"]["path"] = path
    return event


class Bench:
    def __init__(self, app: Any, agent: tuple[str, str]) -> None:
        self.app = app
        self.agent = agent
        self.client = app.services.snapshots.client
        self.recorder = CallRecorder(self.client)
        self.ips = iter(f"10.9.{n // 250}.{n % 250 + 1}" for n in range(60_000))

    def visitor_auth(self, on: bool) -> None:
        """Rebuild the handler's services with VISITOR_API_REQUIRES_AUTH on or off."""
        from voip_core.settings import Settings
        from voip_core.wiring import Services

        env = {**os.environ, "VISITOR_API_REQUIRES_AUTH": "true" if on else "false"}
        self.app.services = Services.build(Settings.from_env(env), client=self.client)

    def run(self, event: Event) -> tuple[dict[str, Any], float, list[Any]]:
        from voip_local.functions import LambdaContext

        self.recorder.reset()
        started = time.process_time()
        response = self.app.lambda_handler(event, LambdaContext())
        cpu_ms = (time.process_time() - started) * 1000
        return response, cpu_ms, list(self.recorder.calls)

    def row(self, label: str, make: Callable[[str], Event], rounds: int, fill: int = 0) -> str:
        """`make(ip)` `rounds` times, each from a new address first sent `fill` requests."""
        cpu: list[float] = []
        status = 0
        calls: list[Any] = []
        for _ in range(rounds):
            ip = next(self.ips)
            for _ in range(fill):
                self.run(make(ip))
            response, cpu_ms, calls = self.run(make(ip))
            status = response["statusCode"]
            cpu.append(cpu_ms)
        shape = describe(calls)
        return (
            f"| {label} | {status} | {len(calls)} | {in_series(calls)} | {shape} "
            f"| {statistics.median(cpu):.1f} |"
        )


def scenarios(agent: tuple[str, str]) -> list[tuple[str, bool, Callable[[str], Event], int]]:
    """(label, visitor routes need auth, event maker, requests sent before from that address)."""
    huge = custom_fields_body(130_000)
    small = custom_fields_body(1)
    worst_64k = largest_under(65_536, custom_fields_body)
    print(f"bodies: {len(huge)} bytes, worst under 64 KiB {len(worst_64k)} bytes", file=sys.stderr)

    def register(raw: bytes) -> Callable[[str], Event]:
        return lambda ip: with_auth(with_body(load("visitor_register.json"), raw), agent, ip)

    def by_token(name: str, token: str) -> Callable[[str], Event]:
        return lambda ip: with_auth(visitor_path(name, token), agent, ip)

    def close(raw: bytes) -> Callable[[str], Event]:
        return lambda ip: with_auth(with_body(load("room_close.json"), raw), agent, ip)

    def get_room(ip: str) -> Event:
        event = with_auth(load("voip_room_get.json"), agent, ip)
        event["rawQueryString"] = "token=bench-caller&rid=NoSuchRoom1234567"
        return event

    unknown_room = json.dumps({"rid": "NoSuchRoom1234567", "token": "bench-caller"}).encode()
    big_close = json.dumps({"rid": "r", "token": "t", "x": "y" * 65_400}).encode()
    accepted: list[tuple[str, bool, Callable[[str], Event], int]] = []
    for auth in (False, True):
        kind = "auth" if auth else "public"
        accepted += [
            (f"register (known token), {kind}", auth, register(small), 0),
            (f"GET visitor, {kind}", auth, by_token("visitor_get.json", "bench-caller"), 0),
            (
                f"DELETE visitor (unknown token), {kind}",
                auth,
                by_token("visitor_delete.json", "no-such-caller"),
                0,
            ),
        ]
    return [
        *accepted,
        ("voip/room get (invalid-room)", False, get_room, 0),
        ("room.close (invalid-room)", False, close(unknown_room), 0),
        ("refused: register 5.7 MB, public, over limit", False, register(huge), 5),
        ("refused: register 64 KiB, public, over limit", False, register(worst_64k), 5),
        ("refused: register 64 KiB, auth, over limit", True, register(worst_64k), 5),
        ("refused: room.close 64 KiB, over limit", False, close(big_close), 10),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.update(OFFLINE_AWS)
    os.environ.update({"LOG_LEVEL": "WARNING", "VISITOR_API_REQUIRES_AUTH": "false"})
    from bench.world import load_app, silence_logs

    with moto_process() as endpoint:
        from voip_admin.template import create_tables
        from voip_core.services.accounts import Accounts
        from voip_core.store.dynamo import make_client

        create_tables(make_client(endpoint_url=endpoint))
        app = load_app(endpoint)
        silence_logs(app)
        services = app.services
        issued = Accounts(services.users, services.tokens).create_user(
            "bench.agent", services.clock(), name="Bench Agent", roles=("livechat-agent",)
        )
        bench = Bench(app, (issued.user_id, issued.token))
        print("| request | status | calls | in series | shape | CPU ms (median) |")
        print("|---|---|---|---|---|---|")
        for label, auth, make, fill in scenarios(bench.agent):
            bench.visitor_auth(auth)
            print(bench.row(label, make, args.rounds, fill), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
