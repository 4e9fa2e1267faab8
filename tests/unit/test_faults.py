"""DynamoDB failing at each step of `GET voip/room` (docs/contract/voip-room.md §5, §8): the batch
read, the create transaction, the re-read after a lost race, the rate-limit counter and its
give-back.

Faults are injected on the wire (tests/unit/fault_injection.py), below botocore's standard
retries (`wire.attempts_per_call` attempts, read from the client's config): a fault armed for every
attempt reaches the service, one armed for fewer is absorbed by botocore. Each case checks the
spec's answer (200 after a retry, 503, or the 500 envelope) and that the tables hold no
half-written state afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff
from voip_core.wiring import Services

from tests.summary import report_line
from tests.unit import fault_injection as faults
from tests.unit.calls import Api
from tests.unit.conftest import Actors
from tests.unit.fault_scene import VISITOR, Scene, assert_created, assert_nothing_written, scan

UNAVAILABLE = '{"success":false,"error":"Service unavailable, try again"}'
INTERNAL = '{"success":false,"error":"Internal server error"}'

# The unavailable family of docs/contract/voip-room.md §8, each as DynamoDB sends it.
UNAVAILABLE_FAULTS = {
    "throttling": lambda: faults.error_response("ThrottlingException"),
    "capacity": lambda: faults.error_response("ProvisionedThroughputExceededException"),
    "internal-server-error": lambda: faults.error_response("InternalServerError", status=500),
    "connect-timeout": faults.connect_timeout,
    "read-timeout": faults.read_timeout,
}


def unavailable_faults() -> list[Any]:
    return [pytest.param(make, id=name) for name, make in UNAVAILABLE_FAULTS.items()]


@pytest.fixture(scope="module", autouse=True)
def _report_injected(request: pytest.FixtureRequest) -> Iterator[None]:
    before = sum(faults.INJECTED.values())
    yield
    injected = sum(faults.INJECTED.values()) - before
    report_line(request.config, f"\nfaults: {injected} DynamoDB faults injected on the wire")


@pytest.fixture
def wire(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> faults.WireFaults:
    # botocore's backoff (up to 1 s and 2 s between throttled attempts) would only slow the tests.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    return faults.WireFaults(dynamodb)


@pytest.fixture
def scene(api: Api, actors: Actors, services: Services, wire: faults.WireFaults) -> Scene:
    agent_id, agent_token = actors.user("kim.jane")
    actors.visitor(VISITOR, name="Mary")
    wire.attempts.clear()  # count the request's calls only
    return Scene(api, services, agent_id, agent_token)


# --- the batch read -------------------------------------------------------------------------


@pytest.mark.parametrize("make_fault", unavailable_faults())
def test_batch_read_failing_every_attempt_is_503(
    scene: Scene, wire: faults.WireFaults, make_fault: Any
) -> None:
    wire.arm("BatchGetItem", make_fault())
    assert scene.create() == (503, UNAVAILABLE)
    assert wire.attempts["BatchGetItem"] == wire.attempts_per_call
    assert_nothing_written(scene)


@pytest.mark.parametrize(
    "make_fault", [pytest.param(m, id=n) for n, m in UNAVAILABLE_FAULTS.items()]
)
def test_batch_read_failing_twice_succeeds_on_botocores_third_attempt(
    scene: Scene, wire: faults.WireFaults, make_fault: Any
) -> None:
    wire.arm("BatchGetItem", make_fault(), times=wire.attempts_per_call - 1)
    assert_created(scene, *scene.create())
    assert wire.attempts["BatchGetItem"] == wire.attempts_per_call


@pytest.mark.parametrize("all_tables", [True, False], ids=["all-keys", "one-table"])
@pytest.mark.parametrize("times", [1, 4])
def test_unprocessed_keys_are_read_again(
    scene: Scene, wire: faults.WireFaults, times: int, all_tables: bool
) -> None:
    wire.arm("BatchGetItem", faults.unprocessed(all_tables), times=times)
    assert_created(scene, *scene.create())
    assert wire.attempts["BatchGetItem"] == times + 1


def test_keys_left_unprocessed_after_every_pass_are_503(
    scene: Scene, wire: faults.WireFaults
) -> None:
    wire.arm("BatchGetItem", faults.unprocessed())
    assert scene.create() == (503, UNAVAILABLE)
    assert wire.attempts["BatchGetItem"] == 5  # the first pass and four more after pauses
    assert_nothing_written(scene)


def test_batch_read_refused_for_another_reason_is_the_500_envelope(
    scene: Scene, wire: faults.WireFaults
) -> None:
    wire.arm("BatchGetItem", faults.error_response("ValidationException"))
    assert scene.create() == (500, INTERNAL)
    assert_nothing_written(scene)


# --- the create transaction -----------------------------------------------------------------


@pytest.mark.parametrize("make_fault", unavailable_faults())
def test_transaction_failing_every_attempt_is_503_and_writes_nothing(
    scene: Scene, wire: faults.WireFaults, make_fault: Any
) -> None:
    wire.arm("TransactWriteItems", make_fault())
    assert scene.create() == (503, UNAVAILABLE)
    assert wire.attempts["TransactWriteItems"] == wire.attempts_per_call
    assert_nothing_written(scene)


@pytest.mark.parametrize(
    "make_fault", [pytest.param(m, id=n) for n, m in UNAVAILABLE_FAULTS.items()]
)
def test_transaction_failing_twice_commits_once_on_botocores_third_attempt(
    scene: Scene, wire: faults.WireFaults, make_fault: Any
) -> None:
    wire.arm("TransactWriteItems", make_fault(), times=wire.attempts_per_call - 1)
    assert_created(scene, *scene.create())


@pytest.mark.parametrize("code", ["TransactionConflictException", "TransactionInProgressException"])
def test_transaction_level_conflicts_that_outlast_retries_are_503(
    scene: Scene, wire: faults.WireFaults, code: str
) -> None:
    wire.arm("TransactWriteItems", faults.error_response(code))
    assert scene.create() == (503, UNAVAILABLE)
    assert_nothing_written(scene)


@pytest.mark.parametrize("code", ["ValidationException", "ResourceNotFoundException"])
def test_transaction_refused_for_another_reason_is_the_500_envelope(
    scene: Scene, wire: faults.WireFaults, code: str
) -> None:
    wire.arm("TransactWriteItems", faults.error_response(code))
    assert scene.create() == (500, INTERNAL)
    assert_nothing_written(scene)


LOST_RACE_REASONS = {
    "conditional-check-failed": ("None", "ConditionalCheckFailed"),
    "transaction-conflict": ("TransactionConflict", "None"),
}


@pytest.mark.parametrize("reasons", LOST_RACE_REASONS.values(), ids=LOST_RACE_REASONS.keys())
def test_lost_race_returns_the_winners_room(
    scene: Scene, wire: faults.WireFaults, reasons: tuple[str, ...]
) -> None:
    winner: list[str] = []
    rival = faults.cancelled(*reasons, before=lambda: winner.append(scene.rival_creates_room()))
    wire.arm("TransactWriteItems", rival, times=1)
    status, body = scene.create()
    room = assert_created(scene, status, body, new_room=False)
    assert room["_id"] == winner[0]
    assert wire.attempts["TransactWriteItems"] == 1  # the loser re-reads, it does not write again


@pytest.mark.parametrize("reasons", LOST_RACE_REASONS.values(), ids=LOST_RACE_REASONS.keys())
def test_cancellation_with_no_winner_visible_tries_again(
    scene: Scene, wire: faults.WireFaults, reasons: tuple[str, ...]
) -> None:
    wire.arm("TransactWriteItems", faults.cancelled(*reasons), times=2)
    assert_created(scene, *scene.create())
    assert wire.attempts["TransactWriteItems"] == 3


@pytest.mark.parametrize("reasons", LOST_RACE_REASONS.values(), ids=LOST_RACE_REASONS.keys())
def test_cancellations_that_outlast_the_retries_are_503(
    scene: Scene, wire: faults.WireFaults, reasons: tuple[str, ...]
) -> None:
    wire.arm("TransactWriteItems", faults.cancelled(*reasons))
    assert scene.create() == (503, UNAVAILABLE)
    assert_nothing_written(scene)


@pytest.mark.parametrize("reason", ["ThrottlingError", "ProvisionedThroughputExceeded"])
def test_cancellation_for_capacity_is_503(
    scene: Scene, wire: faults.WireFaults, reason: str
) -> None:
    wire.arm("TransactWriteItems", faults.cancelled(reason, "None"))
    assert scene.create() == (503, UNAVAILABLE)
    assert_nothing_written(scene)


def test_answer_lost_after_the_commit_returns_the_committed_room(
    scene: Scene, wire: faults.WireFaults
) -> None:
    """The transaction committed but its answer timed out: botocore sends it again, DynamoDB
    (or moto, which ignores ClientRequestToken) refuses the duplicate, and the service must answer
    with the one room that exists, never a second one."""
    wire.arm("TransactWriteItems", faults.read_timeout(after_applying=True), times=1)
    status, body = scene.create()
    assert status == 200, body
    (stored,) = scene.rooms()
    assert json.loads(body)["room"] == json.loads(stored["doc"]["S"])
    scene.assert_consistent()


# --- the re-read after a lost race ----------------------------------------------------------


@pytest.mark.parametrize("make_fault", unavailable_faults())
def test_reread_failing_after_a_lost_race_is_503_and_keeps_the_winner(
    scene: Scene, wire: faults.WireFaults, make_fault: Any
) -> None:
    winner: list[str] = []
    rival = faults.cancelled(
        "None", "ConditionalCheckFailed", before=lambda: winner.append(scene.rival_creates_room())
    )
    wire.arm("TransactWriteItems", rival, times=1)
    wire.arm("GetItem", make_fault())
    assert scene.create() == (503, UNAVAILABLE)
    (stored,) = scene.rooms()
    assert stored["_id"]["S"] == winner[0]
    scene.assert_consistent()


def test_reread_failing_twice_still_finds_the_winner(scene: Scene, wire: faults.WireFaults) -> None:
    winner: list[str] = []
    rival = faults.cancelled(
        "None", "ConditionalCheckFailed", before=lambda: winner.append(scene.rival_creates_room())
    )
    wire.arm("TransactWriteItems", rival, times=1)
    wire.arm("GetItem", faults.error_response("ThrottlingException"), times=2)
    room = assert_created(scene, *scene.create(), new_room=False)
    assert room["_id"] == winner[0]


def test_reread_failing_with_no_winner_is_503_and_writes_nothing(
    scene: Scene, wire: faults.WireFaults
) -> None:
    wire.arm("TransactWriteItems", faults.cancelled("None", "ConditionalCheckFailed"), times=1)
    wire.arm("GetItem", faults.error_response("ProvisionedThroughputExceededException"))
    assert scene.create() == (503, UNAVAILABLE)
    assert_nothing_written(scene)


# --- the rate-limit counter and its give-back -----------------------------------------------


def _counter_step(amount: int) -> Any:
    def matches(params: dict[str, Any]) -> bool:
        values = params.get("ExpressionAttributeValues") or {}
        return bool(values.get(":amount", {}).get("N") == str(amount))

    return matches


def _hits(scene: Scene) -> list[int]:
    table = scene.services.settings.tables.rate_limits
    return [int(item["hits"]["N"]) for item in scan(scene.services, table)]


@pytest.mark.parametrize("make_fault", unavailable_faults())
def test_counter_failing_every_attempt_is_503(
    scene: Scene, wire: faults.WireFaults, make_fault: Any
) -> None:
    wire.arm("UpdateItem", make_fault(), matches=_counter_step(1), label="counter")
    assert scene.create() == (503, UNAVAILABLE)
    assert_nothing_written(scene)


def test_counter_failing_twice_is_counted_on_the_third_attempt(
    scene: Scene, wire: faults.WireFaults
) -> None:
    wire.arm(
        "UpdateItem",
        faults.error_response("ThrottlingException"),
        times=2,
        matches=_counter_step(1),
        label="counter",
    )
    status, headers, body = scene.api.call(
        {"token": VISITOR, "agentId": scene.agent_id}, scene.agent_id, scene.agent_token
    )
    assert_created(scene, status, body)
    assert headers["X-RateLimit-Remaining"] == "4"
    assert _hits(scene) == [1]


def test_counter_failing_does_not_matter_to_an_exempt_caller(
    scene: Scene, actors: Actors, wire: faults.WireFaults
) -> None:
    admin_id, admin_token = actors.user("boss", roles=("admin", "livechat-agent"))
    wire.arm("UpdateItem", faults.error_response("ThrottlingException"), label="counter")
    status, headers, body = scene.api.call(
        {"token": VISITOR, "agentId": scene.agent_id}, admin_id, admin_token
    )
    assert_created(scene, status, body)
    assert not any(name.startswith("X-RateLimit") for name in headers)


def test_counter_failing_does_not_hide_a_401(scene: Scene, wire: faults.WireFaults) -> None:
    wire.arm("UpdateItem", faults.error_response("ThrottlingException"), label="counter")
    assert scene.create(token="not-a-token")[0] == 401
    assert_nothing_written(scene)


@pytest.mark.parametrize(
    "make_fault", [pytest.param(m, id=n) for n, m in UNAVAILABLE_FAULTS.items()]
)
def test_give_back_failing_keeps_the_answer(
    scene: Scene, actors: Actors, wire: faults.WireFaults, make_fault: Any
) -> None:
    """The give-back is best effort: the answer stands, the count stays one too high."""
    admin_id, admin_token = actors.user("boss", roles=("admin", "livechat-agent"))
    wire.arm("UpdateItem", make_fault(), matches=_counter_step(-1), label="give-back")
    assert scene.create(token="not-a-token")[0] == 401
    status, headers, body = scene.api.call(
        {"token": VISITOR, "agentId": scene.agent_id}, admin_id, admin_token
    )
    assert_created(scene, status, body)
    assert not any(name.startswith("X-RateLimit") for name in headers)
    assert _hits(scene) == [2]
