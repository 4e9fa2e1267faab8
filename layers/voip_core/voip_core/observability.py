"""The one logger: Powertools' structured JSON, correlated by API Gateway's request id.

What is logged: the route, the status, the error code, the caller's user id and the room id. What is
never logged: the event, headers, query strings, visitor tokens, auth tokens or their hashes.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "voip-room",
    level=os.environ.get("LOG_LEVEL") or "INFO",
)
