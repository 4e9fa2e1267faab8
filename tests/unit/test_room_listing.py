"""Call history's DynamoDB side (docs/decisions.md, "Call history on DynamoDB";
docs/contract/call-history.md §5, §6): `Services.room_listing.list` against the template's tables in
moto, rooms written as every writer writes them (`RoomStore.item`). Each expected answer is worked
out here from the documents by a plain restatement of the contract (`expected`), never by the
service's own code."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest
from moto import mock_aws
from voip_core.domain.clock import iso_from_ms
from voip_core.domain.room_listing import SORT_FIELDS, RoomListQuery, TimeRange
from voip_core.errors import ListingTooBroad
from voip_core.services.room_listing import RoomListing
from voip_core.settings import Settings
from voip_core.store.dynamo import make_client
from voip_core.store.rooms import RoomStore
from voip_core.wiring import Services

from tests.unit.conftest import START_MS, moto_tables

DAY_MS = 86_400_000
AGENTS = ("A1", "A2", "A3")


def room_doc(n: int, **changes: Any) -> dict[str, Any]:
    """Room `n` of a varied history: agents, queues, directions, tags, names, phones and dates
    differ, and some fields are missing."""
    ts = START_MS + (n % 17) * 3_600_000 + (n // 17) * DAY_MS  # some share a `ts`
    doc: dict[str, Any] = {
        "_id": f"room{n:04d}",
        "msgs": 0,
        "name": ["Jane Doe", "JOHN smith", "Émile Zola", "jane.roe", "Ærø"][n % 5] + f" {n % 7}",
        "fname": ["Jane", "John", None, "zed"][n % 4],
        "t": "v",
        "ts": iso_from_ms(ts),
        "v": {"_id": f"visitor{n % 9}", "token": f"tok{n % 9}", "status": "online"},
        "servedBy": {"_id": AGENTS[n % 3], "username": "agent"},
        "queue": ["default", "sales", "support"][n % 3 - 1],
        "direction": "inbound" if n % 4 else "outbound",
        "_updatedAt": iso_from_ms(ts + n),
    }
    if n % 6:
        doc["v"]["phone"] = f"+1555{n % 11:04d}"
    if n % 3 == 0:
        doc["open"] = True
    else:
        doc["callDuration"] = (n * 7919) % 5000 if n % 8 else None
        doc["closedAt"] = iso_from_ms(ts + (n % 5) * 60_000)
        if n % 2:
            doc["tags"] = [["vip", "billing"], ["billing"], ["spam"]][n % 3]
    if doc["fname"] is None:
        del doc["fname"]
    doc.update(changes)
    return {key: value for key, value in doc.items() if value is not None}


def put(services: Services, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        services.rooms.client.put_item(TableName=services.rooms.table, Item=RoomStore.item(doc))


HISTORY = [room_doc(n) for n in range(90)]
NOT_A_CALL_ROOM = {**room_doc(90), "t": "l"}  # never listed


@pytest.fixture(scope="module")
def history_tables(pristine_tables: dict[str, Any]) -> dict[str, Any]:
    """The template's tables holding HISTORY and NOT_A_CALL_ROOM, written once for the module
    (each put fills four indexes in moto: ~0.25 s a test saved) and copied into each test that asks
    for `history`, as `dynamodb` copies the empty tables."""
    with mock_aws():
        client = make_client()
        moto_tables(client).update(copy.deepcopy(pristine_tables))
        table = Settings.from_env({}).tables.rooms
        for doc in [*HISTORY, NOT_A_CALL_ROOM]:
            client.put_item(TableName=table, Item=RoomStore.item(doc))
        return copy.deepcopy(moto_tables(client))


@pytest.fixture
def history(services: Services, history_tables: dict[str, Any]) -> list[dict[str, Any]]:
    moto_tables(services.rooms.client).update(copy.deepcopy(history_tables))
    return copy.deepcopy(HISTORY)


def _ms(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _within(value: Any, bounds: TimeRange | None) -> bool:
    if bounds is None:
        return True
    ms = _ms(value)
    if ms is None:
        return False
    return (bounds.start_ms is None or ms >= bounds.start_ms) and (
        bounds.end_ms is None or ms <= bounds.end_ms
    )


def expected(docs: list[dict[str, Any]], q: RoomListQuery) -> tuple[list[str], int]:
    """The page's ids and the total, as the contract states them."""
    kept = [
        d
        for d in docs
        if d["t"] == "v"
        and ("open" in d) == q.open
        and (not q.agents or d["servedBy"]["_id"] in q.agents)
        and (not q.tags or set(q.tags) & set(d.get("tags", [])))
        and q.queue in (None, d.get("queue"))
        and q.direction in (None, d.get("direction"))
        and q.visitor_id in (None, d["v"]["_id"])
        and (q.room_name is None or q.room_name.casefold() in d["name"].casefold())
        and _within(d.get("ts"), q.created)
        and _within(d.get("closedAt"), q.closed)
    ]
    path = SORT_FIELDS[q.sort_key].split(".")

    def value(d: dict[str, Any]) -> Any:
        for step in path:
            d = d.get(step) if isinstance(d, dict) else None  # type: ignore[assignment]
        return d

    def rank(d: dict[str, Any]) -> tuple[Any, ...]:
        v = value(d)
        if v is None:
            return (0,)
        return (1, v) if isinstance(v, int) else (2, v)

    kept.sort(key=lambda d: d["_id"])
    kept.sort(key=rank, reverse=q.descending)
    ids = [d["_id"] for d in kept]
    end = None if q.count is None else q.offset + q.count
    return ids[q.offset : end], len(ids)


