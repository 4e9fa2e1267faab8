"""DynamoDB failing on the wire, for the fault tests: an error-injecting stand-in for the server.

moto answers a client's requests from botocore's `before-send` event (the point where the HTTP
request would leave). `WireFaults` takes that place on one client: a request a fault is armed for
gets the fault (an error response, a timeout, a partial batch answer, a race lost to another
writer); every other request goes on to moto. Injecting there, BELOW botocore's retry layer,
keeps the layers honest: botocore's standard retries see each injected fault exactly as they would
see DynamoDB's, so a fault armed for fewer attempts than botocore makes is absorbed by it, and one
armed for every attempt reaches the service as it would in production.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber

ERROR_TYPE_PREFIX = "com.amazonaws.dynamodb.v20120810#"

# Every injected fault, across the whole test session (reported at the end).
INJECTED: Counter[str] = Counter()

Forward = Callable[[], Any]
Answer = Callable[[Any, dict[str, Any], Forward], Any]


def _response(request: Any, status: int, body: dict[str, Any]) -> AWSResponse:
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"}
    return AWSResponse(request.url, status, headers, MockRawResponse(json.dumps(body)))


def error_response(code: str, status: int = 400, **extra: Any) -> Answer:
    """DynamoDB answering with an error; moto never sees the request."""

    def answer(request: Any, params: dict[str, Any], forward: Forward) -> Any:
        body = {"__type": ERROR_TYPE_PREFIX + code, "message": f"injected {code}", **extra}
        return _response(request, status, body)

    return answer


def cancelled(*reasons: str, before: Callable[[], None] | None = None) -> Answer:
    """TransactionCanceledException with one reason per item; `before` runs first (a rival's
    write that makes the reasons true)."""

    def answer(request: Any, params: dict[str, Any], forward: Forward) -> Any:
        if before is not None:
            before()
        body = {
            "__type": ERROR_TYPE_PREFIX + "TransactionCanceledException",
            "Message": f"Transaction cancelled, please refer cancellation reasons for specific "
            f"reasons [{', '.join(reasons)}]",
            "CancellationReasons": [{"Code": code} for code in reasons],
        }
        return _response(request, 400, body)

    return answer


def connect_timeout() -> Answer:
    """The connection never opens: the request does not reach DynamoDB."""

    def answer(request: Any, params: dict[str, Any], forward: Forward) -> Any:
        raise ConnectTimeoutError(endpoint_url=request.url)

    return answer


def read_timeout(after_applying: bool = False) -> Answer:
    """No answer in time; with `after_applying`, DynamoDB did the work and the answer was lost."""

    def answer(request: Any, params: dict[str, Any], forward: Forward) -> Any:
        if after_applying:
            forward()
        raise ReadTimeoutError(endpoint_url=request.url)

    return answer


def unprocessed(all_tables: bool = True) -> Answer:
    """A BatchGetItem answer that leaves keys unprocessed: every key, or one table's keys (the
    others are read for real)."""

    def answer(request: Any, params: dict[str, Any], forward: Forward) -> Any:
        wanted = params["RequestItems"]
        if all_tables:
            return _response(request, 200, {"Responses": {}, "UnprocessedKeys": wanted})
        real = json.loads(forward().content)
        left_out = next(iter(wanted))
        real.setdefault("Responses", {}).pop(left_out, None)
        real["UnprocessedKeys"] = {left_out: wanted[left_out]}
        return _response(request, 200, real)

    return answer


def any_request(params: dict[str, Any]) -> bool:
    return True


@dataclass
class Armed:
    operation: str
    answer: Answer
    times: int | None  # None: every time
    matches: Callable[[dict[str, Any]], bool]
    label: str
    injected: int = 0

    def wants(self, operation: str, params: dict[str, Any]) -> bool:
        spent = self.times is not None and self.injected >= self.times
        return operation == self.operation and not spent and self.matches(params)


class WireFaults:
    """Installed on one client; `arm` a fault, then count what reached the wire."""

    def __init__(self, client: Any) -> None:
        self.armed: list[Armed] = []
        self.attempts: Counter[str] = Counter()
        self._lock = threading.Lock()
        # What botocore makes of the client's retry settings: attempts per call, first included.
        self.attempts_per_call: int = client.meta.config.retries["total_max_attempts"]
        events = client.meta.events
        events.unregister("before-send", botocore_stubber)
        events.register("before-send", self._send)

    def arm(
        self,
        operation: str,
        answer: Answer,
        times: int | None = None,
        matches: Callable[[dict[str, Any]], bool] = any_request,
        label: str = "",
    ) -> Armed:
        armed = Armed(operation, answer, times, matches, label or operation)
        self.armed.append(armed)
        return armed

    def _send(self, request: Any, **kwargs: Any) -> Any:
        operation = request.headers["X-Amz-Target"].decode().rsplit(".", 1)[-1]
        params = json.loads(request.body or b"{}")
        with self._lock:
            self.attempts[operation] += 1
            armed = next((a for a in self.armed if a.wants(operation, params)), None)
            if armed is not None:
                armed.injected += 1
                INJECTED[armed.label] += 1

        def forward() -> Any:
            return botocore_stubber(request=request, **kwargs)

        if armed is None:
            return forward()
        return armed.answer(request, params, forward)
