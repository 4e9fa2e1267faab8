"""Audit of `GET /api/v1/voip/room` and `voip-admin` over real sockets and real processes: the
places where the local stack or the CLI deviated from docs/contract/voip-room.md §8 and
docs/architecture.md, "Interfaces that stay stable"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import BASE_ENV, LocalStack, run_admin

pytestmark = pytest.mark.integration


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


def assert_one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.rstrip("\n")


def test_a_room_holding_a_lone_surrogate_is_answered_not_a_gateway_error(
    stack: LocalStack,
) -> None:
    """docs/contract/voip-room.md §8: never a bare gateway error. The visitor's name, registered
    through the API, holds a lone surrogate; the room answers it escaped, as JSON.stringify writes
    it."""
    registered = stack.request(
        "POST",
        "/api/v1/livechat/visitor",
        {**stack.auth, "Content-Type": "application/json"},
        b'{"visitor":{"token":"audit-lone","name":"a\\ud800b"}}',
    )
    assert registered.status == 200, registered.text
    reply = stack.get_room({"token": "audit-lone", "agentId": stack.agent_id}, stack.auth)
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"] == "application/json"
    assert '"name":"a\\ud800b","fname":"a\\ud800b"' in reply.text
    assert json.loads(reply.text)["newRoom"] is True


@pytest.mark.parametrize("endpoint", ["not-a-url", ""])
def test_a_malformed_endpoint_is_one_line_and_exit_2(endpoint: str) -> None:
    result = admin_process("--endpoint-url", endpoint, "create-visitor", "--token", "t")
    assert assert_one_line_refusal(result).startswith("voip-admin create-visitor: ")


def test_a_file_that_is_no_template_creates_nothing(stack: LocalStack, tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    tables = stack.dynamodb().list_tables()["TableNames"]
    result = run_admin(stack, "create-tables", "--template", str(path))
    assert assert_one_line_refusal(result).startswith("voip-admin create-tables: ")
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
        "audit-stackless",
        env={"AWS_ENDPOINT_URL_CLOUDFORMATION": stack.dynamodb_url},
    )
    message = assert_one_line_refusal(result)
    assert message.startswith("voip-admin create-visitor: ")
    assert "no-such-stack" in message
    check = run_admin(stack, "create-visitor", "--token", "audit-stackless")
    assert check.returncode == 0, check.stderr  # the refused command wrote no visitor
