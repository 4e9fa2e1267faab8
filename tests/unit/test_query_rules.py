"""Query validation (docs/contract/voip-room.md §3): ajv's oneOf messages, byte for byte, through
the Lambda handler.

Each expected message was also produced by ajv 8.17.1 (`coerceTypes: true`) on qs 6.13.0's parse of
the same query string, i.e. by what Rocket.Chat runs.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_event
from tests.expected import compact
from tests.unit.calls import Api
from tests.unit.conftest import Actors

REQUIRED_TOKEN = "must have required property 'token'"
REQUIRED_AGENT = "must have required property 'agentId'"
REQUIRED_RID = "must have required property 'rid'"
ADDITIONAL = "must NOT have additional properties"
NOT_STRING = "must be string"
NOT_ALLOWED = "must be equal to one of the allowed values"
ONE_OF = "must match exactly one schema in oneOf"

INVALID_TOKEN = '{"success":false,"error":"invalid-token"}'


def invalid_params(*lines: str) -> str:
    return compact(
        {
            "success": False,
            "error": "\n ".join([*lines, ONE_OF]) + " [invalid-params]",
            "errorType": "invalid-params",
        }
    )


@pytest.fixture
def caller(actors: Actors) -> tuple[str, str]:
    return actors.user("kim.jane")


def test_no_query_body_is_exact_text(api: Api, caller: tuple[str, str]) -> None:
    status, headers, body = api.call("", *caller)
    assert status == 400
    assert body == (
        '{"success":false,"error":"must have required property \'token\'\\n must have required'
        " property 'rid'\\n must match exactly one schema in oneOf [invalid-params]\","
        '"errorType":"invalid-params"}'
    )
    assert list(json.loads(body)) == ["success", "error", "errorType"]
    assert headers["Content-Type"] == "application/json"


# The worked cases of docs/contract/voip-room.md §3, in the table's order.
WORKED_CASES = [
    ("", (REQUIRED_TOKEN, REQUIRED_RID)),
    ("token=t", (REQUIRED_AGENT, REQUIRED_RID)),
    ("rid=r", (REQUIRED_TOKEN, REQUIRED_TOKEN)),
    ("token=t&agentId=a&rid=r", (ADDITIONAL, ADDITIONAL)),
    ("token=t&agentId=a&foo=x", (ADDITIONAL, REQUIRED_RID)),
    ("token=t&rid=r&direction=inbound", (REQUIRED_AGENT, ADDITIONAL)),
    ("token=t&agentId=a&direction=sideways", (NOT_ALLOWED, REQUIRED_RID)),
    ("token=t&token=u&agentId=a", (NOT_STRING, REQUIRED_RID)),
    (
        "token=t&agentId=a&direction=inbound&direction=outbound",
        (NOT_STRING, NOT_ALLOWED, REQUIRED_RID),
    ),
]

# Query-string edge cases: what qs makes of them decides the message.
EDGE_CASES = [
    ("token[]=a&agentId=b", (NOT_STRING, REQUIRED_RID)),
    ("token[sub]=a&agentId=b", (NOT_STRING, REQUIRED_RID)),
    ("token%5B%5D=a&agentId=b", (NOT_STRING, REQUIRED_RID)),
    ("token=t&agentId[]=a", (NOT_STRING, REQUIRED_RID)),
    ("Token=t&agentId=a", (REQUIRED_TOKEN, REQUIRED_RID)),
    ("token=t&agentId=a&Token=x", (ADDITIONAL, REQUIRED_RID)),
    ("agentId=a&rid=r", (REQUIRED_TOKEN, REQUIRED_TOKEN)),
    ("foo=1", (REQUIRED_TOKEN, REQUIRED_RID)),
    ("token=t&agentId=a&rid=", (ADDITIONAL, ADDITIONAL)),
    ("token=t&agentId=a&direction=", (NOT_ALLOWED, REQUIRED_RID)),
    ("token=t&agentId=a&direction=Inbound", (NOT_ALLOWED, REQUIRED_RID)),
    ("direction[]=inbound&token=t&agentId=a", (NOT_STRING, NOT_ALLOWED, REQUIRED_RID)),
    ("token=t&agentId=a&direction[x]=inbound", (NOT_STRING, NOT_ALLOWED, REQUIRED_RID)),
    ("rid[]=r&token=t", (REQUIRED_AGENT, NOT_STRING)),
    ("rid[x]=r&token=t", (REQUIRED_AGENT, NOT_STRING)),
    ("token=t&rid=r&rid=s", (REQUIRED_AGENT, NOT_STRING)),
]


@pytest.mark.parametrize(("query", "lines"), WORKED_CASES + EDGE_CASES)
def test_invalid_query_answers_ajv_message(
    api: Api, caller: tuple[str, str], query: str, lines: tuple[str, ...]
) -> None:
    status, _, body = api.call(query, *caller)
    assert status == 400
    assert body == invalid_params(*lines)


@pytest.mark.parametrize(
    "query",
    [
        "token=t&agentId=a",
        "token=t&agentId=a&direction=outbound",
        "token=t&agentId=a&direction=inbound",
        "token=t&rid=r",
        "token=&agentId=",  # empty strings are valid strings
        "token=&rid=r",
        "token=t&rid=",
    ],
)
def test_valid_query_reaches_the_handler(api: Api, caller: tuple[str, str], query: str) -> None:
    """No visitor has token `t` (or an empty one): the handler's first check answers."""
    status, _, body = api.call(query, *caller)
    assert (status, body) == (400, INVALID_TOKEN)


@pytest.mark.parametrize("spelling", ["a+b", "a%20b", "a+%62", "%61%20%62"])
def test_plus_and_percent_20_are_spaces(
    api: Api, actors: Actors, caller: tuple[str, str], spelling: str
) -> None:
    actors.visitor("a b")
    status, _, body = api.call(f"token={spelling}&agentId={caller[0]}", *caller)
    assert status == 200, body
    assert json.loads(body)["room"]["v"]["token"] == "a b"


@pytest.mark.parametrize("token", ["a%zz", "100%", "%E0%A4%A", "%FF"])
def test_malformed_escape_is_kept_as_written(
    api: Api, actors: Actors, caller: tuple[str, str], token: str
) -> None:
    actors.visitor(token)
    status, _, body = api.call(f"token={token}&agentId={caller[0]}", *caller)
    assert status == 200, body
    assert json.loads(body)["room"]["v"]["token"] == token


def test_encoded_plus_is_a_plus(api: Api, actors: Actors, caller: tuple[str, str]) -> None:
    actors.visitor("a+b")
    status, _, body = api.call(f"token=a%2Bb&agentId={caller[0]}", *caller)
    assert status == 200, body
    assert json.loads(body)["room"]["v"]["token"] == "a+b"


def test_query_string_parameters_are_not_what_is_read(api: Api, caller: tuple[str, str]) -> None:
    """API Gateway joins repeated keys with commas in queryStringParameters: the raw string
    is the one that tells a repeated `token` (an array: `must be string`) from a plain one."""
    event = load_event("voip_room_create.json")
    event["rawQueryString"] = f"token=t&token=u&agentId={caller[0]}"
    event["queryStringParameters"] = {"token": "t,u", "agentId": caller[0]}
    event["headers"]["x-user-id"], event["headers"]["x-auth-token"] = caller
    status, _, body = api.invoke(event)
    assert (status, body) == (400, invalid_params(NOT_STRING, REQUIRED_RID))