def listed(services: Services, q: RoomListQuery) -> tuple[list[str], int]:
    page = services.room_listing.list(q)
    return [room["_id"] for room in page.rooms], page.total


FILTERS: dict[str, dict[str, Any]] = {
    "closed (default)": {},
    "open": {"open": True},
    "one agent": {"agents": ("A2",)},
    "two agents": {"agents": ("A1", "A3")},
    "unknown agent": {"agents": ("nobody",)},
    "tags": {"tags": ("vip", "spam")},
    "queue": {"queue": "sales"},
    "direction": {"direction": "outbound"},
    "visitor": {"visitorId": "visitor4"},
    "roomName case-insensitive": {"room_name": "JANE"},
    "roomName literal": {"room_name": "e."},
    "roomName accented": {"room_name": "émile"},
    "created range": {"created": TimeRange(START_MS + DAY_MS, START_MS + 3 * DAY_MS)},
    "created start only": {"created": TimeRange(START_MS + 4 * DAY_MS, None)},
    "closed end only": {"closed": TimeRange(None, START_MS + 2 * DAY_MS)},
    "closedAt on open rooms": {"open": True, "closed": TimeRange(START_MS, None)},
    "combined": {
        "agents": ("A2", "A3"),
        "tags": ("billing",),
        "direction": "inbound",
        "created": TimeRange(START_MS, START_MS + 4 * DAY_MS),
        "closed": TimeRange(START_MS + DAY_MS // 2, None),
    },
    "combined open": {"open": True, "queue": "support", "room_name": "o", "agents": ("A1",)},
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_alone_and_combined(
    services: Services, history: list[dict[str, Any]], name: str
) -> None:
    fields = dict(FILTERS[name])
    if "visitorId" in fields:
        fields["visitor_id"] = fields.pop("visitorId")
    query = RoomListQuery(**{"open": False, "count": 100, **fields})
    want = expected(history, query)
    assert listed(services, query) == want
    if name not in ("unknown agent", "closedAt on open rooms"):
        assert 0 < want[1] < 90, "the filter must select something, and not everything"


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("sort_key", list(SORT_FIELDS))
@pytest.mark.parametrize("is_open", [False, True])
def test_every_sort_key_both_ways_missing_values_lowest(
    services: Services,
    history: list[dict[str, Any]],
    sort_key: str,
    descending: bool,
    is_open: bool,
) -> None:
    query = RoomListQuery(open=is_open, sort_key=sort_key, descending=descending, count=100)
    assert listed(services, query) == expected(history, query)


def test_missing_values_sort_lowest_and_ties_by_id(services: Services) -> None:
    docs = [
        room_doc(1, _id="b", callDuration=5),
        room_doc(2, _id="a", callDuration=5),
        room_doc(4, _id="c", callDuration=None),
        room_doc(5, _id="d", callDuration=0),
    ]
    put(services, docs)
    ascending = RoomListQuery(open=False, sort_key="callDuration", descending=False)
    assert listed(services, ascending) == (["c", "d", "a", "b"], 4)
    assert listed(services, replace(ascending, descending=True)) == (["a", "b", "d", "c"], 4)


@pytest.mark.parametrize("count", [1, 7, 25])
def test_pages_cover_every_room_once(
    services: Services, history: list[dict[str, Any]], count: int
) -> None:
    query = RoomListQuery(open=False, count=count)
    seen: list[str] = []
    while True:
        ids, total = listed(services, replace(query, offset=len(seen)))
        assert total == 60
        if not ids:
            break
        seen += ids
    assert seen == expected(history, replace(query, count=None))[0]


def test_pages_while_rooms_are_created_and_closed(
    services: Services, history: list[dict[str, Any]]
) -> None:
    """Offsets count from the start of the order, so a listing stays stable under writes only in an
    order where they land behind the reader: closed rooms by `closedAt`, oldest first (the order a
    sync reads in). Between pages a room opens and another closes; every room closed at the start
    is listed exactly once, in order, and nothing is repeated."""
    query = RoomListQuery(open=False, count=7, sort_key="closedAt", descending=False)
    at_start = expected(history, replace(query, count=None))[0]
    still_open = [d for d in history if "open" in d]
    seen: list[str] = []
    for n in range(100, 200):
        ids, _ = listed(services, replace(query, offset=len(seen)))
        if not ids:
            break
        seen += ids
        put(services, [room_doc(n * 3, _id=f"new{n}")])  # opens
        if still_open:
            closing = still_open.pop()
            closed = {k: v for k, v in closing.items() if k != "open"}
            put(services, [{**closed, "closedAt": iso_from_ms(START_MS + 61 * DAY_MS + n)}])
    assert len(seen) == len(set(seen))
    assert seen[: len(at_start)] == at_start
    assert len(seen) == len(at_start) + 30  # and the 30 closed meanwhile, at the end


def test_offset_past_the_end_keeps_the_total(
    services: Services, history: list[dict[str, Any]]
) -> None:
    assert listed(services, RoomListQuery(open=False, offset=500, count=10)) == ([], 60)
    assert listed(services, RoomListQuery(open=True, offset=29, count=10))[1] == 30
    assert len(listed(services, RoomListQuery(open=True, offset=29, count=10))[0]) == 1


def test_count_none_lists_every_match(services: Services, history: list[dict[str, Any]]) -> None:
    query = RoomListQuery(open=False, count=None, offset=5)
    assert listed(services, query) == expected(history, query)
    assert len(listed(services, query)[0]) == 55


def test_rooms_come_back_whole(services: Services, history: list[dict[str, Any]]) -> None:
    page = services.room_listing.list(RoomListQuery(open=True, count=3))
    by_id = {d["_id"]: d for d in history}
    for room in page.rooms:
        assert json.dumps(room) == json.dumps(by_id[room["_id"]])  # key order too


def test_work_cap_answers_503(services: Services, history: list[dict[str, Any]]) -> None:
    capped = RoomListing(services.room_listing.store, max_entries=59)
    with pytest.raises(ListingTooBroad) as refused:
        capped.list(RoomListQuery(open=False))
    assert refused.value.status == 503
    assert refused.value.body == {
        "success": False,
        "error": "Too many rooms match; narrow the listing with filters [error-listing-too-broad]",
        "errorType": "error-listing-too-broad",
    }
    # a narrower listing fits
    assert capped.list(RoomListQuery(open=False, agents=("A2",))).total == 30
    few = RoomListing(services.room_listing.store, max_documents=9)
    with pytest.raises(ListingTooBroad):
        few.list(RoomListQuery(open=False, count=10))
    assert len(few.list(RoomListQuery(open=False, count=9)).rooms) == 9


def test_work_cap_on_time(services: Services, history: list[dict[str, Any]]) -> None:
    ticks = iter([0.0, *([100.0] * 50)])
    slow = RoomListing(services.room_listing.store, monotonic=lambda: next(ticks))
    with pytest.raises(ListingTooBroad):
        slow.list(RoomListQuery(open=False))


def test_a_room_closed_a_moment_ago(services: Services, history: list[dict[str, Any]]) -> None:
    """The index still files it as open (its entry not yet propagated); the consistent read of
    the page drops it, the next room takes its place, and the total no longer counts it."""
    query = RoomListQuery(open=True, count=5, sort_key="ts", descending=False)
    before, total = listed(services, query)
    victim = next(d for d in history if d["_id"] == before[1])
    closed = {k: v for k, v in victim.items() if k != "open"}
    stale = {**RoomStore.item(victim), "doc": RoomStore.item(closed)["doc"]}  # index: still open
    services.rooms.client.put_item(TableName=services.rooms.table, Item=stale)
    after, total_after = listed(services, query)
    assert victim["_id"] not in after
    assert after == [i for i in before if i != victim["_id"]] + [
        expected(history, replace(query, count=6))[0][5]
    ]
    assert total_after == total - 1


def test_an_erased_room_still_in_the_index_is_dropped(
    services: Services, history: list[dict[str, Any]]
) -> None:
    query = RoomListQuery(open=False, count=3)
    ids, total = listed(services, query)
    services.rooms.client.delete_item(TableName=services.rooms.table, Key=RoomStore.key(ids[0]))
    assert listed(services, query) == (expected(history, replace(query, offset=1))[0], total - 1)


def test_no_scan(services: Services, history: list[dict[str, Any]], dynamodb_calls: Any) -> None:
    for fields in FILTERS.values():
        args = {k if k != "visitorId" else "visitor_id": v for k, v in fields.items()}
        services.room_listing.list(RoomListQuery(**{"open": False, **args}))
    assert set(dynamodb_calls) <= {"Query", "BatchGetItem"}
    assert "Query" in dynamodb_calls


def test_a_page_stops_short_of_lambdas_answer_limit(services: Services) -> None:
    """Rooms near their 180 KB bound: the page holds what fits, `count` says so, and the next
    offset continues from there."""
    big = "x" * 170_000
    closed = (1, 2, 4, 5, *range(7, 40, 3))
    docs = [room_doc(n, _id=f"big{n:02d}", livechatData=big) for n in closed]
    put(services, docs)
    query = RoomListQuery(open=False, count=100, sort_key="_updatedAt", descending=False)
    first = services.room_listing.list(query)
    assert first.total == 15
    assert 1 < len(first.rooms) < 15
    assert sum(len(json.dumps(room)) for room in first.rooms) <= 2_500_000
    rest = services.room_listing.list(replace(query, offset=len(first.rooms)))
    every = [r["_id"] for r in first.rooms + rest.rooms]
    assert every == expected(docs, replace(query, count=None))[0]


def test_values_dynamodb_could_refuse(services: Services) -> None:
    """An empty tag, many tags (past what one FilterExpression holds), text with control and
    regex characters, a visitor id too long to be a key, an empty agent id: all answered."""
    docs = [room_doc(1, tags=["", "x"]), room_doc(2), room_doc(4, name="a%[b\x00c")]
    put(services, docs)
    queries = [
        RoomListQuery(open=False, tags=("",)),
        RoomListQuery(open=False, tags=(*(str(i) for i in range(150)), "x")),
        RoomListQuery(open=False, room_name="%[B\x00"),
        RoomListQuery(open=False, visitor_id="x" * 3000),
        RoomListQuery(open=False, agents=("",)),
    ]
    for query in queries:
        assert listed(services, query) == expected(docs, query), query
    assert [listed(services, q)[1] for q in queries] == [1, 1, 1, 0, 0]


def test_dates_in_other_iso_forms_order_and_filter_as_moments(services: Services) -> None:
    """An imported room may carry `ts` without milliseconds, or with an offset: it sorts and
    filters by the moment it names; one without `ts` sorts lowest and matches no date range."""
    docs = [
        room_doc(1, _id="a", ts="2024-05-01T12:00:00Z"),
        room_doc(2, _id="b", ts="2024-05-01T13:30:00.000+02:00"),  # 11:30 UTC
        room_doc(4, _id="c", ts="2024-05-01T11:45:00.000Z"),
        room_doc(5, _id="d", ts=None),
    ]
    put(services, docs)
    newest = RoomListQuery(open=False)
    assert listed(services, newest) == (["a", "c", "b", "d"], 4)
    morning = TimeRange(START_MS - 30 * 60_000, START_MS - 1)  # 11:30 to 11:59:59.999
    assert listed(services, replace(newest, created=morning)) == (["c", "b"], 2)


def test_a_room_near_its_size_bound_still_fits_one_item(services: Services) -> None:
    """An imported room whose name is 84,000 characters (its document near the 180 KB bound): the
    index's copies of the name stay small, so the item stays under DynamoDB's 400 KB."""
    long_name = "Z" * 84_000
    docs = [room_doc(1, _id="long", name=long_name, fname=long_name), room_doc(2, _id="short")]
    put(services, docs)
    by_name = RoomListQuery(open=False, sort_key="name", descending=False)  # "Z…" < "É…"
    assert listed(services, by_name) == (["long", "short"], 2)
    assert listed(services, replace(by_name, room_name="zzz")) == (["long"], 1)
