"""Running `voip-admin` in process, as an operator runs it: its JSON answer, or its refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_admin.cli import main


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def ok(self, *argv: str) -> dict[str, Any]:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert len(lines) == 1, out
        result: dict[str, Any] = json.loads(lines[0])
        return result

    def run(self, *argv: str) -> tuple[int, str, str]:
        """Exit code, stdout and stderr, whatever the outcome."""
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exited:
            code = int(exited.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def refused(self, *argv: str) -> str:
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(argv))
        out, err = self.capsys.readouterr()
        assert exited.value.code == 2
        assert out == ""
        assert err.endswith("\n")
        assert err.count("\n") == 1, err
        assert "Traceback" not in err
        return err.rstrip("\n")
