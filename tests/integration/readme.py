"""The README's runnable examples, read out of the Markdown: the ```sh blocks of the sections a
reader runs against `make run`, split into steps, each with the answer the README shows for it.

A step is the commands up to a run of `# → ` lines, which are what those commands print, one line
each; `…` in them stands for any text within a JSON string (an id, a time). Commands followed by
no `# → ` line print nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXPECTED_PREFIX = "# → "
ELIDED = "…"
FENCE = "```"


@dataclass(frozen=True)
class Step:
    section: str
    commands: str  # shell text, as in the README
    expected: tuple[str, ...]  # the lines it prints

    def matches(self, printed: list[str]) -> bool:
        return len(printed) == len(self.expected) and all(
            answer_pattern(expected).fullmatch(line) is not None
            for expected, line in zip(self.expected, printed, strict=True)
        )


def answer_pattern(expected: str) -> re.Pattern[str]:
    """`…` matches any run of characters other than a double quote: an elided value can never
    hide a key, a brace or a whole string."""
    return re.compile('[^"]*'.join(re.escape(part) for part in expected.split(ELIDED)))


def shell_blocks(markdown: str) -> list[tuple[str, str]]:
    """(the heading it sits under, its text) for every ```sh block; other fenced blocks are
    skipped, and the `#` lines inside any block are not headings."""
    blocks: list[tuple[str, str]] = []
    heading = ""
    fenced = False
    shell: list[str] | None = None
    for line in markdown.splitlines():
        if fenced:
            if line.startswith(FENCE):
                if shell is not None:
                    blocks.append((heading, "\n".join(shell)))
                fenced, shell = False, None
            elif shell is not None:
                shell.append(line)
        elif line.startswith(FENCE):
            fenced = True
            shell = [] if line.strip() == FENCE + "sh" else None
        elif match := re.match(r"#{1,6} (.+)", line):
            heading = match.group(1).strip()
    return blocks


def steps(markdown: str, sections: tuple[str, ...]) -> list[Step]:
    """The steps of the ```sh blocks under `sections`, in README order."""
    found: list[Step] = []
    for heading, text in shell_blocks(markdown):
        if heading in sections:
            found += _split(heading, text)
    return found


def _split(section: str, text: str) -> list[Step]:
    result: list[Step] = []
    commands: list[str] = []
    expected: list[str] = []
    for line in text.splitlines():
        if line.startswith(EXPECTED_PREFIX):
            expected.append(line.removeprefix(EXPECTED_PREFIX))
            continue
        if expected:
            result.append(Step(section, "\n".join(commands), tuple(expected)))
            commands, expected = [], []
        commands.append(line)
    if any(line.strip() and not line.lstrip().startswith("#") for line in commands) or expected:
        result.append(Step(section, "\n".join(commands), tuple(expected)))
    return result
