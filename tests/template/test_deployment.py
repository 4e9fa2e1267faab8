"""Deploying and recovering: the gradual deployment of the `live` alias, cost allocation tags,
the restored-table parameters docs/operations.md relies on, and samconfig.toml's environments."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from importlib import resources
from typing import Any

import pytest
from voip_admin.template import TEMPLATE_PATH, load_template
from voip_local.functions import template_environment

from tests.template.restorable import RESTORABLE, table_arn, table_name

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]
FUNCTION: dict[str, Any] = RESOURCES["VoipRoomFunction"]["Properties"]
SAMCONFIG = tomllib.loads((TEMPLATE_PATH.parent / "samconfig.toml").read_text(encoding="utf-8"))
ENVIRONMENTS = ("default", "staging", "prod")
# CodeDeploy's predefined Lambda configurations (CodeDeployDefault.Lambda<name>), all SAM accepts.
CODEDEPLOY_TYPES = {
    "AllAtOnce",
    *(f"Canary10Percent{m}Minutes" for m in (5, 10, 15, 30)),
    "Linear10PercentEvery1Minute",
    *(f"Linear10PercentEvery{m}Minutes" for m in (2, 3, 10)),
}
TAGS = {"service": "voip-room", "environment": {"Ref": "EnvironmentName"}}
TAGS["stack"] = {"Ref": "AWS::StackName"}


def overrides(environment: str) -> dict[str, str]:
    text = SAMCONFIG[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in text.split())


# ---- gradual deployment --------------------------------------------------------------------


def test_the_live_alias_moves_through_codedeploy_with_the_rollback_alarms() -> None:
    assert FUNCTION["AutoPublishAlias"] == "live"
    preference = FUNCTION["DeploymentPreference"]
    assert preference["Type"] == {"Ref": "DeploymentType"}
    rollback = [{"Ref": "Api5xxAlarm"}, {"Ref": "FunctionErrorsAlarm"}]
    no_alarms = [{"Ref": "AWS::NoValue"}]
    assert preference["Alarms"] == {"Fn::If": ["RollbackOnAlarms", rollback, no_alarms]}
    assert set(preference) == {"Type", "Alarms"}, "no hooks: nothing else runs during a deploy"
    assert TEMPLATE["Conditions"]["RollbackOnAlarms"] == {
        "Fn::Equals": [{"Ref": "DeploymentRollbackAlarms"}, "true"]
    }
    assert PARAMETERS["DeploymentRollbackAlarms"]["Default"] == "true"
    # The two alarms that mean "callers are failing".
    api = RESOURCES["Api5xxAlarm"]["Properties"]
    errors = RESOURCES["FunctionErrorsAlarm"]["Properties"]
    assert (api["Namespace"], api["MetricName"]) == ("AWS/ApiGateway", "5xx")
    assert (errors["Namespace"], errors["MetricName"]) == ("AWS/Lambda", "Errors")


def test_deployment_type_is_a_codedeploy_configuration_and_defaults_to_a_canary() -> None:
    parameter = PARAMETERS["DeploymentType"]
    assert set(parameter["AllowedValues"]) == CODEDEPLOY_TYPES
    assert parameter["Default"] == "Canary10Percent10Minutes"
    for environment in ENVIRONMENTS:
        chosen = overrides(environment).get("DeploymentType", parameter["Default"])
        assert chosen in CODEDEPLOY_TYPES


# ---- cost allocation tags ------------------------------------------------------------------


def taggable(resource_type: str) -> bool:
    """Whether CloudFormation can tag this type, from the resource schemas cfn-lint ships."""
    schemas = resources.files("cfnlint.data.schemas")
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text(encoding="utf-8"))
    schema = json.loads((schemas / "resources" / f"{index[resource_type]}.json").read_text())
    tagging: dict[str, Any] = schema.get("tagging", {})
    return bool(tagging.get("taggable")) and "Tags" in schema.get("properties", {})


@pytest.mark.parametrize(
    "logical_id", [k for k, r in RESOURCES.items() if not r["Type"].startswith("AWS::Serverless::")]
)
def test_every_taggable_resource_carries_the_cost_allocation_tags(logical_id: str) -> None:
    resource = RESOURCES[logical_id]
    if not taggable(resource["Type"]):
        assert "Tags" not in resource.get("Properties", {})
        return
    tags = resource["Properties"]["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == TAGS
    assert len(tags) == len(TAGS)


@pytest.mark.parametrize("logical_id", ["VoipRoomFunction", "HttpApi"])
def test_sam_resources_tag_what_they_generate_too(logical_id: str) -> None:
    """The function's role and CodeDeploy's application, group and role; the API's stage."""
    properties = RESOURCES[logical_id]["Properties"]
    assert properties["Tags"] == TAGS
    assert properties["PropagateTags"] is True


def test_no_serverless_resource_is_left_untagged() -> None:
    serverless = {k for k, r in RESOURCES.items() if r["Type"].startswith("AWS::Serverless::")}
    # A layer version cannot be tagged (AWS::Lambda::LayerVersion has no Tags).
    assert serverless == {"VoipRoomFunction", "HttpApi", "VoipCoreLayer"}
    assert not taggable("AWS::Lambda::LayerVersion")


def test_every_environment_names_itself_for_the_tags() -> None:
    pattern = re.compile(PARAMETERS["EnvironmentName"]["AllowedPattern"])
    names = {environment: overrides(environment)["EnvironmentName"] for environment in ENVIRONMENTS}
    assert names == {"default": "dev", "staging": "staging", "prod": "prod"}
    assert all(pattern.fullmatch(name) for name in names.values())


# ---- restoring a table (docs/operations.md) -----------------------------------------------


@pytest.mark.parametrize("table", RESTORABLE)
def test_a_restore_suffix_points_the_function_at_the_restored_table(table: str) -> None:
    parameter = PARAMETERS[f"{table}RestoreSuffix"]
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    for good in ("", "r20250301", "pitr1"):
        assert pattern.fullmatch(good)
    for bad in ("-x", "Upper", "a" * 11, "a.b"):
        assert not pattern.fullmatch(bad)
    assert TEMPLATE["Conditions"][f"{table}Restored"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": f"{table}RestoreSuffix"}, ""]}]
    }
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert table_name(table) in variables.values()
    # Resolved as the local stack resolves the template: the suffix names the restored table.
    variable = next(name for name, value in variables.items() if value == table_name(table))
    assert template_environment(TEMPLATE)[variable] == table
    restored = copy.deepcopy(TEMPLATE)
    restored["Parameters"][f"{table}RestoreSuffix"]["Default"] = "r20250301"
    assert template_environment(restored)[variable] == f"{table}-r20250301"


@pytest.mark.parametrize("table", RESTORABLE)
def test_nothing_uses_a_restorable_table_but_through_its_restore_condition(table: str) -> None:
    """The function, its policy, the alarms, the dashboard and the outputs all switch together."""
    allowed = [json.dumps(table_name(table))] + [
        json.dumps(table_arn(table, index))
        for index in (
            "",
            "phone-index",
            "email-index",
            "visitorId-index",
            "rooms-by-state-ts",
            "rooms-by-state-closed",
            "rooms-by-agent-ts",
            "rooms-by-agent-closed",
        )
    ]
    text = json.dumps({k: v for k, v in TEMPLATE.items() if k != "Conditions"})
    text = text.replace(json.dumps(RESOURCES[table]), "")
    for form in allowed:
        text = text.replace(form, "")
    for mention in (f'"Ref": "{table}"', f'"{table}.Arn"', f"${{{table}}}", f"${{{table}.Arn}}"):
        assert mention not in text
