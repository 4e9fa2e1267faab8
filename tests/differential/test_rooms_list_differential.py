"""Differential test of the call-history query validation (docs/contract/call-history.md §2):
voip_core's `read_listing_query` against the real qs 6.13 + ajv 8 with `coerceTypes: true`.

Every raw query is read by both sides; they must agree on what qs makes of it (every key and
value, arrays item by item), on valid/invalid, on the exact 400 `error` text, and on the values
ajv leaves once it has coerced them: numbers (as JavaScript writes them, -0 and Infinity
included), nulls, strings and arrays. Zero differences allowed.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from voip_core.compat.jsjson import js_number_string
from voip_core.compat.querystring import parse_query
from voip_core.errors import InvalidParams
from voip_core.routes.rooms_list_query import PROPERTIES
from voip_core.routes.rooms_list_rules import read_listing_query

from tests.conftest import ROOT
from tests.differential.conftest import HERE, Reference
from tests.unit.test_rooms_list_rules import CONTRACT_REFUSALS, CONTRACT_VALID

STRUCTURED_EXAMPLES = 2500
FREE_FORM_EXAMPLES = 1000

KEYS = (
    "agents",
    "open",
    "createdAt",
    "closedAt",
    "tags",
    "queue",
    "visitorId",
    "direction",
    "roomName",
    "count",
    "offset",
    "sort",
    "query",
)
NUMBER_KEYS = ("count", "offset")
ARRAY_KEYS = ("agents", "tags")
ENUMS = {"open": ("true", "false"), "direction": ("inbound", "outbound")}
CASE_VARIANTS = ("Count", "COUNT", "Agents", "agents ", "Open", "OFFSET", "roomname", "visitorID")
ODD_KEYS = ("fields", "foo", "0", "25", "__proto__", "toString", "constructor", "c%6Funt", "")
SUFFIXES = ("", "", "", "", "[]", "[]", "[0]", "[1]", "[3]", "[20]", "[21]", "[25]", "[x]")
SUFFIXES += ("[0][a]", "%5B%5D", "[][]")
# Numbers in every form JavaScript's Number() reads, and in forms it refuses.
NUMBER_TEXTS = (
    "10",
    "0",
    "-0",
    "1e3",
    "1E3",
    "%205",
    "+5",
    "5+",
    "%2B5",
    "-5",
    "-7.9",
    "10.9",
    "0x10",
    "0X1f",
    "0o17",
    "0b101",
    "-0x10",
    "0x",
    "1_000",
    "Infinity",
    "-Infinity",
    "%2BInfinity",
    "infinity",
    "NaN",
    "1.",
    ".5",
    ".",
    "5e",
    "e5",
    "1e400",
    "-1e400",
    "1e-400",
    "00012",
    "0.0000001",
    "1e21",
    "123456789012345678901234",
    "9007199254740993",
    "%C2%A05",
    "%E2%80%A85%09",
    "%EF%BB%BF5",
    "%E2%80%8B5",
    "%D9%A1",
    "%EF%BC%95",
    "0x" + "f" * 300,
    "1" * 400,
    "abc",
)
VALUE_PIECES = ("", "", "a", "A1", "true", "false", "inbound", "outbound", "undefined", "%20", "%")

number_texts = st.sampled_from(NUMBER_TEXTS)
plain_values = st.one_of(
    st.sampled_from(VALUE_PIECES),
    st.lists(st.sampled_from(VALUE_PIECES), max_size=3).map("".join),
    st.text(max_size=6),
)
# Each strategy is built once: hypothesis works out a strategy's properties when it is first drawn
# from, so one built anew for every example costs that work every time.
suffixes = st.sampled_from(SUFFIXES)
forms = st.sampled_from(("k=v", "k=v", "k=v", "k=", "k"))
one_in_four = st.integers(0, 3)
odd_keys = st.one_of(st.sampled_from(CASE_VARIANTS), st.sampled_from(ODD_KEYS), st.text(max_size=4))


def _values_for(key: str) -> st.SearchStrategy[str]:
    if key in NUMBER_KEYS:
        return st.one_of(number_texts, number_texts, plain_values)
    if key in ENUMS:
        return st.one_of(st.sampled_from(ENUMS[key]), st.sampled_from(ENUMS[key]), plain_values)
    return plain_values


key_values = {key: _values_for(key) for key in KEYS}


@st.composite
def parameter(draw: st.DrawFn, key: str) -> str:
    """One of the schema's keys, often as an array where one is wanted, sometimes not."""
    suffix = draw(suffixes) if key in ARRAY_KEYS or draw(one_in_four) == 0 else ""
    form = draw(forms)
    return form.replace("k", key + suffix, 1).replace("=v", "=" + draw(key_values[key]))


