"""HTTP as the domain sees it: a request and a response, no trace of API Gateway's event shape."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from voip_core.compat.jsjson import escape_lone_surrogates
from voip_core.compat.querystring import parse_query

# Each success's `outcome`, by route (template.yaml's metric filters match these strings).
ROOM_CREATED = "room-created"
ROOM_REUSED = "room-reused"
ROOM_FETCHED_BY_RID = "room-fetched-by-rid"
ROOM_CLOSED = "room-closed"
VISITOR_REGISTERED_NEW = "visitor-registered-new"
VISITOR_REGISTERED_MATCHED = "visitor-registered-matched"
VISITOR_FETCHED = "visitor-fetched"
VISITOR_ERASED = "visitor-erased"
ROOMS_LISTED = "rooms-listed"
OUTCOMES = (
    ROOM_CREATED,
    ROOM_REUSED,
    ROOM_FETCHED_BY_RID,
    ROOM_CLOSED,
    VISITOR_REGISTERED_NEW,
    VISITOR_REGISTERED_MATCHED,
    VISITOR_FETCHED,
    VISITOR_ERASED,
    ROOMS_LISTED,
)

# Spec §8: on every response.
TRANSPORT_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


@dataclass(frozen=True)
class HttpRequest:
    route_key: str  # the template's route, e.g. "GET /api/v1/voip/room"
    headers: dict[str, str]  # names lower-cased
    raw_query: str = ""
    body: bytes | None = None  # None when absent, and when over the body limit (not decoded)
    body_size: int = 0  # bytes of the body as sent (base64 decoded), at least the limit + 1 if over
    source_ip: str = ""
    request_id: str = ""
    path_parameters: dict[str, str] = field(default_factory=dict)

    @cached_property
    def query(self) -> dict[str, Any]:
        """The query string as Rocket.Chat's Express reads it (compat/querystring.py), parsed
        once."""
        return parse_query(self.raw_query)


@dataclass
class HttpResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    # What a success did, for the "request handled" log line that the template's metric filters
    # count (docs/operations.md): one of OUTCOMES. Never sent to the client.
    outcome: str = field(default="", compare=False)

    def body_text(self) -> str:
        """As JSON.stringify writes it: compact, keys in insertion order, non-ASCII as is, lone
        surrogates escaped."""
        return escape_lone_surrogates(
            json.dumps(self.body, separators=(",", ":"), ensure_ascii=False)
        )

    def all_headers(self) -> dict[str, str]:
        return {**TRANSPORT_HEADERS, **self.headers}
