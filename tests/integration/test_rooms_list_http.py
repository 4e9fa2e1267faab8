"""GET /api/v1/voip/rooms over real sockets against the local stack (docs/contract/call-history.md):
a history of a few thousand rooms, written as every writer writes them (`RoomStore.item`, with
BatchWriteItem as `voip-admin import-rocketchat` does), listed page by page; and the permission:
an agent may list its own rooms, not another's."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from voip_core.domain.clock import iso_from_ms
from voip_core.store.rooms import RoomStore

from tests.integration.conftest import BASE_ENV, LocalStack, Reply
from tests.integration.test_voip_room_http import new_agent, unique

pytestmark = pytest.mark.integration

ROOMS = 3000
START_MS = 1_714_564_800_000
FORBIDDEN = '{"success":false,"error":"unauthorized"}'


def list_rooms(stack: LocalStack, query: list[tuple[str, str]], headers: dict[str, str]) -> Reply:
    return stack.request("GET", f"/api/v1/voip/rooms?{urlencode(query)}", headers)


def room(n: int, agent_id: str, prefix: str) -> dict[str, Any]:
    ts = iso_from_ms(START_MS + n * 60_000)
    doc: dict[str, Any] = {
        "_id": f"{prefix}{n:05d}",
        "msgs": 0,
        "name": f"Caller {n}",
        "fname": f"Caller {n}",
        "t": "v",
        "ts": ts,
        "v": {"_id": f"{prefix}-v{n % 40}", "token": f"{prefix}-t{n % 40}", "status": "offline"},
        "servedBy": {"_id": agent_id, "ts": ts, "username": "agent"},
        "queue": "default",
        "direction": "inbound",
        "_updatedAt": ts,
        "callDuration": 61_000,
        "closedAt": iso_from_ms(START_MS + n * 60_000 + 61_000),
        "closedBy": {"_id": f"{prefix}-v{n % 40}", "username": "caller"},
        "closer": "visitor",
    }
    if n % 10 == 0:
        doc["tags"] = ["vip"]
    return doc


@pytest.fixture(scope="module")
def history(stack: LocalStack) -> dict[str, Any]:
    """ROOMS closed rooms over two agents (one in four the first's: its 750 rooms take eight pages
    of 100, each listing reading the agent's whole history for its exact total), put in batches of
    25."""
    agents = [new_agent(stack, "livechat-agent") for _ in range(2)]
    prefix = unique("h")
    docs = [room(n, agents[1 if n % 4 else 0]["X-User-Id"], prefix) for n in range(ROOMS)]
    with pytest.MonkeyPatch.context() as env:
        for name, value in BASE_ENV.items():
            env.setenv(name, value)  # the stack's own stand-in credentials
        client = stack.dynamodb()
    for start in range(0, ROOMS, 25):
        writes = [{"PutRequest": {"Item": RoomStore.item(d)}} for d in docs[start : start + 25]]
        assert not client.batch_write_item(RequestItems={"RoomsTable": writes}).get(
            "UnprocessedItems"
        )
    return {"agents": agents, "docs": docs}


def test_an_agent_pages_through_its_own_history(stack: LocalStack, history: dict[str, Any]) -> None:
    agent = history["agents"][0]
    own = [d for d in history["docs"] if d["servedBy"]["_id"] == agent["X-User-Id"]]
    newest_first = sorted(own, key=lambda d: d["ts"], reverse=True)
    seen: list[dict[str, Any]] = []
    while True:
        query = [("agents[]", agent["X-User-Id"]), ("count", "100"), ("offset", str(len(seen)))]
        reply = list_rooms(stack, query, agent)
        assert reply.status == 200, reply.text
        answer = reply.json()
        assert list(answer) == ["rooms", "count", "total", "offset", "success"]
        assert (answer["total"], answer["offset"]) == (len(own), len(seen))
        assert answer["count"] == len(answer["rooms"])
        if not answer["rooms"]:
            break
        seen += answer["rooms"]
    assert [d["_id"] for d in seen] == [d["_id"] for d in newest_first]
    assert json.dumps(seen[0]) == json.dumps(newest_first[0])  # whole, keys in order


def test_an_agent_may_not_list_another_agents_rooms(
    stack: LocalStack, history: dict[str, Any]
) -> None:
    mine, theirs = history["agents"]
    reply = list_rooms(stack, [("agents[]", theirs["X-User-Id"])], mine)
    assert (reply.status, reply.text) == (403, FORBIDDEN)
    assert list_rooms(stack, [("open", "false")], mine).status == 403  # every agent's rooms


def test_a_supervisor_counts_and_filters_the_whole_history(
    stack: LocalStack, history: dict[str, Any]
) -> None:
    supervisor = new_agent(stack, "livechat-manager")
    names = {d["_id"] for d in history["docs"]}
    query = [("tags[]", "vip"), ("count", "100"), ("sort", '{"ts":1}')]
    reply = list_rooms(stack, query, supervisor)
    assert reply.status == 200, reply.text
    answer = reply.json()
    vip = [d["_id"] for d in history["docs"] if "tags" in d]
    assert answer["total"] >= len(vip)  # other tests' rooms may share the stack
    listed = [r["_id"] for r in answer["rooms"] if r["_id"] in names]
    assert listed == vip[: len(listed)] and listed