parameters = {key: parameter(key) for key in KEYS}
key_lists = st.lists(st.sampled_from(KEYS), max_size=5)  # repeats allowed: repeated keys
odd_parameters = st.tuples(odd_keys, suffixes, plain_values).map("{0[0]}{0[1]}={0[2]}".format)


@st.composite
def structured_queries(draw: st.DrawFn) -> str:
    parts = [draw(parameters[key]) for key in draw(key_lists)]
    if draw(one_in_four) == 0:
        parts.append(draw(odd_parameters))
    return "&".join(draw(st.permutations(parts)))


free_form_queries = st.lists(
    st.one_of(
        st.sampled_from(("count=", "&offset=", "&agents[]=", "agents=", "&tags=", "&open=")),
        st.sampled_from(KEYS),
        st.sampled_from(("=", "&", "[", "]", "[]", "[0]", "%5B", "%5d", "%", "+", "-", ".", "e")),
        number_texts,
        st.characters(codec="utf-8"),
    ),
    max_size=12,
).map("".join)


def encode(value: Any) -> dict[str, Any]:
    """A value as rooms_list_reference.js writes it."""
    if value is None:
        return {"null": True}
    if isinstance(value, str):
        return {"string": value}
    if isinstance(value, float):
        negative_zero = value == 0 and math.copysign(1.0, value) < 0
        return {"number": "-0" if negative_zero else js_number_string(value)}
    if isinstance(value, list):
        return {"array": [encode(item) for item in value]}
    return {"other": "object"}


def assert_same_answer(reference: Reference, raw: str) -> None:
    expected = reference.answer(raw)
    parsed = {key: encode(value) for key, value in parse_query(raw).items()}
    assert parsed == expected["shape"], f"qs reads {raw!r} differently"
    try:
        values = read_listing_query(raw)
    except InvalidParams as error:
        assert not expected["valid"], f"{raw!r}: ajv accepts it, voip_core says {error.body}"
        assert error.body["error"] == expected["error"], raw
        return
    assert expected["valid"], f"{raw!r}: voip_core accepts it, ajv says {expected['error']!r}"
    assert {key: encode(value) for key, value in values.items()} == expected["values"], raw


@settings(
    max_examples=STRUCTURED_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(raw=structured_queries())
def test_structured_queries_match_ajv(rooms_list_reference: Reference, raw: str) -> None:
    assert_same_answer(rooms_list_reference, raw)


@settings(max_examples=FREE_FORM_EXAMPLES, deadline=None)
@given(raw=free_form_queries)
def test_free_form_queries_match_ajv(rooms_list_reference: Reference, raw: str) -> None:
    assert_same_answer(rooms_list_reference, raw)


def test_the_reference_validates_the_contracts_schema() -> None:
    """The schema node compiles is the one docs/contract/call-history.md §2 states, and voip_core
    checks its properties in the same order."""
    schema = json.loads((HERE / "rooms-list-query.schema.json").read_text(encoding="utf-8"))
    contract = (ROOT / "docs" / "contract" / "call-history.md").read_text(encoding="utf-8")
    stated = re.search(r"```json\n(.+?)\n```", contract, re.DOTALL)
    assert stated is not None
    assert json.loads(stated.group(1)) == schema
    assert tuple(schema["properties"]) == PROPERTIES
    assert KEYS == PROPERTIES


@pytest.mark.parametrize("raw", list(CONTRACT_REFUSALS))
def test_spec_rows_are_what_ajv_answers(rooms_list_reference: Reference, raw: str) -> None:
    assert rooms_list_reference.answer(raw)["error"] == f"{CONTRACT_REFUSALS[raw]} [invalid-params]"
    assert_same_answer(rooms_list_reference, raw)


@pytest.mark.parametrize("raw", CONTRACT_VALID)
def test_spec_valid_rows(rooms_list_reference: Reference, raw: str) -> None:
    assert rooms_list_reference.answer(raw)["valid"]
    assert_same_answer(rooms_list_reference, raw)


@pytest.mark.parametrize("text", NUMBER_TEXTS)
@pytest.mark.parametrize("key", NUMBER_KEYS)
def test_every_number_form(rooms_list_reference: Reference, key: str, text: str) -> None:
    assert_same_answer(rooms_list_reference, f"{key}={text}")
