"""`make help`, which plain `make` runs too, lists every target of the Makefile once, each with
what it does and how long it takes (issue 12): a target added without its line fails here."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

# A rule's name at the start of a line (not a variable, not .PHONY, not `$(STAMP):`).
RULE = re.compile(r"^([a-z0-9][a-z0-9_-]*):(?!=)", re.MULTILINE)
# What it does, then [how long it takes].
LINE = re.compile(r"^  (?P<target>[a-z0-9_-]+) +(?P<does>\S.*\S) \[(?P<takes>[^\]]+)\]$")


def make_help() -> str:
    return subprocess.run(
        ["make", "--no-print-directory", "-s"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def test_plain_make_lists_every_target_with_what_it_does_and_how_long() -> None:
    rules = set(RULE.findall((ROOT / "Makefile").read_text(encoding="utf-8")))
    header, *entries = make_help().splitlines()
    assert header.startswith("make <target>")
    matches = [LINE.match(entry) for entry in entries]
    assert all(matches), entries
    targets = [match["target"] for match in matches if match]
    assert sorted(targets) == sorted(rules)
    assert len(set(targets)) == len(targets)


def test_the_readme_shows_the_same_list() -> None:
    """The README's "Commands" section is `make help`'s output, word for word."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```\n{make_help()}```" in readme
