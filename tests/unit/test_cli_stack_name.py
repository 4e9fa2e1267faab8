"""`voip-admin --stack-name` (docs/architecture.md, "Interfaces that stay stable"): the commands
work on the tables a deployed stack's outputs name; a stack that is missing, or lacks an output, is
bad input (one line, exit 2, nothing written)."""

from __future__ import annotations

import json
from typing import Any

import boto3
from voip_admin.template import create_tables
from voip_core.wiring import Services

from tests.unit.cli_runner import Cli
from tests.unit.conftest import scan_tables

OUTPUTS = {
    "TokensTableName": "TokensTable",
    "UsersTableName": "UsersTable",
    "VisitorsTableName": "VisitorsTable",
    "RoomsTableName": "RoomsTable",
    "RateLimitsTableName": "RateLimitsTable",
    "CountersTableName": "CountersTable",
    "VisitorRoomsTableName": "VisitorRoomsTable",
    "VisitorGuardsTableName": "VisitorGuardsTable",
}


def _deploy_stack(name: str, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_stack_name_reads_the_table_names_from_the_outputs(
    cli: Cli, dynamodb: Any, services: Services
) -> None:
    prefixed = {logical: f"prod-{logical}" for logical in OUTPUTS.values()}
    create_tables(dynamodb, prefixed)
    _deploy_stack("voip-prod", {key: f"prod-{value}" for key, value in OUTPUTS.items()})
    code, out, err = cli.run("--stack-name", "voip-prod", "create-visitor", "--token", "t1")
    assert (code, err) == (0, ""), err
    assert json.loads(out)["token"] == "t1"
    item = dynamodb.get_item(TableName="prod-VisitorsTable", Key={"token": {"S": "t1"}})
    assert "Item" in item
    assert services.visitors.get("t1") is None  # not in the default tables


def test_missing_stack_is_one_line_exit_2_and_writes_nothing(cli: Cli, dynamodb: Any) -> None:
    before = scan_tables(dynamodb)
    message = cli.refused("--stack-name", "no-such-stack", "create-visitor", "--token", "t1")
    assert message.startswith("voip-admin create-visitor: ")
    assert "no-such-stack" in message
    assert "datastore" not in message
    assert scan_tables(dynamodb) == before


def test_stack_without_the_table_outputs_is_bad_input(cli: Cli, dynamodb: Any) -> None:
    _deploy_stack("half", {"TokensTableName": "TokensTable"})
    before = scan_tables(dynamodb)
    message = cli.refused("--stack-name", "half", "create-visitor", "--token", "t1")
    assert message == "voip-admin create-visitor: stack half has no output UsersTableName"
    assert scan_tables(dynamodb) == before
