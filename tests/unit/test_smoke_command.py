"""`voip-admin smoke` against the Lambda handler in process (moto behind it): the whole call, its
report, its exit code, the cleanup after a failed step, and bad input. The same command over real
HTTP against the local stack: tests/integration/test_smoke_http.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from voip_admin import smoke
from voip_admin.cli import main
from voip_admin.smoke_http import Reply
from voip_core.errors import ServiceUnavailable
from voip_core.wiring import Services

from tests.conftest import load_event
from tests.unit.calls import Api
from tests.unit.conftest import Actors, Configure, scan_tables

BASE_URL = "https://api.example.test"
STEPS = ["register-visitor", "create-room", "get-room", "close-room", "erase-visitor"]
EVENTS = {
    ("POST", "/api/v1/livechat/visitor"): "visitor_register.json",
    ("GET", "/api/v1/voip/room"): "voip_room_create.json",
    ("POST", "/api/v1/voip/room.close"): "room_close.json",
    ("DELETE", "/api/v1/livechat/visitor/"): "visitor_delete.json",
}


@dataclass
class HandlerTransport:
    """Turns the smoke's HTTP requests into API Gateway events for the handler; `faults` can
    replace an answer (by step number, from 1) after the request was served, as a lost answer."""

    api: Api
    base_url: str = BASE_URL
    sent: list[tuple[str, str]] = field(default_factory=list)
    lost: set[int] = field(default_factory=set)

    def __call__(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Reply:
        assert url.startswith(self.base_url + "/")
        address = urlsplit(url)
        self.sent.append((method, address.path))
        prefix = "/api/v1/livechat/visitor/"
        key = (method, prefix) if address.path.startswith(prefix) else (method, address.path)
        event = load_event(EVENTS[key])
        event["headers"] = {name.lower(): value for name, value in headers.items()}
        event["rawQueryString"] = address.query
        event.pop("queryStringParameters", None)
        event["rawPath"] = event["requestContext"]["http"]["path"] = address.path
        if key[1] == prefix:
            event["pathParameters"] = {"token": unquote(address.path[len(prefix) :])}
        event.pop("body", None)
        if body is not None:
            event["body"] = body.decode("utf-8")
        status, _, text = self.api.invoke(event)
        if len(self.sent) in self.lost:
            return Reply(None, None, 1.0, "no answer: timed out")
        return Reply(status, json.loads(text), 1.0)


@dataclass
class Run:
    code: int
    report: dict[str, Any]
    out: str
    err: str

    @property
    def steps(self) -> list[tuple[str, int | None, bool]]:
        return [(s["name"], s["status"], s["ok"]) for s in self.report["steps"]]


Smoke = Callable[..., Run]


@pytest.fixture
def run_smoke(
    api: Api, actors: Actors, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Smoke]:
    agent = actors.user("smoke.agent")
    transport = HandlerTransport(api)
    monkeypatch.setattr(smoke, "http_transport", lambda timeout: transport)

    def run(*argv: str, token: str | None = None, lost: set[int] | None = None) -> Run:
        transport.lost = lost or set()
        monkeypatch.setenv(smoke.USER_ID_VARIABLE, agent[0])
        monkeypatch.setenv(smoke.AUTH_TOKEN_VARIABLE, token or agent[1])
        capsys.readouterr()
        code = main(list(argv or ("smoke", "--url", BASE_URL)))
        out, err = capsys.readouterr()
        assert agent[1] not in out + err, "the agent's token was printed"
        assert out.count("\n") == 1
        return Run(code, json.loads(out), out, err)

    yield run


def smoke_data(dynamodb: Any) -> list[str]:
    """Every item a smoke visitor left: visitors with its token, rooms of such a visitor."""
    left = []
    for table, items in scan_tables(dynamodb).items():
        left += [f"{table}: {item}" for item in items if '"smoke-' in item]
    return left


@pytest.mark.parametrize("requires_auth", ["false", "true"])
def test_a_whole_call_passes_and_leaves_nothing(
    run_smoke: Smoke, configure: Configure, dynamodb: Any, requires_auth: str
) -> None:
    configure({"VISITOR_API_REQUIRES_AUTH": requires_auth})
    before = scan_tables(dynamodb)
    run = run_smoke()
    assert (run.code, run.err) == (0, "")
    assert run.steps == [(name, 200, True) for name in STEPS]
    assert run.report["ok"] is True
    assert run.report["url"] == BASE_URL
    latencies = [step["latencyMs"] for step in run.report["steps"]]
    assert all(isinstance(ms, float) and ms >= 0 for ms in latencies)
    assert "leftBehind" not in run.report
    assert smoke_data(dynamodb) == []
    after = scan_tables(dynamodb)
    assert after["VisitorsTable"] == before["VisitorsTable"]
    assert after["RoomsTable"] == before["RoomsTable"]
    assert after["CountersTable"] == before["CountersTable"], "no guest number taken"


@pytest.mark.parametrize("requires_auth", ["false", "true"])
def test_a_wrong_token_fails_clearly_and_leaves_nothing(
    run_smoke: Smoke, configure: Configure, dynamodb: Any, requires_auth: str
) -> None:
    configure({"VISITOR_API_REQUIRES_AUTH": requires_auth})
    run = run_smoke(token="not-the-agents-token")
    assert run.code == 1
    assert run.report["ok"] is False
    refused = "expected 200, got 401: You must be logged in to do this."
    if requires_auth == "true":  # the registration itself is refused: nothing to clean up
        assert run.steps == [("register-visitor", 401, False)]
    else:  # public registration, then the room refused; the visitor is erased
        assert run.steps == [
            ("register-visitor", 200, True),
            ("create-room", 401, False),
            ("cleanup-erase-visitor", 200, True),
        ]
    failed = [s for s in run.report["steps"] if not s["ok"]]
    assert [s["error"] for s in failed] == [refused]
    assert "leftBehind" not in run.report
    assert smoke_data(dynamodb) == []


def test_a_failed_fetch_closes_the_room_and_erases_the_visitor(
    run_smoke: Smoke, services: Services, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services.room_service.create_or_get

    def unavailable_for_rid(query: Any, *rest: Any) -> Any:
        if query.wants_existing_room:
            raise ServiceUnavailable()
        return real(query, *rest)

    monkeypatch.setattr(services.room_service, "create_or_get", unavailable_for_rid)
    run = run_smoke()
    assert run.code == 1
    assert run.steps == [
        ("register-visitor", 200, True),
        ("create-room", 200, True),
        ("get-room", 503, False),
        ("cleanup-close-room", 200, True),
        ("cleanup-erase-visitor", 200, True),
    ]
    unavailable = "expected 200, got 503: Service unavailable, try again"
    assert run.report["steps"][2]["error"] == unavailable
    assert smoke_data(dynamodb) == []


def test_a_lost_answer_to_the_room_request_still_closes_the_room_it_made(
    run_smoke: Smoke, services: Services, dynamodb: Any
) -> None:
    run = run_smoke(lost={2})  # the room is created, its answer never arrives
    assert run.code == 1
    assert run.steps == [
        ("register-visitor", 200, True),
        ("create-room", None, False),
        ("cleanup-find-room", 200, True),
        ("cleanup-close-room", 200, True),
        ("cleanup-erase-visitor", 200, True),
    ]
    assert run.report["steps"][1]["error"] == "no answer: timed out"
    assert smoke_data(dynamodb) == []


def test_what_cannot_be_cleaned_up_is_named(
    run_smoke: Smoke, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*_: Any, **__: Any) -> Any:
        raise ServiceUnavailable()

    monkeypatch.setattr(services.room_service, "close_for_visitor", unavailable)
    run = run_smoke()
    assert run.code == 1
    assert [name for name, _, ok in run.steps if not ok] == [
        "close-room",
        "cleanup-close-room",
        "cleanup-erase-visitor",
    ]
    erase = run.report["steps"][-1]
    assert erase["error"] == (
        "expected 200, got 400: Cannot remove visitors with opened rooms [visitor-has-open-rooms]"
    )
    (room, visitor) = run.report["leftBehind"]
    rid = room.split()[2]
    assert room == f"open room {rid} (voip-admin close-room --rid {rid})"
    assert visitor.startswith("visitor smoke-")


def test_the_url_comes_from_the_stacks_outputs(run_smoke: Smoke, dynamodb: Any) -> None:
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ApiUrl": {"Value": BASE_URL + "/"}},
    }
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(StackName="voip-prod", TemplateBody=json.dumps(template))
    run = run_smoke("--stack-name", "voip-prod", "smoke")
    assert (run.code, run.err) == (0, "")
    assert run.report["url"] == BASE_URL


BAD_INPUT = [
    ([], "give the API's URL with --url, or a stack with --stack-name (one of them)"),
    (["--url", "ftp://x"], "not an http(s) URL: ftp://x"),
    (["--url", "https://"], "not an http(s) URL: https://"),
    (["--url", f"{BASE_URL}?a=1"], f"the base URL takes no query or fragment: {BASE_URL}?a=1"),
    (["--url", BASE_URL, "--timeout", "0"], "--timeout must be a positive number of seconds"),
]


@pytest.mark.parametrize(("argv", "reason"), BAD_INPUT)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], reason: str, capsys: pytest.CaptureFixture[str], dynamodb: Any
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(smoke.USER_ID_VARIABLE, "u1")
        patch.setenv(smoke.AUTH_TOKEN_VARIABLE, "t1")
        with pytest.raises(SystemExit) as exited:
            main(["smoke", *argv])
    out, err = capsys.readouterr()
    assert (exited.value.code, out, err) == (2, "", f"voip-admin smoke: {reason}\n")


def test_missing_credentials_are_bad_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(smoke.USER_ID_VARIABLE, raising=False)
    monkeypatch.delenv(smoke.AUTH_TOKEN_VARIABLE, raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["smoke", "--url", BASE_URL, "--user-id", "u1"])
    out, err = capsys.readouterr()
    assert (exited.value.code, out) == (2, "")
    assert err.startswith("voip-admin smoke: an agent's credentials are needed")
    assert err.count("\n") == 1


def test_a_stack_without_the_url_output_is_bad_input(
    capsys: pytest.CaptureFixture[str], dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = {"Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}}}
    boto3.client("cloudformation").create_stack(StackName="bare", TemplateBody=json.dumps(template))
    monkeypatch.setenv(smoke.USER_ID_VARIABLE, "u1")
    monkeypatch.setenv(smoke.AUTH_TOKEN_VARIABLE, "t1")
    with pytest.raises(SystemExit) as exited:
        main(["--stack-name", "bare", "smoke"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == "voip-admin smoke: stack bare has no output ApiUrl\n"
