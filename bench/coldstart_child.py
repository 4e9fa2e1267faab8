"""One cold start, in a fresh interpreter.

`python bench/coldstart_child.py KIND INPUT [--no-request]`:

KIND is `ours` (functions/voip_room/app.py with the layer on sys.path, as Lambda imports it),
`floor` (baseline (a): `import boto3` and a DynamoDB client) or `typical` (baseline (b):
bench/typical_stack.py). The clock starts at this file's first line; `init_ms` ends once the module
is imported and its clients made, `first_ms` once the first request (a get by rid) is answered;
`init_cpu_ms` is the process time init took.
Prints one line: `BENCH-RESULT {json}`.
"""

import time

_STARTED = time.perf_counter()
_CPU_STARTED = time.process_time()

import json  # noqa: E402 - after the clock starts, on purpose
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MARK = b"BENCH-INIT-STARTS\n"  # separates interpreter start-up from init in -X importtime output


class _Context:
    function_name = "VoipRoomFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:VoipRoomFunction"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def _init(kind: str) -> Any:
    if kind == "ours":
        sys.path[:0] = [str(ROOT / "functions" / "voip_room"), str(ROOT / "layers" / "voip_core")]
        import app  # type: ignore[import-not-found,unused-ignore]

        return app
    if kind == "floor":
        import boto3

        return boto3.client("dynamodb")
    if kind == "typical":
        import typical_stack  # type: ignore[import-not-found]

        return typical_stack
    raise SystemExit(f"unknown kind {kind!r}")


def _first_request(kind: str, handle: Any, given: dict[str, Any]) -> int:
    if kind == "floor":
        response = handle.batch_get_item(RequestItems=given["request_items"])
        return int(response["ResponseMetadata"]["HTTPStatusCode"])
    answer = handle.lambda_handler(given["event"], _Context())
    return int(answer["statusCode"])


def main() -> None:
    kind, input_path = sys.argv[1], sys.argv[2]
    os.write(2, MARK)
    handle = _init(kind)
    init_done = time.perf_counter()
    init_cpu = time.process_time()
    status = 0
    first_done = init_done
    if "--no-request" not in sys.argv:
        given = json.loads(Path(input_path).read_text(encoding="utf-8"))
        status = _first_request(kind, handle, given)
        first_done = time.perf_counter()
    result = {
        "kind": kind,
        "init_ms": (init_done - _STARTED) * 1000,
        "first_ms": (first_done - _STARTED) * 1000,
        # CPU time of init: what other processes on a shared machine disturb least.
        "init_cpu_ms": (init_cpu - _CPU_STARTED) * 1000,
        "status": status,
    }
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")


main()
