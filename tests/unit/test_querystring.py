"""The query string read as `qs.parse(str, {allowPrototypes: true})` reads it
(docs/contract/voip-room.md §3).

Every expected value below was produced by qs 6.13.0 (Rocket.Chat's parser) for the same input.
"""

from __future__ import annotations

from typing import Any

import pytest
from voip_core.compat.querystring import js_decode, parse_query


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("token=a&agentId=b", {"token": "a", "agentId": "b"}),
        ("token=a+b%20c", {"token": "a b c"}),
        ("token=a%2Bb", {"token": "a+b"}),
        ("token=%C3%A9", {"token": "é"}),
        ("t%6Fken=x", {"token": "x"}),
        ("token=a%zz", {"token": "a%zz"}),
        ("token=%", {"token": "%"}),
        ("token=%E0%A4%A", {"token": "%E0%A4%A"}),
        ("token=%FF", {"token": "%FF"}),
        ("token=a&token=b", {"token": ["a", "b"]}),
        ("token[]=a", {"token": ["a"]}),
        ("token%5B%5D=a", {"token": ["a"]}),
        ("token[0]=a", {"token": ["a"]}),
        ("token[21]=a", {"token": {"21": "a"}}),
        ("token[sub]=a", {"token": {"sub": "a"}}),
        ("token%5bx%5d=1", {"token": {"x": "1"}}),
        ("token=t&token[]=u", {"token": ["t", "u"]}),
        ("token[]=a&token=b", {"token": ["a", "b"]}),
        ("token[a]=x&token=y", {"token": {"a": "x", "y": True}}),
        ("token=y&token[a]=x", {"token": ["y", {"a": "x"}]}),
        ("token[]]=x", {"token": ["x"]}),
        ("token[=x", {"token[": "x"}),
        ("token]=x", {"token]": "x"}),
        ("[token]=a", {"token": "a"}),
        ("Token=a", {"Token": "a"}),
        ("token=", {"token": ""}),
        ("token", {"token": ""}),
        ("a=b=c", {"a": "b=c"}),
        ("token=a&&agentId=b", {"token": "a", "agentId": "b"}),
        ("=x&token=t", {"token": "t"}),
        ("__proto__=x&token=t", {"token": "t"}),
        ("", {}),
        # qs compacts every array at the end: missing indices leave no hole.
        ("agents[5]=a", {"agents": ["a"]}),
        ("agents[]=&agents[3]=x", {"agents": ["", "x"]}),
        ("agents[3]=x&agents=y", {"agents": ["x", "y"]}),
        ("a[2][b][3]=1", {"a": [{"b": ["1"]}]}),
        ("a[3]=x&a[a]=y", {"a": {"3": "x", "a": "y"}}),
    ],
)
def test_parse_query_matches_qs(raw: str, expected: dict[str, Any]) -> None:
    assert parse_query(raw) == expected


def test_key_order_is_first_appearance() -> None:
    assert list(parse_query("rid=1&token=2&agentId=3&rid=4")) == ["rid", "token", "agentId"]


def test_only_the_first_thousand_parameters_count() -> None:
    raw = "&".join(f"k{i}=v" for i in range(1000)) + "&token=late"
    parsed = parse_query(raw)
    assert len(parsed) == 1000
    assert "token" not in parsed


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("plain", "plain"),
        ("a+b", "a b"),
        ("%41%42", "AB"),
        ("%e2%82%ac", "€"),
        ("%e2%82", "%e2%82"),  # a truncated UTF-8 sequence: decodeURIComponent throws
        ("100%", "100%"),
        ("%4", "%4"),
        ("%g0", "%g0"),
    ],
)
def test_js_decode(text: str, decoded: str) -> None:
    assert js_decode(text) == decoded
