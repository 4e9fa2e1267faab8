"""The local API: an HTTP server that does API Gateway's part (route, build the payload 2.0 event,
call the function, turn its result into the response), one thread per connection.

Nothing secret is logged: one line per request names the route key (never the raw path or query,
which carry visitor tokens), the status and the time taken.
"""

from __future__ import annotations

import json
import socket
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from voip_local.apigw import (
    INTERNAL_ERROR_BODY,
    NOT_FOUND_BODY,
    GatewayResponse,
    IncomingRequest,
    build_event,
    gateway_error,
    new_request_id,
    response_from_result,
)
from voip_local.routes import Route, match_route

Invoke = Callable[[dict[str, Any]], Any]
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway HTTP API's payload limit


@dataclass(frozen=True)
class Gateway:
    """Routes (from the template) and the function behind each, by logical id."""

    routes: list[Route]
    functions: Mapping[str, Invoke]
    log: TextIO | None = None

    def handle(self, request: IncomingRequest) -> GatewayResponse:
        request_id = new_request_id()
        started = time.perf_counter()
        match = match_route(self.routes, request.method, request.raw_path)
        if match is None:
            response = gateway_error(404, NOT_FOUND_BODY)
            label = f"{request.method} (no route)"
        else:
            label = match.route.key
            event = build_event(request, match, request_id, int(time.time() * 1000))
            try:
                result = self.functions[match.route.function_id](event)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                response = gateway_error(500, INTERNAL_ERROR_BODY)
            else:
                response = response_from_result(result)
        response.headers.append(("apigw-requestid", request_id))
        if self.log is not None:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.log.write(f'{request.source_ip} "{label}" {response.status} {elapsed_ms:.0f} ms\n')
            self.log.flush()
        return response


def _message(text: str) -> bytes:
    return json.dumps({"message": text}, separators=(",", ":")).encode()


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    # Headers and body go out in two writes: without this, Nagle's algorithm and the client's
    # delayed ACK hold every keep-alive response for ~40 ms.
    disable_nagle_algorithm = True
    server: ApiServer
    timeout = 120  # an idle keep-alive connection is closed after this long

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError as error:
            self.close_connection = True  # the rest of the body is still on the wire
            self._send(gateway_error(400, _message(str(error))))
            return
        request = IncomingRequest(
            method=self.command,
            target=self.path,
            protocol=self.request_version,
            headers=list(self.headers.items()),
            body=body,
            source_ip=str(self.client_address[0]),
            server_port=int(self.server.server_address[1]),
        )
        self._send(self.server.gateway.handle(request))

    def __getattr__(self, name: str) -> Any:
        """Every method (`do_GET`, `do_TRACE`, ...) goes to the gateway: one without a route is
        API Gateway's 404, not the base class's 501 page."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request the server cannot even parse: a JSON message, as API Gateway's are."""
        self.close_connection = True
        self.request_version = self.protocol_version  # a status line even for an unreadable one
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self._send(gateway_error(code, _message(phrase)))

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if not length_header:
            return b""
        if not length_header.strip().isdigit():
            raise ValueError("Bad Content-Length")
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            raise ValueError("Request Entity Too Large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError as error:
                raise ValueError("Bad chunk size") from error
            total += size
            if total > MAX_BODY_BYTES:
                raise ValueError("Request Entity Too Large")
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, response: GatewayResponse) -> None:
        self.send_response_only(response.status)
        self.send_header("Date", formatdate(usegmt=True))
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the base class would print request lines, and they carry tokens."""


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, gateway: Gateway) -> None:
        """Serve on a socket already bound and listening (see ports.bind)."""
        super().__init__(sock.getsockname()[:2], _RequestHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self.gateway = gateway

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"
