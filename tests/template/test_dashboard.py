"""The dashboard and the saved Logs Insights queries: every widget shows a metric, log group or
resource template.yaml really defines, and together they show what docs/operations.md points at."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from voip_admin.template import load_template

from tests.template.intrinsics import render_sub, sub_variables
from tests.template.restorable import table_name

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
NAMESPACE = "VoipRoom/\u27e8AWS::StackName\u27e9"
REGION = "\u27e8AWS::Region\u27e9"
# The AWS metrics the dashboard may name, by namespace (each exists for the dimension used).
AWS_METRICS = {
    "AWS/ApiGateway": {"Count", "4xx", "5xx", "Latency", "IntegrationLatency"},
    "AWS/Lambda": {"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"},
    "AWS/DynamoDB": {
        "ConsumedReadCapacityUnits",
        "ConsumedWriteCapacityUnits",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
    },
}
# The resource each dimension names must be (its logical id, after the Sub's variables).
DIMENSION_TYPES = {
    "ApiId": "AWS::Serverless::HttpApi",
    "FunctionName": "AWS::Serverless::Function",
    "TableName": "AWS::DynamoDB::Table",
}
_MARKED = re.compile("\u27e8([^\u27e9]+)\u27e9")
_SEARCH = re.compile(r"SEARCH\('\{\"?([^\",}]+)\"?((?:,[A-Za-z]+)*)\}([^']*)'")


@dataclass(frozen=True)
class Shown:
    """One metric a widget shows: namespace, name (None: every metric of a SEARCH), dimensions
    (name -> marked value; a SEARCH's unfiltered dimensions map to None), statistic."""

    namespace: str
    name: str | None
    dimensions: dict[str, str | None]
    stat: str | None


def dashboard() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    body = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]
    widgets: list[dict[str, Any]] = json.loads(render_sub(body))["widgets"]
    return widgets, sub_variables(body)


WIDGETS, VARIABLES = dashboard()


def custom_metrics() -> dict[str, set[str]]:
    """Each metric the template's metric filters publish -> its dimension names."""
    found: dict[str, set[str]] = {}
    for resource in RESOURCES.values():
        if resource["Type"] == "AWS::Logs::MetricFilter":
            (transformation,) = resource["Properties"]["MetricTransformations"]
            keys = {d["Key"] for d in transformation.get("Dimensions", [])}
            found[transformation["MetricName"]] = keys
    return found


def searched(expression: str) -> list[Shown]:
    found = []
    for namespace, dimension_list, rest in _SEARCH.findall(expression):
        names = [name for name in dimension_list.split(",") if name]
        filters = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        metric = filters.pop("MetricName", None)
        dimensions: dict[str, str | None] = {name: filters.pop(name, None) for name in names}
        assert not filters, f"a SEARCH filters on something that is not a dimension: {filters}"
        found.append(Shown(namespace, metric, dimensions, None))
    assert found, f"not a SEARCH this test can read: {expression}"
    return found


def shown(widget: dict[str, Any]) -> list[Shown]:
    properties = widget["properties"]
    found = []
    for row in properties["metrics"]:
        options = row[-1] if isinstance(row[-1], dict) else {}
        if "expression" in options:
            found += searched(options["expression"])
            continue
        plain = row[:-1] if options else row
        namespace, name, *pairs = plain
        dimensions = dict(zip(pairs[::2], pairs[1::2], strict=True))
        found.append(Shown(namespace, name, dimensions, options.get("stat", properties["stat"])))
    return found


def every_shown() -> list[Shown]:
    return [metric for widget in WIDGETS if widget["type"] == "metric" for metric in shown(widget)]


def resolve(marked: str) -> Any:
    """A marked value (⟨Name⟩) as the template defines it: a resource's Ref, or a variable's
    value from the Sub's map."""
    match = _MARKED.fullmatch(marked)
    assert match, f"a literal where the template's name belongs: {marked!r}"
    name = match[1]
    return VARIABLES.get(name, {"Ref": name})


