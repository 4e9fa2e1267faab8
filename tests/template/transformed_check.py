"""What SAM generates from template.yaml, checked where the source template cannot show it: the
`live` alias updated through CodeDeploy with the rollback alarms, and the cost allocation tags on
every generated resource CloudFormation can tag.

Runs in the SAM CLI's own venv (.tools: aws-sam-translator and cfn-lint), offline:
`make validate` runs it; tests/template/test_transformed.py too when .tools exists.
Usage: .tools/bin/python tests/template/transformed_check.py  (exit 0, or 1 with the reasons)
"""

from __future__ import annotations

import json
import logging
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
TAGS = {"service": "voip-room", "environment": {"Ref": "EnvironmentName"}}
TAGS["stack"] = {"Ref": "AWS::StackName"}
ROLLBACK_ALARMS = {"Enabled": True, "Alarms": [{"Name": {"Ref": "Api5xxAlarm"}}]}
ROLLBACK_ALARMS["Alarms"].append({"Name": {"Ref": "FunctionErrorsAlarm"}})


class _NoManagedPolicies:
    """The translator's lookup of AWS managed policy names (the template uses none by name)."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(parameters: dict[str, str]) -> dict[str, Any]:
    template = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    # Code locations as `sam deploy` uploads them (the translator wants S3 URIs).
    template["Resources"]["VoipRoomFunction"]["Properties"]["CodeUri"] = "s3://bucket/function.zip"
    template["Resources"]["VoipCoreLayer"]["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    result: dict[str, Any] = transform(template, parameters, _NoManagedPolicies())
    return result


def taggable(resource_type: str) -> bool:
    schemas = resources.files("cfnlint.data.schemas")
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text(encoding="utf-8"))
    schema = json.loads((schemas / "resources" / f"{index[resource_type]}.json").read_text())
    return bool(schema.get("tagging", {}).get("taggable")) and "Tags" in schema["properties"]


def tags_of(resource: dict[str, Any]) -> dict[str, Any]:
    properties = resource.get("Properties", {})
    if resource["Type"] == "AWS::ApiGatewayV2::Api":  # SAM writes them into the OpenAPI body
        body_tags = properties["Body"].get("tags", [])
        return {tag["name"]: tag["x-amazon-apigateway-tag-value"] for tag in body_tags}
    tags = properties.get("Tags", {})
    return tags if isinstance(tags, dict) else {tag["Key"]: tag["Value"] for tag in tags}


def problems(parameters: dict[str, str]) -> list[str]:
    found: list[str] = []
    generated = transformed(parameters)["Resources"]
    alias = generated["VoipRoomFunctionAliaslive"]
    update = alias.get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate", {})
    if update.get("DeploymentGroupName") != {"Ref": "VoipRoomFunctionDeploymentGroup"}:
        found.append("the live alias is not updated through CodeDeploy")
    group = generated["VoipRoomFunctionDeploymentGroup"]["Properties"]
    if group["AlarmConfiguration"] != {"Fn::If": ["RollbackOnAlarms", ROLLBACK_ALARMS, {}]}:
        found.append(f"rollback alarms: {group['AlarmConfiguration']}")
    if "DEPLOYMENT_STOP_ON_ALARM" not in group["AutoRollbackConfiguration"]["Events"]:
        found.append("an alarm does not roll the deployment back")
    config = group["DeploymentConfigName"]["Fn::Sub"][1]["ConfigName"]
    if config != parameters.get("DeploymentType", "Canary10Percent10Minutes"):
        found.append(f"deployment configuration {config}")
    for logical_id, resource in generated.items():
        if taggable(resource["Type"]):
            tags = {k: v for k, v in tags_of(resource).items() if ":" not in k}  # SAM's own
            if tags != TAGS:
                found.append(f"{logical_id} ({resource['Type']}) is tagged {tags}")
    return found


def main() -> int:
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its feature-toggle chatter
    runs = [{}, {"DeploymentType": "AllAtOnce", "DeploymentRollbackAlarms": "false"}]
    found = [f"{run or 'defaults'}: {problem}" for run in runs for problem in problems(run)]
    for problem in found:
        sys.stderr.write(problem + "\n")
    print("transformed template: " + ("FAILED" if found else "ok"))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
