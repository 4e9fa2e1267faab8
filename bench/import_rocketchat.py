"""`voip-admin import-rocketchat` on generated exports (bench/rocketchat_export.py): time, the
importer's peak RSS and CPU, and the DynamoDB server's CPU apart (docs/performance.md).

Each size gets a fresh moto server in a process of its own, its tables created from template.yaml,
and the import runs in a child process (bench/import_child.py) that reports its own peak resident
set (VmHWM, the kernel's high-water mark of this process alone) and CPU time when it is done. The
server's CPU is read from /proc before and after: moto, not the importer, is most of the time.

    .venv/bin/python -m bench.import_rocketchat [--visitors 20000 200000] [--open-share 0.005]

Peak RSS must not grow with the export's size beyond the open rooms the importer holds.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.rocketchat_export import write_export
from bench.world import ROOT

# The generator's moment: fixed, so every run imports the same export.
NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """user + system time of a running process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **ENV},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("moto server did not start")


def measure(visitors: int, open_share: float, scratch: Path) -> dict[str, Any]:
    export = write_export(
        scratch / f"export-{visitors}", visitors, seed=1, now_ms=NOW_MS, open_share=open_share
    )
    size = sum(path.stat().st_size for path in export.directory.iterdir())
    server, url = start_server()
    try:
        admin = [str(Path(sys.executable).parent / "voip-admin"), "--endpoint-url", url]
        subprocess.run(
            [*admin, "create-tables"], check=True, capture_output=True, env={**os.environ, **ENV}
        )
        server_before = cpu_seconds(server.pid)
        started = time.monotonic()
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.import_child",
                "--endpoint-url",
                url,
                "import-rocketchat",
                "--from",
                str(export.directory),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **ENV},
            cwd=ROOT,
            check=False,
        )
        wall = time.monotonic() - started
        server_cpu = cpu_seconds(server.pid) - server_before
    finally:
        server.kill()
        server.wait()
    if child.returncode != 0:
        raise RuntimeError(child.stderr[-2000:])
    lines = child.stdout.splitlines()
    summary, figures = json.loads(lines[0]), json.loads(lines[1])
    return {
        "visitors": visitors,
        "rooms": export.rooms,
        "openRooms": len(export.open_rooms),
        "exportMB": round(size / 1e6, 1),
        "seconds": round(wall, 1),
        "importerCpuSeconds": round(figures["cpuSeconds"], 1),
        "serverCpuSeconds": round(server_cpu, 1),
        "peakRssMB": round(figures["peakRssKB"] / 1024, 1),
        "imported": {
            kind: summary[kind]["imported"] for kind in ("users", "tokens", "visitors", "rooms")
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--open-share", type=float, default=0.005, help="share of rooms left open")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        for visitors in args.visitors:
            print(json.dumps(measure(visitors, args.open_share, Path(scratch))), flush=True)


if __name__ == "__main__":
    main()
