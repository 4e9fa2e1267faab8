"""`voip-admin smoke`: one whole synthetic call against a deployed API (docs/operations.md).

Registers a visitor with a recognisable token (`smoke-<random>`), gets it a room from the agent
whose credentials are given, fetches the room by rid, closes it and erases the visitor, checking
each answer's status and shape. Whatever fails, what was created is removed (the room closed, the
visitor erased). Prints one JSON report; exits 0 when every step passed, 1 otherwise, 2 on bad
input. HTTP through the standard library only; the credentials are sent, never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from voip_admin.provisioning import UsageError, stack_outputs
from voip_admin.smoke_http import Reply, Transport, http_transport

TOKEN_PREFIX = "smoke-"  # noqa: S105 - marks synthetic visitors; not a secret
USER_ID_VARIABLE = "VOIP_SMOKE_USER_ID"
AUTH_TOKEN_VARIABLE = "VOIP_SMOKE_AUTH_TOKEN"  # noqa: S105 - a variable's name, not a secret
URL_OUTPUT = "ApiUrl"
VISITOR_PATH = "/api/v1/livechat/visitor"
ROOM_PATH = "/api/v1/voip/room"
CLOSE_PATH = "/api/v1/voip/room.close"


class StepFailed(Exception):
    """An answer that is not the one expected; the message says how."""


@dataclass
class Smoke:
    base_url: str
    user_id: str
    auth_token: str
    send: Transport
    token: str = field(default_factory=lambda: TOKEN_PREFIX + secrets.token_hex(8))
    steps: list[dict[str, Any]] = field(default_factory=list)
    # What exists on the server by now, for the cleanup.
    visitor_id: str | None = None
    rid: str | None = None
    room_may_exist: bool = False
    visitor_may_exist: bool = False

    def run(self) -> dict[str, Any]:
        try:
            self._call()
        except StepFailed:
            self._clean_up()
        passed = all(step["ok"] for step in self.steps)
        report: dict[str, Any] = {"ok": passed, "url": self.base_url, "steps": self.steps}
        left = self._left_behind()
        if left:
            report["leftBehind"] = left
        return report

    def _call(self) -> None:
        registered = self._creating(
            "visitor_may_exist",
            lambda: self._step("register-visitor", "POST", VISITOR_PATH, self._visitor_body()),
        )
        visitor = _field(registered, "visitor", dict)
        _require(visitor.get("token") == self.token, "visitor.token is not the one sent")
        _require(visitor.get("username") == self.token, "visitor.username is not the one sent")
        self.visitor_id = _field(visitor, "_id", str)
        created = self._creating(
            "room_may_exist",
            lambda: self._step("create-room", "GET", self._room_query(agentId=self.user_id)),
        )
        room = self._checked_room(created, new=True)
        self.rid = _field(room, "_id", str)
        _require(room.get("open") is True, "room.open is not true")
        served_by = room.get("servedBy") or {}
        _require(served_by.get("_id") == self.user_id, "room.servedBy is not the agent")
        fetched = self._step("get-room", "GET", self._room_query(rid=self.rid))
        _require(self._checked_room(fetched, new=False).get("_id") == self.rid, "another room")
        self._close("close-room")
        self._erase("erase-visitor")

    def _creating(self, flag: str, send: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A request that creates what `flag` tracks. Refused (a 4xx: the API writes nothing when
        it refuses), it created nothing; with no answer or a 5xx, it may have."""
        setattr(self, flag, True)
        try:
            return send()
        except StepFailed:
            status = self.steps[-1]["status"]
            if status is not None and 400 <= status < 500:
                setattr(self, flag, False)
            raise

    def _close(self, name: str, tolerate: tuple[str, ...] = ()) -> None:
        body = json.dumps({"rid": self.rid, "token": self.token}).encode("utf-8")
        closed = self._step(name, "POST", CLOSE_PATH, body, tolerate)
        if closed.get("success") is True:
            _require(closed == {"rid": self.rid, "success": True}, "not {rid, success: true}")
        self.room_may_exist = False

    def _erase(self, name: str, tolerate: tuple[str, ...] = ()) -> None:
        path = f"{VISITOR_PATH}/{quote(self.token, safe='')}"
        erased = self._step(name, "DELETE", path, None, tolerate)
        if erased.get("success") is True and self.visitor_id is not None:
            visitor = _field(erased, "visitor", dict)
            _require(visitor.get("_id") == self.visitor_id, "erased another visitor")
        self.visitor_may_exist = False

    def _clean_up(self) -> None:
        """Close the room if one may be open, then erase the visitor if it may exist: each step
        reported, a failure here noted and the next one still tried."""
        if self.room_may_exist and self.rid is None:
            # The room request got no answer, a 5xx or an unreadable 200: ask again, which answers
            # with the open room if one was created, so that it can be closed (or creates one).
            try:
                query = self._room_query(agentId=self.user_id)
                again = self._creating(
                    "room_may_exist", lambda: self._step("cleanup-find-room", "GET", query)
                )
                self.rid = _field(_field(again, "room", dict), "_id", str)
            except StepFailed:
                pass
        for cleanup in (self._cleanup_close, self._cleanup_erase):
            try:
                cleanup()
            except StepFailed:
                continue

    def _cleanup_close(self) -> None:
        if self.room_may_exist and self.rid is not None:
            self._close("cleanup-close-room", tolerate=("room-closed",))

    def _cleanup_erase(self) -> None:
        if self.visitor_may_exist:
            self._erase("cleanup-erase-visitor", tolerate=("[invalid-token]",))

    def _left_behind(self) -> list[str]:
        left = []
        if self.room_may_exist and self.rid:
            left.append(f"open room {self.rid} (voip-admin close-room --rid {self.rid})")
        elif self.room_may_exist:
            left.append(f"perhaps an open room of visitor {self.token} (GET {ROOM_PATH} names it)")
        if self.visitor_may_exist:
            left.append(f"visitor {self.token} (DELETE {VISITOR_PATH}/{self.token})")
        return left

    def _step(
        self,
        name: str,
        method: str,
        target: str,
        body: bytes | None = None,
        tolerate: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Send one request, record it; the body of a 200 with success true, else StepFailed (a
        400 whose error is in `tolerate` counts as passed, with an empty body)."""
        headers = {"X-User-Id": self.user_id, "X-Auth-Token": self.auth_token}
        headers["Accept"] = "application/json"
        if body is not None:
            headers["Content-Type"] = "application/json"
        reply = self.send(method, self.base_url + target, headers, body)
        step: dict[str, Any] = {"name": name, "status": reply.status}
        step["latencyMs"] = reply.latency_ms
        step["ok"] = False
        self.steps.append(step)
        try:
            answer = _answer(reply, tolerate)
        except StepFailed as failed:
            step["error"] = str(failed)
            raise
        step["ok"] = True
        return answer

    def _visitor_body(self) -> bytes:
        # A username of its own: the visitor takes no number from the guest counter.
        visitor = {"token": self.token, "name": "voip-admin smoke", "username": self.token}
        return json.dumps({"visitor": visitor}).encode("utf-8")

    def _room_query(self, **values: str) -> str:
        query = {"token": self.token, **values}
        if "agentId" in values:
            query["direction"] = "inbound"
        return f"{ROOM_PATH}?{urlencode(query)}"

    def _checked_room(self, answer: dict[str, Any], *, new: bool) -> dict[str, Any]:
        _require(answer.get("newRoom") is new, f"newRoom is not {str(new).lower()}")
        room: dict[str, Any] = _field(answer, "room", dict)
        visitor = room.get("v") or {}
        _require(visitor.get("token") == self.token, "room.v.token is not the visitor's")
        return room


def _answer(reply: Reply, tolerate: tuple[str, ...]) -> dict[str, Any]:
    if reply.status is None:
        raise StepFailed(reply.failure or "no answer")
    body = reply.body if isinstance(reply.body, dict) else {}
    error = str(body.get("error") or body.get("message") or reply.failure or "")[:200]
    if reply.status == 400 and error in tolerate:
        return {}
    if reply.status != 200:
        raise StepFailed(f"expected 200, got {reply.status}" + (f": {error}" if error else ""))
    if reply.body is None:
        raise StepFailed(reply.failure or "no body")
    _require(body.get("success") is True, "success is not true")
    return body


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def _field(container: dict[str, Any], name: str, kind: type) -> Any:
    value = container.get(name)
    _require(isinstance(value, kind) and bool(value), f"{name} is missing or not a {kind.__name__}")
    return value


# ---- the command -------------------------------------------------------------------------------


def add_parser(commands: Any) -> None:
    smoke = commands.add_parser("smoke", help="run one synthetic call against a deployed API")
    smoke.add_argument("--url", help="the API's base URL (else --stack-name's ApiUrl output)")
    smoke.add_argument("--user-id", help=f"an agent's user id (else ${USER_ID_VARIABLE})")
    smoke.add_argument("--auth-token", help=f"that agent's token (else ${AUTH_TOKEN_VARIABLE})")
    smoke.add_argument("--timeout", type=float, default=10.0, help="seconds per request")


def base_url(args: argparse.Namespace) -> str:
    if bool(args.url) == bool(args.stack_name):
        raise UsageError(
            "give the API's URL with --url, or a stack with --stack-name (one of them)"
        )
    url: str = args.url or _stack_url(args.stack_name, args.region)
    address = urlsplit(url)
    if address.scheme not in ("http", "https") or not address.hostname:
        raise UsageError(f"not an http(s) URL: {url}")
    if address.query or address.fragment:
        raise UsageError(f"the base URL takes no query or fragment: {url}")
    return url.rstrip("/")


def _stack_url(stack_name: str, region: str | None) -> str:
    url = stack_outputs(stack_name, region).get(URL_OUTPUT)
    if not url:
        raise UsageError(f"stack {stack_name} has no output {URL_OUTPUT}")
    return url


def credentials(args: argparse.Namespace) -> tuple[str, str]:
    user_id = args.user_id or os.environ.get(USER_ID_VARIABLE, "")
    token = args.auth_token or os.environ.get(AUTH_TOKEN_VARIABLE, "")
    if not user_id or not token:
        raise UsageError(
            f"an agent's credentials are needed: --user-id and --auth-token, or "
            f"{USER_ID_VARIABLE} and {AUTH_TOKEN_VARIABLE}"
        )
    return user_id, token


def run(args: argparse.Namespace, transport: Transport | None = None) -> int:
    """Bad input raises UsageError (exit 2, said by the CLI); else prints the report and returns
    0 when every step passed, 1 otherwise."""
    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    user_id, token = credentials(args)
    try:
        url = base_url(args)
    except (BotoCoreError, ClientError) as error:
        sys.stderr.write(f"voip-admin smoke: cannot read the stack's outputs: {error}\n")
        return 1
    smoke = Smoke(url, user_id, token, transport or http_transport(args.timeout))
    report = smoke.run()
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 0 if report["ok"] else 1
