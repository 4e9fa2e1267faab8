"""`voip-admin` run in this process, then its own figures: a line with the command's stdout, a line
with its peak resident set (VmHWM: this process's high-water mark, nothing inherited) and CPU time
(bench/import_rocketchat.py)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

from voip_admin.cli import main


def peak_rss_kb() -> int:
    status = Path("/proc/self/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


if __name__ == "__main__":
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(sys.argv[1:])
    times = os.times()
    sys.stdout.write(out.getvalue())
    figures = {"peakRssKB": peak_rss_kb(), "cpuSeconds": times.user + times.system}
    sys.stdout.write(json.dumps(figures) + "\n")
    raise SystemExit(code)
