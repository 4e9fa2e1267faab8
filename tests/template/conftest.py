"""The unit suite's fixtures (moto, tables from the template, the handler, its log lines), for the
tests that apply the template's metric filters to the lines the function really writes."""

from tests.unit.conftest import (
    actors,
    api,
    base_env,
    clock,
    configure,
    dynamodb,
    pristine_tables,
    service_logs,
    services,
    settings,
)

__all__ = [
    "actors",
    "api",
    "base_env",
    "clock",
    "configure",
    "dynamodb",
    "pristine_tables",
    "service_logs",
    "services",
    "settings",
]
