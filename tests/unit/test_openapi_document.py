"""docs/openapi.yaml: a valid OpenAPI 3.1 document whose examples fit its own schemas, whose query
schema is the one the differential test runs through ajv, and whose error examples are what the
service really answers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from voip_core.compat.jsjson import JS_WHITESPACE
from voip_core.errors import ApiError
from voip_core.routes.visitors import check_visitor_body, registration_from

from tests.conftest import ROOT
from tests.expected import compact
from tests.unit.calls import Api
from tests.unit.conftest import Actors

DOCUMENT = ROOT / "docs" / "openapi.yaml"
ROUTE = ("paths", "/api/v1/voip/room", "get")
SPEC_STATUSES = {"200", "400", "401", "403", "429", "500", "503"}
BASE = "urn:voip-room:openapi"


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def _operation(document: dict[str, Any]) -> dict[str, Any]:
    return dict(document[ROUTE[0]][ROUTE[1]][ROUTE[2]])


def _validator(document: dict[str, Any], pointer: str) -> Draft202012Validator:
    """A validator for the schema at `pointer`, its `#/components/...` refs resolved."""
    registry: Registry[Any] = Registry().with_resource(
        BASE, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"{BASE}#{pointer}"}, registry=registry)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _response_examples() -> list[Any]:
    document = _document()
    cases = []
    for status, response in _operation(document)["responses"].items():
        media = response["content"]["application/json"]
        examples = {name: item["value"] for name, item in media.get("examples", {}).items()}
        if "example" in media:
            examples[status] = media["example"]
        pointer = "/" + "/".join(
            _escape(s)
            for s in (*ROUTE, "responses", status, "content", "application/json", "schema")
        )
        cases += [
            pytest.param(pointer, value, id=f"{status}-{name}") for name, value in examples.items()
        ]
    return cases


def test_the_document_is_valid_openapi_3_1() -> None:
    document = _document()
    validate_openapi(document)
    assert document["openapi"].startswith("3.1.")


def test_every_status_of_the_spec_is_documented() -> None:
    assert set(_operation(_document())["responses"]) == SPEC_STATUSES


@pytest.mark.parametrize("pointer, example", _response_examples())
def test_every_example_fits_its_schema(pointer: str, example: Any) -> None:
    _validator(_document(), pointer).validate(example)


def test_query_examples_fit_the_query_schema() -> None:
    document = _document()
    (parameter,) = _operation(document)["parameters"]
    validator = _validator(document, "/components/schemas/RoomQuery")
    for example in parameter["examples"].values():
        validator.validate(example["value"])


def test_the_query_schema_is_the_one_ajv_checks_in_the_differential_test() -> None:
    documented = dict(_document()["components"]["schemas"]["RoomQuery"])
    documented.pop("description")
    ajv_side = json.loads((ROOT / "tests/differential/room-query.schema.json").read_text())
    assert documented == ajv_side


def _query_of(example_name: str, agent_id: str) -> str:
    return {
        "no-query": "",
        "both-forms": f"token=visitor-1&agentId={agent_id}&rid=r",
        "direction-given-twice": f"token=visitor-1&agentId={agent_id}"
        "&direction=inbound&direction=outbound",
        "invalid-token": f"token=nobody&agentId={agent_id}",
        "invalid-room": "token=visitor-1&rid=no-such-room",
        "agent-not-found": "token=visitor-1&agentId=no-such-agent",
    }[example_name]


@pytest.mark.parametrize(
    "name",
    [
        "no-query",
        "both-forms",
        "direction-given-twice",
        "invalid-token",
        "invalid-room",
        "agent-not-found",
    ],
)
def test_the_400_examples_are_the_services_answers(api: Api, actors: Actors, name: str) -> None:
    agent_id, agent_token = actors.user("kim.jane")
    actors.visitor("visitor-1", name="Mary")
    media = _operation(_document())["responses"]["400"]["content"]["application/json"]
    expected = compact(media["examples"][name]["value"])
    status, _, body = api.call(_query_of(name, agent_id), agent_id, agent_token)
    assert (status, body) == (400, expected)


@pytest.mark.parametrize("status", ["401", "403"])
def test_the_401_and_403_examples_are_the_services_answers(
    api: Api, actors: Actors, status: str
) -> None:
    user_id, token = actors.user("plain.user", roles=("user",))
    actors.visitor("visitor-1", name="Mary")
    media = _operation(_document())["responses"][status]["content"]["application/json"]
    expected = compact(media["example"])
    sent_token = token if status == "403" else "not-the-token"
    answer = api.call({"token": "visitor-1", "agentId": user_id}, user_id, sent_token)
    assert answer[0] == int(status)
    assert answer[2] == expected


# --- the visitor routes ----------------------------------------------------------------------

VISITOR_OPERATIONS = [
    ("/api/v1/livechat/visitor", "post"),
    ("/api/v1/livechat/visitor/{token}", "get"),
    ("/api/v1/livechat/visitor/{token}", "delete"),
]


def _visitor_examples() -> list[Any]:
    """Every response example of the visitor routes with the pointer of its schema, through the
    shared `components/responses`."""
    document = _document()
    cases = []
    for path, method in VISITOR_OPERATIONS:
        for status, written in document["paths"][path][method]["responses"].items():
            base: tuple[str, ...] = ("paths", path, method, "responses", status)
            response = written
            if "$ref" in written:
                base = tuple(written["$ref"].removeprefix("#/").split("/"))
                response = document[base[0]][base[1]][base[2]]
            media = response["content"]["application/json"]
            examples = {n: item["value"] for n, item in media.get("examples", {}).items()}
            if "example" in media:
                examples[status] = media["example"]
            pointer = "/" + "/".join(
                _escape(s) for s in (*base, "content", "application/json", "schema")
            )
            cases += [
                pytest.param(pointer, value, id=f"{method}-{status}-{name}")
                for name, value in examples.items()
            ]
    return cases


@pytest.mark.parametrize("pointer, example", _visitor_examples())
def test_every_visitor_example_fits_its_schema(pointer: str, example: Any) -> None:
    _validator(_document(), pointer).validate(example)


@pytest.mark.parametrize(("path", "method"), VISITOR_OPERATIONS)
def test_the_visitor_routes_require_credentials_and_document_401_and_403(
    path: str, method: str
) -> None:
    operation = _document()["paths"][path][method]
    assert operation["security"] == [{"userId": [], "authToken": []}]
    assert {"401", "403", "413", "429"} <= set(operation["responses"])


def test_the_registration_example_fits_the_body_schema() -> None:
    document = _document()
    media = document["paths"]["/api/v1/livechat/visitor"]["post"]["requestBody"]["content"]
    _validator(document, "/components/schemas/Registration").validate(
        media["application/json"]["example"]
    )


def _accepted(visitor: dict[str, Any]) -> bool:
    try:
        registration_from(check_visitor_body({"visitor": visitor}))
    except ApiError:
        return False
    return True


WHITESPACE_AND_MORE = st.text(
    st.sampled_from([*JS_WHITESPACE, "@", "a", "É", "\u0085", "\u200b", "İ"]), max_size=8
)


def test_the_documented_email_and_token_patterns_are_the_services_rules() -> None:
    """Generated requests are judged by these patterns (tests/integration/test_schemathesis.py):
    they must accept exactly what the service accepts."""
    visitor_schema = _document()["components"]["schemas"]["Registration"]["properties"]["visitor"]
    email = re.compile(visitor_schema["properties"]["email"]["pattern"])
    token = re.compile(visitor_schema["properties"]["token"]["pattern"])

    @settings(max_examples=500, deadline=None)
    @given(WHITESPACE_AND_MORE)
    def agree(text: str) -> None:
        assert bool(email.search(text)) == _accepted({"token": "t", "email": text})
        assert bool(token.search(text)) == _accepted({"token": text})

    agree()
