"""SAM's output for template.yaml (tests/template/transformed_check.py), where the SAM translator
is installed: in .tools, which `make validate` creates (and where it runs this check too)."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT

TOOLS_PYTHON = ROOT / ".tools" / "bin" / "python"


def test_sam_generates_the_codedeploy_update_and_tags_everything() -> None:
    if not (ROOT / ".tools" / ".installed").exists():
        pytest.skip("no .tools (the SAM translator): `make validate` installs it and runs this")
    result = subprocess.run(
        [str(TOOLS_PYTHON), str(ROOT / "tests" / "template" / "transformed_check.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