def test_every_metric_is_one_the_template_publishes_or_aws_emits_for_its_resources() -> None:
    customs = custom_metrics()
    for metric in every_shown():
        if metric.namespace == NAMESPACE:
            assert metric.name is None or metric.name in customs, metric
            wanted = customs[metric.name] if metric.name else {"Route"}
            assert set(metric.dimensions) == wanted, metric
            assert all(value is None for value in metric.dimensions.values()), metric
            continue
        assert metric.name in AWS_METRICS[metric.namespace], metric
        for dimension, value in metric.dimensions.items():
            if dimension in ("Resource", "ExecutedVersion"):  # an alias's versions: searched
                assert value is None, metric
                continue
            assert value is not None, metric
            reference = resolve(value)
            logical_id = reference["Ref"] if "Ref" in reference else _table_of(reference)
            assert RESOURCES[logical_id]["Type"] == DIMENSION_TYPES[dimension], metric
            if dimension == "TableName":
                assert reference == table_name(logical_id), "the table the function uses"


def _table_of(reference: Any) -> str:
    """The table behind table_name(...)."""
    condition, _, own = reference["Fn::If"]
    logical_id: str = own["Ref"]
    assert condition == f"{logical_id}Restored"
    return logical_id


def test_every_widget_is_in_the_stacks_region_and_every_log_widget_reads_its_log_group() -> None:
    for widget in WIDGETS:
        properties = widget["properties"]
        if widget["type"] == "text":
            continue
        assert properties["region"] == REGION
        if widget["type"] == "log":
            source = re.match(r"SOURCE '([^']+)'", properties["query"])
            assert source, properties["query"]
            group = resolve(source[1])["Ref"]
            assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
        else:
            assert widget["type"] == "metric"


def test_the_dashboard_shows_what_the_runbook_points_at() -> None:
    metrics = every_shown()
    names = {(m.namespace, m.name) for m in metrics}
    stats = {(m.namespace, m.name, m.stat) for m in metrics}
    customs = set(custom_metrics())
    outcomes = {m.name for m in metrics if m.namespace == NAMESPACE and not m.dimensions}
    refusals = {m.name for m in metrics if m.namespace == NAMESPACE and m.dimensions and m.name}
    assert outcomes | refusals == customs
    for metric in ("Count", "4xx", "5xx"):
        assert ("AWS/ApiGateway", metric) in names
    assert {("AWS/ApiGateway", "Latency", "p50"), ("AWS/ApiGateway", "Latency", "p99")} <= stats
    assert {("AWS/Lambda", "Duration", "p50"), ("AWS/Lambda", "Duration", "p99")} <= stats
    assert ("AWS/Lambda", "ConcurrentExecutions", "Maximum") in stats
    for metric in ("Errors", "Throttles"):
        assert ("AWS/Lambda", metric, "Sum") in stats
    tables = sorted(
        logical_id
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    )
    for metric in AWS_METRICS["AWS/DynamoDB"]:
        per_table = [
            m.dimensions["TableName"]
            for m in metrics
            if (m.namespace, m.name) == ("AWS/DynamoDB", metric)
        ]
        shown_tables = sorted(
            _table_of(resolve(value)) if "Fn::If" in resolve(value) else resolve(value)["Ref"]
            for value in per_table
            if value is not None
        )
        assert shown_tables == tables, metric
    # Init duration: no AWS/Lambda metric; Lambda's JSON report lines, through Logs Insights.
    queries = [w["properties"]["query"] for w in WIDGETS if w["type"] == "log"]
    assert any("record.metrics.initDurationMs" in query for query in queries)


def query_definitions() -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Logs::QueryDefinition"
    }


def test_saved_queries_read_the_stacks_log_groups_and_name_real_log_lines() -> None:
    # The report lines the queries and the init-duration widget read are Lambda's JSON system
    # lines, written at INFO.
    logging = RESOURCES["VoipRoomFunction"]["Properties"]["LoggingConfig"]
    assert (logging["LogFormat"], logging["SystemLogLevel"]) == ("JSON", "INFO")
    definitions = query_definitions()
    names = {render_sub(d["Name"]) for d in definitions.values()}
    assert names == {
        f"\u27e8AWS::StackName\u27e9/{name}"
        for name in (
            "slowest-requests",
            "refusals-by-error-code",
            "one-request",
            "cold-starts",
            "failed-invocations",
        )
    }
    for definition in definitions.values():
        for group in definition["LogGroupNames"]:
            assert RESOURCES[group["Ref"]]["Type"] == "AWS::Logs::LogGroup"
        query = definition["QueryString"]
        for message in re.findall(r'message = "([^"]+)"', query):
            assert message in {"request refused", "unexpected failure", "request handled"}
        for kind in re.findall(r'type = "([^"]+)"', query):
            # Lambda's JSON report lines (LogFormat: JSON; at SystemLogLevel INFO)
            assert kind in ("platform.report", "platform.initReport")
