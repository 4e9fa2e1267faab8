"""docs/operations.md (and docs/deployment.md) name only what exists: every alarm has its entry,
every widget and saved query cited is on the dashboard, every parameter, resource and metric named
is the template's, and every command is the project's own or a real AWS CLI command with real
options (checked against botocore's service models, offline)."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from typing import Any

import botocore.session
import pytest
from voip_admin.cli import _build_parser
from voip_admin.template import TEMPLATE_PATH, load_template

from tests.template.intrinsics import render_sub

ROOT = TEMPLATE_PATH.parent
RUNBOOK = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
DOCS = {
    name: (ROOT / "docs" / name).read_text(encoding="utf-8")
    for name in ("operations.md", "deployment.md")
}
TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
# What SAM generates from the template, under these logical ids.
GENERATED = {"ServerlessDeploymentApplication", "VoipRoomFunctionDeploymentGroup"}
# Fields of AWS answers the runbook tells the reader to take a value from.
AWS_FIELDS = {"TableArn", "PhysicalResourceId"}
# The AWS CLI's names for services botocore names otherwise, and options of every command.
CLI_SERVICES = {"deploy": "codedeploy"}
GLOBAL_OPTIONS = {"--region", "--output", "--query", "--profile", "--no-cli-pager"}
SAM_COMMANDS = {"build", "deploy", "logs", "validate", "sync", "delete"}
CAMEL = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+")


def flat(text: str) -> str:
    """The prose: code blocks removed, lines joined (inline code may wrap)."""
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return re.sub(r"\s*\n\s*", " ", prose)


def widget_titles() -> list[str]:
    body = json.loads(render_sub(RESOURCES["Dashboard"]["Properties"]["DashboardBody"]))
    return [w["properties"]["title"] for w in body["widgets"] if "title" in w["properties"]]


def query_names() -> set[str]:
    return {
        render_sub(r["Properties"]["Name"]).split("/", 1)[1]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::Logs::QueryDefinition"
    }


def metric_names() -> set[str]:
    return {
        r["Properties"]["MetricTransformations"][0]["MetricName"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::Logs::MetricFilter"
    }


def keys(node: Any) -> set[str]:
    """Every property name the template writes (DeletionPolicy, VersionDescription...)."""
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in keys(value)}
    if isinstance(node, list):
        return {k for item in node for k in keys(item)}
    return set()


def commands(text: str) -> list[str]:
    """Each command line of the ```sh blocks (continuations joined) and each inline command."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for raw in block.replace("\\\n", " ").splitlines():
            line = raw.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                found.append(line)
    for inline in re.findall(r"`([^`]+)`", flat(text)):
        if re.match(r"(\.venv/bin/)?voip-admin |aws |sam ", inline):
            found.append(inline)
    return found


def words(line: str) -> list[str]:
    return shlex.split(re.sub(r"<[^>]*>", "x", line))


def test_every_alarm_has_its_entry_and_every_entry_is_an_alarm() -> None:
    alarms = {k for k, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    section = RUNBOOK.split("## Alarms", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^### (\w+)$", section, flags=re.MULTILINE)) == alarms


def test_every_widget_and_saved_query_cited_exists() -> None:
    titles = widget_titles()
    cited = re.findall(r"`Dashboard › ([^`]+)`", flat(RUNBOOK))
    assert cited
    for title in cited:
        assert any(t.startswith(title) for t in titles), title
    queries = set(re.findall(r"`STACK/([a-z-]+)`", RUNBOOK))
    assert queries == query_names()


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_name_in_code_is_the_templates(doc: str) -> None:
    known = set(PARAMETERS) | set(RESOURCES) | set(TEMPLATE["Outputs"]) | GENERATED
    known |= metric_names() | AWS_FIELDS | keys(TEMPLATE)
    known |= {str(v) for p in PARAMETERS.values() for v in p.get("AllowedValues", [])}
    text = DOCS[doc]
    names = set()
    for inline in re.findall(r"`([^`]+)`", flat(text)):
        name = re.fullmatch(r"([A-Z][A-Za-z0-9*]+)(=\S*)?", inline)
        if name and CAMEL.fullmatch(name[1].replace("*", "X")):
            names.add(name[1])
    for line in commands(text):
        if not line.startswith("aws "):
            names |= set(re.findall(r"\b([A-Z][A-Za-z0-9]+)=", line))
    for name in names:
        if "*" in name:
            assert fnmatch.filter(PARAMETERS, name), name
        else:
            assert name in known, f"{doc}: {name} is not the template's"


def check_voip_admin(argv: list[str]) -> None:
    try:
        args = _build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"voip-admin {' '.join(argv)}: not a valid command line")
    assert args.command


def check_aws(argv: list[str]) -> None:
    session = botocore.session.get_session()
    service = CLI_SERVICES.get(argv[0], argv[0])
    model = session.get_service_model(service)
    kebab = argv[2] if argv[1] == "wait" else argv[1]
    pascal = "".join(part.capitalize() for part in kebab.split("-"))
    if argv[1] == "wait":
        waiter = session.get_waiter_model(service).get_waiter(pascal)
        operation = model.operation_model(waiter.operation)
    else:
        assert pascal in model.operation_names, f"aws {argv[0]} {argv[1]}"
        operation = model.operation_model(pascal)
    members = {name.lower() for name in operation.input_shape.members}
    for option in (word for word in argv if word.startswith("--")):
        name = option[2:].replace("-", "").lower()
        assert option in GLOBAL_OPTIONS or name in members, f"aws {argv[0]} {argv[1]} {option}"


def check_sam(argv: list[str]) -> None:
    assert argv[0] in SAM_COMMANDS, argv
    if "--config-env" in argv:
        assert argv[argv.index("--config-env") + 1] in SAMCONFIG
    if "--parameter-overrides" in argv:
        for pair in argv[argv.index("--parameter-overrides") + 1].split():
            name, value = pair.split("=", 1)
            parameter = PARAMETERS[name]
            if "AllowedValues" in parameter:
                assert value in [str(v) for v in parameter["AllowedValues"]], pair
            if "AllowedPattern" in parameter:
                assert re.fullmatch(parameter["AllowedPattern"], value), pair


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_command_is_the_projects_or_a_real_aws_cli_command(doc: str) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    checked = 0
    for line in commands(DOCS[doc]):
        for part in (p.strip() for p in line.split("&&")):
            argv = words(part)
            program, rest = argv[0].removeprefix(".venv/bin/"), argv[1:]
            if program == "voip-admin":
                check_voip_admin(rest)
            elif program == "aws":
                check_aws(rest)
            elif program == "sam":
                check_sam(rest)
            elif program == "make":
                assert re.search(rf"^{rest[0]}:", makefile, flags=re.MULTILINE), part
            else:
                continue
            checked += 1
    assert checked >= 5
