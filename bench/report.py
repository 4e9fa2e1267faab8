"""The printed table and the targets (issue 8), from the results dictionary."""

from __future__ import annotations

from typing import Any

from bench import legend
from bench.listing import targets as listing_targets

TARGET_COLD_FLOOR = 1.15
TARGET_COLD_TYPICAL = 0.6
TARGET_CPU_P50_US = 1000.0
TARGET_SERIES = {"get (rid)": 1, "reuse open room": 1, "create": 2}


def spread(summary: dict[str, Any], unit: str = "") -> str:
    """'12.3 (10.1–15.0)': the median and its p10–p90."""
    return f"{summary['median']}{unit} ({summary['p10']}–{summary['p90']})"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return [lines[0], "-" * len(lines[0]), *lines[1:]]


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    checks = _cold_targets(results["cold_start"]) if results.get("cold_start") else []
    cpu = results.get("cpu")
    if cpu:
        paths = [trip["path"] for trip in results["round_trips"]]
        worst = max(paths, key=lambda name: cpu["per_kind_us"][name]["median"])
        p50 = cpu["per_kind_us"][worst]["median"]
        checks.append(
            _check(
                "cpu",
                "handler CPU p50 ≤ 1 ms (every path)",
                p50,
                TARGET_CPU_P50_US,
                f"slowest path: {worst}, {p50} µs",
            )
        )
    series = {trip["path"]: trip["calls_in_series"] for trip in results.get("round_trips", [])}
    if series:
        wanted = "/".join(str(v) for v in TARGET_SERIES.values())
        got = "/".join(str(series.get(name)) for name in TARGET_SERIES)
        ok = all(series.get(name) == count for name, count in TARGET_SERIES.items())
        checks.append(
            {
                "kind": "round_trips",
                "target": f"round trips in series {wanted} (get/reuse/create)",
                "value": got,
                "pass": ok,
                "detail": "",
            }
        )
    if results.get("listing"):
        checks += listing_targets(results["listing"])
    return checks


def _cold_targets(cold: dict[str, Any]) -> list[dict[str, Any]]:
    """Judged on init CPU time: on a shared machine the wall clock also counts the time spent
    waiting for a core (other processes), which a Lambda init does not; both are shown."""
    checks = []
    for baseline, label, limit in (
        ("floor", "(a) floor", TARGET_COLD_FLOOR),
        ("typical", "(b) typical stack", TARGET_COLD_TYPICAL),
    ):
        ratio = cold["ratios"][f"ours/{baseline}"]
        checks.append(
            _check(
                f"cold_{baseline}",
                f"cold start ≤ {limit} × {label} (init CPU time)",
                ratio["init_cpu"]["median"],
                limit,
                f"CPU {spread(ratio['init_cpu'])}; wall clock {spread(ratio['init'])}",
            )
        )
    return checks


def _check(kind: str, name: str, value: float, limit: float, detail: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "target": name,
        "value": value,
        "limit": limit,
        "pass": value <= limit,
        "detail": detail,
    }


def render(results: dict[str, Any]) -> str:
    lines: list[str] = [f"# make bench — {results['meta']['summary']}", ""]
    for section in (_round_trips, _cold_start, _cpu, _load, _cost, _listing, _targets):
        lines += section(results)
    return "\n".join(lines)


def _round_trips(results: dict[str, Any]) -> list[str]:
    trips = results["round_trips"]
    n = trips[0]["handler_wall_ms"]["n"] if trips else 0
    rows = [
        [
            t["path"],
            str(t["status"]),
            str(t["calls_in_series"]),
            str(t["calls_total"]),
            t["shape"],
            spread(t["handler_wall_ms"]),
        ]
        for t in trips
    ]
    header = [
        "path",
        "status",
        "in series",
        "total",
        "calls (‖ overlap, → after)",
        "handler ms p50 (p10–p90)",
    ]
    return [
        f"## DynamoDB round trips per request (moto server over HTTP, {n} requests per path)",
        *_table(header, rows),
        *legend.legend(legend.ROUND_TRIPS),
        "",
    ]


