"""`GET /api/v1/voip/rooms`'s request rules (routes/rooms_list_rules.py), check by check as
docs/contract/call-history.md §1–§5 states them: validation, pagination and `sort`, permission,
filters and dates, and the order in which they refuse. Pure: a query string in, a RoomListQuery or
the exact error body out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from voip_core.compat.querystring import parse_query
from voip_core.domain.models import User
from voip_core.domain.room_listing import SORT_FIELDS, RoomListQuery
from voip_core.errors import ApiError
from voip_core.routes.rooms_list_rules import check_listing
from voip_core.settings import Settings

SUPERVISOR = User(id="S1", username="sam", roles=("livechat-manager",))
AGENT = User(id="A1", username="kim", roles=("livechat-agent",))
OTHER_AGENT_ID = "A2"
PLAIN_USER = User(id="U1", username="pat", roles=("user",))
DEFAULTS = Settings()

UNAUTHORIZED = '{"success":false,"error":"unauthorized"}'


def check(raw: str, user: User = SUPERVISOR, settings: Settings = DEFAULTS) -> RoomListQuery:
    return check_listing(parse_query(raw), user, settings)


def refusal(raw: str, user: User = SUPERVISOR, settings: Settings = DEFAULTS) -> tuple[int, str]:
    """The status and the body, compact and in order, as the client reads them."""
    with pytest.raises(ApiError) as refused:
        check(raw, user, settings)
    return refused.value.status, json.dumps(refused.value.body, separators=(",", ":"))


def invalid_params(message: str) -> tuple[int, str]:
    error = json.dumps(f"{message} [invalid-params]")
    return 400, f'{{"success":false,"error":{error},"errorType":"invalid-params"}}'


def invalid_sort(raw: str) -> tuple[int, str]:
    error = json.dumps(f'Invalid sort parameter provided: "{raw}" [error-invalid-sort]')
    return 400, (
        f'{{"success":false,"error":{error},"errorType":"error-invalid-sort",'
        '"details":{"helperMethod":"parseJsonQuery"}}'
    )


def date_error(message: str) -> tuple[int, str]:
    return 400, json.dumps({"success": False, "error": message}, separators=(",", ":"))


def negative_offset(offset: int) -> tuple[int, str]:
    text = f"BSON field 'skip' value must be >= 0, actual value '{offset}'"
    return 400, json.dumps({"success": False, "error": text}, separators=(",", ":"))


# --- §2 validation --------------------------------------------------------------------------------

# docs/contract/call-history.md §2's table, row by row (the differential test checks the
# reference against the same rows).
CONTRACT_REFUSALS = {
    "foo=1": "must NOT have additional properties",
    "fields={}": "must NOT have additional properties",
    "agents=u1": "must be array",
    "tags=x": "must be array",
    "agents[25]=a": "must be array",
    "agents[0][a]=1": "must be string",
    "queue=a&queue=b": "must be string",
    "open=yes": "must be equal to one of the allowed values",
    "open=": "must be equal to one of the allowed values",
    "open=TRUE": "must be equal to one of the allowed values",
    "direction=in": "must be equal to one of the allowed values",
    "count=abc": "must be number",
    "offset=NaN": "must be number",
    "open=yes&count=abc": "must be equal to one of the allowed values",
}
CONTRACT_VALID = ("count=", "agents=", "agents[]=", "count=1e3", "agents=a&agents=b", "count=%205")
SPEC_REFUSALS = {
    **CONTRACT_REFUSALS,
    "count=abc&foo=1": "must NOT have additional properties",  # unknown keys come first
    "sort[]=x": "must be string",
    "query[a]=1": "must be string",
}


@pytest.mark.parametrize("raw", list(SPEC_REFUSALS))
def test_validation_refusals(raw: str) -> None:
    assert refusal(raw) == invalid_params(SPEC_REFUSALS[raw])


@pytest.mark.parametrize(
    ("raw", "count", "agents"),
    [
        ("count=", 50, ()),
        ("agents=", 50, ()),
        ("agents[]=", 50, ("",)),
        ("count=1e3", 100, ()),
        ("agents=a&agents=b", 50, ("a", "b")),
        ("agents[5]=a", 50, ("a",)),
        ("count=%205", 5, ()),
    ],
)
def test_validation_accepts(raw: str, count: int, agents: tuple[str, ...]) -> None:
    listing = check(raw)
    assert (listing.count, listing.agents) == (count, agents)


def test_an_empty_query_lists_the_newest_closed_rooms() -> None:
    assert check("") == RoomListQuery(
        open=False, sort_key="ts", descending=True, offset=0, count=50
    )


# --- §4 pagination --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "count"),
    [
        ("", 50),
        ("count=", 50),
        ("count=10", 10),
        ("count=10.9", 10),
        ("count=1", 1),
        ("count=100", 100),
        ("count=101", 100),
        ("count=1e3", 100),
        ("count=0x10", 16),
        ("count=1e21", 1),  # parseInt("1e+21")
        ("count=0", 50),  # API_ALLOW_INFINITE_COUNT is off by default
        ("count=0.5", 50),  # parseInt("0.5") is 0
        ("count=-0", 50),
        ("count=-5", 5),  # Deviation: |count|
        ("count=-10.9", 10),
        ("count=-500", 100),  # ... under the cap
    ],
)
def test_count(raw: str, count: int) -> None:
    assert check(raw).count == count


@pytest.mark.parametrize(
    "raw", ["count=Infinity", "count=-Infinity", "count=1e400", "count=-1e400", "offset=Infinity"]
)
def test_an_infinite_count_or_offset_is_not_a_number(raw: str) -> None:
    """Deviation: ajv lets them through; Rocket.Chat's parseInt would make them NaN."""
    assert refusal(raw) == invalid_params("must be number")


