"""Finding the Lambda runtime's Python (3.13) the way the Makefiles do."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

_IS_313 = "import sys; assert sys.version_info[:2] == (3, 13)"


def _works(candidate: str) -> bool:
    try:
        checked = subprocess.run([candidate, "-c", _IS_313], check=False, capture_output=True)
        return checked.returncode == 0
    except OSError:
        return False


def find_python313() -> str | None:
    """PYTHON313 if set; else python3.13 on PATH; else a pyenv 3.13 (whose shim answers only while
    a 3.13 is a selected version)."""
    candidates = [os.environ.get("PYTHON313", ""), shutil.which("python3.13") or ""]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.13*/bin/python3.13"))
    return next((c for c in candidates if c and _works(c)), None)
