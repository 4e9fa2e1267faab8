"""Differential test of the query rules (docs/contract/voip-room.md §3): voip_core against the real
qs 6.13 + ajv 8.

Every raw query is read by both sides; they must agree on valid/invalid, on the exact 400 `error`
text, on the values of a valid query, and on the top-level shape qs produces (each key, and its
value when that is a string). Zero differences allowed.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from voip_core.compat.querystring import parse_query
from voip_core.errors import InvalidParams
from voip_core.routes.voip_room import read_room_query

from tests.differential.conftest import Reference

STRUCTURED_EXAMPLES = 4000
FREE_FORM_EXAMPLES = 2000

KNOWN_KEYS = ("token", "agentId", "rid", "direction")
VALID_KEY_SETS = (("token", "agentId"), ("token", "agentId", "direction"), ("rid", "token"))
CASE_VARIANTS = ("Token", "TOKEN", "agentid", "AgentId", "AGENTID", "Rid", "RID", "Direction")
ODD_KEYS = (
    "foo",
    "0",
    "1",
    "25",
    "__proto__",
    "toString",
    "constructor",
    "hasOwnProperty",
    "valueOf",
    "?token",
    " token",
    "token ",
    "tok%65n",  # percent-escaped letters: decodes to "token"
    "%74oken",
    "agent%49d",
    "r%69d",
    "token%00",
    "[token]",
    "[]",
    "[0]",
    "",
)
SUFFIXES = (
    "",
    "",
    "",
    "[]",
    "[sub]",
    "[0]",
    "[1]",
    "[21]",
    "[25]",
    "[-1]",
    "[01]",
    "[__proto__]",
    "[toString]",
    "[][]",
    "[a][b]",
    "[a][b][c][d][e][f][g]",
    "%5B%5D",
    "%5bsub%5d",
    "%5B0%5D",
    "[",
    "]",
    "[[x]]",
    "[x",
    "[²]",
    "[١]",
    "[０]",
)
VALUE_PIECES = (
    "",
    "inbound",
    "outbound",
    "Inbound",
    "INBOUND",
    "in%62ound",
    "out+bound",
    "+",
    "%20",
    "%2B",
    "%25",
    "%",
    "%4",
    "%zz",
    "%C3",
    "%C3%A9",
    "%E2%82%AC",
    "%F0%9F%98%80",
    "%FF",
    "%C0%AF",
    "%ED%A0%80",
    "%F4%90%80%80",
    "%E2%82",
    "%00",
    "%0A",
    "%26",
    "%3D",
    "=",
    "]=",
    "[]=",
    "é",
    "😀",
    "\u2028",
    "abc",
    "visitor-1",
)

key_names = st.one_of(
    st.sampled_from(KNOWN_KEYS),
    st.sampled_from(CASE_VARIANTS),
    st.sampled_from(ODD_KEYS),
    st.text(max_size=6),
)
values = st.one_of(
    st.lists(st.sampled_from(VALUE_PIECES), max_size=4).map("".join),
    st.text(max_size=12),
)


# The strategies each draw uses, built once: hypothesis works out a strategy's properties when it
# is first drawn from, so a strategy built anew for every example costs that work every time.
suffixes = st.sampled_from(SUFFIXES)
forms = st.sampled_from(("key=value", "key=value", "key", "key=", "=value", ""))
one_in_six = st.integers(0, 5)
one_in_ten = st.integers(0, 9)
one_in_three = st.integers(0, 2)
coin = st.booleans()
array_suffixes = st.sampled_from(("[]", "[x]", "[0]", "[1]", "%5B%5D", "[]="))


def _plain_values(plain: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(plain), st.sampled_from(plain), values)


known_values = {
    "direction": _plain_values(("inbound", "outbound", "in%62ound")),
    "other": _plain_values(("", "v-1", "a+b", "%C3%A9")),
}


@st.composite
def odd_parameters(draw: st.DrawFn) -> str:
    """A parameter of any form: odd key, odd suffix, odd value, or no `=` at all."""
    key = draw(key_names) + draw(suffixes)
    form = draw(forms)
    value = draw(values)
    return form.replace("key", key).replace("value", value)


@st.composite
def known_parameter(draw: st.DrawFn, key: str) -> str:
    """One of the four keys, mostly well formed: that is where the valid queries and the subtle
    errors (a repeated key, a wrong direction, an escaped key name) are."""
    spelled = key
    if draw(one_in_six) == 0:
        spelled += draw(array_suffixes)
    if draw(one_in_ten) == 0:  # the same key, percent-escaped: still the same key
        spelled = "".join(f"%{ord(c):02X}" if draw(coin) else c for c in spelled)
    value = draw(known_values["direction" if key == "direction" else "other"])
    return f"{spelled}={value}"


known_parameters = {key: known_parameter(key) for key in KNOWN_KEYS}
odd_parameter_lists = st.lists(odd_parameters(), min_size=1, max_size=3)
key_sets = st.one_of(
    st.sampled_from(VALID_KEY_SETS),
    st.lists(st.sampled_from(KNOWN_KEYS), unique=True, max_size=4),
)


@st.composite
def structured_queries(draw: st.DrawFn) -> str:
    keys = list(draw(key_sets))
    if keys and draw(one_in_six) == 0:
        keys.append(draw(st.sampled_from(keys)))  # a repeated key
    known = [draw(known_parameters[key]) for key in keys]
    odd = draw(odd_parameter_lists) if draw(one_in_three) == 0 else []
    return "&".join(draw(st.permutations(known + odd)))


# Free-form text from the pieces that steer the parser and the words the schema knows.
free_form_queries = st.lists(
    st.one_of(
        st.sampled_from(("token=", "&token=", "agentId=", "&agentId=", "rid=", "&rid=")),
        st.sampled_from(("token", "agentId", "rid", "direction", "inbound", "outbound")),
        st.sampled_from(("=", "&", "[", "]", "[]", "[0]", "%5B", "%5d", "%", "+", "]=", "[]=")),
        st.sampled_from(VALUE_PIECES),
        st.characters(codec="utf-8"),
    ),
    max_size=14,
).map("".join)


def _shape(parsed: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"string": value}
        if isinstance(value, str)
        else {"other": "array" if isinstance(value, list) else "object"}
        for key, value in parsed.items()
    }


def assert_same_answer(reference: Reference, raw: str) -> None:
    expected = reference.answer(raw)
    assert _shape(parse_query(raw)) == expected["shape"], f"qs reads {raw!r} differently"
    try:
        query = read_room_query(raw)
    except InvalidParams as error:
        assert not expected["valid"], f"{raw!r}: ajv accepts it, voip_core says {error.body}"
        assert error.body["error"] == expected["error"], raw
        return
    assert expected["valid"], f"{raw!r}: voip_core accepts it, ajv says {expected['error']!r}"
    strings = {key: value["string"] for key, value in expected["shape"].items()}
    assert (query.token, query.agent_id, query.rid, query.direction) == (
        strings.get("token"),
        strings.get("agentId"),
        strings.get("rid"),
        strings.get("direction"),
    ), raw


@settings(
    max_examples=STRUCTURED_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(raw=structured_queries())
def test_structured_queries_match_ajv(reference: Reference, raw: str) -> None:
    assert_same_answer(reference, raw)


@settings(max_examples=FREE_FORM_EXAMPLES, deadline=None)
@given(raw=free_form_queries)
def test_free_form_queries_match_ajv(reference: Reference, raw: str) -> None:
    assert_same_answer(reference, raw)


SPEC_WORKED_CASES = {
    "": "must have required property 'token'\n must have required property 'rid'",
    "token=t": "must have required property 'agentId'\n must have required property 'rid'",
    "rid=r": "must have required property 'token'\n must have required property 'token'",
    "token=t&agentId=a&rid=r": "must NOT have additional properties\n"
    " must NOT have additional properties",
    "token=t&agentId=a&foo=f": "must NOT have additional properties\n"
    " must have required property 'rid'",
    "token=t&rid=r&direction=inbound": "must have required property 'agentId'\n"
    " must NOT have additional properties",
    "token=t&agentId=a&direction=sideways": "must be equal to one of the allowed values\n"
    " must have required property 'rid'",
    "token=t&token=u&agentId=a": "must be string\n must have required property 'rid'",
    "token=t&agentId=a&direction=inbound&direction=outbound": "must be string\n"
    " must be equal to one of the allowed values\n must have required property 'rid'",
}


@pytest.mark.parametrize("raw", list(SPEC_WORKED_CASES))
def test_spec_worked_cases_are_what_ajv_answers(reference: Reference, raw: str) -> None:
    """The reference reproduces docs/contract/voip-room.md §3's table: the comparison compares the
    right thing."""
    expected = f"{SPEC_WORKED_CASES[raw]}\n must match exactly one schema in oneOf [invalid-params]"
    assert reference.answer(raw)["error"] == expected
    assert_same_answer(reference, raw)


@pytest.mark.parametrize(
    "raw", ["token=t&agentId=a", "token=t&agentId=a&direction=outbound", "token=t&rid=r"]
)
def test_spec_valid_cases(reference: Reference, raw: str) -> None:
    assert reference.answer(raw)["valid"]
    assert_same_answer(reference, raw)


def _limits() -> list[str]:
    """qs's limits: 1000 parameters, depth 5, array index 20; and long or many values."""
    cases = []
    for empties in range(996, 1002):  # the query's last parameters fall in or out of the limit
        cases.append("&" * empties + "token=t&agentId=a&foo=x")
        cases.append("x=1&" * (empties - 2) + "token=t&agentId=a")
    cases += [
        "token[a][b][c][d][e]=x&agentId=a",
        "token[a][b][c][d][e][f]=x&agentId=a",
        "[a][b][c][d][e][f][g]=x&token=t&agentId=a",
        "token[20]=x&agentId=a",
        "token[21]=x&agentId=a",
        "token[20]=x&token[21]=y&token=z&agentId=a",
        "direction=inbound&" * 25 + "token=t&agentId=a",
        "token=" + "t" * 8192 + "&agentId=" + "%C3%A9" * 2000,
        "token=" + "%" * 3000 + "&agentId=a",
        "&".join(f"p{i}=v" for i in range(1500)),
        "0[a]=&0=&token=t&agentId=a",  # qs merges array-index keys first
        "4294967294[a]=&4294967294=&4294967295[a]=&4294967295=",
        "token[" + "1" * 5000 + "]=x&agentId=a",  # digits past int()'s 4300-digit limit
        "1" * 5000 + "=x&token=t&agentId=a",
    ]
    return cases


@pytest.mark.parametrize("raw", _limits(), ids=lambda raw: f"{len(raw)}chars")
def test_parser_limits_match_qs(reference: Reference, raw: str) -> None:
    assert_same_answer(reference, raw)
