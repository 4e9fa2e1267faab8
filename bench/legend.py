"""What `make bench`'s tables mean, printed under each one, and what to do about a FAIL: the output
is read without the docs at hand (docs/performance.md says the same at more length)."""

from __future__ import annotations

import textwrap

WIDTH = 100

BASELINES = (
    "ours = functions/voip_room/app.py as deployed; (a) floor = the least any boto3 design does:"
    " import boto3, one DynamoDB client, one BatchGetItem; (b) typical stack = a Powertools"
    " resolver with validation, Logger, Tracer and pydantic models."
)
SPREAD = "p50 (p10–p90) = the median (the middle 80% of the runs); p99 = the slowest 1%."

ROUND_TRIPS = (
    "Each path is one kind of request, answered by the handler against a moto server over HTTP.",
    "in series = DynamoDB calls one after another (they set the latency; targets: get 1, reuse 1,"
    " create 2); total = every call (they set the cost); ‖ = calls that overlap, → = a call that"
    " waits for the ones before it.",
    "handler ms = wall time inside the handler with moto on loopback: it shows the shape, not"
    " DynamoDB's latency. " + SPREAD,
)
COLD_START = (
    "init = what Lambda's init runs: importing the handler and building its clients, in a fresh"
    " interpreter. " + BASELINES,
    "init CPU ms = the CPU time of init, which the targets judge (the wall clock also counts time"
    " spent waiting for a core on a busy machine); ours/kind = our init divided by that kind's,"
    " round by round: below 1, ours starts faster. " + SPREAD,
    "The import lines: where our init and the typical stack's go, by package (-X importtime).",
)
CPU = (
    "CPU time inside the handler per request, DynamoDB answered from memory (no network), so only"
    " our code and botocore's request handling count. Target: p50 ≤ 1 ms on every path.",
    "(a) floor handler and (b) typical stack answer the same get (rid); botocore BatchGetItem is"
    " one call by itself (serialize, sign, parse). " + SPREAD,
)
LOAD = (
    "The local stack (python -m voip_local: the API and moto in one process, what make run starts)"
    " under concurrent clients; it describes a developer's machine, not Lambda.",
    "floor = a 404 the local gateway answers without calling the function (the HTTP server's own"
    " cost); p50 / floor p50 = how many times slower than that; answers = status × count.",
)
COST = (
    "Dollars per million requests of each path at the prices above. RRU / WRU = DynamoDB on-demand"
    " read / write request units per request (a strongly consistent read up to 4 KB = 1 RRU, even"
    " of a missing item; a write up to 1 KB = 1 WRU, doubled inside a transaction).",
    "rate limit WRU = the rate-limit counter's update; duration ms = the Lambda time billed (the"
    " handler's time against moto, above); API GW = the HTTP API's price per request.",
)
LISTING = (
    "The listing service (services/room_listing.py) against histories generated in moto, without"
    " the request's own authentication read (one BatchGetItem beside the rate-limit update, as on"
    " every route). in series = DynamoDB calls one after another; calls = the waves (×n = n"
    " Queries side by side, one per index partition).",
    "RRU are computed from item sizes as DynamoDB bills them, not taken from moto (which does not"
    " report consumed capacity faithfully for indexes): a Query bills its scanned index entries"
    " (keys + projected attributes, B/entry) summed and rounded up to 4 KB, halved (index reads"
    " are eventually consistent); the page's rooms are read by key, strongly consistent, 1 RRU per"
    " 4 KB each. RRU index is what the exact total costs (it reads every candidate entry: per 10k"
    " matches beside it); RRU page grows with the page size only. $/M listings = DynamoDB reads"
    " only (add API Gateway's $1.00 and Lambda's share as for the other routes).",
    "The round-trip target is judged on histories up to 10,000 rooms: past about 70,000 rooms of"
    " one state, an unfiltered listing's exact total needs a second 1 MB page a shard (one more"
    " round trip, docs/performance.md).",
)

RERUN = (
    "timing figures move with the machine's load: rerun make bench on a quiet machine; if it fails"
    " there too, it is a regression."
)
QUICK = "this was a --quick run: its samples are far too small to judge; run make bench."
MEANING = {
    "cold_floor": "our init took more than 1.15 × the CPU time of the bare boto3 floor: our own"
    " imports and set-up add too much on top of botocore (see the import lines under Cold start).",
    "cold_typical": "our init is not well under a typical Powertools stack's (target 0.6 ×): the"
    " cold start lost what the design avoids (see the import lines under Cold start).",
    "cpu": "the slowest path's median CPU inside the handler is over 1 ms (see the CPU table).",
    "listing_round_trips": "a first page of call history waits for more DynamoDB round trips than"
    " its target: each shard's candidates took more than one 1 MB Query page (the exact total"
    " reads them all), or the code added a call. Counts do not depend on load.",
    "round_trips": "a path makes more DynamoDB calls in series than its target, so every such"
    " request waits for one more round trip. Counts do not depend on load: a code change on the"
    " request path did this (see the round-trips table).",
}


def legend(lines: tuple[str, ...]) -> list[str]:
    """Indented (never read as a PASS/FAIL line) and wrapped for a terminal."""
    wrapped: list[str] = []
    for line in lines:
        wrapped += textwrap.wrap(
            line, WIDTH, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False
        )
    return wrapped


def failure_advice(kind: str, quick: bool) -> list[str]:
    """The lines under a FAIL: what the figure means, and what to do."""
    lines = [f"what it means: {MEANING[kind]}"]
    if not kind.endswith("round_trips"):
        lines.append(f"what to do: {QUICK if quick else RERUN}")
    else:
        lines.append("what to do: find the call the code added; rerunning will not change it.")
    return legend(tuple(lines))
