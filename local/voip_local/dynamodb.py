"""The embedded DynamoDB-compatible endpoint: moto's server, in a thread of this process.

moto applies a TransactWriteItems step by step and, when a condition fails, rolls back by restoring
a copy of each table taken when the transaction began: two transactions running at once on
different threads can both pass their checks, and a rollback can undo the other's committed write.
DynamoDB isolates transactions (serializably), so the endpoint handles one request at a time. moto
is bound by the GIL anyway, so little throughput is lost, and the local API's threads still race
each other across requests the way concurrent Lambda environments do.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _OneAtATime:
    """WSGI middleware: each request runs to completion before the next starts."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            return list(self.app(environ, start_response))


class _OneLineFailures(logging.Filter):
    """A request moto's server fails on with an exception (a region it does not know, say) makes
    werkzeug log the whole traceback; the log keeps one line, the exception's own."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "Traceback (most recent call last)" in text:
            record.msg = "DynamoDB endpoint: a request failed inside moto (answered HTTP 500): %s"
            record.args = (text.rstrip().splitlines()[-1],)
            record.exc_info = None
            record.exc_text = None
        return True


_ONE_LINE_FAILURES = _OneLineFailures()


class LocalDynamoDB:
    """moto's server on a socket bound beforehand (so a taken port is reported, not fatal)."""

    def __init__(self, sock: socket.socket) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        werkzeug_log = logging.getLogger("werkzeug")
        werkzeug_log.setLevel(logging.WARNING)  # no access log of its own
        werkzeug_log.addFilter(_ONE_LINE_FAILURES)
        host, port = sock.getsockname()[:2]
        app = _OneAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=MotoRequestHandler,
            fd=sock.fileno(),
        )
        sock.close()  # the server holds its own duplicate of the descriptor
        if isinstance(self._server, socketserver.ThreadingMixIn):
            # Idle keep-alive connections must not hold up stopping.
            self._server.daemon_threads = True
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="dynamodb", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