def test_count_zero_lists_every_match_only_when_allowed() -> None:
    infinite = Settings.from_env({"API_ALLOW_INFINITE_COUNT": "true"})
    assert check("count=0", settings=infinite).count is None
    assert check("count=0.9", settings=infinite).count is None
    assert check("", settings=infinite).count == 50


def test_page_sizes_are_settings() -> None:
    small = Settings.from_env({"API_DEFAULT_COUNT": "20", "API_UPPER_COUNT_LIMIT": "30"})
    assert [
        check(raw, settings=small).count for raw in ("", "count=25", "count=50", "count=0")
    ] == [
        20,
        25,
        30,
        20,
    ]


@pytest.mark.parametrize(
    ("raw", "offset"),
    [
        ("", 0),
        ("offset=", 0),
        ("offset=0", 0),
        ("offset=7.9", 7),
        ("offset=1e3", 1000),
        ("offset=-0.5", 0),  # parseInt("-0.5") is -0
        ("offset=%2B3", 3),
    ],
)
def test_offset(raw: str, offset: int) -> None:
    assert check(raw).offset == offset


@pytest.mark.parametrize(("raw", "shown"), [("offset=-3", -3), ("offset=-2.5", -2)])
def test_a_negative_offset_is_mongodbs_refusal(raw: str, shown: int) -> None:
    assert refusal(raw) == negative_offset(shown)


# --- §4 sort --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "sort=", "sort=%7B%7D", "sort=+%7B+%7D+"])
def test_no_sort_is_newest_first(raw: str) -> None:
    listing = check(raw)
    assert (listing.sort_key, listing.descending) == ("ts", True)


@pytest.mark.parametrize("key", list(SORT_FIELDS))
@pytest.mark.parametrize(("direction", "descending"), [("1", False), ("-1", True)])
def test_each_sort_field(key: str, direction: str, descending: bool) -> None:
    listing = check(f'sort={{ "{key}": {direction} }}')  # as Rocket.Chat's client writes it
    assert (listing.sort_key, listing.descending) == (key, descending)


