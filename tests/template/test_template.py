"""template.yaml's production guard rails, so that a later edit cannot drop one silently.

Reads the template as written (SAM source, intrinsics as {"Ref": ...} / {"Fn::...": ...}); what
`sam validate --lint` and cfn-lint check (`make validate`) is not repeated here.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from voip_admin.template import TEMPLATE_PATH, load_template, table_definitions
from voip_core.settings import (
    DEFAULT_MAX_REQUEST_BODY_BYTES,
    MOST_REQUEST_BODY_BYTES,
    Settings,
    SettingsError,
)
from voip_core.settings import TABLES as TABLE_REGISTRY
from voip_core.store.dynamo import make_client
from voip_core.store.visitor_erasure import ERASE_CALLS_WITHIN_SECONDS

from tests.template.intrinsics import parameter_refs, sub_text
from tests.template.restorable import table_arn, table_name

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]
FUNCTION: dict[str, Any] = RESOURCES["VoipRoomFunction"]["Properties"]
GLOBAL_FUNCTION: dict[str, Any] = TEMPLATE["Globals"]["Function"]
TABLES = sorted(table_definitions(TEMPLATE))
# The stack outputs `voip-admin --stack-name` reads.
ADMIN_OUTPUTS = [table.output for table in TABLE_REGISTRY]
NO_VALUE = {"Ref": "AWS::NoValue"}
ALARM_TOPIC = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], NO_VALUE]}
# The function's IAM policy, statement by statement: (actions, resources) by Sid. A new DynamoDB
# call needs its statement added here too; nothing else (no wildcard, no Scan) may appear.
EXPECTED_STATEMENTS: dict[str, tuple[list[str], list[Any]]] = {
    "ReadRequestItems": (
        ["dynamodb:BatchGetItem"],
        [
            table_arn(table)
            for table in ("TokensTable", "UsersTable", "VisitorsTable", "RoomsTable")
        ],
    ),
    "ReReadVisitorAfterLostRace": (["dynamodb:GetItem"], [table_arn("VisitorsTable")]),
    "CreateRoom": (
        ["dynamodb:PutItem"],
        [table_arn("RoomsTable"), table_arn("VisitorRoomsTable")],
    ),
    "LinkOpenRoomToVisitor": (["dynamodb:UpdateItem"], [table_arn("VisitorsTable")]),
    "CountRequests": (["dynamodb:UpdateItem"], [table_arn("RateLimitsTable")]),
    "ReReadRoomAfterLostClose": (["dynamodb:GetItem"], [table_arn("RoomsTable")]),
    "MatchVisitorByPhoneOrEmail": (
        ["dynamodb:Query"],
        [
            table_arn("VisitorsTable", "phone-index"),
            table_arn("VisitorsTable", "email-index"),
        ],
    ),
    "NumberGuests": (["dynamodb:UpdateItem"], [table_arn("CountersTable")]),
    "CreateMoveEraseVisitor": (
        ["dynamodb:PutItem", "dynamodb:DeleteItem"],
        [table_arn("VisitorsTable")],
    ),
    "ReadVisitorGuards": (["dynamodb:BatchGetItem"], [table_arn("VisitorGuardsTable")]),
    "WriteVisitorGuards": (
        ["dynamodb:PutItem", "dynamodb:DeleteItem"],
        [table_arn("VisitorGuardsTable")],
    ),
    # The whole item, built by RoomStore.item, so the listing indexes follow the moved room.
    "MoveOpenRoomWithVisitor": (["dynamodb:PutItem"], [table_arn("RoomsTable")]),
    "FindVisitorRooms": (
        ["dynamodb:Query"],
        [table_arn("VisitorRoomsTable"), table_arn("RoomsTable", "visitorId-index")],
    ),
    "EraseVisitorRooms": (
        ["dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
        [table_arn("RoomsTable"), table_arn("VisitorRoomsTable")],
    ),
    "ListCallHistory": (
        ["dynamodb:Query"],
        [
            table_arn("RoomsTable", index)
            for index in (
                "rooms-by-state-ts",
                "rooms-by-state-closed",
                "rooms-by-agent-ts",
                "rooms-by-agent-closed",
                "visitorId-index",
            )
        ],
    ),
}


def function_setting(name: str) -> Any:
    return FUNCTION.get(name, GLOBAL_FUNCTION.get(name))


def statements() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in FUNCTION["Policies"]:
        assert set(policy) == {"Statement"}, "only inline statements: no managed or SAM policies"
        found.extend(policy["Statement"])
    return found


def alarms() -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm watches (one, or those of its metric math): Namespace, MetricName..."""
    if "MetricName" in alarm:
        return [alarm]
    return [query["MetricStat"]["Metric"] for query in alarm["Metrics"] if "MetricStat" in query]


