"""Permission `inbound-voip-calls` (docs/contract/voip-room.md §4): which roles hold it, and the
exact 403."""

from __future__ import annotations

import pytest

from tests.unit.calls import Api
from tests.unit.conftest import Actors, Configure

FORBIDDEN = (
    '{"success":false,"error":"User does not have the permissions required for this action'
    ' [error-unauthorized]"}'
)
VISITOR = "visitor-perm-1"


@pytest.fixture
def agent_id(actors: Actors) -> str:
    actors.visitor(VISITOR)
    return actors.user("kim.jane")[0]


def query(agent_id: str) -> dict[str, str]:
    return {"token": VISITOR, "agentId": agent_id}


@pytest.mark.parametrize(
    "roles",
    [
        (),
        ("user",),
        ("admin",),  # not even admin holds it by default
        ("livechat-manager", "livechat-monitor"),
        ("Livechat-Agent",),  # role names are exact
    ],
)
def test_roles_without_the_permission_get_403(
    api: Api, actors: Actors, agent_id: str, roles: tuple[str, ...]
) -> None:
    caller = actors.user("caller", roles=roles)
    status, headers, body = api.call(query(agent_id), *caller)
    assert (status, body) == (403, FORBIDDEN)
    assert headers["Content-Type"] == "application/json"


def test_forbidden_is_not_the_plain_unauthorized_form(
    api: Api, actors: Actors, agent_id: str
) -> None:
    status, _, body = api.call(query(agent_id), *actors.user("caller", roles=("user",)))
    assert status == 403
    assert body != '{"success":false,"error":"unauthorized"}'
    assert body == FORBIDDEN


@pytest.mark.parametrize("roles", [("livechat-agent",), ("user", "livechat-agent", "admin")])
def test_livechat_agent_holds_it_by_default(
    api: Api, actors: Actors, agent_id: str, roles: tuple[str, ...]
) -> None:
    status, _, body = api.call(query(agent_id), *actors.user("caller", roles=roles))
    assert status == 200, body


def test_voip_room_roles_setting_decides(
    api: Api, actors: Actors, agent_id: str, configure: Configure
) -> None:
    configure({"VOIP_ROOM_ROLES": "livechat-manager, voip-connector"})
    manager = actors.user("manager", roles=("livechat-manager",))
    connector = actors.user("connector", roles=("voip-connector",))
    agent_only = actors.user("agent.only", roles=("livechat-agent",))
    assert api.call(query(agent_id), *manager)[0] == 200
    assert api.call(query(agent_id), *connector)[0] == 200
    status, _, body = api.call(query(agent_id), *agent_only)
    assert (status, body) == (403, FORBIDDEN)


def test_admin_can_be_granted_it(
    api: Api, actors: Actors, agent_id: str, configure: Configure
) -> None:
    configure({"VOIP_ROOM_ROLES": "livechat-agent,admin"})
    status, _, body = api.call(query(agent_id), *actors.user("root", roles=("admin",)))
    assert status == 200, body


def test_permission_comes_before_the_handler(api: Api, actors: Actors) -> None:
    """No visitor and no agent exist: a caller without the permission still gets 403 first."""
    caller = actors.user("caller", roles=("user",))
    status, _, body = api.call({"token": "nobody", "agentId": "nobody"}, *caller)
    assert (status, body) == (403, FORBIDDEN)
