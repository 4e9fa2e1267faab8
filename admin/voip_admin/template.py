"""template.yaml read as CloudFormation reads it, and its DynamoDB tables created exactly as it
defines them: the one schema, used by `voip-admin create-tables`, the local stack (which imports the
CLI, never the other way round) and the tests, never written out a second time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from voip_core.settings import TABLES, Settings

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):  # type: ignore[misc]
    """Reads CloudFormation's short-form intrinsics (!Ref, !GetAtt, !Sub ...) as {"Fn": value}."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506
    return loaded


def table_definitions(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Each AWS::DynamoDB::Table's logical id → its Properties."""
    template = template if template is not None else load_template()
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    }


def create_table_request(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The CreateTable call for a template table (TTL is a separate call: see `create_tables`)."""
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    indexes = properties.get("GlobalSecondaryIndexes")
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    return request


def table_names(settings: Settings) -> dict[str, str]:
    """Logical id → the table name the settings give it (by default, the logical id itself)."""
    return {table.logical_id: getattr(settings.tables, table.field) for table in TABLES}


def create_tables(
    client: Any, names: dict[str, str] | None = None, template: dict[str, Any] | None = None
) -> list[str]:
    """Create every template table that does not exist yet; return the names created.

    `names` maps logical ids to table names; by default a table is named after its logical id,
    which is also the code's default setting for it.
    """
    existing = set(client.list_tables().get("TableNames", []))
    created: list[str] = []
    for logical_id, properties in table_definitions(template).items():
        name = (names or {}).get(logical_id, logical_id)
        if name in existing:
            continue
        client.create_table(**create_table_request(name, properties))
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        created.append(name)
    return created
