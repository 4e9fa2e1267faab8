"""Calling the Lambda handler as API Gateway would, one method per route, with the events in
events/ (voip_room_create.json, room_close.json, visitor_register.json, visitor_get.json,
visitor_delete.json); and what the routes answer, written as Rocket.Chat writes it."""

from __future__ import annotations

import base64
import dataclasses
import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode

from voip_core.wiring import Services
from voip_local.functions import LambdaContext

from tests.conftest import load_event
from tests.expected import compact

Answer = tuple[int, dict[str, str], str]
Query = str | dict[str, str] | list[tuple[str, str]]
_CREDENTIALS = ("x-user-id", "x-auth-token")


def body_bytes(body: Any) -> bytes:
    """A body given as bytes or text is sent as is; anything else as compact JSON."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return compact(body).encode("utf-8")


def _credentials(user_id: str | None, token: str | None) -> dict[str, str]:
    sent = {}
    if user_id is not None:
        sent["x-user-id"] = user_id
    if token is not None:
        sent["x-auth-token"] = token
    return sent


@dataclass
class Api:
    """The handler, called with an event from events/ for each route. A call without an explicit
    source IP comes from `source_ip`; with `rotate_ips`, from a new address each time, so tests
    that make many requests stay under the public routes' per-IP limits."""

    module: ModuleType
    source_ip: str = "203.0.113.10"
    rotate_ips: bool = False
    _sent: int = 0

    def rotating_ips(self) -> Api:
        return dataclasses.replace(self, rotate_ips=True)

    def from_ip(self, source_ip: str) -> Api:
        return dataclasses.replace(self, source_ip=source_ip)

    def invoke(self, event: dict[str, Any]) -> Answer:
        response = self.module.lambda_handler(event, LambdaContext())
        return response["statusCode"], response["headers"], response["body"]

    def _next_ip(self) -> str:
        if not self.rotate_ips:
            return self.source_ip
        self._sent += 1
        return f"10.{self._sent // 65536 % 256}.{self._sent // 256 % 256}.{self._sent % 256}"

    def _event(
        self,
        event_name: str,
        headers: dict[str, str],
        source_ip: str | None,
        body: Any = None,
        as_base64: bool = False,
    ) -> dict[str, Any]:
        event = load_event(event_name)
        event_headers = {k: v for k, v in event["headers"].items() if k not in _CREDENTIALS}
        event_headers.update(headers)
        event["headers"] = event_headers
        event["requestContext"]["http"]["sourceIp"] = source_ip or self._next_ip()
        event.pop("body", None)
        if body is not None:
            raw = body_bytes(body)
            if as_base64:
                event["body"] = base64.b64encode(raw).decode("ascii")
                event["isBase64Encoded"] = True
            else:
                event["body"] = raw.decode("utf-8")
        return event

    def call(
        self,
        query: Query = "",
        user_id: str | None = None,
        token: str | None = None,
        source_ip: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """`GET /api/v1/voip/room`; `headers` may override the credentials."""
        sent = _credentials(user_id, token)
        sent.update(headers or {})
        event = self._event("voip_room_create.json", sent, source_ip)
        event["rawQueryString"] = query if isinstance(query, str) else urlencode(query)
        event.pop("queryStringParameters", None)
        return self.invoke(event)

    def list_rooms(
        self,
        query: Query = "",
        user_id: str | None = None,
        token: str | None = None,
        source_ip: str | None = None,
    ) -> Answer:
        """`GET /api/v1/voip/rooms` (call history)."""
        event = self._event("rooms_list.json", _credentials(user_id, token), source_ip)
        event["rawQueryString"] = query if isinstance(query, str) else urlencode(query)
        event.pop("queryStringParameters", None)
        return self.invoke(event)

    def close(
        self,
        body: Any,
        user_id: str | None = None,
        token: str | None = None,
        *,
        source_ip: str | None = None,
        as_base64: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """`POST /api/v1/voip/room.close`; the credentials override `headers`."""
        sent = dict(headers or {})
        sent.update(_credentials(user_id, token))
        return self.invoke(self._event("room_close.json", sent, source_ip, body, as_base64))

    def register(
        self,
        body: Any,
        *,
        source_ip: str | None = None,
        as_base64: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """`POST /api/v1/livechat/visitor`."""
        event = self._event("visitor_register.json", headers or {}, source_ip, body, as_base64)
        return self.invoke(event)

    def _by_token(
        self,
        event_name: str,
        token: str,
        source_ip: str | None,
        headers: dict[str, str] | None,
    ) -> Answer:
        event = self._event(event_name, headers or {}, source_ip)
        path = "/api/v1/livechat/visitor/" + quote(token, safe="")
        event["rawPath"] = path
        event["requestContext"]["http"]["path"] = path
        event["pathParameters"] = {"token": token}
        return self.invoke(event)

    def get(
        self, token: str, *, source_ip: str | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """`GET /api/v1/livechat/visitor/{token}`."""
        return self._by_token("visitor_get.json", token, source_ip, headers)

    def delete(
        self, token: str, *, source_ip: str | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """`DELETE /api/v1/livechat/visitor/{token}`."""
        return self._by_token("visitor_delete.json", token, source_ip, headers)


def rate_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower().startswith("x-ratelimit")}


def too_many(seconds: int) -> str:
    return compact(
        {
            "success": False,
            "error": "Error, too many requests. Please slow down. You must wait "
            f"{seconds} seconds before trying this endpoint again. [error-too-many-requests]",
        }
    )


def invalid(message: str) -> str:
    """ajv's 400 envelope for one message."""
    return compact(
        {"success": False, "error": f"{message} [invalid-params]", "errorType": "invalid-params"}
    )


def business(code: str) -> str:
    return compact({"success": False, "error": code})


def open_room(api: Api, agent: tuple[str, str], visitor: str) -> dict[str, Any]:
    """The visitor's room, created (or fetched) by `GET voip/room` as the agent."""
    status, _, body = api.call({"token": visitor, "agentId": agent[0]}, *agent)
    assert status == 200, body
    room: dict[str, Any] = json.loads(body)["room"]
    return room


def stored_room(services: Services, rid: str) -> dict[str, Any]:
    room = services.rooms.get(rid)
    assert room is not None
    return room.doc