def _cold_start(results: dict[str, Any]) -> list[str]:
    cold = results.get("cold_start")
    if not cold:
        return []
    names = {
        "ours": "ours: functions/voip_room/app.py",
        "floor": "(a) floor: boto3 + client",
        "typical": "(b) typical Powertools stack",
    }
    ratios = cold["ratios"]
    rows = []
    for kind, label in names.items():
        figures = cold["kinds"][kind]
        ours = kind == "ours"
        rows.append(
            [
                label,
                spread(figures["init_ms"]),
                str(figures["init_ms"]["p90"]),
                spread(figures["first_ms"]),
                spread(figures["init_cpu_ms"]),
                "1" if ours else spread(ratios[f"ours/{kind}"]["init"]),
                "1" if ours else spread(ratios[f"ours/{kind}"]["init_cpu"]),
            ]
        )
    header = [
        "kind",
        "init ms p50 (p10–p90)",
        "init p90",
        "init + 1st request ms",
        "init CPU ms",
        "ours/kind init",
        "ours/kind init CPU",
    ]
    lines = [
        f"## Cold start ({cold['rounds']} fresh interpreters per kind, interleaved; "
        f"Python {cold['python']})",
        *_table(header, rows),
    ]
    for kind in ("ours", "typical"):
        lines += _import_lines(kind, cold["imports"][kind])
    return [*lines, *legend.legend(legend.COLD_START), ""]


def _import_lines(kind: str, profile: dict[str, Any]) -> list[str]:
    packages = ", ".join(f"{p['module']} {p['ms']}" for p in profile["by_package_self"])
    direct = ", ".join(f"{p['module']} {p['ms']}" for p in profile["direct_imports_cumulative"])
    return [
        f"{kind}: -X importtime total {profile['imports_ms']} ms; self ms by package: {packages}",
        f"{kind}: direct imports, cumulative ms: {direct}",
    ]


def _cpu(results: dict[str, Any]) -> list[str]:
    cpu = results.get("cpu")
    if not cpu:
        return []
    rows = [
        [name, str(s["median"]), str(s["p99"]), spread(s)] for name, s in cpu["per_kind_us"].items()
    ]
    ratios = cpu["ratios"]
    return [
        f"## CPU per request in the handler (stub DynamoDB, {cpu['clock']}, "
        f"{cpu['rounds']} rounds; Python {cpu['python']})",
        *_table(["kind", "p50 µs", "p99 µs", "p50 (p10–p90)"], rows),
        f"get (rid): ours/(a) floor {spread(ratios['ours/floor'])}; "
        f"ours/(b) typical {spread(ratios['ours/typical'])}",
        *legend.legend(legend.CPU),
        "",
    ]


def _load(results: dict[str, Any]) -> list[str]:
    load = results.get("local_stack")
    if not load:
        return []
    if "skipped" in load:
        return ["## Local stack over HTTP", f"skipped: {load['skipped']}", ""]
    floor = {row["concurrency"]: row for row in load["kinds"]["floor"]}
    rows = []
    for kind, levels in load["kinds"].items():
        for row in levels:
            base = floor[row["concurrency"]]["latency_ms"]["median"]
            rows.append(
                [
                    kind,
                    str(row["concurrency"]),
                    str(row["requests_per_second"]),
                    str(row["latency_ms"]["median"]),
                    str(row["latency_ms"]["p99"]),
                    f"{row['latency_ms']['median'] / base:.1f}" if base else "-",
                    " ".join(f"{code}×{count}" for code, count in row["statuses"].items()),
                ]
            )
    stall = load["keep_alive_floor"]["latency_ms"]
    header = ["kind", "concurrency", "req/s", "p50 ms", "p99 ms", "p50 / floor p50", "answers"]
    failures = ", ".join(f"{name} ×{count}" for name, count in load["failures_logged"].items())
    return [
        f"## Local stack over HTTP ({load['requests_per_level']} requests per row, "
        f"{load['connection']} connection; floor = 404 answered by the local gateway)",
        *_table(header, rows),
        f"keep-alive floor at concurrency 1: p50 {stall['median']} ms, p99 {stall['p99']} ms",
        f"function ERROR log lines: {failures or 'none'}",
        *legend.legend(legend.LOAD),
        "",
    ]