def test_runtime_architecture_and_memory() -> None:
    assert function_setting("Runtime") == "python3.13"
    assert function_setting("Architectures") == ["arm64"]
    assert function_setting("MemorySize") == 512


def worst_dynamodb_call_seconds() -> float:
    """The longest one DynamoDB call can take with the client's settings: every attempt waits the
    full connect and read timeouts, and each retry first backs off the most standard mode allows
    (1 s x 2^i: the runtime's botocore may predate the shorter non-throttling scale)."""
    config = make_client().meta.config
    attempts = config.retries["total_max_attempts"]
    backoff = sum(min(2**retry, 20) for retry in range(attempts - 1))
    return float(attempts * (config.connect_timeout + config.read_timeout) + backoff)


def test_timeout_fits_three_dynamodb_calls_under_api_gateway_limit() -> None:
    timeout = function_setting("Timeout")
    assert timeout < 30, "API Gateway gives up at 30 s: the function must answer before"
    # The longest paths (a registration matched by phone or email, an erasure, a lost race's
    # re-read) make three calls in series, each of which may exhaust its attempts; 1 s is left for
    # the handler itself.
    assert 3 * worst_dynamodb_call_seconds() + 1 <= timeout


def test_an_erasure_answers_inside_the_timeout() -> None:
    """An erasure starts its last DynamoDB call within ERASE_CALLS_WITHIN_SECONDS; that call at its
    worst, the read before the erasure at its worst, and 1 s for the handler fit the timeout (a
    longer history is left for the next DELETE, store/visitor_erasure.py)."""
    worst = worst_dynamodb_call_seconds()
    assert worst + ERASE_CALLS_WITHIN_SECONDS + worst + 1 <= function_setting("Timeout")


@pytest.mark.parametrize(
    "name",
    [
        "RateLimitRequests",
        "RateLimitRoomCloseRequests",
        "RateLimitVisitorRegisterRequests",
        "RateLimitVisitorGetRequests",
        "RateLimitVisitorDeleteRequests",
        "RateLimitRoomsListRequests",
        "RateLimitWindowSeconds",
    ],
)
def test_rate_limit_parameters_accept_only_whole_numbers(name: str) -> None:
    """A Number parameter would accept 5.5, which Settings refuses at init: every request would
    then get API Gateway's bare error instead of an answer."""
    parameter = PARAMETERS[name]
    assert parameter["Type"] == "String"
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch(str(parameter["Default"]))
    for bad in ("5.5", "-1", "", "1e3", " 5"):
        assert not pattern.fullmatch(bad)
    environment = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert {"Ref": name} in environment.values()


def test_body_limit_parameter_accepts_exactly_what_the_function_accepts() -> None:
    """1 to 524288 bytes, the range Settings takes, and the code's default; every other value is
    refused by CloudFormation rather than by the function's init."""
    parameter = PARAMETERS["MaxRequestBodyBytes"]
    assert parameter["Type"] == "String"
    assert parameter["Default"] == str(DEFAULT_MAX_REQUEST_BODY_BYTES)
    pattern = re.compile(parameter["AllowedPattern"])
    samples = [
        *range(0, 1200),
        *range(9_000, 110_000, 7),
        *range(MOST_REQUEST_BODY_BYTES - 1500, MOST_REQUEST_BODY_BYTES + 1500),
    ]
    for number in samples:
        assert bool(pattern.fullmatch(str(number))) == (1 <= number <= MOST_REQUEST_BODY_BYTES)
    for bad in ("065536", "5.5", "-1", "", "1e3", " 5", "1000000"):
        assert not pattern.fullmatch(bad)
    for number in (1, 65_536, MOST_REQUEST_BODY_BYTES):
        env = {"MAX_REQUEST_BODY_BYTES": str(number)}
        assert Settings.from_env(env).max_request_body_bytes == number
    for bad in ("0", str(MOST_REQUEST_BODY_BYTES + 1)):
        with pytest.raises(SettingsError):
            Settings.from_env({"MAX_REQUEST_BODY_BYTES": bad})
    environment = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert environment["MAX_REQUEST_BODY_BYTES"] == {"Ref": "MaxRequestBodyBytes"}


