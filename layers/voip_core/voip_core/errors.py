"""Every error the API answers with, each carrying its Rocket.Chat status and envelope.

The bodies are fixed strings in Rocket.Chat's shape and key order; one place (`api.py`) turns an
`ApiError` into a response, and anything else into the 500 envelope.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer other than success; `body` is sent as is, keys in order."""

    status: int = 400

    def __init__(self, body: dict[str, Any], status: int | None = None) -> None:
        super().__init__(body.get("error") or body.get("message"))
        self.body = body
        self.headers: dict[str, str] = {}
        if status is not None:
            self.status = status


class Unauthorized(ApiError):
    status = 401

    def __init__(self) -> None:
        super().__init__({"status": "error", "message": "You must be logged in to do this."})


class Forbidden(ApiError):
    status = 403

    def __init__(self) -> None:
        super().__init__(
            {
                "success": False,
                "error": "User does not have the permissions required for this action "
                "[error-unauthorized]",
            }
        )


class InvalidParams(ApiError):
    """ajv's validation failure: `message` is the joined ajv lines, without the suffix."""

    def __init__(self, message: str) -> None:
        super().__init__(
            {
                "success": False,
                "error": f"{message} [invalid-params]",
                "errorType": "invalid-params",
            }
        )


class BusinessError(ApiError):
    """A handler's refusal: `{"success":false,"error":"<code>"}`, status 400, no errorType."""

    def __init__(self, code: str) -> None:
        super().__init__({"success": False, "error": code})
        self.code = code


class TooManyRequests(ApiError):
    status = 429

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(
            {
                "success": False,
                "error": "Error, too many requests. Please slow down. You must wait "
                f"{wait_seconds} seconds before trying this endpoint again. "
                "[error-too-many-requests]",
            }
        )


class ServiceUnavailable(ApiError):
    """The datastore is throttling or unreachable after retries (docs/contract/voip-room.md §8)."""

    status = 503

    def __init__(self) -> None:
        super().__init__({"success": False, "error": "Service unavailable, try again"})


class PayloadTooLarge(ApiError):
    """A request body over MAX_REQUEST_BODY_BYTES, or a document that would exceed what one
    DynamoDB item can hold (Rocket.Chat has neither limit; docs/compatibility.md)."""

    status = 413

    def __init__(self) -> None:
        super().__init__(
            {
                "success": False,
                "error": "Request too large to store [error-request-too-large]",
                "errorType": "error-request-too-large",
            }
        )


INTERNAL_ERROR_BODY: dict[str, Any] = {"success": False, "error": "Internal server error"}
