"""`POST /api/v1/livechat/visitor`'s body rules (docs/contract/call-lifecycle.md §2, §5): Meteor
check()'s exact messages, then the blank token, then the email."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest
from voip_core.wiring import Services

from tests.expected import compact
from tests.unit.calls import Api
from tests.unit.conftest import PUBLIC_VISITOR_API

HEX_ID = re.compile(r"^[0-9a-f]{24}$")


@pytest.fixture
def base_env() -> Mapping[str, str]:
    """Rocket.Chat's check() messages on its public route: VISITOR_API_REQUIRES_AUTH=false."""
    return PUBLIC_VISITOR_API


@pytest.fixture
def calls(api: Api) -> Api:
    return api.rotating_ips()


def match_error(text: str) -> str:
    return compact({"success": False, "error": f"Match error: {text}"})


# --- check() -------------------------------------------------------------------------------------

CHECK_ERRORS = [
    ({}, "Missing key 'visitor'"),
    ({"visitor": {}}, "Missing key 'token' in field visitor"),
    ({"visitor": "x"}, "Expected object, got string in field visitor"),
    ({"visitor": 5}, "Expected object, got number in field visitor"),
    ({"visitor": True}, "Expected object, got boolean in field visitor"),
    ({"visitor": None}, "Expected object, got null in field visitor"),
    ({"visitor": []}, "Expected plain object in field visitor"),
    ({"visitor": {"token": 1}}, "Expected string, got number in field visitor.token"),
    ({"visitor": {"token": None}}, "Expected string, got null in field visitor.token"),
    ({"visitor": {"token": {}}}, "Expected string, got object in field visitor.token"),
    ({"visitor": {"token": "t", "name": None}}, "Expected string, got null in field visitor.name"),
    ({"visitor": {"token": "t", "email": 5}}, "Expected string, got number in field visitor.email"),
    (
        {"visitor": {"token": "t", "department": False}},
        "Expected string, got boolean in field visitor.department",
    ),
    (
        {"visitor": {"token": "t", "phone": []}},
        "Expected string, got object in field visitor.phone",
    ),
    (
        {"visitor": {"token": "t", "username": None}},
        "Expected string, got null in field visitor.username",
    ),
    ({"visitor": {"token": "t"}, "foo": 1}, "Unknown key in field foo"),
    ({"foo": 1, "visitor": {}}, "Unknown key in field foo"),
    ({"visitor": {"token": "t"}, "foo-bar": 1}, "Unknown key in field foo-bar"),
    (
        {"visitor": {"token": "t", "customFields": [{"key": "k", "value": "v"}]}},
        "Missing key 'overwrite' in field visitor.customFields[0]",
    ),
    (
        {"visitor": {"token": "t", "customFields": {}}},
        "Expected array, got {} in field visitor.customFields",
    ),
    (
        {"visitor": {"token": "t", "customFields": "x"}},
        'Expected array, got "x" in field visitor.customFields',
    ),
    (
        {"visitor": {"token": "t", "customFields": None}},
        "Expected array, got null in field visitor.customFields",
    ),
    (
        {"visitor": {"token": "t", "customFields": {"b": 1.0, "2": [True]}}},
        'Expected array, got {"2":[true],"b":1} in field visitor.customFields',
    ),
    (
        {"visitor": {"token": "t", "customFields": ["x"]}},
        "Expected object, got string in field visitor.customFields[0]",
    ),
    (
        {
            "visitor": {
                "token": "t",
                "customFields": [
                    {"key": "a", "value": "1", "overwrite": True},
                    {"key": "b", "value": 2, "overwrite": True},
                ],
            }
        },
        "Expected string, got number in field visitor.customFields[1].value",
    ),
    (
        {
            "visitor": {
                "token": "t",
                "customFields": [{"key": "k", "value": "v", "overwrite": "no"}],
            }
        },
        "Expected boolean, got string in field visitor.customFields[0].overwrite",
    ),
    # keys in the body's order; a missing key only after every present one passed
    ({"visitor": {"name": 1}}, "Expected string, got number in field visitor.name"),
    ({"visitor": {"phone": 1, "token": 2}}, "Expected string, got number in field visitor.phone"),
    ({"visitor": {"token": 2, "phone": 1}}, "Expected string, got number in field visitor.token"),
    ({"visitor": {"name": "n"}}, "Missing key 'token' in field visitor"),
    # a failing visitor is reported before an unknown key that follows it
    ({"visitor": {"token": 1}, "foo": 1}, "Expected string, got number in field visitor.token"),
]