@pytest.mark.parametrize("number", ["1.0", "1e0", "10e-1", "-1.0", "-1E0"])
def test_a_sort_direction_is_a_json_number(number: str) -> None:
    assert check(f'sort={{"ts":{number}}}').descending is number.startswith("-")


@pytest.mark.parametrize(
    "sort",
    [
        "{ts:1}",  # not JSON
        "ts",
        "null",
        "5",  # Deviation: JSON that is not an object
        "[]",
        "[1]",
        '"x"',
        "true",
        '{"ts":0}',  # not 1 or -1
        '{"ts":2}',
        '{"ts":"1"}',
        '{"ts":true}',
        '{"ts":null}',
        '{"ts":-1,"fname":1}',  # Deviation: one key only
        '{"servedBy._id":1}',  # Deviation: a listed key only
        '{"TS":1}',
        "\ufeff{}",  # JSON.parse refuses a byte-order mark
        "{" * 5000,
    ],
)
def test_sort_refusals_quote_the_sort_as_received(sort: str) -> None:
    assert refusal("sort=" + sort.replace("+", "%2B")) == invalid_sort(sort)


def test_the_quoted_sort_is_url_decoded() -> None:
    assert refusal("sort=%7B%22ts%22%3A0%7D") == invalid_sort('{"ts":0}')
    assert refusal("sort=a+b%C3%A9") == invalid_sort("a bé")


# --- §3 permission --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["livechat-manager", "livechat-monitor", "admin"])
@pytest.mark.parametrize("agents", ["", "agents[]=A2", "agents[]=A1&agents[]=A2", "agents="])
def test_view_livechat_rooms_lists_anything(role: str, agents: str) -> None:
    check(agents, User(id="A1", username="x", roles=("user", role)))


@pytest.mark.parametrize(
    ("agents", "allowed"),
    [
        ("agents[]=A1", True),
        ("agents=A1&agents=A1", False),  # two elements, both its own
        ("agents[]=A1&agents[]=A2", False),
        ("agents[]=A2", False),
        ("agents[]=a1", False),
        ("agents[]=", False),
        ("agents=", False),
        ("", False),
    ],
)
def test_view_l_room_lists_only_ones_own_rooms(agents: str, allowed: bool) -> None:
    if allowed:
        assert check(agents, AGENT).agents == ("A1",)
    else:
        assert refusal(agents, AGENT) == (403, UNAUTHORIZED)


def test_a_user_with_neither_permission_lists_nothing() -> None:
    assert refusal("agents[]=U1", PLAIN_USER) == (403, UNAUTHORIZED)
    assert refusal("", User(id="U2", username=None)) == (403, UNAUTHORIZED)


def test_the_roles_are_settings() -> None:
    settings = Settings.from_env(
        {"ROOMS_LIST_ADMIN_ROLES": "supervisor", "ROOMS_LIST_AGENT_ROLES": "livechat-manager"}
    )
    supervisor = User(id="X1", username="x", roles=("supervisor",))
    check("agents[]=A2", supervisor, settings)
    assert refusal("agents[]=A2", SUPERVISOR, settings) == (403, UNAUTHORIZED)
    check("agents[]=S1", SUPERVISOR, settings)  # livechat-manager now holds view-l-room only
    assert refusal("agents[]=A1", AGENT, settings) == (403, UNAUTHORIZED)


# --- §5 filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "is_open"), [("", False), ("open=false", False), ("open=true", True)]
)
def test_open_lists_open_rooms_else_closed_ones(raw: str, is_open: bool) -> None:
    assert check(raw).open is is_open


@pytest.mark.parametrize(
    ("raw", "field", "value"),
    [
        ("tags[]=vip&tags[]=sales", "tags", ("vip", "sales")),
        ("tags=", "tags", ()),
        ("tags[]=", "tags", ("",)),  # an array is truthy, even of ""
        ("queue=support", "queue", "support"),
        ("queue=", "queue", None),
        ("direction=outbound", "direction", "outbound"),
        ("visitorId=v1", "visitor_id", "v1"),
        ("visitorId=undefined", "visitor_id", None),
        ("visitorId=", "visitor_id", None),
        ("roomName=Jane+D", "room_name", "Jane D"),
        ("roomName=", "room_name", None),
        ("query=%7B%22t%22%3A%22x%22%7D", "room_name", None),  # `query` is ignored (7.x)
    ],
)
def test_filters_apply_only_when_given(raw: str, field: str, value: Any) -> None:
    assert getattr(check(raw), field) == value


