"""One visitor per phone and per email under concurrency (issue 11 §5): registrations of one phone
(or email) with different tokens at the same moment converge on one visitor, with Rocket.Chat's
matching kept (a phone match keeps the stored token, an email match replaces it, the oldest wins).
The guards behind it (store/visitor_guards.py) stay right through updates, token moves and erasure,
which frees them."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from voip_core.domain.visitors import Registration
from voip_core.settings import Settings
from voip_core.store.dynamo import make_client
from voip_core.wiring import Services

from tests.unit import fault_injection as faults
from tests.unit.calls import Api
from tests.unit.cli_runner import Cli
from tests.unit.conftest import Actors

PHONE = "+15550100"
EMAIL = "mary@example.com"


@pytest.fixture
def settings() -> Settings:
    # Rocket.Chat's public visitor routes, whatever the default (this file needs no credentials).
    return Settings.from_env({"VISITOR_API_REQUIRES_AUTH": "false"})


@pytest.fixture
def calls(api: Api) -> Api:
    return api.rotating_ips()


@pytest.fixture
def wire(dynamodb: Any) -> faults.WireFaults:
    return faults.WireFaults(dynamodb)


def register(calls: Api, token: str, **fields: str) -> dict[str, Any]:
    status, _, text = calls.register({"visitor": {"token": token, **fields}})
    assert status == 200, text
    visitor: dict[str, Any] = json.loads(text)["visitor"]
    return visitor


def items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return found


def visitors_with(dynamodb: Any, services: Services, attribute: str, value: str) -> list[str]:
    """Tokens of the stored visitors whose `attribute` (the phone or email index key) is `value`."""
    return [
        item["token"]["S"]
        for item in items(dynamodb, services.settings.tables.visitors)
        if item.get(attribute, {}).get("S") == value
    ]


def guards(dynamodb: Any, services: Services) -> dict[str, str]:
    """Each guard → the token of the visitor it names; and checks that it names a visitor that
    holds it and has that value, and that every guard a visitor says it holds names it."""
    tables = services.settings.tables
    visitors = {item["_id"]["S"]: item for item in items(dynamodb, tables.visitors)}
    named: dict[str, str] = {}
    for item in items(dynamodb, tables.visitor_guards):
        key, holder = item["guard"]["S"], visitors[item["visitorId"]["S"]]
        kind, value = key.split(":", 1)
        assert holder[f"{kind}Guard"]["S"] == key
        assert holder[kind]["S"] == value
        assert holder["token"] == item["token"]
        named[key] = item["token"]["S"]
    for holder in visitors.values():
        for kind in ("phone", "email"):
            if f"{kind}Guard" in holder:
                assert holder[f"{kind}Guard"]["S"] in named
    return named


def rival_registers(services: Services, registration: Registration) -> dict[str, Any]:
    """Another request's registration, through its own client (meets no injected fault)."""
    rival = Services.build(services.settings, make_client(), services.clock)
    document, _ = rival.visitor_service.register(registration)
    return document


def arm_rival_before_first_write(
    wire: faults.WireFaults, services: Services, registration: Registration
) -> list[dict[str, Any]]:
    """The rival's registration commits between this request's reads and its first write."""
    done: list[dict[str, Any]] = []

    def rival_first(request: Any, params: dict[str, Any], forward: Any) -> Any:
        if not done:
            done.append(rival_registers(services, registration))
        return forward()

    for write in ("PutItem", "TransactWriteItems", "UpdateItem"):
        wire.arm(
            write,
            rival_first,
            times=1,
            matches=lambda params: "RateLimits" not in json.dumps(params),
            label="rival-registration",
        )
    return done


def test_two_new_callers_with_one_phone_make_one_visitor(
    calls: Api, services: Services, dynamodb: Any, wire: faults.WireFaults
) -> None:
    rival = arm_rival_before_first_write(wire, services, Registration(token="t-b", phone=PHONE))
    mine = register(calls, "t-a", phone=PHONE)
    (theirs,) = rival
    assert mine == theirs  # the phone match: the stored visitor, its token kept
    assert mine["token"] == "t-b"
    assert visitors_with(dynamodb, services, "phone", PHONE) == ["t-b"]
    assert guards(dynamodb, services) == {f"phone:{PHONE}": "t-b"}


def test_two_new_callers_with_one_email_make_one_visitor(
    calls: Api, services: Services, dynamodb: Any, wire: faults.WireFaults
) -> None:
    rival = arm_rival_before_first_write(wire, services, Registration(token="t-b", email=EMAIL))
    mine = register(calls, "t-a", email=EMAIL.upper())
    (theirs,) = rival
    assert mine["_id"] == theirs["_id"]
    assert mine["token"] == "t-a"  # the email match: the visitor moved to this token
    assert visitors_with(dynamodb, services, "email", EMAIL) == ["t-a"]
    assert guards(dynamodb, services) == {f"email:{EMAIL}": "t-a"}


