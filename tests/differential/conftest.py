"""The reference implementations for the differential tests, each ONE node process fed one input
per line, so thousands of inputs take seconds: the qs and ajv Rocket.Chat runs (validate.js), and
Node's own JSON.parse / JSON.stringify (json_reference.js), and the qs and ajv `coerceTypes` reading
of the call-history query (rooms_list_reference.js).

The node packages are installed here, from the lock file (`npm ci`), the first time the suite runs
and again whenever the lock file changes (once, whatever the number of pytest-xdist workers); node
and npm are on every development machine.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest

from tests.summary import report_line

HERE = Path(__file__).resolve().parent
LOCK = HERE / "package-lock.json"
NODE_MODULES = HERE / "node_modules"
# Written after a successful `npm ci`: the hash of the lock file it installed from.
STAMP = NODE_MODULES / ".installed-from-lock"


def _lock_digest() -> str:
    return hashlib.sha256(LOCK.read_bytes()).hexdigest()


def ensure_node_packages() -> None:
    """Install once, even when several pytest-xdist workers ask at the same moment: the first
    installs while the others wait on a lock, then find the stamp."""
    with _install_lock():
        if STAMP.exists() and STAMP.read_text(encoding="ascii") == _lock_digest():
            return
        _npm_ci()


@contextmanager
def _install_lock() -> Iterator[None]:
    # Outside the repository, named after this folder: one lock per checkout.
    name = hashlib.sha256(str(HERE).encode()).hexdigest()[:16]
    with (Path(tempfile.gettempdir()) / f"voip-room-npm-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("node and npm are needed for the differential tests (node 18 or later)")
    completed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"npm ci failed in {HERE}:\n{completed.stdout}\n{completed.stderr}")
    STAMP.write_text(_lock_digest(), encoding="ascii")


class Reference:
    """A running `node <script>`: ask it how Rocket.Chat reads one input (validate.js and
    rooms_list_reference.js: a raw query; json_reference.js: a body's text)."""

    def __init__(self, script: str = "validate.js") -> None:
        node = shutil.which("node")
        assert node is not None
        self.process = subprocess.Popen(
            [node, str(HERE / script)],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self.asked = 0

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def answer(self, raw_query: str) -> dict[str, Any]:
        stdin, stdout = self._pipes()
        stdin.write(json.dumps(raw_query) + "\n")  # ASCII: lone surrogates travel escaped
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"the node reference exited (code {self.process.poll()})")
        reply: dict[str, Any] = json.loads(line)
        if "crash" in reply:
            raise RuntimeError(f"the node reference failed on {raw_query!r}: {reply['crash']}")
        self.asked += 1
        return reply

    def close(self) -> None:
        stdin, _ = self._pipes()
        stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def reference(request: pytest.FixtureRequest) -> Iterator[Reference]:
    ensure_node_packages()
    running = Reference()
    try:
        yield running
    finally:
        running.close()
        report_line(request.config, f"\ndifferential: node qs+ajv answered {running.asked} queries")


@pytest.fixture(scope="session")
def json_reference(request: pytest.FixtureRequest) -> Iterator[Reference]:
    running = Reference("json_reference.js")
    try:
        yield running
    finally:
        running.close()
        report_line(request.config, f"differential: node JSON answered {running.asked} bodies")


@pytest.fixture(scope="session")
def rooms_list_reference(request: pytest.FixtureRequest) -> Iterator[Reference]:
    ensure_node_packages()
    running = Reference("rooms_list_reference.js")
    try:
        yield running
    finally:
        running.close()
        report_line(
            request.config, f"differential: node qs+ajv answered {running.asked} voip/rooms queries"
        )
