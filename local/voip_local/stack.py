"""`make run`: the Docker-free local stack in the foreground.

Order matters: both ports are bound first (a taken port is reported before anything starts); the
environment is prepared before anything from voip_core is imported (the function reads its settings
and its endpoint at import, as on Lambda); the banner comes last, when every part answers.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from voip_admin.template import TEMPLATE_PATH, load_template

from voip_local.ports import bind


@dataclass(frozen=True)
class StackOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    dynamodb_port: int = 8000
    ready_file: Path | None = None  # JSON with the URLs and demo credentials, for scripts and tests
    template_path: Path = TEMPLATE_PATH
    rate_limits: str = "off"  # LOCAL_RATE_LIMITS: "off", or "rocketchat" (the template's defaults)


@dataclass
class Stack:
    options: StackOptions
    out: TextIO = field(default_factory=lambda: sys.stdout)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Start, print the banner, serve until SIGINT or SIGTERM, stop. Raises PortInUse,
        SettingsError or UnsupportedRoute before serving anything."""
        started = time.perf_counter()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.stopping.set())
        api_socket = bind(self.options.host, self.options.port, "PORT")
        try:
            dynamodb_socket = bind(self.options.host, self.options.dynamodb_port, "DYNAMODB_PORT")
        except OSError:
            api_socket.close()
            raise
        servers = self._start(api_socket, dynamodb_socket, started)
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            for stop in servers:
                stop()
            self.out.write("voip-room local stack stopped.\n")
            self.out.flush()

    def _start(self, api_socket: Any, dynamodb_socket: Any, started: float) -> list[Any]:
        from voip_local.dynamodb import LocalDynamoDB
        from voip_local.functions import prepare_environment

        template = load_template(self.options.template_path)
        dynamodb = LocalDynamoDB(dynamodb_socket)
        prepare_environment(template, dynamodb.url, rate_limits=self.options.rate_limits)
        dynamodb.start()
        try:
            api_server, text, state = self._serve_api(api_socket, template, dynamodb.url, started)
        except BaseException:
            dynamodb.stop()
            raise
        self.out.write(text)
        self.out.flush()
        if self.options.ready_file is not None:
            _write_private_json(self.options.ready_file, state)
        return [api_server.shutdown, api_server.server_close, dynamodb.stop]

    def _serve_api(
        self, api_socket: Any, template: dict[str, Any], dynamodb_url: str, started: float
    ) -> tuple[Any, str, dict[str, Any]]:
        """Tables, demo data, the functions (imported now, reading the prepared environment), then
        the API itself. Returns the server, the banner and the ready file's content."""
        from voip_admin.template import create_tables, table_names
        from voip_core.settings import Settings
        from voip_core.store.dynamo import make_client

        from voip_local.functions import function_specs, load_functions
        from voip_local.routes import http_api_routes
        from voip_local.seed import StackInfo, banner, seed
        from voip_local.server import ApiServer, Gateway

        settings = Settings.from_env()
        client = make_client(dynamodb_url)
        tables = create_tables(client, table_names(settings), template)
        demo = seed(client, settings)
        routes = http_api_routes(template)
        region = os.environ["AWS_REGION"]
        functions = load_functions(
            function_specs(template), {route.function_id for route in routes}, region
        )
        gateway = Gateway(routes, {name: fn.invoke for name, fn in functions.items()}, sys.stderr)
        api_server = ApiServer(api_socket, gateway)
        threading.Thread(target=api_server.serve_forever, name="api", daemon=True).start()
        info = StackInfo(
            api_server.url,
            dynamodb_url,
            sorted({route.key for route in routes}),
            tables,
            time.perf_counter() - started,
        )
        state = {
            "apiUrl": info.api_url,
            "dynamodbUrl": dynamodb_url,
            "region": region,
            "routes": info.route_keys,
            **demo.as_json(),
        }
        return api_server, banner(info, settings, demo), state


def _write_private_json(path: Path, content: dict[str, Any]) -> None:
    """Written whole or not at all (a reader polls for it), readable only by its owner."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(content, handle, indent=2)
    os.replace(partial, path)
