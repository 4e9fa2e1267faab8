"""The README's examples, run as a reader runs them (issue 12 §1): the banner's `export` line pasted
into a fresh shell, then every ```sh block of "Try it", "A call from start to end", "An
integration token" and "Call history", in order, and then all of it again, against a stack started
with `make run`'s settings. Each step must print exactly the answer the README shows after `# → `
(`…` for ids and times) and nothing on stderr, so the README cannot drift from the code.

The README's commands name the default ports; the stack here runs on free ones: the API's URL
comes from the banner's own `export` line, and `http://127.0.0.1:8000` (`voip-admin
--endpoint-url`) is replaced by the stack's DynamoDB URL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.conftest import LocalStack, running_stack
from tests.integration.readme import Step, steps

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl"),
]

SECTIONS = ("Try it", "A call from start to end", "An integration token", "Call history")
README_DYNAMODB_URL = "http://127.0.0.1:8000"
MARK = "@@readme-step-{}@@"


@pytest.fixture(scope="module")
def readme_steps() -> list[Step]:
    return steps((ROOT / "README.md").read_text(encoding="utf-8"), SECTIONS)


@pytest.fixture(scope="module")
def make_run_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """`make run`'s settings: nothing set, LOCAL_RATE_LIMITS included."""
    with running_stack(tmp_path_factory.mktemp("readme"), {"LOCAL_RATE_LIMITS": ""}) as stack:
        yield stack


def banner_line(stack: LocalStack, start: str) -> str:
    lines = [
        line.strip()
        for line in stack.output.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(start)
    ]
    assert len(lines) == 1, f"one banner line starting {start!r}, got {lines}"
    return lines[0]


def newcomer_env() -> dict[str, str]:
    """A shell with none of this project's settings, nor any AWS ones."""
    prefixes = ("AWS_", "RATE_LIMIT", "VOIP_", "LOCAL_RATE_LIMITS", "DYNAMODB")
    return {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}


def run_readme(
    stack: LocalStack, readme_steps: list[Step], directory: Path
) -> list[tuple[str, str]]:
    """One pass in a fresh shell: the banner's export line, then every step; (stdout, stderr)
    of each step."""
    parts = [banner_line(stack, "export API=")]
    for index, step in enumerate(readme_steps):
        parts.append(step.commands.replace(README_DYNAMODB_URL, stack.dynamodb_url))
        mark = MARK.format(index)
        parts.append(f"echo '{mark}'; echo '{mark}' >&2")
    script = directory / "readme.sh"
    script.write_text("\n".join(parts) + "\n", encoding="utf-8")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", str(script)],
        cwd=ROOT,
        env=newcomer_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outs = _per_step(done.stdout, len(readme_steps))
    errs = _per_step(done.stderr, len(readme_steps))
    return list(zip(outs, errs, strict=True))


def _per_step(output: str, count: int) -> list[str]:
    segments = []
    for index in range(count):
        before, mark, output = output.partition(MARK.format(index) + "\n")
        assert mark, f"the script stopped before step {index}:\n{before[-2000:]}"
        segments.append(before)
    assert output == ""
    return segments


def test_the_readme_shows_an_answer_for_each_section(readme_steps: list[Step]) -> None:
    for section in SECTIONS:
        shown = [step for step in readme_steps if step.section == section and step.expected]
        assert shown, f"no example with its answer under {section!r}"
    assert sum(len(step.expected) for step in readme_steps) >= 15


def test_the_banner_is_what_the_readme_shows(
    make_run_stack: LocalStack, readme_steps: list[Step]
) -> None:
    """The README's first command is the banner's curl, and `make run` limits nothing."""
    assert readme_steps[0].commands.strip() == banner_line(make_run_stack, "curl ")
    export = banner_line(make_run_stack, "export API=")
    assert export == (
        f"export API={make_run_stack.api_url} USER_ID={make_run_stack.agent_id}"
        f" AUTH_TOKEN={make_run_stack.agent_token}"
    )
    rate_limits = banner_line(make_run_stack, "Rate limits")
    assert "off on every route" in rate_limits
    assert "LOCAL_RATE_LIMITS=rocketchat make run" in rate_limits


def test_the_readme_runs_twice_and_prints_what_it_shows(
    make_run_stack: LocalStack, readme_steps: list[Step], tmp_path: Path
) -> None:
    for attempt in ("first", "second"):
        results = run_readme(make_run_stack, readme_steps, tmp_path)
        for step, (out, err) in zip(readme_steps, results, strict=True):
            where = f"{attempt} run, {step.section!r}:\n{step.commands}"
            assert err == "", f"{where}\nprinted on stderr:\n{err}"
            printed = out.splitlines()
            assert step.matches(printed), (
                f"{where}\nthe README shows:\n" + "\n".join(step.expected) + "\nprinted:\n" + out
            )


def test_a_refused_step_prints_the_answer_not_a_traceback(
    tmp_path: Path, readme_steps: list[Step]
) -> None:
    """With Rocket.Chat's limits, the sixth voip/room request of a minute is refused (what the
    issue saw): that step says so with the service's own answer, and nothing crashes."""
    with running_stack(tmp_path / "limited", {"LOCAL_RATE_LIMITS": "rocketchat"}) as stack:
        rate_limits = banner_line(stack, "Rate limits")
        assert "GET voip/room 5, POST voip/room.close 10" in rate_limits
        results = run_readme(stack, readme_steps, tmp_path)
    stderr = "".join(err for _, err in results)
    assert "Traceback" not in stderr
    assert (
        'unexpected answer: {"success":false,"error":"Error, too many requests. Please slow down.'
        in stderr
    )
