"""What `voip-admin deactivate-user` does to an agent's calls (docs/operations.md, "Locking out a
compromised agent"): the agent is locked out at once, the calls they serve go on and close as
usual, and their id still serves new rooms when an integration names it (spec: the agent's
`active` flag is not checked, as in Rocket.Chat)."""

from __future__ import annotations

import json

from voip_core.services.accounts import Accounts
from voip_core.wiring import Services

from tests.unit.calls import Api, open_room
from tests.unit.conftest import Actors


def test_a_deactivated_agent_is_locked_out_and_their_open_call_goes_on(
    api: Api, actors: Actors, services: Services
) -> None:
    agent = actors.user("kim.jane")
    colleague = actors.user("lee.ann")
    actors.visitor("vt-caller", name="Mary")
    room = open_room(api, agent, "vt-caller")

    Accounts(services.users, services.tokens).deactivate(agent[0])

    # Every token of theirs is gone: 401 on every authenticated route.
    query = {"token": "vt-caller", "agentId": agent[0]}
    assert api.call(query, *agent, source_ip="192.0.2.1")[0] == 401
    assert api.close({"rid": room["_id"], "token": "vt-caller"}, *agent)[0] == 401
    # The caller's next request, by any other agent's integration: the same open room, still
    # served by the deactivated agent.
    status, _, body = api.call({"token": "vt-caller", "agentId": colleague[0]}, *colleague)
    answer = json.loads(body)
    assert (status, answer["newRoom"], answer["room"]["_id"]) == (200, False, room["_id"])
    assert answer["room"]["servedBy"]["_id"] == agent[0]
    # It closes as usual.
    closed = api.close({"rid": room["_id"], "token": "vt-caller"}, *colleague)
    assert closed[0] == 200


def test_a_deactivated_agent_can_still_be_named_for_a_new_room(
    api: Api, actors: Actors, services: Services
) -> None:
    agent = actors.user("kim.jane")
    colleague = actors.user("lee.ann")
    actors.visitor("vt-next")
    Accounts(services.users, services.tokens).deactivate(agent[0])
    status, _, body = api.call({"token": "vt-next", "agentId": agent[0]}, *colleague)
    answer = json.loads(body)
    assert (status, answer["newRoom"]) == (200, True)
    assert answer["room"]["servedBy"]["_id"] == agent[0]
