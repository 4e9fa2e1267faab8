"""How fast and in how much memory ExportFile streams a generated Rocket.Chat export (not part of
`make bench`: a figure for docs/migrating-from-rocketchat.md, measured on demand).

    .venv/bin/python -m bench.export_read --visitors 200000 --layout array

writes the export (bench/rocketchat_export.py) into a temporary folder, then reads every file in a
fresh process, so the peak RSS it prints is the reading's alone: the interpreter with its imports
(`baseline`), and the highest it reached while streaming (`peak`, VmHWM).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def peak_rss_mib() -> float:
    """This process's peak resident set: VmHWM, which exec resets (ru_maxrss may keep the
    parent's peak across fork and exec); ru_maxrss where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB (Linux)
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(kib) / 1024, 1)


def read_all(directory: Path) -> dict[str, Any]:
    import ijson  # noqa: F401 - imported before the baseline, as the importer would have it
    from voip_admin.rocketchat.export_files import COLLECTION_FILES, ExportFile

    baseline = peak_rss_mib()
    files = {}
    started = time.perf_counter()
    for name in COLLECTION_FILES.values():
        file = ExportFile(directory / name)
        begun = time.perf_counter()
        records = sum(1 for _ in file)
        files[name] = {
            "records": records,
            "megabytes": round(file.size / 1e6, 1),
            "seconds": round(time.perf_counter() - begun, 2),
        }
    return {
        "files": files,
        "seconds": round(time.perf_counter() - started, 2),
        "baselineRssMiB": baseline,  # the interpreter and its imports
        "peakRssMiB": peak_rss_mib(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--visitors", type=int, default=200_000)
    parser.add_argument("--layout", choices=["lines", "array", "pretty"], default="lines")
    parser.add_argument("--canonical", action="store_true")
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)  # the child process
    options = parser.parse_args(argv)
    if options.read:
        print(json.dumps(read_all(options.read)))
        return
    from bench.rocketchat_export import write_export

    with tempfile.TemporaryDirectory() as directory:
        begun = time.perf_counter()
        write_export(
            Path(directory), options.visitors, layout=options.layout, canonical=options.canonical
        )
        written = round(time.perf_counter() - begun, 1)
        child = subprocess.run(
            [sys.executable, "-m", "bench.export_read", "--read", directory],
            check=True,
            capture_output=True,
            text=True,
        )
    result = json.loads(child.stdout)
    print(
        json.dumps(
            {
                "visitors": options.visitors,
                "layout": options.layout,
                "canonical": options.canonical,
                "writeSeconds": written,
                **result,
            }
        )
    )


if __name__ == "__main__":
    main()
