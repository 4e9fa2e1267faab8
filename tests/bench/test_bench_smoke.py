"""`make bench` with a tiny sample (`--quick`): it runs end to end, prints every section of the
table and writes results.json in the shape the README and the lead read. No timing is asserted."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from bench import report
from tests.conftest import ROOT

PATHS = [
    "get (rid)",
    "reuse open room",
    "create",
    "401 no credentials",
    "401 bad token",
    "400 invalid-params",
    "403 no permission",
    "invalid-token",
    "invalid-room",
    "agent-not-found",
]
SECTIONS = [
    "## DynamoDB round trips per request",
    "## Cold start",
    "## CPU per request in the handler",
    "## Local stack over HTTP",
    "## Cost per million requests",
    "## Call history (GET voip/rooms)",
    "## Targets",
]
SUMMARY_KEYS = {"n", "median", "p10", "p90", "p99"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--output", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout, json.loads(output.read_text(encoding="utf-8"))


def test_prints_every_section_and_a_verdict_per_target(run: tuple[str, dict[str, Any]]) -> None:
    table, results = run
    for heading in SECTIONS:
        assert heading in table
    verdicts = [line for line in table.splitlines() if line.startswith(("PASS ", "FAIL "))]
    # cold start ×2, CPU, round trips, and call history's first page (added with the listing)
    assert len(verdicts) == len(results["targets"]) == 5
    for path in PATHS:
        assert path in table


def test_round_trips_per_path(run: tuple[str, dict[str, Any]]) -> None:
    _, results = run
    trips = {row["path"]: row for row in results["round_trips"]}
    assert list(trips) == PATHS
    for row in trips.values():
        assert set(row["handler_wall_ms"]) >= SUMMARY_KEYS
        assert 0 <= row["calls_in_series"] <= row["calls_total"]
    # Call counts (not timings): the rate-limit UpdateItem beside the one BatchGetItem, and the
    # TransactWriteItems of a create; no DynamoDB call at all without credentials.
    assert [trips[name]["calls_total"] for name in ("get (rid)", "reuse open room", "create")] == [
        2,
        2,
        3,
    ]
    assert trips["401 no credentials"]["calls_total"] == 0
    assert "TransactWriteItems" in trips["create"]["shape"]


def test_cold_start_side_by_side(run: tuple[str, dict[str, Any]]) -> None:
    _, results = run
    cold = results["cold_start"]
    assert set(cold["kinds"]) == {"ours", "floor", "typical"}
    for figures in cold["kinds"].values():
        assert set(figures["init_ms"]) >= SUMMARY_KEYS
        assert figures["init_ms"]["n"] == cold["rounds"]
    assert set(cold["ratios"]) == {"ours/floor", "ours/typical"}
    assert cold["imports"]["ours"]["by_package_self"]


def test_cpu_per_path_and_baselines(run: tuple[str, dict[str, Any]]) -> None:
    _, results = run
    per_kind = results["cpu"]["per_kind_us"]
    for name in [*PATHS, "(a) floor handler", "(b) typical stack"]:
        assert {"median", "p99"} <= set(per_kind[name])
    assert set(results["cpu"]["ratios"]) == {"ours/floor", "ours/typical"}


def test_local_stack_and_cost(run: tuple[str, dict[str, Any]]) -> None:
    _, results = run
    stack = results["local_stack"]
    for kind in ("get (rid)", "create", "floor"):
        rows = stack["kinds"][kind]
        assert [row["concurrency"] for row in rows] == stack["levels"]
        for row in rows:
            assert row["requests"] == stack["requests_per_level"]
            assert {"median", "p99"} <= set(row["latency_ms"])
    cost = {row["path"]: row for row in results["cost"]["paths"]}
    assert list(cost) == PATHS
    create = cost["create"]
    assert create["capacity_units"]["wru"] >= 4  # two transactional writes, doubled
    assert create["capacity_units"]["rate_limit_wru"] == 1
    usd = create["usd_per_million"]
    parts = usd["api_gateway"] + usd["lambda"] + usd["dynamodb"] + usd["rate_limiter"]
    assert usd["total"] == pytest.approx(parts, abs=0.001)
    assert results["cost"]["prices"]["checked"]


def test_call_history_listing(run: tuple[str, dict[str, Any]]) -> None:
    """Counts and units, not timings: every listing answers from index Queries side by side,
    then one BatchGetItem of the page; the page's units grow with the page, the index's with the
    matches."""
    _, results = run
    rows = {row["listing"]: row for row in results["listing"]["rows"]}
    assert list(rows) == [
        "agent's first page",
        "supervisor's first page",
        "supervisor's page 10",
        "open calls now",
        "a visitor's calls",
    ]
    supervisor = rows["supervisor's first page"]
    assert supervisor["shape"] == "Query ×16 → BatchGetItem"
    assert rows["agent's first page"]["shape"] == "Query ×4 → BatchGetItem"
    assert supervisor["returned"] == results["listing"]["page"]
    assert supervisor["page_rru"] == supervisor["returned"]  # each room ≤ 4 KB, consistent
    assert supervisor["entries_read"] == supervisor["total"]
    assert rows["supervisor's page 10"]["rru"] == supervisor["rru"]  # offset reads no document
    assert 0 < rows["agent's first page"]["index_rru"] < supervisor["index_rru"]


def test_results_carry_no_secret(run: tuple[str, dict[str, Any]]) -> None:
    table, results = run
    text = json.dumps(results) + table
    assert "x-auth-token" not in text.lower()
    assert "hashedToken" not in text


def _sections(table: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in table.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line, [])
        else:
            current.append(line)
    return sections


def test_every_table_carries_its_legend(run: tuple[str, dict[str, Any]]) -> None:
    """Readable without the docs: each section ends with indented lines saying what it shows."""
    table, _ = run
    for heading, lines in _sections(table).items():
        if heading.startswith("## Targets"):
            continue
        legend = [line for line in lines if line.startswith("  ")]
        assert legend, f"no legend under {heading}"
    words = " ".join(table.split())
    for term in ("RRU / WRU = DynamoDB on-demand", "(a) floor = ", "(b) typical stack = "):
        assert term in words


def test_a_fail_says_what_it_means_and_what_to_do(run: tuple[str, dict[str, Any]]) -> None:
    _, results = run
    failing = copy.deepcopy(results)
    for check in failing["targets"]:
        check["pass"] = False
    lines = report.render(failing).splitlines()
    fails = [index for index, line in enumerate(lines) if line.startswith("FAIL ")]
    assert len(fails) == len(failing["targets"])
    for index in fails:
        advice = lines[index + 1 : index + 6]
        assert advice[0].startswith("  what it means: "), advice
        assert any(line.startswith("  what to do: ") for line in advice), advice
    rendered = " ".join(lines)
    assert "this was a --quick run" in rendered  # the smoke run is --quick
    assert "rerunning will not change it" in rendered  # round trips do not depend on load
