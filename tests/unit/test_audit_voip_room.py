"""Audit of `GET /api/v1/voip/room` and `voip-admin` against docs/contract/voip-room.md and
docs/architecture.md: each test pins a place where the implementation deviated from the contract."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from voip_admin.cli import main
from voip_core.wiring import Services
from voip_local.template import create_tables

from tests.unit.conftest import Actors, Api, scan_tables

# A lone surrogate: JSON can carry it (as `\ud800`), and a stored visitor name can hold it.
LONE = "\ud800"


@pytest.fixture
def agent(actors: Actors) -> tuple[str, str]:
    return actors.user("kim.jane")


# --- §6/§8: bodies are written as JSON.stringify writes them ------------------------------------


def test_lone_surrogate_in_a_room_is_written_as_json_stringify_writes_it(
    api: Api, actors: Actors, agent: tuple[str, str]
) -> None:
    actors.visitor("odd-name", name=f"a{LONE}b")
    status, _, body = api.call({"token": "odd-name", "agentId": agent[0]}, *agent)
    assert status == 200
    body.encode("utf-8")  # a body any transport can send (else: a bare gateway 500)
    assert '"name":"a\\ud800b","fname":"a\\ud800b"' in body
    room = json.loads(body)["room"]
    assert room["fname"] == f"a{LONE}b"
    status, _, again = api.call({"token": "odd-name", "rid": room["_id"]}, *agent)
    assert (status, again) == (200, body.replace('"newRoom":true', '"newRoom":false'))


# --- voip-admin: bad input is one line on stderr and exit 2; no traceback ever -------------------


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exited:
            code = int(exited.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def refused(self, *argv: str) -> str:
        code, out, err = self.run(*argv)
        assert (code, out) == (2, ""), err
        assert err.endswith("\n") and err.count("\n") == 1, err
        return err.rstrip("\n")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], dynamodb: Any, service_logs: io.StringIO) -> Cli:
    return Cli(capsys)


@pytest.mark.parametrize("endpoint", ["not-a-url", "ftp//nowhere", " "])
def test_malformed_endpoint_url_is_bad_input(cli: Cli, dynamodb: Any, endpoint: str) -> None:
    before = scan_tables(dynamodb)
    message = cli.refused("--endpoint-url", endpoint, "create-visitor", "--token", "t1")
    assert message.startswith("voip-admin create-visitor: ")
    assert scan_tables(dynamodb) == before


def test_malformed_endpoint_from_the_environment_is_bad_input(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "not-a-url")
    assert cli.refused("create-visitor", "--token", "t1").startswith("voip-admin create-visitor: ")


def test_malformed_region_is_bad_input(cli: Cli, dynamodb: Any) -> None:
    before = scan_tables(dynamodb)
    cli.refused("--region", "no region!", "create-visitor", "--token", "t1")
    assert scan_tables(dynamodb) == before


@pytest.mark.parametrize(
    "content",
    [
        "",
        "just text",
        "- a\n- list\n",
        "Resources: []\n",
        "Resources:\n  T: text\n",
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: {}\n",
        "key: [unclosed\n",
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
        "\udcff",
    ],
)
def test_create_tables_refuses_a_file_that_is_no_template(
    cli: Cli, dynamodb: Any, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    for table in dynamodb.list_tables()["TableNames"]:
        dynamodb.delete_table(TableName=table)
    message = cli.refused("create-tables", "--template", str(path))
    assert message.startswith("voip-admin create-tables: ")
    assert dynamodb.list_tables()["TableNames"] == []


def test_close_room_prints_a_lone_surrogate_as_json_escapes_it(
    cli: Cli, api: Api, actors: Actors, agent: tuple[str, str]
) -> None:
    actors.visitor("odd-name", name=f"a{LONE}b")
    _, _, body = api.call({"token": "odd-name", "agentId": agent[0]}, *agent)
    rid = json.loads(body)["room"]["_id"]
    code, out, err = cli.run("close-room", "--rid", rid)
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert "a\\ud800b" in out
    assert json.loads(out)["fname"] == f"a{LONE}b"


# --- voip-admin --stack-name (docs/architecture.md, "Interfaces that stay stable")
# ---------------------------------------------

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
