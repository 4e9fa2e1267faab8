"""import-rocketchat killed during its write phase, then run again: the tables end exactly as after
one uninterrupted run (issue 16 item 3). The first run draws its progress bars on a terminal (a
pty); the others, into a pipe, draw nothing (docs/migrating-from-rocketchat.md)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest

from bench.rocketchat_export import write_export
from tests.integration.conftest import BASE_ENV, LocalStack, run_admin, running_stack

pytestmark = pytest.mark.integration

# The export's moment: fixed, so both runs write the same items.
NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
WRITING_VISITORS = b"write rocketchat_livechat_visitor.json"


def snapshot(client: Any) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for table in client.list_tables()["TableNames"]:
        items = []
        for page in client.get_paginator("scan").paginate(TableName=table):
            items.extend(json.dumps(item, sort_keys=True) for item in page["Items"])
        tables[table] = sorted(items)
    return tables


def empty(stack: LocalStack, client: Any) -> None:
    """The stack's tables, empty: deleted and created again from template.yaml."""
    for table in client.list_tables()["TableNames"]:
        client.delete_table(TableName=table)
    created = run_admin(stack, "create-tables")
    assert created.returncode == 0, created.stderr


def patient_client(stack: LocalStack) -> Any:
    """moto's server answers one call at a time: reads wait behind the import's."""
    from voip_core.store.dynamo import make_client

    return make_client(stack.dynamodb_url, "us-east-1", read_timeout=30, attempts=10)


def killed_while_writing(stack: LocalStack, directory: Path, client: Any) -> bytes:
    """Run the import with stderr on a terminal; kill it once it has written some visitors. What
    it drew."""
    controller, terminal = pty.openpty()
    # A terminal's size, as a real one has (a new pty's is 0 × 0: bars of no width).
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    env = {**os.environ, **BASE_ENV}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "voip-admin"),
            "--endpoint-url",
            stack.dynamodb_url,
            "import-rocketchat",
            "--from",
            str(directory),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    drawn = b""
    deadline = time.monotonic() + 120
    try:
        while WRITING_VISITORS not in drawn and time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 1)
            if ready:
                try:
                    drawn += os.read(controller, 65536)
                except OSError:  # the process closed its terminal: it ended
                    break
            assert process.poll() is None, drawn[-2000:]
        while not client.scan(TableName="VisitorsTable", Limit=1)["Items"]:
            assert process.poll() is None, drawn[-2000:]
            time.sleep(0.01)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        os.close(controller)
        assert process.stdout is not None
        process.stdout.close()
    return drawn


def test_an_import_killed_while_writing_completes_on_the_next_run(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", 800, seed=5, now_ms=NOW_MS, twice_open=True)
    with running_stack(tmp_path / "stack") as stack:
        client = patient_client(stack)
        empty(stack, client)
        drawn = killed_while_writing(stack, export.directory, client)
        assert b"plan users.json" in drawn and WRITING_VISITORS in drawn
        partial = snapshot(client)
        assert 0 < len(partial["VisitorsTable"]) < export.importable_visitors
        resumed = run_admin(stack, "import-rocketchat", "--from", str(export.directory))
        assert (resumed.returncode, resumed.stderr) == (0, ""), resumed.stderr
        assert json.loads(resumed.stdout)["visitors"]["conflicts"] == 0
        completed = snapshot(client)
        empty(stack, client)
        whole = run_admin(stack, "import-rocketchat", "--from", str(export.directory))
        assert (whole.returncode, whole.stderr) == (0, ""), whole.stderr
        assert snapshot(client) == completed
        assert len(completed["VisitorsTable"]) == export.importable_visitors
