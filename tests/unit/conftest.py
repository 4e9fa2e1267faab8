"""Unit fixtures: moto in process, tables created from template.yaml, a fixed clock, and helpers
that provision users, tokens and visitors the way `voip-admin` does."""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from voip_admin import provisioning
from voip_admin.template import create_tables, load_template
from voip_core.domain.visitors import new_visitor_document
from voip_core.observability import logger as service_logger
from voip_core.services.accounts import Accounts
from voip_core.settings import Settings
from voip_core.store.dynamo import make_client
from voip_core.wiring import Services

from tests.conftest import ROOT
from tests.unit.calls import Api
from tests.unit.cli_runner import Cli

# 2024-05-01T12:00:00.000Z: windows of 60 s start exactly here.
START_MS = 1_714_564_800_000


@dataclass
class FakeClock:
    now_ms: int = START_MS

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)


@pytest.fixture(scope="session")
def pristine_tables() -> dict[str, Any]:
    """template.yaml's tables, empty, as moto holds them in memory: parsed and created once per
    session (once per xdist worker), then copied for each test by `dynamodb`."""
    with mock_aws():
        client = make_client()
        created = create_tables(client, template=load_template())
        tables: dict[str, Any] = copy.deepcopy(moto_tables(client))
    assert sorted(tables) == sorted(created), (tables, created)
    return tables


@pytest.fixture
def dynamodb(pristine_tables: dict[str, Any]) -> Iterator[Any]:
    """moto in process, started afresh for this test (every backend empty, as `mock_aws` leaves
    it), holding a fresh copy of the template's tables: what creating them would give, without
    parsing the template and sending a dozen requests per test. moto itself copies tables this
    way to roll back a failed transaction."""
    with mock_aws():
        client = make_client()
        moto_tables(client).update(copy.deepcopy(pristine_tables))
        yield client


def moto_tables(client: Any) -> dict[str, Any]:
    """The table objects of the moto backend that `client`'s requests reach."""
    tables: dict[str, Any] = dynamodb_backends[DEFAULT_ACCOUNT_ID][client.meta.region_name].tables
    return tables


@pytest.fixture
def dynamodb_calls(dynamodb: Any) -> Iterator[list[str]]:
    """The name of every DynamoDB operation the tables' client sends from now on, in order."""
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    dynamodb.meta.events.register("before-call.dynamodb", record)
    try:
        yield calls
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb", record)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# The suites that judge Rocket.Chat's own behaviour of the visitor routes (public there) say so:
# they override `base_env` with this. The default is VISITOR_API_REQUIRES_AUTH=true.
PUBLIC_VISITOR_API: Mapping[str, str] = {"VISITOR_API_REQUIRES_AUTH": "false"}


@pytest.fixture
def base_env() -> Mapping[str, str]:
    """The environment a test's settings start from (`configure` adds to it): the defaults."""
    return {}


@pytest.fixture
def settings(base_env: Mapping[str, str]) -> Settings:
    return Settings.from_env(base_env)


@pytest.fixture
def services(dynamodb: Any, clock: FakeClock, settings: Settings) -> Services:
    return Services.build(settings, dynamodb, clock)


def _load_app() -> ModuleType:
    name = "voip_room_app"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "functions/voip_room/app.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@dataclass
class Actors:
    """Who exists in the tables for a test: provisioned as an operator would."""

    services: Services
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)

    def user(
        self, username: str, roles: tuple[str, ...] = ("livechat-agent",), active: bool = True
    ) -> tuple[str, str]:
        issued = Accounts(self.services.users, self.services.tokens).create_user(
            username, self.clock(), name=username.title(), roles=roles, active=active
        )
        return issued.user_id, issued.token

    def visitor(self, token: str, **fields: Any) -> dict[str, Any]:
        username = fields.pop("username", f"guest-{len(self.tokens) + 2}")
        self.tokens[token] = username
        doc = new_visitor_document(token, username, self.clock(), **fields)
        self.services.visitors.create(doc)
        return doc


@pytest.fixture
def actors(services: Services, clock: FakeClock) -> Actors:
    return Actors(services, clock)


@pytest.fixture
def api(services: Services, monkeypatch: pytest.MonkeyPatch) -> Api:
    module = _load_app()
    monkeypatch.setattr(module, "services", services)
    return Api(module)


def scan_tables(client: Any) -> dict[str, list[str]]:
    """Every item of every table, each as sorted JSON text: compare snapshots to prove nothing
    was written."""
    snapshot: dict[str, list[str]] = {}
    for table in client.list_tables()["TableNames"]:
        items: list[str] = []
        for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            items.extend(json.dumps(item, sort_keys=True) for item in page["Items"])
        snapshot[table] = sorted(items)
    return snapshot


Configure = Callable[[Mapping[str, str]], Services]


@pytest.fixture
def configure(
    dynamodb: Any,
    clock: FakeClock,
    api: Api,
    base_env: Mapping[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Configure:
    """Rebuild the handler's services with settings read from `base_env` and `env` (same tables,
    same clock)."""

    def rebuild(env: Mapping[str, str]) -> Services:
        built = Services.build(Settings.from_env({**base_env, **env}), dynamodb, clock)
        monkeypatch.setattr(api.module, "services", built)
        return built

    return rebuild


@pytest.fixture
def service_logs() -> Iterator[io.StringIO]:
    """Everything the service's Powertools logger writes, at DEBUG and up, as its JSON lines."""
    handler = service_logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    std_logger = logging.getLogger(service_logger.service)
    level = std_logger.level
    std_logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        std_logger.setLevel(level)
        handler.setStream(previous)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str],
    dynamodb: Any,
    service_logs: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    """Each command still builds its own client through `make_client`, once per test: building
    botocore's client model on every command would make this file slow."""
    made: dict[tuple[Any, ...], Any] = {}
    real_make_client = provisioning.make_client

    def make_client_once(
        endpoint_url: str | None = None, region_name: str | None = None, **options: Any
    ) -> Any:
        key = (endpoint_url, region_name, *sorted(options.items()))
        if key not in made:
            made[key] = real_make_client(endpoint_url, region_name, **options)
        return made[key]

    monkeypatch.setattr(provisioning, "make_client", make_client_once)
    return Cli(capsys)
