"""The visitor routes (docs/contract/call-lifecycle.md §2, §3, §5): `POST /api/v1/livechat/visitor`,
`GET` and `DELETE /api/v1/livechat/visitor/{token}`. Order: `voip/room`'s authentication and
permission when VISITOR_API_REQUIRES_AUTH is on (the default) → rate limit → body validation →
handler. The body is parsed, and the visitor looked up, only once the request is within its
limit.

The registration's body rules are Rocket.Chat's:

    check(bodyParams, {visitor: Match.ObjectIncluding({token: String, name: Match.Optional(String),
      email, department, phone, username: Match.Optional(String), customFields:
      Match.Optional([Match.ObjectIncluding({key: String, value: String, overwrite: Boolean})])})})

then a blank token, then the email (compat/meteor_check.py words check()'s failures).
"""

from __future__ import annotations

import re
from typing import Any

from voip_core.compat.jsjson import NOT_JSON, TooDeep, js_length, js_trim, parse_body
from voip_core.compat.meteor_check import BOOLEAN, STRING, Object, check
from voip_core.domain.visitors import CustomField, Registration
from voip_core.errors import (
    FieldTooLong,
    InvalidEmail,
    InvalidVisitorToken,
    MatchError,
    TooDeepToQuote,
)
from voip_core.http import (
    VISITOR_ERASED,
    VISITOR_FETCHED,
    VISITOR_REGISTERED_MATCHED,
    VISITOR_REGISTERED_NEW,
    HttpRequest,
    HttpResponse,
)
from voip_core.routes.gate import Admission, Endpoint, admit_visitor_request
from voip_core.store.dynamo import usable_key
from voip_core.wiring import Services

REGISTER_ROUTE = "POST /api/v1/livechat/visitor"
GET_ROUTE = "GET /api/v1/livechat/visitor/{token}"
DELETE_ROUTE = "DELETE /api/v1/livechat/visitor/{token}"


# --- POST livechat/visitor ----------------------------------------------------------------------


def admit_register(services: Services, request: HttpRequest) -> Admission:
    limit = services.settings.limits.visitor_register
    return admit_visitor_request(services, request, route=REGISTER_ROUTE, limit=limit)


def register_visitor(services: Services, request: HttpRequest, _: Admission) -> HttpResponse:
    registration = read_registration(request.body)
    visitor, created = services.visitor_service.register(registration)
    outcome = VISITOR_REGISTERED_NEW if created else VISITOR_REGISTERED_MATCHED
    return HttpResponse(200, {"visitor": visitor, "success": True}, outcome=outcome)


OPTIONAL_TEXT_FIELDS = ("name", "email", "department", "phone", "username")
# Deviation (docs/compatibility.md): the fields a room copies (name and username as `fname`/`name`,
# `v.username`, then `closedBy.username` when it closes; `v.phone`; `departmentId`) are bounded, in
# JavaScript characters (UTF-16 code units), so that every room that opens can also close within
# one DynamoDB item. Rocket.Chat (MongoDB, 16 MB documents) has no such bound.
MAX_FIELD_LENGTH = 1024
BOUNDED_FIELDS = ("name", "department", "phone", "username")
_EMAIL = re.compile(r"[^@]+@[^@]+")

_CUSTOM_FIELD = Object({"key": STRING, "value": STRING, "overwrite": BOOLEAN}, {}, including=True)
_VISITOR = Object(
    {"token": STRING},
    {**dict.fromkeys(OPTIONAL_TEXT_FIELDS, STRING), "customFields": [_CUSTOM_FIELD]},
    including=True,
)
_BODY = Object({"visitor": _VISITOR}, {}, including=False)


def read_registration(raw: bytes | None) -> Registration:
    parsed = parse_body(raw)
    # Not JSON: check() sees the body as a string (§5).
    body = "" if parsed is NOT_JSON else parsed
    return registration_from(check_visitor_body(body))


def check_visitor_body(body: Any) -> dict[str, Any]:
    """The `visitor` object, or MatchError as check() words it."""
    try:
        failure = check(body, _BODY)
    except TooDeep:
        raise TooDeepToQuote() from None
    if failure:
        raise MatchError(*failure)
    visitor: dict[str, Any] = body["visitor"]
    return visitor


def registration_from(visitor: dict[str, Any]) -> Registration:
    """After check(): a blank token, then an invalid email, are refused (§5 order); then a field
    over its length (a deviation, checked last so Rocket.Chat's own answers keep their order)."""
    token: str = visitor["token"]
    if not js_trim(token):
        raise InvalidVisitorToken("Token cannot be empty")
    if not usable_key(token):
        # Deviation: longer than a DynamoDB key may be (2048 bytes of UTF-8), or not UTF-8 at all.
        raise InvalidVisitorToken("Token is too long or not valid text")
    given = {name: visitor.get(name) or None for name in OPTIONAL_TEXT_FIELDS}
    email = given["email"]
    if email is not None:
        email = js_trim(email).lower()
        if not _EMAIL.fullmatch(email):
            raise InvalidEmail(email)
    for name in BOUNDED_FIELDS:
        value = given[name]
        if value is not None and js_length(value) > MAX_FIELD_LENGTH:
            raise FieldTooLong(name, MAX_FIELD_LENGTH)
    fields = tuple(
        CustomField(field["key"], field["value"], field["overwrite"])
        for field in visitor.get("customFields") or ()
    )
    return Registration(
        token=token,
        name=given["name"],
        email=email,
        department=given["department"],
        phone=given["phone"],
        username=given["username"],
        custom_fields=fields,
    )


# --- GET and DELETE livechat/visitor/{token} -----------------------------------------------------


def admit_get(services: Services, request: HttpRequest) -> Admission:
    limit = services.settings.limits.visitor_get
    return admit_visitor_request(services, request, route=GET_ROUTE, limit=limit)


def get_visitor(services: Services, request: HttpRequest, _: Admission) -> HttpResponse:
    visitor = services.visitor_service.find(request.path_parameters.get("token", ""))
    return HttpResponse(200, {"visitor": visitor, "success": True}, outcome=VISITOR_FETCHED)


def admit_delete(services: Services, request: HttpRequest) -> Admission:
    limit = services.settings.limits.visitor_delete
    return admit_visitor_request(services, request, route=DELETE_ROUTE, limit=limit)


def delete_visitor(services: Services, request: HttpRequest, _: Admission) -> HttpResponse:
    erased = services.visitor_service.erase(request.path_parameters.get("token", ""))
    return HttpResponse(200, {"visitor": erased, "success": True}, outcome=VISITOR_ERASED)


REGISTER = Endpoint(admit_register, register_visitor)
GET = Endpoint(admit_get, get_visitor)
DELETE = Endpoint(admit_delete, delete_visitor)