MAY_1 = 1714521600000  # 2024-05-01T00:00:00Z

DATES = {
    "2024": 1704067200000,
    "2024-05": MAY_1,
    "2024-05-01": MAY_1,
    "2024-05-01T12:30": MAY_1 + 45_000_000,
    "2024-05-01T12:30:15": MAY_1 + 45_015_000,
    "2024-05-01T12:30:15.5": MAY_1 + 45_015_500,
    "2024-05-01T12:30:15.123456Z": MAY_1 + 45_015_123,
    "2024-05-01T12:30Z": MAY_1 + 45_000_000,
    "2024-05-01T12:30:15+02:00": MAY_1 + 45_015_000 - 7_200_000,
    "2024-05-01T00:00:00.000-05:30": MAY_1 + 19_800_000,
    "2024-02-29": 1709164800000,
    "1970-01-01": 0,
    "0000-01-01": -62167219200000,
    "9999-12-31T23:59:59.999Z": 253402300799999,
}


@pytest.mark.parametrize("text", list(DATES))
@pytest.mark.parametrize("parameter", ["createdAt", "closedAt"])
def test_every_accepted_date_form(parameter: str, text: str) -> None:
    listing = check(f"{parameter}={json.dumps({'start': text, 'end': text})}".replace("+", "%2B"))
    time_range = listing.created if parameter == "createdAt" else listing.closed
    assert time_range is not None
    assert (time_range.start_ms, time_range.end_ms) == (DATES[text], DATES[text])


@pytest.mark.parametrize(
    ("value", "bounds"),
    [
        ('{"start":"2024-05-01"}', (MAY_1, None)),
        ('{"end":"2024-05-01"}', (None, MAY_1)),
        ('{"start":"","end":"2024-05-01"}', (None, MAY_1)),  # empty: unbounded
        ('{"start":null,"end":0}', None),
        ('{"start":false,"other":"x"}', None),
        ("{}", None),
        ("", None),
    ],
)
def test_a_date_filter_bounds_only_what_it_gives(value: str, bounds: Any) -> None:
    created = check(f"createdAt={value}").created
    assert (created if created is None else (created.start_ms, created.end_ms)) == bounds


NOT_DATES = [
    "yesterday",
    "May 1, 2024",
    "2024/05/01",
    "2024-5-1",
    "24-05-01",
    "2024-13",
    "2024-00",
    "2023-02-29",
    "2024-04-31",
    "2024-05-01T24:00",
    "2024-05-01T12:60",
    "2024-05-01T12:00:60",
    "2024-05-01T12",
    "2024-05-01 12:00",
    "2024-05-01t12:00",
    "2024-05-01T12:00+0200",
    "2024-05-01T12:00+24:00",
    "2024-05-01T12:00:00.Z",
    "+002024-05-01",
    " 2024-05-01",
    "２０２４",
]


@pytest.mark.parametrize("text", NOT_DATES)
@pytest.mark.parametrize(("parameter", "bound"), [("createdAt", "start"), ("closedAt", "end")])
def test_a_bound_that_is_not_a_date(parameter: str, bound: str, text: str) -> None:
    raw = f"{parameter}={json.dumps({bound: text})}".replace("+", "%2B")
    message = f'The "{parameter}.{bound}" query parameter must be a valid date.'
    assert refusal(raw) == date_error(message)


@pytest.mark.parametrize("value", ["5", "true", "{}", "[]", '["2024"]'])
def test_a_bound_that_is_not_a_string(value: str) -> None:
    assert refusal(f'createdAt={{"end":{value}}}') == date_error(
        'The "createdAt.end" query parameter must be a valid date.'
    )


