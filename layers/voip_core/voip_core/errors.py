"""Every error the API answers with: its status, its Rocket.Chat envelope and its code.

The bodies are fixed strings in Rocket.Chat's shape and key order; one place (`dispatch.py`) turns
an `ApiError` into a response, and anything else into the 500 envelope. `code` is what the
"request refused" log line says in `error`: template.yaml's metric filters count refusals by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """An answer other than success; `body` is sent as is, keys in order, with `headers`."""

    status: int = 400

    def __init__(
        self,
        body: dict[str, Any],
        code: str,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(body.get("error") or body.get("message"))
        self.body = body
        self.code = code
        self.headers: dict[str, str] = dict(headers or {})
        if status is not None:
            self.status = status


class MeteorError(ApiError):
    """A `Meteor.Error(code, reason, details)` as Rocket.Chat's REST layer answers it:
    `{"success":false,"error":"<reason> [<code>]","errorType":"<code>"[,"details":{...}]}`."""

    def __init__(self, code: str, reason: str = "", details: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {
            "success": False,
            "error": f"{reason} [{code}]" if reason else f"[{code}]",
            "errorType": code,
        }
        if details is not None:
            body["details"] = details
        super().__init__(body, code)


# --- every route ----------------------------------------------------------------------------------


class Unauthorized(ApiError):
    status = 401
    MESSAGE = "You must be logged in to do this."

    def __init__(self) -> None:
        super().__init__({"status": "error", "message": self.MESSAGE}, self.MESSAGE)


class Forbidden(ApiError):
    status = 403

    def __init__(self) -> None:
        super().__init__(
            {
                "success": False,
                "error": "User does not have the permissions required for this action "
                "[error-unauthorized]",
            },
            "error-unauthorized",
        )


class TooManyRequests(ApiError):
    status = 429

    def __init__(self, wait_seconds: int, headers: Mapping[str, str]) -> None:
        super().__init__(
            {
                "success": False,
                "error": "Error, too many requests. Please slow down. You must wait "
                f"{wait_seconds} seconds before trying this endpoint again. "
                "[error-too-many-requests]",
            },
            "error-too-many-requests",
            headers=headers,
        )


class ServiceUnavailable(ApiError):
    """The datastore is throttling or unreachable after retries (docs/contract/voip-room.md §8)."""

    status = 503
    MESSAGE = "Service unavailable, try again"

    def __init__(self) -> None:
        super().__init__({"success": False, "error": self.MESSAGE}, self.MESSAGE)


class ListingTooBroad(MeteorError):
    """A call-history listing that would read past its work cap (docs/decisions.md, "Call
    history on DynamoDB"): refused in time rather than timed out. Rocket.Chat has no such limit."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "error-listing-too-broad", "Too many rooms match; narrow the listing with filters"
        )


class PayloadTooLarge(MeteorError):
    """A request body over MAX_REQUEST_BODY_BYTES, or a document that would exceed what one
    DynamoDB item can hold (Rocket.Chat has neither limit; docs/compatibility.md)."""

    status = 413

    def __init__(self) -> None:
        super().__init__("error-request-too-large", "Request too large to store")


INTERNAL_ERROR_BODY: dict[str, Any] = {"success": False, "error": "Internal server error"}
# What API Gateway answers for a route it does not have.
NOT_FOUND_BODY: dict[str, Any] = {"message": "Not Found"}


# --- voip/room and voip/room.close -------------------------------------------------------------


class InvalidParams(MeteorError):
    """ajv's validation failure: `message` is the joined ajv lines, without the suffix."""

    def __init__(self, message: str) -> None:
        super().__init__("invalid-params", message)


class BusinessError(ApiError):
    """A handler's refusal: `{"success":false,"error":"<code>"}`, status 400, no errorType."""

    def __init__(self, code: str) -> None:
        super().__init__({"success": False, "error": code}, code)


# --- livechat/visitor -----------------------------------------------------------------------------


