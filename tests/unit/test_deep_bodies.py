"""Bodies JavaScript reads that Python's `json` alone would not: nesting far past Python's
recursion limit, integers of thousands of digits. Each gets Rocket.Chat's answer, never a 500 and
never "not JSON" (docs/compatibility.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from voip_core.compat.jsjson import MAX_STRINGIFY_DEPTH
from voip_core.domain.rooms import new_call_room
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api, business, invalid
from tests.unit.conftest import PUBLIC_VISITOR_API, START_MS, Actors

HUGE_INTEGER = "9" * 5000  # a Number to JavaScript (Infinity); over Python's int_max_str_digits
STACK_OVERFLOW = compact({"success": False, "error": "Converting circular structure to JSON"})


@pytest.fixture
def base_env() -> Mapping[str, str]:
    """Rocket.Chat's answers on its public registration route: VISITOR_API_REQUIRES_AUTH=false."""
    return PUBLIC_VISITOR_API


@pytest.fixture
def calls(api: Api) -> Api:
    return api.rotating_ips()


def nested_objects(depth: int, inner: str = "1") -> str:
    """`{"a":{"a":...inner...}}`, `depth` objects deep."""
    return '{"a":' * depth + inner + "}" * depth


def nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def register_raw(calls: Api, visitor_members: str) -> tuple[int, str]:
    body = '{"visitor":{"token":"deep-caller",' + visitor_members + "}}"
    status, _, text = calls.register(body.encode())
    return status, text


def match_error(text: str) -> str:
    return compact({"success": False, "error": f"Match error: {text}"})


@pytest.mark.parametrize("depth", [400, 1000, MAX_STRINGIFY_DEPTH])
def test_deep_custom_fields_are_quoted_in_checks_message(calls: Api, depth: int) -> None:
    """The issue's case (400 levels gave a 500): check()'s message, the value as JSON.stringify
    writes it."""
    value = nested_objects(depth)
    status, text = register_raw(calls, f'"customFields":{value}')
    assert (status, text) == (
        400,
        match_error(f"Expected array, got {value} in field visitor.customFields"),
    )


@pytest.mark.parametrize("depth", [MAX_STRINGIFY_DEPTH + 1, 10_000, 30_000])
def test_custom_fields_too_deep_to_quote_get_ejsons_error(calls: Api, depth: int) -> None:
    """Past the depth JavaScript's stack takes, Meteor's EJSON.stringify throws "Converting
    circular structure to JSON", which Rocket.Chat answers as a 400."""
    status, text = register_raw(calls, f'"customFields":{{"a":{nested_arrays(depth - 1)}}}')
    assert (status, text) == (400, STACK_OVERFLOW)


@pytest.mark.parametrize("depth", [1000, 30_000])
def test_deep_values_check_does_not_look_at_are_accepted(
    calls: Api, services: Services, depth: int
) -> None:
    status, text = register_raw(calls, f'"extra":{nested_arrays(depth)},"name":"Mary"')
    assert status == 200, text[:300]
    visitor = json.loads(text)["visitor"]
    assert visitor["name"] == "Mary" and "extra" not in visitor


@pytest.mark.parametrize("depth", [1000, 30_000])
def test_deep_values_in_checked_fields_get_checks_message(calls: Api, depth: int) -> None:
    status, text = register_raw(calls, f'"name":{nested_arrays(depth)}')
    assert (status, text) == (400, match_error("Expected string, got object in field visitor.name"))
    deep_key = '{"visitor":{"token":"t"},"foo":' + nested_arrays(depth) + "}"
    assert calls.register(deep_key.encode())[::2] == (400, match_error("Unknown key in field foo"))


def test_a_huge_integer_is_a_number_not_a_parse_error(calls: Api) -> None:
    status, text = register_raw(calls, f'"name":{HUGE_INTEGER}')
    assert (status, text) == (400, match_error("Expected string, got number in field visitor.name"))
    # JSON.stringify(Infinity) is "null"
    status, text = register_raw(calls, f'"customFields":{HUGE_INTEGER}')
    assert (status, text) == (
        400,
        match_error("Expected array, got null in field visitor.customFields"),
    )
    status, text = register_raw(calls, f'"customFields":[-{HUGE_INTEGER},0.5,1e21]')
    assert (status, text) == (
        400,
        match_error("Expected object, got number in field visitor.customFields[0]"),
    )
    status, text = register_raw(calls, f'"extra":{HUGE_INTEGER}')
    assert status == 200, text


def test_a_number_quoted_in_a_message_is_written_as_javascript_writes_it(calls: Api) -> None:
    status, text = register_raw(calls, f'"customFields":{{"a":[-{HUGE_INTEGER},0.5,1e21,1E2]}}')
    expected = 'Expected array, got {"a":[null,0.5,1e+21,100]} in field visitor.customFields'
    assert (status, text) == (400, match_error(expected))


# --- voip/room.close: ajv never quotes a value ---------------------------------------------------

VISITOR = "visitor-deep-close"


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    actors.visitor(VISITOR, name="Mary")
    return actors.user("kim.jane")


def close_raw(calls: Api, agent: tuple[str, str], body: str) -> tuple[int, str]:
    status, _, text = calls.close(body.encode(), *agent)
    return status, text


@pytest.mark.parametrize("depth", [1000, 30_000])
def test_room_close_deep_values_get_ajvs_message(
    calls: Api, agent: tuple[str, str], depth: int
) -> None:
    deep = nested_arrays(depth)
    assert close_raw(calls, agent, f'{{"rid":{deep},"token":"t"}}') == (
        400,
        invalid("must be string"),
    )
    assert close_raw(calls, agent, f'{{"rid":"r","token":"t","x":{deep}}}') == (
        400,
        invalid("must NOT have additional properties"),
    )
    body = f'{{"rid":"r","token":"t","options":{{"tags":[{deep}]}}}}'
    assert close_raw(calls, agent, body) == (400, invalid("must be string"))


def put_room(services: Services, agent_id: str, rid: str) -> None:
    visitor = services.visitors.get(VISITOR)
    agent = services.users.get(agent_id)
    assert visitor is not None and agent is not None
    services.rooms.create_open_room(new_call_room(rid, visitor, agent, "inbound", START_MS))


def test_room_close_reads_deep_options_it_allows(
    calls: Api, agent: tuple[str, str], services: Services
) -> None:
    put_room(services, agent[0], "RoomDeepOptions1")
    options = f'{{"x":{nested_arrays(30_000)}}}'
    body = f'{{"rid":"RoomDeepOptions1","token":"{VISITOR}","options":{options}}}'
    assert close_raw(calls, agent, body) == (
        200,
        compact({"rid": "RoomDeepOptions1", "success": True}),
    )


def test_room_close_coerces_a_huge_integer_as_javascript_does(
    calls: Api, agent: tuple[str, str], services: Services
) -> None:
    """`String(Infinity)`: the rid is "Infinity"."""
    body = f'{{"rid":{HUGE_INTEGER},"token":"{VISITOR}"}}'
    assert close_raw(calls, agent, body) == (400, business("invalid-room"))
    put_room(services, agent[0], "Infinity")
    assert close_raw(calls, agent, body) == (200, compact({"rid": "Infinity", "success": True}))
