"""The one logger: Powertools' structured JSON, correlated by API Gateway's request id.

What is logged: the route, the status and, for refusals, the error code. What is never logged: the
event, headers, query strings, bodies, visitor tokens, auth tokens or their hashes.
"""

from __future__ import annotations

import logging
import os

from aws_lambda_powertools import Logger

logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "voip-room",
    level=os.environ.get("LOG_LEVEL") or "INFO",
)

# botocore logs whole request bodies at DEBUG (a BatchGetItem carries the token hash), and Lambda's
# application log level DEBUG puts the root logger there: keep botocore's own loggers at INFO.
logging.getLogger("botocore").setLevel(logging.INFO)
