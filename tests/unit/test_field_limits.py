"""No stuck room (issue 11 §5): every room that can be opened can be closed, and its visitor then
erased. The fields a room copies are bounded at registration, over HTTP and in `voip-admin
create-visitor` alike (docs/compatibility.md), and a room whose closed form would not fit one item
is not opened at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.settings import MOST_REQUEST_BODY_BYTES, Settings
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api, open_room
from tests.unit.cli_runner import Cli
from tests.unit.conftest import Actors, scan_tables

LIMIT = 1024  # the documented limit, in JavaScript characters (UTF-16 code units)
BOUNDED = ("name", "department", "phone", "username")
# JSON writes U+0001 as six characters, the most any one UTF-16 code unit can take.
WORST = "\x01"
# Two UTF-16 code units each: 512 of them are 1024 JavaScript characters.
ASTRAL = "\U0001f600"
TOO_LARGE = compact(
    {
        "success": False,
        "error": "Request too large to store [error-request-too-large]",
        "errorType": "error-request-too-large",
    }
)


def too_long(field: str) -> str:
    return compact(
        {
            "success": False,
            "error": f"visitor.{field} is too long (at most {LIMIT} characters) "
            "[error-field-too-long]",
            "errorType": "error-field-too-long",
            "details": {"method": "livechat/visitor", "field": field},
        }
    )


@pytest.fixture
def settings() -> Settings:
    # Rocket.Chat's public visitor routes, whatever the default (this file needs no credentials);
    # bodies up to the most MAX_REQUEST_BODY_BYTES allows, so that the field limits, not the body
    # limit, are what refuses (a deployment may raise the body limit).
    return Settings.from_env(
        {
            "VISITOR_API_REQUIRES_AUTH": "false",
            "MAX_REQUEST_BODY_BYTES": str(MOST_REQUEST_BODY_BYTES),
        }
    )


@pytest.fixture
def calls(api: Api) -> Api:
    return api.rotating_ips()


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    return actors.user("kim.jane")


def stored_tables(dynamodb: Any, services: Services) -> dict[str, list[str]]:
    """Every table but the rate-limit counters (which count refused requests too)."""
    tables = scan_tables(dynamodb)
    tables.pop(services.settings.tables.rate_limits)
    return tables


def test_a_95000_character_username_is_refused_and_nothing_is_stored(
    calls: Api, dynamodb: Any, services: Services
) -> None:
    before = stored_tables(dynamodb, services)
    status, _, text = calls.register({"visitor": {"token": "t-long", "username": "u" * 95_000}})
    assert (status, text) == (400, too_long("username"))
    assert stored_tables(dynamodb, services) == before


@pytest.mark.parametrize("field", BOUNDED)
def test_each_copied_field_is_bounded_in_javascript_characters(calls: Api, field: str) -> None:
    status, _, text = calls.register({"visitor": {"token": "t-at", field: ASTRAL * 512}})
    assert status == 200, text
    assert json.loads(text)["visitor"]["token"] == "t-at"
    over = calls.register({"visitor": {"token": "t-over", field: ASTRAL * 512 + "a"}})
    assert over[::2] == (400, too_long(field))


def test_rocket_chats_own_refusals_come_first(calls: Api) -> None:
    long_name = "x" * (LIMIT + 1)
    blank = calls.register({"visitor": {"token": " ", "name": long_name}})
    assert json.loads(blank[2])["errorType"] == "error-invalid-token"
    email = calls.register({"visitor": {"token": "t", "name": long_name, "email": "bad"}})
    assert json.loads(email[2])["errorType"] == "error-invalid-email"
    first = calls.register({"visitor": {"token": "t", "username": long_name, "name": long_name}})
    assert first[::2] == (400, too_long("name"))


@pytest.mark.parametrize("with_name", [True, False], ids=["name", "no-name"])
def test_a_room_of_a_visitor_at_every_limit_closes_and_the_visitor_is_erased(
    api: Api, calls: Api, agent: tuple[str, str], services: Services, with_name: bool
) -> None:
    """The largest room registration allows: every copied field at its limit in the characters
    JSON makes longest, and a token of the longest a key allows (2048 bytes)."""
    token = WORST * 2048
    fields = {field: WORST * LIMIT for field in BOUNDED if with_name or field != "name"}
    status, _, text = calls.register({"visitor": {"token": token, **fields}})
    assert status == 200, text
    room = open_room(api, agent, token)
    status, _, text = calls.close({"rid": room["_id"], "token": token}, *agent)
    assert (status, text) == (200, compact({"rid": room["_id"], "success": True}))
    assert calls.delete(token)[0] == 200
    assert services.rooms.get(room["_id"]) is None


def test_a_visitor_stored_before_the_bounds_gets_no_room_it_could_not_close(
    api: Api,
    calls: Api,
    actors: Actors,
    agent: tuple[str, str],
    dynamodb: Any,
    services: Services,
) -> None:
    """A visitor written before registration bounded its fields (here straight into the table):
    its room would open and never close (closing adds `closedBy.username`), so it is not opened,
    and the visitor can still be erased."""
    actors.visitor("t-legacy", name="Mary", username="u" * 95_000)
    before = stored_tables(dynamodb, services)
    status, _, text = api.call({"token": "t-legacy", "agentId": agent[0]}, *agent)
    assert (status, text) == (413, TOO_LARGE)
    assert stored_tables(dynamodb, services) == before
    assert calls.delete("t-legacy")[0] == 200


@pytest.mark.parametrize("field", BOUNDED)
def test_voip_admin_applies_the_same_bounds(cli: Cli, dynamodb: Any, field: str) -> None:
    created = cli.ok("create-visitor", "--token", "t-at", f"--{field}", ASTRAL * 512)
    assert created["token"] == "t-at"
    before = scan_tables(dynamodb)
    message = cli.refused("create-visitor", "--token", "t-over", f"--{field}", ASTRAL * 512 + "a")
    assert message == f"voip-admin create-visitor: {json.loads(too_long(field))['error']}"
    assert scan_tables(dynamodb) == before


def test_voip_admin_takes_the_tokens_the_route_takes(cli: Cli, calls: Api) -> None:
    longest = "t" * 2048  # the longest a DynamoDB key allows
    assert cli.ok("create-visitor", "--token", longest)["token"] == longest
    message = cli.refused("create-visitor", "--token", longest + "t")
    assert message.endswith("Token is too long or not valid text [error-invalid-token]")
    assert calls.register({"visitor": {"token": longest + "t"}})[0] == 400