@pytest.mark.parametrize("value", ["x", "2024-05-01", '"2024-05-01"', "null", "[]", "5", "{"])
@pytest.mark.parametrize("parameter", ["createdAt", "closedAt"])
def test_a_filter_that_is_not_a_json_object(parameter: str, value: str) -> None:
    message = f'The "{parameter}" query parameter must be a JSON object.'
    assert refusal(f"{parameter}={value}") == date_error(message)


@pytest.mark.parametrize(
    ("raw", "first"),
    [
        ('createdAt={"start":"x","end":"y"}&closedAt=x', 'The "createdAt.start"'),
        ('closedAt={"start":"x"}&createdAt={"end":"y"}', 'The "createdAt.end"'),
        ('closedAt={"end":"x","start":"y"}', 'The "closedAt.start"'),
        ('createdAt={"start":"2024"}&closedAt=[]', 'The "closedAt" query'),
    ],
)
def test_dates_are_checked_in_order(raw: str, first: str) -> None:
    status, body = refusal(raw)
    assert status == 400
    assert json.loads(body)["error"].startswith(first)


# --- §1 the order of checks -----------------------------------------------------------------------

BAD_SORT = "sort=x"
BAD_DATE = "createdAt=x"


@pytest.mark.parametrize(
    ("raw", "user", "expected"),
    [
        # validation before everything
        (f"open=yes&{BAD_SORT}", SUPERVISOR, invalid_params(SPEC_REFUSALS["open=yes"])),
        ("foo=1", PLAIN_USER, invalid_params("must NOT have additional properties")),
        (f"count=abc&{BAD_SORT}&{BAD_DATE}", PLAIN_USER, invalid_params("must be number")),
        # pagination, then sort, both before the permission
        (f"count=Infinity&{BAD_SORT}", PLAIN_USER, invalid_params("must be number")),
        (BAD_SORT, PLAIN_USER, invalid_sort("x")),
        (f"{BAD_SORT}&agents[]=A2", AGENT, invalid_sort("x")),
        # permission before the dates
        (BAD_DATE, PLAIN_USER, (403, UNAUTHORIZED)),
        (f"{BAD_DATE}&agents[]=A2", AGENT, (403, UNAUTHORIZED)),
        (BAD_DATE, AGENT, (403, UNAUTHORIZED)),
        # a negative offset comes last, with the listing (where MongoDB refuses it)
        ("offset=-1", PLAIN_USER, (403, UNAUTHORIZED)),
        (f"offset=-1&{BAD_SORT}", SUPERVISOR, invalid_sort("x")),
        (
            f"offset=-1&{BAD_DATE}",
            SUPERVISOR,
            date_error('The "createdAt" query parameter must be a JSON object.'),
        ),
        ("offset=-1&agents[]=A1", AGENT, negative_offset(-1)),
    ],
)
def test_order_of_checks(raw: str, user: User, expected: tuple[int, str]) -> None:
    assert refusal(raw, user) == expected


def test_a_full_query() -> None:
    raw = (
        "agents[]=A1&open=true&tags[]=vip&queue=q1&visitorId=v1&direction=inbound&roomName=jane"
        '&createdAt={"start":"2024-05-01"}&closedAt={"end":"2024-05-02"}'
        '&count=25&offset=50&sort={"fname":1}&query=ignored'
    )
    listing = check(raw, AGENT)
    assert listing == RoomListQuery(
        open=True,
        agents=("A1",),
        tags=("vip",),
        queue="q1",
        direction="inbound",
        visitor_id="v1",
        room_name="jane",
        created=listing.created,
        closed=listing.closed,
        sort_key="fname",
        descending=False,
        offset=50,
        count=25,
    )
    assert listing.created is not None and listing.created.start_ms == MAY_1
    assert listing.closed is not None and listing.closed.end_ms == MAY_1 + 86_400_000
