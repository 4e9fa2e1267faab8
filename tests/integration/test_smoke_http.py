"""`voip-admin smoke` as an operator runs it, over HTTP against the local stack (`make run`'s):
a whole call passes, a wrong token fails with a clear report, and neither leaves a smoke visitor
or a room behind in DynamoDB. The stack keeps the template's rate limits (the smoke makes two
voip/room calls and one registration), with the visitor routes public and then authenticated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import BASE_ENV, LocalStack, running_stack

pytestmark = pytest.mark.integration

STEPS = ["register-visitor", "create-room", "get-room", "close-room", "erase-visitor"]


@pytest.fixture(scope="module", params=["false", "true"], ids=["public-visitors", "auth-visitors"])
def smoke_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    settings = {"VISITOR_API_REQUIRES_AUTH": request.param}
    with running_stack(tmp_path_factory.mktemp("smoke"), settings) as running:
        running.state["visitorApiRequiresAuth"] = request.param == "true"
        yield running


def run_smoke(stack: LocalStack, auth_token: str) -> tuple[int, dict[str, Any], str]:
    script = Path(sys.executable).parent / "voip-admin"
    env = {**os.environ, **BASE_ENV}
    env.update({"VOIP_SMOKE_USER_ID": stack.agent_id, "VOIP_SMOKE_AUTH_TOKEN": auth_token})
    result = subprocess.run(
        [str(script), "smoke", "--url", stack.api_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert auth_token not in result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return result.returncode, report, result.stderr


def smoke_items(stack: LocalStack) -> list[str]:
    """Every visitor or room in DynamoDB that belongs to a smoke visitor (token smoke-...)."""
    client = stack.dynamodb()
    found = []
    for table in ("VisitorsTable", "RoomsTable"):
        for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            found += [json.dumps(item) for item in page["Items"] if '"smoke-' in json.dumps(item)]
    return found


def test_a_whole_call_passes_over_http(smoke_stack: LocalStack) -> None:
    code, report, err = run_smoke(smoke_stack, smoke_stack.agent_token)
    assert (code, err) == (0, "")
    assert [(s["name"], s["status"], s["ok"]) for s in report["steps"]] == [
        (name, 200, True) for name in STEPS
    ]
    assert report["ok"] is True
    assert report["url"] == smoke_stack.api_url
    assert smoke_items(smoke_stack) == []


def test_a_wrong_token_exits_1_with_a_clear_report_and_leaves_nothing(
    smoke_stack: LocalStack,
) -> None:
    code, report, err = run_smoke(smoke_stack, "wrong-" + smoke_stack.agent_token[::-1])
    assert (code, err) == (1, "")
    assert report["ok"] is False
    failed = [step for step in report["steps"] if not step["ok"]]
    assert len(failed) == 1
    assert failed[0]["status"] == 401
    assert failed[0]["error"] == "expected 200, got 401: You must be logged in to do this."
    if smoke_stack.state["visitorApiRequiresAuth"]:  # refused at once: nothing was created
        assert [step["name"] for step in report["steps"]] == ["register-visitor"]
    else:  # the public registration passed; the visitor it made is erased
        assert [step["name"] for step in report["steps"]] == [
            "register-visitor",
            "create-room",
            "cleanup-erase-visitor",
        ]
        assert report["steps"][-1]["ok"] is True
    assert "leftBehind" not in report
    assert smoke_items(smoke_stack) == []