def test_the_visitor_routes_require_authentication_by_default() -> None:
    """Secure by default (docs/compatibility.md): the template's default is the code's."""
    parameter = PARAMETERS["VisitorApiRequiresAuth"]
    assert parameter["Default"] == "true"
    assert set(parameter["AllowedValues"]) == {"true", "false"}
    assert Settings.from_env({"VISITOR_API_REQUIRES_AUTH": parameter["Default"]}) == Settings()
    environment = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert environment["VISITOR_API_REQUIRES_AUTH"] == {"Ref": "VisitorApiRequiresAuth"}


# The call-history listing's settings (docs/configuration.md): variable → template parameter.
LISTING_SETTINGS = {
    "RATE_LIMIT_ROOMS_LIST_REQUESTS": "RateLimitRoomsListRequests",
    "ROOMS_LIST_ADMIN_ROLES": "RoomsListAdminRoles",
    "ROOMS_LIST_AGENT_ROLES": "RoomsListAgentRoles",
    "API_DEFAULT_COUNT": "ApiDefaultCount",
    "API_UPPER_COUNT_LIMIT": "ApiUpperCountLimit",
    "API_ALLOW_INFINITE_COUNT": "ApiAllowInfiniteCount",
}


def test_the_listing_settings_defaults_are_the_codes() -> None:
    """Each listing setting reaches the function from its parameter, whose default is the code's:
    a stack deployed with the defaults runs as Settings() does."""
    environment = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    for variable, parameter in LISTING_SETTINGS.items():
        assert environment[variable] == {"Ref": parameter}
    defaults = {variable: str(PARAMETERS[p]["Default"]) for variable, p in LISTING_SETTINGS.items()}
    assert Settings.from_env(defaults) == Settings()
    assert set(PARAMETERS["ApiAllowInfiniteCount"]["AllowedValues"]) == {"true", "false"}


@pytest.mark.parametrize("name", ["ApiDefaultCount", "ApiUpperCountLimit"])
def test_page_size_parameters_accept_only_what_the_function_accepts(name: str) -> None:
    pattern = re.compile(PARAMETERS[name]["AllowedPattern"])
    for good in ("1", "50", "100", "1000"):
        assert pattern.fullmatch(good)
    for bad in ("0", "050", "5.5", "-1", "", "1e3", " 5"):
        assert not pattern.fullmatch(bad)


def test_timeout_is_below_api_gateway_limit() -> None:
    assert 20 <= function_setting("Timeout") < 30


