"""HTTP as the domain sees it: a request and a response, no trace of API Gateway's event shape."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from voip_core.jsjson import escape_lone_surrogates

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


@dataclass
class HttpResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def body_text(self) -> str:
        """As JSON.stringify writes it: compact, keys in insertion order, non-ASCII as is, lone
        surrogates escaped."""
        return escape_lone_surrogates(
            json.dumps(self.body, separators=(",", ":"), ensure_ascii=False)
        )

    def all_headers(self) -> dict[str, str]:
        return {**TRANSPORT_HEADERS, **self.headers}