@pytest.mark.parametrize(("body", "message"), CHECK_ERRORS)
def test_check_errors(calls: Api, dynamodb: Any, body: Any, message: str) -> None:
    status, headers, text = calls.register(body)
    assert (status, text) == (400, match_error(message))
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "Expected object, got string"),
        (b"{", "Expected object, got string"),
        (b"[]", "Expected plain object"),
        (b"1", "Expected object, got number"),
        (b'"x"', "Expected object, got string"),
        (b"null", "Expected object, got null"),
        (b"", "Missing key 'visitor'"),
    ],
)
def test_bodies_that_are_not_objects(calls: Api, dynamodb: Any, raw: bytes, message: str) -> None:
    assert calls.register(raw)[::2] == (400, match_error(message))


def test_other_keys_inside_visitor_are_ignored(calls: Api, services: Services) -> None:
    status, _, text = calls.register({"visitor": {"token": "t-extra", "id": "chosen-id", "foo": 1}})
    assert status == 200, text
    visitor = json.loads(text)["visitor"]
    assert HEX_ID.match(visitor["_id"]) and visitor["_id"] != "chosen-id"
    assert "foo" not in visitor and "id" not in visitor


# --- blank token, email --------------------------------------------------------------------------

BLANK_TOKEN = compact(
    {
        "success": False,
        "error": "Token cannot be empty [error-invalid-token]",
        "errorType": "error-invalid-token",
        "details": {"method": "livechat/visitor"},
    }
)


@pytest.mark.parametrize("token", ["", " ", "\t\n\r", "\u00a0", "\ufeff", " \u2028\u3000 "])
def test_blank_token(calls: Api, dynamodb: Any, token: str) -> None:
    assert calls.register({"visitor": {"token": token}})[::2] == (400, BLANK_TOKEN)


def invalid_email(email: str) -> str:
    return compact(
        {
            "success": False,
            "error": f"Invalid email {email} [error-invalid-email]",
            "errorType": "error-invalid-email",
            "details": {"function": "Livechat.validateEmail", "email": email},
        }
    )


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("nobody", "nobody"),
        ("a@b@c", "a@b@c"),
        ("  Mary@  ", "mary@"),
        ("@X.com", "@x.com"),
        ("   ", ""),
        ("a@", "a@"),
        ("a\n@b\nc@d", "a\n@b\nc@d"),
    ],
)
def test_invalid_email(calls: Api, dynamodb: Any, email: str, shown: str) -> None:
    body = {"visitor": {"token": "t-mail", "email": email}}
    assert calls.register(body)[::2] == (400, invalid_email(shown))


def test_order_check_then_blank_token_then_email(calls: Api, dynamodb: Any) -> None:
    body = {"visitor": {"token": " ", "email": "bad", "name": None}}
    assert calls.register(body)[::2] == (
        400,
        match_error("Expected string, got null in field visitor.name"),
    )
    body = {"visitor": {"token": " ", "email": "bad"}}
    assert calls.register(body)[::2] == (400, BLANK_TOKEN)


def test_token_too_long_for_the_store(calls: Api, dynamodb: Any) -> None:
    status, _, text = calls.register({"visitor": {"token": "t" * 2049}})
    assert status == 400
    assert json.loads(text)["errorType"] == "error-invalid-token"