def test_every_log_group_has_the_retention_parameter() -> None:
    groups = {k: r for k, r in RESOURCES.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert set(groups) == {"VoipRoomFunctionLogGroup", "HttpApiAccessLogGroup"}
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    retention = PARAMETERS["LogRetentionDays"]
    assert retention["Default"] in retention["AllowedValues"]


def test_function_logs_json_to_its_own_group_at_the_level_powertools_uses() -> None:
    logging = FUNCTION["LoggingConfig"]
    assert logging["LogFormat"] == "JSON"
    assert logging["LogGroup"] == {"Ref": "VoipRoomFunctionLogGroup"}
    assert logging["ApplicationLogLevel"] == {
        "Fn::FindInMap": ["LambdaLogLevel", {"Ref": "LogLevel"}, "Application"]
    }
    levels = TEMPLATE["Mappings"]["LambdaLogLevel"]
    assert set(levels) == set(PARAMETERS["LogLevel"]["AllowedValues"])
    assert {level: row["Application"] for level, row in levels.items()} == {
        "DEBUG": "DEBUG",
        "INFO": "INFO",
        "WARNING": "WARN",
        "ERROR": "ERROR",
    }
    variables = GLOBAL_FUNCTION["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "voip-room"
    assert variables["LOG_LEVEL"] == {"Ref": "LogLevel"}


def test_api_access_logs_are_json_with_no_path_or_query() -> None:
    api = RESOURCES["HttpApi"]["Properties"]
    settings = api["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": "HttpApiAccessLogGroup.Arn"}
    line = json.loads(settings["Format"])
    assert {"requestId", "sourceIp", "routeKey", "status", "integrationError"} <= set(line)
    # Visitor tokens travel in paths and query strings: the route key names the route instead.
    for secret_bearing in ("$context.path", "querystring", "$context.identity.user", "header"):
        assert secret_bearing not in settings["Format"]


def test_stage_throttling_comes_from_parameters() -> None:
    throttling = RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert throttling == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
    }
    assert PARAMETERS["ApiThrottlingBurstLimit"]["Default"] >= 1
    assert PARAMETERS["ApiThrottlingRateLimit"]["Default"] >= 1


def test_reserved_concurrency_is_optional() -> None:
    assert PARAMETERS["ReservedConcurrency"]["Default"] == ""
    assert FUNCTION["ReservedConcurrentExecutions"] == {
        "Fn::If": ["HasReservedConcurrency", {"Ref": "ReservedConcurrency"}, NO_VALUE]
    }
    condition = json.dumps(TEMPLATE["Conditions"]["HasReservedConcurrency"])
    assert '"Fn::Equals": [{"Ref": "ReservedConcurrency"}, ""]' in condition
    assert '"Fn::Equals": [{"Ref": "ReservedConcurrency"}, "0"]' in condition


def test_tracing_is_a_parameter_off_by_default() -> None:
    assert GLOBAL_FUNCTION["Tracing"] == {"Ref": "TracingMode"}
    assert PARAMETERS["TracingMode"]["Default"] == "Disabled"
    assert set(PARAMETERS["TracingMode"]["AllowedValues"]) == {"Disabled", "Active"}


def test_snapstart_is_a_parameter_on_published_versions_behind_an_alias() -> None:
    assert FUNCTION["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
    assert PARAMETERS["SnapStart"]["Default"] == "None"
    assert set(PARAMETERS["SnapStart"]["AllowedValues"]) == {"None", "PublishedVersions"}
    assert FUNCTION["AutoPublishAlias"] == "live"
    assert FUNCTION["AutoPublishAliasAllProperties"] is True
    # A layer-only change must publish a new version too, or the alias keeps the old layer.
    assert RESOURCES["VoipCoreLayer"]["Properties"]["PublishLambdaVersion"] is True


def test_every_parameter_of_the_function_configuration_is_in_the_version_description() -> None:
    """SAM names versions after the properties as written: a parameter change reaches the alias only
    through the version's description (see the template's comment)."""
    configuration = {
        **GLOBAL_FUNCTION,
        **{k: v for k, v in FUNCTION.items() if k not in ("Events", "Policies")},
    }
    # Not part of a version: the reserved concurrency, how CodeDeploy shifts traffic to a version,
    # and the tags (Lambda versions have none).
    not_in_a_version = ("ReservedConcurrentExecutions", "DeploymentPreference", "Tags")
    for setting in (*not_in_a_version, "PropagateTags"):
        del configuration[setting]
    used = parameter_refs(configuration, set(PARAMETERS))
    description = sub_text(FUNCTION["VersionDescription"])
    named = set(re.findall(r"\$\{(\w+)\}", description))
    assert used - named == set(), "add these to VersionDescription"
    assert named <= set(PARAMETERS)
    rendered = re.sub(r"\$\{(\w+)\}", lambda m: str(PARAMETERS[m[1]]["Default"]), description)
    assert len(rendered) <= 200, "a version description holds 256 characters: leave room for roles"


def test_alarms_cover_api_errors_function_errors_throttles_duration_and_dynamodb() -> None:
    watched = {
        (metric["Namespace"], metric["MetricName"])
        for alarm in alarms().values()
        for metric in metric_stats(alarm)
    }
    assert {
        ("AWS/ApiGateway", "5xx"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "Duration"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
    } <= watched
    assert alarms()["FunctionDurationP99Alarm"]["ExtendedStatistic"] == "p99"
    assert alarms()["FunctionDurationP99Alarm"]["Threshold"] == {
        "Ref": "DurationAlarmP99Milliseconds"
    }
    assert alarms()["Api5xxAlarm"]["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]


@pytest.mark.parametrize("metric_name", ["ReadThrottleEvents", "WriteThrottleEvents"])
def test_dynamodb_throttle_alarms_watch_every_table(metric_name: str) -> None:
    watched = [
        metric["Dimensions"][0]["Value"]
        for alarm in alarms().values()
        for metric in metric_stats(alarm)
        if metric["MetricName"] == metric_name
    ]
    # The table in use: a restored one when its suffix is set.
    assert sorted(watched, key=json.dumps) == sorted(map(table_name, TABLES), key=json.dumps)
    for alarm in alarms().values():
        assert len(metric_stats(alarm)) <= 10, "CloudWatch: at most 10 metrics per alarm"


def test_every_alarm_notifies_the_optional_topic() -> None:
    assert TEMPLATE["Conditions"]["HasAlarmTopic"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]
    }
    assert PARAMETERS["AlarmTopicArn"]["Default"] == ""
    for name, alarm in alarms().items():
        assert alarm["AlarmActions"] == ALARM_TOPIC, name
        assert alarm["OKActions"] == ALARM_TOPIC, name
        assert alarm["TreatMissingData"] == "notBreaching", name


@pytest.mark.parametrize("table", TABLES)
def test_tables_are_retained_recoverable_and_encrypted(table: str) -> None:
    resource = RESOURCES[table]
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    properties = resource["Properties"]
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["BillingMode"] == "PAY_PER_REQUEST"


def test_iam_policy_is_exactly_the_expected_statements() -> None:
    found = {
        statement["Sid"]: (statement["Action"], statement["Resource"]) for statement in statements()
    }
    assert len(found) == len(statements()), "every statement has its own Sid"
    assert found == EXPECTED_STATEMENTS
    for statement in statements():
        assert statement["Effect"] == "Allow"
        assert "*" not in json.dumps(statement)


def test_outputs_keep_the_names_voip_admin_reads() -> None:
    outputs = TEMPLATE["Outputs"]
    assert "ApiUrl" in outputs
    table_outputs = {name: outputs[name]["Value"] for name in ADMIN_OUTPUTS}
    # voip-admin --stack-name works on the tables the function uses, restored ones included.
    assert table_outputs == {f"{table}Name": table_name(table) for table in TABLES}


def test_the_table_registry_names_the_templates_tables() -> None:
    """One entry in voip_core.settings.TABLES (which the function, the local stack and voip-admin
    all read) per template table, with the variable the template gives the function for it."""
    assert sorted(table.logical_id for table in TABLE_REGISTRY) == TABLES
    variables = GLOBAL_FUNCTION["Environment"]["Variables"]
    for table in TABLE_REGISTRY:
        assert variables[table.variable] == table_name(table.logical_id)


def test_every_cfn_lint_suppression_is_justified_in_a_comment() -> None:
    """A check may be ignored only with a comment, just above it, that names it and says why."""
    lines = TEMPLATE_PATH.read_text(encoding="utf-8").splitlines()
    ignored = 0
    for number, line in enumerate(lines):
        match = re.fullmatch(r"\s+- ([EWI]S?\d{4})", line)
        if not match:
            continue
        ignored += 1
        comment: list[str] = []
        for above in reversed(lines[:number]):
            if not above.strip().startswith("#"):
                break
            comment.append(above)
        assert any(match[1] in text for text in comment), f"line {number + 1}: {line.strip()}"
        assert sum(len(text) for text in comment) > 60, f"line {number + 1}: say why"
    suppressions = [
        resource.get("Metadata", {}).get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
        for resource in RESOURCES.values()
    ]
    assert ignored == sum(len(ids) for ids in suppressions)
