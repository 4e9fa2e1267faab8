"""What every stage drives: a moto server over HTTP with the template's tables, the real handler
loaded by path, people provisioned the way `voip-admin` does, and the requests of each path."""

from __future__ import annotations

import copy
import importlib.util
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from voip_local.functions import LambdaContext

ROOT = Path(__file__).resolve().parents[1]
APP_PATH = ROOT / "functions" / "voip_room" / "app.py"
EVENT_TEMPLATE = ROOT / "events" / "voip_room_create.json"

# Credentials that cannot reach AWS: every client here talks to a local endpoint.
OFFLINE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def offline_aws_env() -> None:
    os.environ.update(OFFLINE_AWS)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    # The bench writes thousands of log lines; INFO is what the template deploys, so keep it.
    os.environ.setdefault("LOG_LEVEL", "INFO")


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port, with the template's tables; yields its URL."""
    from moto.server import ThreadedMotoServer
    from voip_admin.template import create_tables
    from voip_core.store.dynamo import make_client

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        create_tables(make_client(endpoint_url=endpoint))
        yield endpoint
    finally:
        server.stop()


def load_app(endpoint: str, name: str = "bench_voip_room_app") -> ModuleType:
    """functions/voip_room/app.py, imported as Lambda does, its client pointed at `endpoint`."""
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    spec = importlib.util.spec_from_file_location(name, APP_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def silence_logs(module: ModuleType) -> None:
    """Keep the handler's JSON log lines (still formatted: that is real work) off the terminal."""
    handler = module.logger.registered_handler
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process


_source_ips = itertools.count(1)


def fresh_source_ip() -> str:
    """A new client address per request, so the rate limit is counted but never reached."""
    n = next(_source_ips)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def make_event(
    query: dict[str, str], user_id: str | None, token: str | None, source_ip: str | None = None
) -> dict[str, Any]:
    """An API Gateway payload 2.0 event for GET voip/room, from the committed example."""
    event: dict[str, Any] = copy.deepcopy(json.loads(EVENT_TEMPLATE.read_text(encoding="utf-8")))
    event["rawQueryString"] = urlencode(query)
    event["queryStringParameters"] = dict(query) or None
    headers = {k: v for k, v in event["headers"].items() if k not in ("x-user-id", "x-auth-token")}
    if user_id is not None:
        headers["x-user-id"] = user_id
    if token is not None:
        headers["x-auth-token"] = token
    event["headers"] = headers
    event["requestContext"]["http"]["sourceIp"] = source_ip or fresh_source_ip()
    return event


@dataclass
class People:
    """Who exists in the tables, provisioned as an operator would with `voip-admin`."""

    endpoint: str
    agent: tuple[str, str] = ("", "")  # (user id, auth token)
    no_role: tuple[str, str] = ("", "")
    visitors_made: int = 0
    services: Any = None

    def __post_init__(self) -> None:
        from voip_core.services.accounts import Accounts
        from voip_core.settings import Settings
        from voip_core.store.dynamo import make_client
        from voip_core.wiring import Services

        self.services = Services.build(
            Settings.from_env(os.environ), client=make_client(endpoint_url=self.endpoint)
        )
        accounts = Accounts(self.services.users, self.services.tokens)
        now = self.services.clock()
        agent = accounts.create_user("kim.jane", now, name="Kim Jane", roles=("livechat-agent",))
        plain = accounts.create_user("no.role", now, name="No Role", roles=("user",))
        self.agent = (agent.user_id, agent.token)
        self.no_role = (plain.user_id, plain.token)

    def visitor(self) -> str:
        """A new visitor, shaped like a caller (name and phone); returns its token."""
        from voip_core.domain.visitors import new_visitor_document

        self.visitors_made += 1
        n = self.visitors_made
        token = f"bench-visitor-{n:06d}"
        doc = new_visitor_document(
            token,
            f"guest-{n + 1}",
            self.services.clock(),
            name=f"Caller {n}",
            phone=f"+1555{n:07d}",
        )
        self.services.visitors.create(doc)
        return token


@dataclass(frozen=True)
class RequestPath:
    """One request path of the route: its name, the answer it must give, and its requests."""

    name: str
    status: int
    error: str | None  # the body's "error" when it must carry one
    next_event: Callable[[], dict[str, Any]]


@dataclass
class Scenarios:
    """The paths the issue names, each able to make as many requests as asked.

    `create` takes a fresh visitor per request (provisioned beforehand, `creates` of them); the
    other paths repeat one request with a new source address each time.
    """

    people: People
    open_visitor: str
    open_room: str
    creates: int
    create_pool: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.create_pool = [self.people.visitor() for _ in range(self.creates)]
        self.idle_visitor = self.people.visitor()

    def _pop_create_visitor(self) -> str:
        return self.create_pool.pop() if self.create_pool else self.people.visitor()

    def paths(self) -> list[RequestPath]:
        agent_id, agent_token = self.people.agent

        def create() -> dict[str, Any]:
            query = {"token": self._pop_create_visitor(), "agentId": agent_id}
            return make_event(query, agent_id, agent_token)

        get_query = {"token": self.open_visitor, "rid": self.open_room}
        reuse_query = {"token": self.open_visitor, "agentId": agent_id}
        return [
            RequestPath("get (rid)", 200, None, self._as_agent(get_query)),
            RequestPath("reuse open room", 200, None, self._as_agent(reuse_query)),
            RequestPath("create", 200, None, create),
            *self._failure_paths(get_query),
        ]

    def _as_agent(self, query: dict[str, str]) -> Callable[[], dict[str, Any]]:
        agent_id, agent_token = self.people.agent
        return lambda: make_event(query, agent_id, agent_token)

    def _failure_paths(self, get_query: dict[str, str]) -> list[RequestPath]:
        agent_id, _ = self.people.agent
        plain_id, plain_token = self.people.no_role
        no_such_visitor = {"token": "no-such-visitor", "agentId": agent_id}
        no_such_room = {"token": self.open_visitor, "rid": "NoSuchRoom1234567"}
        no_such_agent = {"token": self.idle_visitor, "agentId": "NoSuchAgent123456"}
        return [
            RequestPath("401 no credentials", 401, None, lambda: make_event(get_query, None, None)),
            RequestPath(
                "401 bad token", 401, None, lambda: make_event(get_query, agent_id, "x" * 43)
            ),
            RequestPath(
                "400 invalid-params", 400, None, self._as_agent({"token": self.open_visitor})
            ),
            RequestPath(
                "403 no permission", 403, None, lambda: make_event(get_query, plain_id, plain_token)
            ),
            RequestPath("invalid-token", 400, "invalid-token", self._as_agent(no_such_visitor)),
            RequestPath("invalid-room", 400, "invalid-room", self._as_agent(no_such_room)),
            RequestPath("agent-not-found", 400, "agent-not-found", self._as_agent(no_such_agent)),
        ]


def open_a_room(app: ModuleType, people: People) -> tuple[str, str]:
    """A visitor with an open room, made through the handler; returns (visitor token, room id)."""
    token = people.visitor()
    agent_id, agent_token = people.agent
    event = make_event({"token": token, "agentId": agent_id}, agent_id, agent_token)
    response = app.lambda_handler(event, LambdaContext())
    body = json.loads(response["body"])
    if response["statusCode"] != 200 or body.get("newRoom") is not True:
        raise RuntimeError(f"could not open a room: {response['statusCode']} {response['body']}")
    return token, str(body["room"]["_id"])


def check_answer(path: RequestPath, response: dict[str, Any]) -> str | None:
    """Why the response is not the one the path must give, or None."""
    status = response["statusCode"]
    if status != path.status:
        return f"{path.name}: status {status}, expected {path.status}: {response['body'][:200]}"
    if path.error is not None:
        error = json.loads(response["body"]).get("error")
        if error != path.error:
            return f"{path.name}: error {error!r}, expected {path.error!r}"
    return None


def get_request_items(people: People, visitor_token: str, room_id: str) -> dict[str, Any]:
    """The one BatchGetItem a get by rid needs, as baseline (a) sends it."""
    from voip_core.domain.auth import hash_token

    agent_id, agent_token = people.agent
    settings = people.services.settings.tables

    def keys(key: dict[str, Any]) -> dict[str, Any]:
        return {"Keys": [key], "ConsistentRead": True}

    return {
        settings.tokens: keys({"hashedToken": {"S": hash_token(agent_token)}}),
        settings.users: keys({"_id": {"S": agent_id}}),
        settings.visitors: keys({"token": {"S": visitor_token}}),
        settings.rooms: keys({"_id": {"S": room_id}}),
    }
