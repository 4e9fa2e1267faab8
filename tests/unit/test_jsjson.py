"""The JSON reader and writer without recursion (voip_core/compat/deep_json.py,
compat/jsjson.py): the reader accepts exactly what Python's json accepts (bar NaN/Infinity), at any
depth; the writer writes what it wrote before, at any depth up to its bound. tests/differential
compares both with node."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from voip_core.compat.deep_json import parse_deep
from voip_core.compat.jsjson import MAX_STRINGIFY_DEPTH, NOT_JSON, TooDeep, js_stringify, parse_body

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "0", "7", "x y", "é", ""]), inner, max_size=4),
    ),
    max_leaves=25,
)


def python_reads(text: str) -> Any:
    """What Python's json makes of a text, numbers as doubles; NOT_JSON when it refuses."""

    def refuse(name: str) -> Any:
        raise ValueError(name)

    try:
        return json.loads(text, parse_int=float, parse_constant=refuse)
    except ValueError:
        return NOT_JSON


def deep_reads(text: str) -> Any:
    try:
        return parse_deep(text)
    except ValueError:
        return NOT_JSON


def same(a: Any, b: Any) -> bool:
    """Equal, with -0.0 and 0.0 told apart, as JSON texts written by Python."""
    if a is NOT_JSON or b is NOT_JSON:
        return a is b
    return json.dumps(a) == json.dumps(b)


@settings(max_examples=300, deadline=None)
@given(VALUES, st.sampled_from(["", " ", "\n\t\r "]))
def test_the_deep_reader_reads_what_json_reads(value: Any, space: str) -> None:
    text = json.dumps(value, indent=1 if space else None).replace("\n", "\n" + space)
    assert same(deep_reads(space + text + space), python_reads(text))


MUTATIONS = ["", ",", "]", "}", "[", "{", ":", '"', "1", "-", ".", "e", "x", "\x01", "\\", " "]


@settings(max_examples=400, deadline=None)
@given(VALUES, st.integers(min_value=0, max_value=200), st.sampled_from(MUTATIONS), st.booleans())
def test_the_deep_reader_refuses_what_json_refuses(
    value: Any, position: int, piece: str, replace: bool
) -> None:
    text = json.dumps(value, ensure_ascii=False)
    at = min(position, len(text))
    mutated = text[:at] + piece + text[at + (1 if replace else 0) :]
    assert same(deep_reads(mutated), python_reads(mutated))


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "[Infinity]",
        '{"a":-Infinity}',
        "[1,]",
        '{"a":1,}',
        "[01]",
        "{'a':1}",
        '["\t"]',
        "",
        " ",
    ],
)
def test_both_readers_refuse_what_javascript_refuses(text: str) -> None:
    assert deep_reads(text) is NOT_JSON
    assert parse_body(text.encode()) is NOT_JSON or text.strip() == ""


def test_any_depth_is_read() -> None:
    depth = 200_000
    value = parse_body(("[" * depth + "]" * depth).encode())
    for _ in range(depth - 1):
        assert isinstance(value, list) and len(value) == 1
        value = value[0]
    assert value == []


def test_duplicate_keys_keep_the_first_place_and_the_last_value() -> None:
    deep = "[" * 3000 + "]" * 3000
    text = '{"a":1,"b":2,"a":' + deep + "}"
    assert list(parse_body(text.encode())) == ["a", "b"]
    assert parse_body(text.encode())["b"] == 2.0


@pytest.mark.parametrize(
    ("text", "number"),
    [("9" * 5000, math.inf), ("-" + "9" * 5000, -math.inf), ("1e400", math.inf), ("-0", -0.0)],
)
def test_every_number_is_a_double(text: str, number: float) -> None:
    assert same(parse_body(text.encode()), number)
    deep = parse_body(("[" * 2000 + text + "]" * 2000).encode())
    for _ in range(2000):
        deep = deep[0]
    assert same(deep, number)


def recursive_stringify(value: Any) -> str:
    """The writer as it was, by recursion: the reference for shallow values."""
    if isinstance(value, list):
        return "[" + ",".join(recursive_stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        from voip_core.compat.jsjson import js_key_order

        keys = js_key_order(list(value))
        members = (f"{js_stringify(key)}:{recursive_stringify(value[key])}" for key in keys)
        return "{" + ",".join(members) + "}"
    return js_stringify(value)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_the_writer_writes_what_the_recursive_one_wrote(value: Any) -> None:
    assert js_stringify(value) == recursive_stringify(value)


def test_the_writer_goes_to_its_bound_and_no_further() -> None:
    at_bound = parse_body(
        ('{"a":' * MAX_STRINGIFY_DEPTH + "0" + "}" * MAX_STRINGIFY_DEPTH).encode()
    )
    assert js_stringify(at_bound) == '{"a":' * MAX_STRINGIFY_DEPTH + "0" + "}" * MAX_STRINGIFY_DEPTH
    with pytest.raises(TooDeep):
        js_stringify([at_bound])
    assert js_stringify([[[]]], max_depth=3) == "[[[]]]"
    with pytest.raises(TooDeep):
        js_stringify([[[[]]]], max_depth=3)