def test_the_holder_is_matched_while_the_phone_index_lags(
    calls: Api, services: Services, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = register(calls, "t-a", phone=PHONE)
    monkeypatch.setattr(services.visitors, "tokens_by_phone", lambda phone: [])
    assert register(calls, "t-b", phone=PHONE) == {**first, "_updatedAt": first["_updatedAt"]}
    assert visitors_with(dynamodb, services, "phone", PHONE) == ["t-a"]


def test_concurrent_registrations_of_one_phone_converge(
    services: Services, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight new callers at once. moto checks a transaction's conditions and applies it in
    separate steps; DynamoDB does both atomically, which a lock around each call restores."""
    atomic = threading.Lock()
    for operation in ("transact_write_items", "put_item", "update_item"):
        real = getattr(dynamodb, operation)

        def serialized(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            with atomic:
                return _real(*args, **kwargs)

        monkeypatch.setattr(dynamodb, operation, serialized)
    visitors = services.visitor_service
    barrier = threading.Barrier(8)
    answers: list[dict[str, Any]] = []

    def race(number: int) -> None:
        barrier.wait()
        document, _ = visitors.register(Registration(token=f"t-{number}", phone=PHONE))
        answers.append(document)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 8
    assert len({answer["_id"] for answer in answers}) == 1
    assert len(visitors_with(dynamodb, services, "phone", PHONE)) == 1


def test_a_token_move_takes_the_guards_along(
    calls: Api, services: Services, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mary = register(calls, "t-a", phone=PHONE, email=EMAIL)
    moved = register(calls, "t-b", email=EMAIL)  # the email match moves Mary to t-b
    assert (moved["_id"], moved["token"]) == (mary["_id"], "t-b")
    assert guards(dynamodb, services) == {f"phone:{PHONE}": "t-b", f"email:{EMAIL}": "t-b"}
    monkeypatch.setattr(services.visitors, "tokens_by_phone", lambda phone: [])
    assert register(calls, "t-c", phone=PHONE)["_id"] == mary["_id"]


def test_a_changed_phone_frees_the_old_guard(calls: Api, services: Services, dynamodb: Any) -> None:
    mary = register(calls, "t-a", phone="+15550001")
    register(calls, "t-a", phone="+15550002")
    assert guards(dynamodb, services) == {"phone:+15550002": "t-a"}
    other = register(calls, "t-b", phone="+15550001")
    assert other["_id"] != mary["_id"]
    assert guards(dynamodb, services) == {"phone:+15550002": "t-a", "phone:+15550001": "t-b"}


def test_erasure_frees_the_guards(calls: Api, services: Services, dynamodb: Any) -> None:
    mary = register(calls, "t-a", phone=PHONE, email=EMAIL)
    assert calls.delete("t-a")[0] == 200
    assert guards(dynamodb, services) == {}
    newcomer = register(calls, "t-b", phone=PHONE, email=EMAIL)
    assert newcomer["_id"] != mary["_id"]
    assert guards(dynamodb, services) == {f"phone:{PHONE}": "t-b", f"email:{EMAIL}": "t-b"}


def test_a_visitor_without_its_guard_claims_it_when_free(
    calls: Api, actors: Actors, services: Services, dynamodb: Any
) -> None:
    """A visitor stored before guards existed holds none: its next registration with its phone
    claims the free guard."""
    actors.visitor("t-old", phone=PHONE)
    assert guards(dynamodb, services) == {}
    assert register(calls, "t-new", phone=PHONE)["token"] == "t-old"  # the phone match
    assert guards(dynamodb, services) == {f"phone:{PHONE}": "t-old"}


def test_voip_admin_claims_a_free_guard_and_leaves_a_held_one(
    cli: Cli, services: Services, dynamodb: Any
) -> None:
    cli.ok("create-visitor", "--token", "t-a", "--phone", PHONE)
    cli.ok("create-visitor", "--token", "t-b", "--phone", PHONE)  # no matching in the CLI
    assert guards(dynamodb, services) == {f"phone:{PHONE}": "t-a"}


def test_a_stale_guard_is_dropped_and_does_not_block_its_phone(
    calls: Api, services: Services, dynamodb: Any
) -> None:
    """A guard naming a visitor that does not hold it (no write of the service leaves one; here
    written by hand) is read again, deleted, and the registration goes on."""
    stale = {
        "guard": {"S": f"phone:{PHONE}"},
        "visitorId": {"S": "0" * 24},
        "token": {"S": "t-gone"},
        "ts": {"S": "2024-01-01T00:00:00.000Z"},
    }
    dynamodb.put_item(TableName=services.settings.tables.visitor_guards, Item=stale)
    newcomer = register(calls, "t-a", phone=PHONE)
    assert newcomer["token"] == "t-a"
    assert guards(dynamodb, services) == {f"phone:{PHONE}": "t-a"}
