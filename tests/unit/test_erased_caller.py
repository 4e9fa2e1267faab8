"""A room is never built from a visitor that is gone (issue 11 §4): between the create request's
read and its transaction, the caller is erased and the token registered again by another person.
The transaction is conditioned on the visitor `_id` that was read, so the room is built from the
visitor who holds the token when it is written, and nothing of the erased person comes back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.domain.visitors import Registration
from voip_core.settings import Settings
from voip_core.store.dynamo import make_client
from voip_core.wiring import Services

from tests.unit import fault_injection as faults
from tests.unit.calls import Api
from tests.unit.conftest import Actors, FakeClock, scan_tables
from tests.unit.fault_scene import VISITOR, Scene

ERASED = ("Mary Jones", "mary.j", "+15550100")


@pytest.fixture
def settings() -> Settings:
    # Rocket.Chat's public visitor routes, whatever the default (this file needs no credentials).
    return Settings.from_env({"VISITOR_API_REQUIRES_AUTH": "false"})


@pytest.fixture
def wire(dynamodb: Any) -> faults.WireFaults:
    return faults.WireFaults(dynamodb)


@pytest.fixture
def scene(api: Api, actors: Actors, services: Services, wire: faults.WireFaults) -> Scene:
    agent_id, agent_token = actors.user("kim.jane")
    actors.visitor(VISITOR, name=ERASED[0], username=ERASED[1], phone=ERASED[2])
    return Scene(api, services, agent_id, agent_token)


def erase_and_register_again(services: Services, clock: FakeClock) -> dict[str, Any]:
    """Another request erases the caller, and another person registers the same token: both
    through their own client, which meets no injected fault."""
    rival = Services.build(services.settings, make_client(), clock)
    visitors = rival.visitor_service
    visitors.erase(VISITOR)
    document, _ = visitors.register(
        Registration(token=VISITOR, name="Bob Stone", phone="+15550199")
    )
    return document


def test_a_caller_erased_before_the_create_is_not_brought_back(
    scene: Scene, wire: faults.WireFaults, services: Services, clock: FakeClock, dynamodb: Any
) -> None:
    newcomer: list[dict[str, Any]] = []

    def erased_first(request: Any, params: dict[str, Any], forward: faults.Forward) -> Any:
        newcomer.append(erase_and_register_again(services, clock))
        return forward()

    wire.arm("TransactWriteItems", erased_first, times=1, label="erased-before-create")
    status, body = scene.create()
    assert status == 200, body
    room = json.loads(body)["room"]
    (bob,) = newcomer
    assert room["v"]["_id"] == bob["_id"]
    assert (room["fname"], room["v"]["username"], room["v"]["phone"]) == (
        "Bob Stone",
        bob["username"],
        "+15550199",
    )
    everything = json.dumps(scan_tables(dynamodb), ensure_ascii=False)
    for value in ERASED:
        assert value not in everything, value
    scene.assert_consistent()
