"""DynamoDB round trips per request, counted on the handler's own botocore client by its event
hooks, against a moto server over HTTP. Calls that overlap in time (the rate-limit UpdateItem on
its thread beside the BatchGetItem) count once in series."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from voip_local.functions import LambdaContext

from bench.stats import mode, summarize
from bench.world import RequestPath, check_answer


@dataclass
class Call:
    operation: str
    thread: str
    started: float
    ended: float
    params: dict[str, Any] = field(repr=False)
    parsed: dict[str, Any] | None = field(default=None, repr=False)


class CallRecorder:
    """Every DynamoDB API call the client makes: name, thread, start and end, params, answer."""

    def __init__(self, client: Any) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        events = client.meta.events
        events.register("before-parameter-build.dynamodb", self._started)
        events.register("after-call.dynamodb", self._ended)
        events.register("after-call-error.dynamodb", self._failed)

    def reset(self) -> None:
        with self._lock:
            self.calls = []

    def _started(self, params: dict[str, Any], model: Any, context: Any, **_: Any) -> None:
        context["bench"] = (model.name, time.perf_counter(), dict(params))

    def _record(self, context: Any, parsed: dict[str, Any] | None) -> None:
        ended = time.perf_counter()
        operation, started, params = context["bench"]
        call = Call(operation, threading.current_thread().name, started, ended, params, parsed)
        with self._lock:
            self.calls.append(call)

    def _ended(self, parsed: dict[str, Any], context: Any, **_: Any) -> None:
        self._record(context, parsed)

    def _failed(self, context: Any, **_: Any) -> None:
        self._record(context, None)


def in_series(calls: list[Call]) -> int:
    """The longest run of calls each starting after the previous one ended (greedy by end)."""
    count = 0
    free_at = float("-inf")
    for call in sorted(calls, key=lambda c: c.ended):
        if call.started >= free_at:
            count += 1
            free_at = call.ended
    return count


def describe(calls: list[Call]) -> str:
    """Calls grouped into waves of overlapping ones: 'BatchGetItem ‖ UpdateItem → ...'."""
    waves: list[list[Call]] = []
    wave_end = float("-inf")
    for call in sorted(calls, key=lambda c: c.started):
        if waves and call.started < wave_end:
            waves[-1].append(call)
            wave_end = max(wave_end, call.ended)
        else:
            waves.append([call])
            wave_end = call.ended
    return " → ".join(" ‖ ".join(c.operation for c in wave) for wave in waves) or "(none)"


@dataclass
class PathTrips:
    path: RequestPath
    totals: list[int] = field(default_factory=list)
    series: list[int] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)
    sample: list[Call] = field(default_factory=list)  # one request's calls, for the cost stage

    def result(self) -> dict[str, Any]:
        total = mode(self.totals)
        series = mode(self.series)
        return {
            "path": self.path.name,
            "status": self.path.status,
            "calls_total": total,
            "calls_in_series": series,
            "calls_total_range": [min(self.totals), max(self.totals)],
            "calls_in_series_range": [min(self.series), max(self.series)],
            "shape": max(set(self.shapes), key=self.shapes.count),
            "handler_wall_ms": summarize(self.wall_ms),
        }


def measure(app: ModuleType, paths: list[RequestPath], repetitions: int) -> list[PathTrips]:
    """Each path `repetitions` times, the paths interleaved in every repetition."""
    recorder = CallRecorder(app.services.snapshots.client)
    trips = [PathTrips(path) for path in paths]
    context = LambdaContext()
    for _ in range(repetitions):
        for trip in trips:
            event = trip.path.next_event()
            recorder.reset()
            started = time.perf_counter()
            response = app.lambda_handler(event, context)
            elapsed_ms = (time.perf_counter() - started) * 1000
            problem = check_answer(trip.path, response)
            if problem:
                raise RuntimeError(problem)
            calls = list(recorder.calls)
            trip.totals.append(len(calls))
            trip.series.append(in_series(calls))
            trip.shapes.append(describe(calls))
            trip.wall_ms.append(elapsed_ms)
            trip.sample = calls
    return trips