COST_HEADER = (
    "path RRU WRU rate-limit-WRU duration-ms $/M-API-GW Lambda DynamoDB rate-limiter total"
)


def _cost_row(row: dict[str, Any]) -> list[str]:
    units, usd = row["capacity_units"], row["usd_per_million"]
    return [
        row["path"],
        *(f"{units[name]:g}" for name in ("rru", "wru", "rate_limit_wru")),
        str(row["lambda_duration_ms"]),
        f"{usd['api_gateway']:.2f}",
        *(f"{usd[name]:.3f}" for name in ("lambda", "dynamodb", "rate_limiter", "total")),
    ]


def _cost(results: dict[str, Any]) -> list[str]:
    cost = results.get("cost")
    if not cost:
        return []
    header = [name.replace("-", " ") for name in COST_HEADER.split()]
    prices = cost["prices"]
    return [
        f"## Cost per million requests (Lambda arm64 {cost['lambda_memory_mb']} MB, duration = "
        "handler ms against moto above)",
        *_table(header, [_cost_row(row) for row in cost["paths"]]),
        *[_items_line(row) for row in cost["paths"] if row["path"] in ("get (rid)", "create")],
        f"Prices ({prices['region']}, checked {prices['checked']}): HTTP API "
        f"${prices['api_gateway_http_per_million']}/M; "
        f"Lambda ${prices['lambda_requests_per_million']}/M "
        f"+ ${prices['lambda_arm64_per_gb_second']}/GB-s; DynamoDB on-demand "
        f"${prices['dynamodb_write_request_unit_per_million']}/M WRU, "
        f"${prices['dynamodb_read_request_unit_per_million']}/M RRU. {prices['notes']}",
        *legend.legend(legend.COST),
        "",
    ]


def _listing(results: dict[str, Any]) -> list[str]:
    listing = results.get("listing")
    if not listing:
        return []
    header = [
        "rooms",
        "listing",
        "returned/total",
        "in series",
        "calls",
        "entries read",
        "B/entry",
        "RRU index",
        "RRU page",
        "RRU per 10k matches",
        "$/M listings",
    ]
    rows = [
        [
            f"{row['rooms']:,}",
            row["listing"],
            f"{row['returned']}/{row['total']:,}",
            str(row["calls_in_series"]),
            row["shape"],
            f"{row['entries_read']:,}",
            f"{row['entry_bytes']:g}",
            f"{row['index_rru']:g}",
            f"{row['page_rru']:g}",
            "—" if row["rru_per_10k_matches"] is None else f"{row['rru_per_10k_matches']:g}",
            f"{row['usd_per_million']:.2f}",
        ]
        for row in listing["rows"]
    ]
    return [
        f"## Call history (GET voip/rooms): {listing['page']} a page, {listing['agents']} agents, "
        f"1 room in {listing['open_every']} open, moto in process",
        *_table(header, rows),
        *legend.legend(legend.LISTING),
        "",
    ]


def _items_line(row: dict[str, Any]) -> str:
    """'create: BatchGetItem TokensTable 160 B 1 RU, ...': what one request read and wrote."""
    parts = []
    for item in row["items"]:
        size = "missing" if item["bytes"] is None else f"{item['bytes']} B"
        unit = "WU" if "index_units" in item else "RU"
        index = f" +{item['index_units']} index WU" if item.get("index_units") else ""
        parts.append(f"{item['op']} {item['table']} {size} {item['units']:g} {unit}{index}")
    return f"{row['path']}: " + "; ".join(parts)


def _targets(results: dict[str, Any]) -> list[str]:
    lines = ["## Targets"]
    quick = bool(results["meta"].get("quick"))
    for check in results["targets"]:
        verdict = "PASS" if check["pass"] else "FAIL"
        detail = f" — {check['detail']}" if check["detail"] else ""
        lines.append(f"{verdict}  {check['target']}: {check['value']}{detail}")
        if not check["pass"]:
            lines += legend.failure_advice(check["kind"], quick)
    return [*lines, ""]
