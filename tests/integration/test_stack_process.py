"""`python -m voip_local` (what `make run` runs) as a process: the banner's curl works as printed,
every route's rate limit is off unless the developer sets one, it stops cleanly on SIGINT and
SIGTERM, and a taken port or a bad LOCAL_RATE_LIMITS is one line on stderr."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.conftest import (
    LocalStack,
    running_stack,
    stack_command,
    stack_env,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fresh_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack with `make run`'s settings, that no other test has touched."""
    with running_stack(tmp_path_factory.mktemp("fresh"), {"LOCAL_RATE_LIMITS": ""}) as stack:
        yield stack


def banner_line(stack: LocalStack, start: str) -> str:
    lines = stack.output.read_text(encoding="utf-8").splitlines()
    found = [line.strip() for line in lines if line.strip().startswith(start)]
    assert len(found) == 1, lines
    return found[0]


def printed_curl(stack: LocalStack) -> list[str]:
    """The banner's curl, its variables set as the banner's export line sets them."""
    export = shlex.split(banner_line(stack, "export "))
    assert export[0] == "export"
    variables = dict(assignment.split("=", 1) for assignment in export[1:])
    assert set(variables) == {"API", "USER_ID", "AUTH_TOKEN"}
    command, _, rest = banner_line(stack, "curl ").partition("; ")
    assert rest == "echo"
    arguments = shlex.split(command)
    for name, value in variables.items():
        arguments = [argument.replace(f"${name}", value) for argument in arguments]
    assert "$" not in "".join(arguments)
    return arguments


def run_curl(arguments: list[str]) -> tuple[int, dict[str, str], str]:
    """The banner's command as a developer pastes it, with -i to see the status and headers."""
    if shutil.which("curl"):
        result = subprocess.run(
            [*arguments, "-i"], capture_output=True, text=True, timeout=30, check=True
        )
        head, _, body = result.stdout.replace("\r\n", "\n").partition("\n\n")
    else:  # the same request without curl: its -H headers and its URL
        import urllib.request

        headers = dict(
            arguments[i + 1].split(": ", 1) for i, arg in enumerate(arguments) if arg == "-H"
        )
        request = urllib.request.Request(arguments[-1], headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            head = f"HTTP/1.1 {response.status}\n" + "".join(
                f"{k}: {v}\n" for k, v in response.headers.items()
            )
            body = response.read().decode()
    status_line, *header_lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def test_the_printed_curl_creates_then_returns_the_demo_room(fresh_stack: LocalStack) -> None:
    arguments = printed_curl(fresh_stack)
    assert arguments[0] == "curl" and arguments[-1].startswith(fresh_stack.api_url)

    status, headers, body = run_curl(arguments)
    assert status == 200, body
    created = json.loads(body)
    assert created["newRoom"] is True and created["success"] is True
    assert created["room"]["v"]["token"] == fresh_stack.state["visitor"]["token"]
    assert created["room"]["servedBy"]["username"] == fresh_stack.state["agent"]["username"]
    # `make run` limits no route (LOCAL_RATE_LIMITS): no X-RateLimit-* headers. That the stack
    # spends none of a quota itself is checked with Rocket.Chat's limits (test_rate_limit_http).
    assert not [name for name in headers if name.lower().startswith("x-ratelimit")]

    status, _, again = run_curl(arguments)
    assert status == 200 and json.loads(again) == {**created, "newRoom": False}


def test_the_token_is_printed_once_and_never_logged(fresh_stack: LocalStack) -> None:
    run_curl(printed_curl(fresh_stack))  # requests have been handled and logged
    log_text = fresh_stack.output.read_text(encoding="utf-8")
    assert log_text.count(fresh_stack.agent_token) == 1  # in the banner's export line only
    assert '"GET /api/v1/voip/room" 200' in log_text
    # The demo visitor's token: the banner's visitor line and its curl, nowhere else.
    assert log_text.count(fresh_stack.state["visitor"]["token"]) == 2


def test_the_first_generated_visitor_name_is_guest_2(fresh_stack: LocalStack) -> None:
    visitor = fresh_stack.admin("create-visitor", "--token", "first-generated")
    assert visitor["username"] == "guest-2"


def test_sigint_stops_it_cleanly(tmp_path: Path) -> None:
    ready_file = tmp_path / "ready.json"
    process = subprocess.Popen(
        stack_command("--port", "0", "--dynamodb-port", "0", "--ready-file", str(ready_file)),
        cwd=ROOT,
        env=stack_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ready_file.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert err == "" and out.rstrip().endswith("voip-room local stack stopped.")
    state = json.loads(ready_file.read_text(encoding="utf-8"))
    with pytest.raises(OSError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", int(state["apiUrl"].rsplit(":", 1)[1])), 1)


@pytest.mark.parametrize("variable", ["PORT", "DYNAMODB_PORT"])
def test_a_taken_port_is_one_line_on_stderr(variable: str) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        other = "DYNAMODB_PORT" if variable == "PORT" else "PORT"
        result = subprocess.run(
            stack_command(),
            cwd=ROOT,
            env=stack_env({variable: str(taken), other: "0"}),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"voip-local: port {taken} on 127.0.0.1 is already in use; stop what holds it, or"
        f" choose another port: {variable}={taken + 1} make run\n"
    )


def test_a_bad_local_rate_limits_is_one_line_on_stderr() -> None:
    result = subprocess.run(
        stack_command("--port", "0", "--dynamodb-port", "0"),
        cwd=ROOT,
        env=stack_env({"LOCAL_RATE_LIMITS": "strict"}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "voip-local: LOCAL_RATE_LIMITS must be off or rocketchat, got 'strict'\n"
    )
