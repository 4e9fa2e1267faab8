from __future__ import annotations

import json

from tests.unit.calls import Api
from tests.unit.conftest import Actors


def test_create_then_reuse_then_get(api: Api, actors: Actors) -> None:
    agent_id, agent_token = actors.user("kim.jane")
    actors.visitor("visitor-1", name="Mary")
    status, headers, body = api.call(
        {"token": "visitor-1", "agentId": agent_id}, agent_id, agent_token
    )
    assert status == 200, body
    created = json.loads(body)
    assert created["newRoom"] is True
    room_id = created["room"]["_id"]
    status, _, body = api.call({"token": "visitor-1", "agentId": agent_id}, agent_id, agent_token)
    assert json.loads(body)["room"]["_id"] == room_id
    status, _, body = api.call({"token": "visitor-1", "rid": room_id}, agent_id, agent_token)
    assert status == 200
    assert json.loads(body) == {**created, "newRoom": False}
    print(body, headers)