class MatchError(ApiError):
    """Meteor's check() failure: `{"success":false,"error":"Match error: ..."}`. The message quotes
    the request, so the code is the fixed part only."""

    def __init__(self, message: str, path: str = "") -> None:
        text = f"Match error: {message}" + (f" in field {path}" if path else "")
        super().__init__({"success": False, "error": text}, "Match error")


class TooDeepToQuote(ApiError):
    """What Rocket.Chat answers when check() quotes a value too deep for its stack: Meteor's
    EJSON.stringify turns the RangeError into this plain Error, which the REST layer answers
    as any error (docs/compatibility.md)."""

    MESSAGE = "Converting circular structure to JSON"

    def __init__(self) -> None:
        super().__init__({"success": False, "error": self.MESSAGE}, self.MESSAGE)


class InvalidVisitorToken(MeteorError):
    """A registration's token that cannot be one (blank, or not usable as a key)."""

    def __init__(self, reason: str) -> None:
        super().__init__("error-invalid-token", reason, {"method": "livechat/visitor"})


class InvalidEmail(MeteorError):
    def __init__(self, email: str) -> None:
        super().__init__(
            "error-invalid-email",
            f"Invalid email {email}",
            {"function": "Livechat.validateEmail", "email": email},
        )


class FieldTooLong(MeteorError):
    """Deviation (docs/compatibility.md): a registration's field over its length."""

    def __init__(self, field: str, most: int) -> None:
        super().__init__(
            "error-field-too-long",
            f"visitor.{field} is too long (at most {most} characters)",
            {"method": "livechat/visitor", "field": field},
        )


class UnknownVisitorToken(MeteorError):
    """No visitor has the token (GET and DELETE livechat/visitor/{token})."""

    def __init__(self) -> None:
        super().__init__("invalid-token")


class VisitorHasOpenRooms(MeteorError):
    def __init__(self) -> None:
        super().__init__("visitor-has-open-rooms", "Cannot remove visitors with opened rooms")


# --- voip/rooms (call history, docs/contract/call-history.md) -------------------------------------


class ListingForbidden(ApiError):
    """A caller who may not list these rooms (§3): Rocket.Chat's `unauthorized()` / `forbidden()`,
    not voip/room's permission text."""

    status = 403
    MESSAGE = "unauthorized"

    def __init__(self) -> None:
        super().__init__({"success": False, "error": self.MESSAGE}, self.MESSAGE)


class InvalidSort(MeteorError):
    """A `sort` that is not a JSON object of one listed field and 1 or -1 (§4), quoted as sent."""

    def __init__(self, raw: str) -> None:
        super().__init__(
            "error-invalid-sort",
            f'Invalid sort parameter provided: "{raw}"',
            {"helperMethod": "parseJsonQuery"},
        )


class NegativeOffset(ApiError):
    """MongoDB's refusal of a negative skip, as Rocket.Chat passes it on (§4). The code is its
    fixed part."""

    PREFIX = "BSON field 'skip' value must be >= 0"

    def __init__(self, offset: int) -> None:
        super().__init__(
            {"success": False, "error": f"{self.PREFIX}, actual value '{offset}'"}, self.PREFIX
        )


class InvalidDateFilter(ApiError):
    """A `createdAt`/`closedAt` filter that is not a JSON object, or a bound that is not a date
    (§5): `{"success":false,"error":"<message>"}`, no errorType. The messages name only the
    parameter, so each is its own code."""

    def __init__(self, message: str) -> None:
        super().__init__({"success": False, "error": message}, message)

    @classmethod
    def not_an_object(cls, parameter: str) -> InvalidDateFilter:
        return cls(f'The "{parameter}" query parameter must be a JSON object.')

    @classmethod
    def not_a_date(cls, parameter: str, bound: str) -> InvalidDateFilter:
        return cls(f'The "{parameter}.{bound}" query parameter must be a valid date.')
