"""Cold start: fresh interpreters running bench/coldstart_child.py, the three kinds interleaved in
every round, then a few more runs under `-X importtime` to show where the time goes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stats import paired_ratio, percentile, summarize
from bench.world import OFFLINE_AWS, ROOT

CHILD = Path(__file__).resolve().parent / "coldstart_child.py"
KINDS = ("ours", "floor", "typical")
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")
TOP = 8


def child_env(endpoint: str) -> dict[str, str]:
    """What Lambda's environment holds that changes behaviour: X-Ray is on, as deployed."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "POWERTOOLS_", "PYTHON", "RATE_LIMIT"))
        and key != "LOG_LEVEL"
    }
    env.update(OFFLINE_AWS)
    env.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "AWS_LAMBDA_FUNCTION_NAME": "VoipRoomFunction",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "LAMBDA_TASK_ROOT": str(ROOT / "functions" / "voip_room"),
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
            "Sampled=1",
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "POWERTOOLS_SERVICE_NAME": "voip-room",
            "LOG_LEVEL": "INFO",
            # Every child sends the same first request from the same address: still counted, never
            # refused.
            "RATE_LIMIT_REQUESTS": "1000000",
        }
    )
    return env


@dataclass(frozen=True)
class Children:
    """How each fresh interpreter is started: which Python, with what environment and input."""

    python: str
    env: dict[str, str]
    input_path: Path

    def run(self, kind: str, importtime: bool = False) -> tuple[dict[str, Any], float, str]:
        """One fresh interpreter: its figures, the wall time of the whole process, its stderr."""
        command = [self.python]
        if importtime:
            command += ["-X", "importtime"]
        command += [str(CHILD), kind, str(self.input_path)]
        if importtime:
            command.append("--no-request")
        started = time.perf_counter()
        done = subprocess.run(
            command, env=self.env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        wall_ms = (time.perf_counter() - started) * 1000
        lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
        if done.returncode != 0 or not lines:
            raise RuntimeError(
                f"cold start of {kind} failed ({done.returncode}):\n{done.stderr[-2000:]}"
            )
        result: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
        if not importtime and result["status"] != 200:
            raise RuntimeError(f"cold start of {kind}: first request answered {result['status']}")
        return result, wall_ms, done.stderr


def parse_importtime(stderr: str) -> list[tuple[int, str, int, int]]:
    """(depth, module, self µs, cumulative µs) for each import after init began."""
    _, _, after = stderr.partition("BENCH-INIT-STARTS")
    rows = []
    for line in after.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            rows.append((len(indent) // 2, name, int(self_us), int(cumulative_us)))
    return rows


ENTRY_MODULE = {"ours": "app", "typical": "typical_stack", "floor": None}


def import_profile(kind: str, runs: list[list[tuple[int, str, int, int]]]) -> dict[str, Any]:
    """Medians over runs: self time by top-level package (these add up to the whole), the entry
    module's own body (for ours: Services.build, the client), and its direct imports."""
    by_package: dict[str, list[float]] = defaultdict(list)
    direct: dict[str, list[float]] = defaultdict(list)
    totals: list[float] = []
    bodies: list[float] = []
    entry = ENTRY_MODULE[kind]
    for rows in runs:
        packages: dict[str, float] = defaultdict(float)
        entry_depth = next((depth for depth, name, *_ in rows if name == entry), -1)
        for depth, name, self_us, cumulative_us in rows:
            packages[name.split(".")[0]] += self_us / 1000
            if depth == entry_depth + 1:
                direct[name].append(cumulative_us / 1000)
            if name == entry:
                bodies.append(self_us / 1000)
        for package, ms in packages.items():
            by_package[package].append(ms)
        totals.append(sum(packages.values()))

    def top(table: dict[str, list[float]]) -> list[dict[str, Any]]:
        medians = {name: percentile(values, 50) for name, values in table.items()}
        ranked = sorted(medians.items(), key=lambda item: -item[1])[:TOP]
        return [{"module": name, "ms": round(ms, 1)} for name, ms in ranked]

    return {
        "imports_ms": round(percentile(totals, 50), 1),
        "entry_module_body_ms": round(percentile(bodies, 50), 1) if bodies else None,
        "by_package_self": top(by_package),
        "direct_imports_cumulative": top(direct),
    }


def _rounds(children: Children, rounds: int) -> dict[str, dict[str, list[float]]]:
    """`rounds` cold starts of each kind, the kinds' order rotating from round to round."""
    samples: dict[str, dict[str, list[float]]] = {
        kind: {"init_ms": [], "init_cpu_ms": [], "first_ms": [], "process_ms": []} for kind in KINDS
    }
    for kind in KINDS:  # writes the bytecode caches, so no measured run compiles
        children.run(kind)
    for round_number in range(rounds):
        shift = round_number % len(KINDS)
        for kind in KINDS[shift:] + KINDS[:shift]:
            result, wall_ms, _ = children.run(kind)
            for name in ("init_ms", "init_cpu_ms", "first_ms"):
                samples[kind][name].append(result[name])
            samples[kind]["process_ms"].append(wall_ms)
    return samples


def _version_of(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def measure(
    endpoint: str, given: dict[str, Any], rounds: int, importtime_runs: int, python: str
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        input_path = Path(scratch) / "first-request.json"
        input_path.write_text(json.dumps(given), encoding="utf-8")
        children = Children(python, child_env(endpoint), input_path)
        samples = _rounds(children, rounds)
        profiles = {
            kind: import_profile(
                kind,
                [
                    parse_importtime(children.run(kind, importtime=True)[2])
                    for _ in range(importtime_runs)
                ],
            )
            for kind in KINDS
        }
    ours = samples["ours"]
    return {
        "rounds": rounds,
        "python": _version_of(python),
        "kinds": {
            kind: {name: summarize(values, 1) for name, values in figures.items()}
            for kind, figures in samples.items()
        },
        "ratios": {
            f"ours/{baseline}": {
                "init": paired_ratio(ours["init_ms"], samples[baseline]["init_ms"]),
                "init_cpu": paired_ratio(ours["init_cpu_ms"], samples[baseline]["init_cpu_ms"]),
                "first_request": paired_ratio(ours["first_ms"], samples[baseline]["first_ms"]),
            }
            for baseline in ("floor", "typical")
        },
        "imports": profiles,
    }
