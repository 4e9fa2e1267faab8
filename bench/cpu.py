"""CPU per request inside the handler, DynamoDB answered by bench/stub.py, in a child process of
its own (nothing else running in it; process time counts the rate-limit thread too).

Side by side, on the same stub and the same get-by-rid request: (a) the least a handler of this
route does (hash the token, one batch read, answer the room) and (b) bench/typical_stack.py. For
scale, one real botocore BatchGetItem (serialize, sign, parse; the HTTP answer canned) is timed too:
the stub hides that cost from every kind alike.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.stats import paired_ratio, summarize
from bench.world import ROOT

FLOOR = "(a) floor handler"
TYPICAL = "(b) typical stack"
BOTOCORE = "botocore BatchGetItem, no network"
WARMUP_ROUNDS = 30


def measure(given: dict[str, Any], rounds: int, python: str) -> dict[str, Any]:
    """Runs the child with `given` (items, events, expected statuses); returns its figures."""
    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as scratch:
        input_path = Path(scratch) / "cpu.json"
        input_path.write_text(json.dumps({**given, "rounds": rounds}), encoding="utf-8")
        done = subprocess.run(
            [python, "-m", "bench.cpu", str(input_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"CPU stage failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    return result


def floor_handler(event: dict[str, Any], client: Any) -> dict[str, Any]:
    headers = event["headers"]
    query = event["queryStringParameters"]
    digest = hashlib.sha256(headers["x-auth-token"].encode()).digest()
    found = client.batch_get_item(
        RequestItems={
            "TokensTable": {"Keys": [{"hashedToken": {"S": base64.b64encode(digest).decode()}}]},
            "UsersTable": {"Keys": [{"_id": {"S": headers["x-user-id"]}}]},
            "VisitorsTable": {"Keys": [{"token": {"S": query["token"]}}]},
            "RoomsTable": {"Keys": [{"_id": {"S": query["rid"]}}]},
        }
    )["Responses"]
    room = json.loads(found["RoomsTable"][0]["doc"]["S"])
    return {"statusCode": 200, "body": json.dumps({"room": room, "newRoom": False})}


class _CannedBody:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def botocore_call(get_items: dict[str, Any], request_items: dict[str, Any]) -> Callable[[], Any]:
    """A real client's batch_get_item whose HTTP answer is canned (no socket, no server)."""
    from botocore.awsrequest import AWSResponse
    from voip_core.store.dynamo import make_client

    client = make_client(endpoint_url="http://127.0.0.1:9")
    body = json.dumps({"Responses": get_items, "UnprocessedKeys": {}}).encode()

    def answer(request: Any, **_: Any) -> Any:
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _CannedBody(body))

    client.meta.events.register("before-send.dynamodb", answer)
    return lambda: client.batch_get_item(RequestItems=request_items)


def _kinds(given: dict[str, Any], stub: Any) -> dict[str, Callable[[], Any]]:
    from voip_core.settings import Settings
    from voip_core.wiring import Services
    from voip_local.functions import LambdaContext

    from bench.world import load_app, silence_logs

    app: Any = load_app("http://127.0.0.1:9")
    silence_logs(app)
    app.services = Services.build(Settings.from_env(), client=stub)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import typical_stack  # type: ignore[import-not-found]

    typical_stack.client = stub
    typical_stack.logger.registered_handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    context = LambdaContext()
    kinds: dict[str, Callable[[], Any]] = {}
    for path in given["paths"]:
        kinds[path["name"]] = _checked(app.lambda_handler, path["event"], context, path["status"])
    get_event = given["paths"][0]["event"]
    kinds[FLOOR] = _checked(lambda e, _: floor_handler(e, stub), get_event, context, 200)
    kinds[TYPICAL] = _checked(typical_stack.lambda_handler, get_event, context, 200)
    return kinds


def _checked(
    handler: Callable[[Any, Any], dict[str, Any]], event: Any, context: Any, status: int
) -> Callable[[], Any]:
    answer = handler(event, context)
    if int(answer["statusCode"]) != status:
        raise RuntimeError(f"answered {answer['statusCode']}, expected {status}: {answer}")
    return lambda: handler(event, context)


def _sample(kinds: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """µs of process time per call, the kinds interleaved in every round."""
    clock = time.process_time_ns
    samples: dict[str, list[float]] = {name: [] for name in kinds}
    for round_number in range(WARMUP_ROUNDS + rounds):
        for name, run in kinds.items():
            started = clock()
            run()
            elapsed_us = (clock() - started) / 1000
            if round_number >= WARMUP_ROUNDS:
                samples[name].append(elapsed_us)
    return samples


def child_main(input_path: str) -> None:
    from bench.stub import StubDynamoDB, table_key_names

    given = json.loads(Path(input_path).read_text(encoding="utf-8"))
    stub = StubDynamoDB(given["items"], table_key_names())
    # Before the typical stack is imported: its Tracer patches every botocore client.
    get_items = stub.batch_get_item(given["get_request_items"])["Responses"]
    call = botocore_call(get_items, given["get_request_items"])
    samples = _sample({BOTOCORE: call}, given["rounds"])
    samples.update(_sample(_kinds(given, stub), given["rounds"]))
    get_path = given["paths"][0]["name"]
    result = {
        "rounds": given["rounds"],
        "python": platform.python_version(),
        "clock": "time.process_time_ns (all threads of the process)",
        "per_kind_us": {name: summarize(values, 1) for name, values in samples.items()},
        "ratios": {
            "ours/floor": paired_ratio(samples[get_path], samples[FLOOR]),
            "ours/typical": paired_ratio(samples[get_path], samples[TYPICAL]),
        },
    }
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    from bench.world import offline_aws_env

    offline_aws_env()
    # As deployed: X-Ray on (the typical stack's Tracer patches and records), INFO logs.
    os.environ.update(
        {
            "LAMBDA_TASK_ROOT": str(ROOT / "functions" / "voip_room"),
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
            "Sampled=1",
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        }
    )
    child_main(sys.argv[1])
