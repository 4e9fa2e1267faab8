"""`make bench`: every stage in one run, the table printed, bench/results.json written.

`python -m bench.run [--quick] [--output PATH] [--skip-load]`; `--quick` is the smoke test's tiny
sample (seconds): its figures are not meant to be read.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import coldstart, cost, cpu, listing, load, report, roundtrips
from bench.stub import dump_tables
from bench.world import (
    ROOT,
    People,
    Scenarios,
    get_request_items,
    load_app,
    make_event,
    moto_server,
    offline_aws_env,
    open_a_room,
    silence_logs,
)


@dataclass(frozen=True)
class Sizes:
    repetitions: int  # requests per path, round-trip stage
    cold_rounds: int  # fresh interpreters per kind
    importtime_runs: int
    cpu_rounds: int
    load_levels: tuple[int, ...]
    load_requests: int
    load_warmup: int


FULL = Sizes(30, 20, 3, 1000, (1, 8, 32), 300, 20)
QUICK = Sizes(2, 2, 1, 20, (1, 4), 6, 2)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sample, for the smoke test")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--skip-load", action="store_true", help="leave out the local stack")
    parser.add_argument(
        "--runtime-python",
        default=sys.executable,
        help="interpreter of the cold-start and CPU stages (Lambda's is 3.13: .venv313/bin/python)",
    )
    return parser.parse_args(argv)


def _meta(started: float, sizes: Sizes) -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    python = platform.python_version()
    return {
        "date": now,
        "commit": commit or None,
        "python": python,
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "seconds": round(time.perf_counter() - started, 1),
        "sizes": sizes.__dict__,
        "quick": sizes == QUICK,
        "summary": f"{now}, commit {commit or '?'}, harness on Python {python}, "
        f"{platform.machine()} ({len(os.sched_getaffinity(0))} cores)",
    }


def _moto_stages(sizes: Sizes, python: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Round trips and cold start (both need the moto server); returns results and CPU input."""
    results: dict[str, Any] = {}
    with moto_server() as endpoint:
        app = load_app(endpoint)
        silence_logs(app)
        people = People(endpoint)
        visitor, room = open_a_room(app, people)
        paths = Scenarios(people, visitor, room, creates=sizes.repetitions).paths()
        print(f"round trips: {len(paths)} paths × {sizes.repetitions}", file=sys.stderr)
        trips = roundtrips.measure(app, paths, sizes.repetitions)
        results["round_trips"] = [trip.result() for trip in trips]
        agent_id, agent_token = people.agent
        get_event = make_event({"token": visitor, "rid": room}, agent_id, agent_token)
        request_items = get_request_items(people, visitor, room)
        print(f"cold start: {sizes.cold_rounds} rounds × 3 kinds", file=sys.stderr)
        results["cold_start"] = coldstart.measure(
            endpoint,
            {"event": get_event, "request_items": request_items},
            sizes.cold_rounds,
            sizes.importtime_runs,
            python,
        )
        cpu_paths = [
            {"name": path.name, "status": path.status, "event": path.next_event()} for path in paths
        ]
        items = dump_tables(people.services.tokens.client)
        results["cost"] = cost.costs(trips, items)
    cpu_input = {"items": items, "paths": cpu_paths, "get_request_items": request_items}
    return results, cpu_input


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    offline_aws_env()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    results, cpu_input = _moto_stages(sizes, args.runtime_python)
    print(f"CPU: {sizes.cpu_rounds} rounds", file=sys.stderr)
    results["cpu"] = cpu.measure(cpu_input, sizes.cpu_rounds, args.runtime_python)
    if args.skip_load:
        results["local_stack"] = {"skipped": "--skip-load"}
    else:
        print(f"local stack: {sizes.load_levels} × {sizes.load_requests}", file=sys.stderr)
        results["local_stack"] = load.measure(
            sizes.load_levels, sizes.load_requests, sizes.load_warmup
        )
    print("call history listing", file=sys.stderr)
    results["listing"] = listing.measure(quick=sizes == QUICK)
    results["targets"] = report.targets(results)
    results = {"meta": _meta(started, sizes), **results}
    print(report.render(results))
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"written: {args.output} ({results['meta']['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
