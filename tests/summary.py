"""A line for the terminal at the end of a module or session (counts, timings), shown even when
pytest captures output, and when pytest-xdist runs the tests in worker processes (a worker has no
terminal: its lines travel back with its results and are printed at the end of the run)."""

from __future__ import annotations

from typing import Any

import pytest

# The key under which a worker's lines travel (pytest-xdist's `workeroutput`).
WORKER_LINES = "summary_lines"
_collected = pytest.StashKey[list[str]]()


def report_line(config: pytest.Config, text: str) -> None:
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        worker = getattr(config, "workerinput", {}).get("workerid", "worker")
        workeroutput.setdefault(WORKER_LINES, []).append(f"{text} [{worker}]")
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write_line(text)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(text)


def keep_worker_lines(config: pytest.Config, workeroutput: dict[str, Any]) -> None:
    """On the controller, when a worker finishes: keep its lines for the end of the run."""
    config.stash.setdefault(_collected, []).extend(workeroutput.get(WORKER_LINES, []))


def write_worker_lines(config: pytest.Config) -> None:
    for text in config.stash.get(_collected, []):
        report_line(config, text)
