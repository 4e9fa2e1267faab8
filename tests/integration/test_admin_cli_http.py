"""`voip-admin` as a process against the local stack, as the README uses it (issue 12): no AWS
credentials needed for its DynamoDB, and one line naming the problem (exit 2 for bad input, never a
traceback) when the endpoint, region, template or stack is wrong, with nothing but one line in the
stack's own log either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.conftest import BASE_ENV, LocalStack, run_admin

pytestmark = pytest.mark.integration


def voip_admin(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The CLI as a newcomer runs it: no AWS variable, no AWS file, no metadata service."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / "absent"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "absent"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return subprocess.run(
        [str(Path(sys.executable).parent / "voip-admin"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def admin_process(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`voip-admin` exactly as given (no endpoint added)."""
    script = Path(sys.executable).parent / "voip-admin"
    environment = {**os.environ, **BASE_ENV, **(env or {})}
    return subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert (result.returncode, result.stdout) == (code, ""), result.stderr
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.rstrip("\n")


def settled_log(stack: LocalStack) -> str:
    """The stack's log once it stops growing (werkzeug logs a failure after answering it)."""
    text = stack.output.read_text(encoding="utf-8")
    for _ in range(50):
        time.sleep(0.1)
        again = stack.output.read_text(encoding="utf-8")
        if again == text and text.endswith("\n"):
            break
        text = again
    return text


def test_the_local_dynamodb_needs_no_credentials(stack: LocalStack, tmp_path: Path) -> None:
    created = voip_admin(
        "--endpoint-url", stack.dynamodb_url, "create-user", "--username", "no.keys", home=tmp_path
    )
    assert created.returncode == 0, created.stderr
    user_id = json.loads(created.stdout)["userId"]
    issued = voip_admin(
        "--endpoint-url", stack.dynamodb_url, "issue-token", "--user-id", user_id, home=tmp_path
    )
    assert issued.returncode == 0, issued.stderr
    assert json.loads(issued.stdout)["userId"] == user_id


def test_the_api_port_is_named_as_not_dynamodb(stack: LocalStack, tmp_path: Path) -> None:
    result = voip_admin(
        "--endpoint-url", stack.api_url, "issue-token", "--user-id", "u1", home=tmp_path
    )
    assert one_line(result, 2) == (
        f"voip-admin issue-token: {stack.api_url} is an HTTP API (the local stack's API?), not "
        "DynamoDB: give DynamoDB's endpoint (the local stack prints it; port 8000 by default)"
    )


def test_an_unknown_region_is_one_line_here_and_in_the_stacks_log(
    stack: LocalStack, tmp_path: Path
) -> None:
    before = stack.output.read_text(encoding="utf-8")
    result = voip_admin(
        "--endpoint-url",
        stack.dynamodb_url,
        "--region",
        "eu-west-9",
        "create-visitor",
        "--token",
        "nowhere",
        home=tmp_path,
    )
    assert one_line(result, 2) == (
        "voip-admin create-visitor: unknown region 'eu-west-9': DynamoDB has no such region"
    )
    logged = settled_log(stack)[len(before) :]
    assert "Traceback" not in logged
    lines = logged.splitlines()
    assert lines, "the stack logs the failed requests"
    assert all(line.startswith("DynamoDB endpoint: a request failed inside moto") for line in lines)
    assert all(line.endswith("KeyError: 'eu-west-9'") for line in lines)


@pytest.mark.parametrize("endpoint", ["not-a-url", ""])
def test_a_malformed_endpoint_is_one_line_and_exit_2(endpoint: str) -> None:
    result = admin_process("--endpoint-url", endpoint, "create-visitor", "--token", "t")
    assert one_line(result, 2).startswith("voip-admin create-visitor: ")


def test_a_file_that_is_no_template_creates_nothing(stack: LocalStack, tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    tables = stack.dynamodb().list_tables()["TableNames"]
    result = run_admin(stack, "create-tables", "--template", str(path))
    assert one_line(result, 2).startswith("voip-admin create-tables: ")
    assert stack.dynamodb().list_tables()["TableNames"] == tables


def test_a_missing_stack_is_one_line_and_exit_2(stack: LocalStack) -> None:
    """The local moto server answers CloudFormation too: a stack it does not have."""
    result = admin_process(
        "--endpoint-url",
        stack.dynamodb_url,
        "--stack-name",
        "no-such-stack",
        "create-visitor",
        "--token",
        "stackless",
        env={"AWS_ENDPOINT_URL_CLOUDFORMATION": stack.dynamodb_url},
    )
    message = one_line(result, 2)
    assert message.startswith("voip-admin create-visitor: ")
    assert "no-such-stack" in message
    check = run_admin(stack, "create-visitor", "--token", "stackless")
    assert check.returncode == 0, check.stderr  # the refused command wrote no visitor
