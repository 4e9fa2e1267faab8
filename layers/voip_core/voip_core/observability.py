"""The one logger: Powertools' structured JSON, correlated by API Gateway's request id.

What is logged: the route, the status and, for refusals, the error code. What is never logged: the
event, headers, query strings, bodies, visitor tokens, auth tokens or their hashes.

No line is longer than MAX_LINE_BYTES: an exception's text and stack, or any other field, are
shortened first (a traceback of a thousand frames, or an exception quoting its input, would
otherwise make a line of hundreds of kilobytes).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

MAX_LINE_BYTES = 4096
# Characters kept of a field, of a traceback's start (the handler's frames) and of its end (the
# failing line and the exception), and frames kept of a structured stack; tried at full size, then
# at a quarter and a sixteenth (a character may take up to 6 bytes as JSON: "\u0001").
_FIELD_CHARS = 400
_TRACE_HEAD_CHARS = 300
_TRACE_TAIL_CHARS = 1000
_FRAMES_KEPT = 5
_SCALES = (1, 4, 16)
# What a line keeps, 40 characters of each, when even its shortest form is too long.
_BARE_CHARS = 40
_BARE_KEYS = (
    "level",
    "location",
    "message",
    "timestamp",
    "service",
    "function_request_id",
    "correlation_id",
    "route",
    "status",
    "error",
    "exception_name",
)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def _clip_middle(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail:
        return text
    return f"{text[:head]}\n… ({len(text) - head - tail} characters left out) …\n{text[-tail:]}"


def _short_value(value: Any, limit: int) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _clip(value if isinstance(value, str) else str(value), limit)


def _short_stack(stack: dict[str, Any], limit: int) -> dict[str, Any]:
    all_frames = stack.get("frames") or []
    frames = [
        {key: _short_value(value, limit) for key, value in frame.items()}
        for frame in all_frames[-_FRAMES_KEPT:]
    ]
    short = {key: _short_value(value, limit) for key, value in stack.items() if key != "frames"}
    return {**short, "frames": frames, "framesLeftOut": max(0, len(all_frames) - _FRAMES_KEPT)}


def _shortened(log: dict[str, Any], scale: int) -> dict[str, Any]:
    limit = _FIELD_CHARS // scale
    short: dict[str, Any] = {}
    for key, value in log.items():
        if key == "exception" and isinstance(value, str):
            short[key] = _clip_middle(value, _TRACE_HEAD_CHARS // scale, _TRACE_TAIL_CHARS // scale)
        elif key == "stack_trace" and isinstance(value, dict):
            short[key] = _short_stack(value, limit)
        else:
            short[key] = _short_value(value, limit)
    short["logTruncated"] = True
    return short


def _fits(line: str) -> bool:
    # A character of the JSON text is at most 4 bytes of UTF-8.
    return len(line) * 4 <= MAX_LINE_BYTES or len(line.encode("utf-8", "replace")) <= MAX_LINE_BYTES


class BoundedFormatter(LambdaPowertoolsFormatter):
    """Powertools' formatter, each line at most MAX_LINE_BYTES of UTF-8."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        line = super().serialize(log)
        if _fits(line):
            return line
        for scale in _SCALES:
            line = super().serialize(_shortened(log, scale))
            if _fits(line):
                return line
        bare = {key: _short_value(log[key], _BARE_CHARS) for key in _BARE_KEYS if key in log}
        return super().serialize({**bare, "logTruncated": True})


logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "voip-room",
    level=os.environ.get("LOG_LEVEL") or "INFO",
    logger_formatter=BoundedFormatter(),
)

# botocore logs whole request bodies at DEBUG (a BatchGetItem carries the token hash), and Lambda's
# application log level DEBUG puts the root logger there: keep botocore's own loggers at INFO.
logging.getLogger("botocore").setLevel(logging.INFO)
