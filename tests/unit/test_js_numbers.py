"""JavaScript's `Number(string)` and `parseInt(string, 10)` (compat/jsjson.py), and ajv's coercions
built on them (compat/ajv.py): what `voip/rooms` makes of `count` and `offset`
(docs/contract/call-history.md §2, §4). Every expected value is what Node 20 answers;
tests/differential compares them with ajv itself on thousands of queries."""

from __future__ import annotations

import math
from typing import Any

import pytest
from voip_core.compat.ajv import (
    NOT_ARRAY,
    NOT_NUMBER,
    NOT_STRING,
    Invalid,
    coerce_to_nullable_array,
    coerce_to_nullable_number,
    coerce_to_nullable_string,
)
from voip_core.compat.jsjson import js_number, js_parse_int


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("10", 10.0),
        ("1e3", 1000.0),
        (" 5", 5.0),
        ("\u00a05\u2028\t", 5.0),  # JavaScript's whitespace, Unicode's included
        ("\ufeff5", 5.0),
        ("", 0.0),
        ("   ", 0.0),
        ("+5", 5.0),
        ("-7.5", -7.5),
        ("1.", 1.0),
        (".5", 0.5),
        ("0x10", 16.0),
        ("0X1f", 31.0),
        ("0o17", 15.0),
        ("0b101", 5.0),
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("1e400", math.inf),
        ("1e-400", 0.0),
        ("0x" + "f" * 300, math.inf),
        ("9007199254740993", 9007199254740992.0),  # the nearest double
    ],
)
def test_number_of_a_string(text: str, number: float) -> None:
    assert js_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "NaN",
        "infinity",
        "inf",
        "nan",
        "1_000",
        "-0x10",
        "+0x1",
        "0x",
        ".",
        "5e",
        "e5",
        "\u200b5",
        "\u0661",
        "\uff15",
        "1 2",
        "0b2",
    ],
)
def test_not_a_number(text: str) -> None:
    """Python's float() reads several of these (inf, nan, 1_000, non-ASCII digits)."""
    assert math.isnan(js_number(text))


def test_negative_zero_keeps_its_sign() -> None:
    assert math.copysign(1.0, js_number("-0")) == -1.0


@pytest.mark.parametrize(
    ("text", "number"),
    [("10", 10), ("10.9", 10), ("-10.9", -10), ("1e+21", 1), ("5e-324", 5), (" 7x", 7)],
)
def test_parse_int(text: str, number: int) -> None:
    assert js_parse_int(text) == number


@pytest.mark.parametrize("text", ["Infinity", "-Infinity", "NaN", "", "x1", ".5"])
def test_parse_int_without_digits_is_nan(text: str) -> None:
    assert math.isnan(js_parse_int(text))


@pytest.mark.parametrize(
    ("value", "coerced"),
    [("10", 10.0), ("", None), (None, None), (True, 1.0), (False, 0.0), (3, 3.0), (" ", 0.0)],
)
def test_nullable_number_coercion(value: Any, coerced: float | None) -> None:
    assert coerce_to_nullable_number(value) == coerced


@pytest.mark.parametrize("value", ["abc", "NaN", ["1"], {"a": "1"}, math.inf, math.nan])
def test_nullable_number_refusals(value: Any) -> None:
    with pytest.raises(Invalid, match=f"^{NOT_NUMBER}$"):
        coerce_to_nullable_number(value)


@pytest.mark.parametrize(
    ("value", "coerced"),
    [(["a"], ["a"]), ("", None), (None, None), (0, None), (0.0, None), (False, None)],
)
def test_nullable_array_coercion(value: Any, coerced: list[str] | None) -> None:
    assert coerce_to_nullable_array(value) == coerced


@pytest.mark.parametrize("value", ["a", "0", 1, True, {"0": "a"}])
def test_nullable_array_refusals(value: Any) -> None:
    with pytest.raises(Invalid, match=f"^{NOT_ARRAY}$"):
        coerce_to_nullable_array(value)


@pytest.mark.parametrize(
    ("value", "coerced"), [("", ""), (None, None), (1.5, "1.5"), (True, "true"), ("x", "x")]
)
def test_nullable_string_coercion(value: Any, coerced: str | None) -> None:
    assert coerce_to_nullable_string(value) == coerced


@pytest.mark.parametrize("value", [["a"], {"a": "b"}])
def test_nullable_string_refusals(value: Any) -> None:
    with pytest.raises(Invalid, match=f"^{NOT_STRING}$"):
        coerce_to_nullable_string(value)
