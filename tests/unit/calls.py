"""Calling the call-lifecycle routes through the Lambda handler, with the API Gateway events in
events/ (room_close.json, visitor_register.json, visitor_get.json, visitor_delete.json)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from voip_core.wiring import Services

from tests.conftest import load_event
from tests.unit.conftest import Api

Answer = tuple[int, dict[str, str], str]


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def body_bytes(body: Any) -> bytes:
    """A body given as bytes or text is sent as is; anything else as compact JSON."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return compact(body).encode("utf-8")


@dataclass
class Calls:
    """With `rotate_ips`, each call without an explicit source IP comes from a new address, so
    tests that make many requests stay under the public routes' per-IP limits."""

    api: Api
    source_ip: str = "203.0.113.10"
    rotate_ips: bool = False
    _sent: int = 0

    def _next_ip(self) -> str:
        if not self.rotate_ips:
            return self.source_ip
        self._sent += 1
        return f"10.{self._sent // 65536 % 256}.{self._sent // 256 % 256}.{self._sent % 256}"

    def _send(
        self,
        event_name: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        source_ip: str | None = None,
        as_base64: bool = False,
    ) -> dict[str, Any]:
        event = load_event(event_name)
        event_headers = {
            k: v for k, v in event["headers"].items() if k not in ("x-user-id", "x-auth-token")
        }
        event_headers.update(headers or {})
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
        auth = dict(headers or {})
        if user_id is not None:
            auth["x-user-id"] = user_id
        if token is not None:
            auth["x-auth-token"] = token
        event = self._send("room_close.json", body, auth, source_ip, as_base64)
        return self.api.invoke(event)

    def register(
        self,
        body: Any,
        *,
        source_ip: str | None = None,
        as_base64: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        event = self._send("visitor_register.json", body, headers, source_ip, as_base64)
        return self.api.invoke(event)

    def _by_token(
        self,
        event_name: str,
        token: str,
        source_ip: str | None,
        headers: dict[str, str] | None,
    ) -> Answer:
        event = self._send(event_name, headers=headers, source_ip=source_ip)
        path = "/api/v1/livechat/visitor/" + quote(token, safe="")
        event["rawPath"] = path
        event["requestContext"]["http"]["path"] = path
        event["pathParameters"] = {"token": token}
        return self.api.invoke(event)

    def get(
        self, token: str, *, source_ip: str | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        return self._by_token("visitor_get.json", token, source_ip, headers)

    def delete(
        self, token: str, *, source_ip: str | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
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
