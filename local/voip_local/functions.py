"""The template's functions, run in this process as Lambda runs them: the environment the template
gives them, the handler loaded from its file by path, a Lambda context for each invocation.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voip_admin.template import TEMPLATE_PATH

ROOT = TEMPLATE_PATH.parent
REGION_FALLBACK = "us-east-1"
ACCOUNT_ID = "123456789012"

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str  # "app.lambda_handler"
    timeout_seconds: int
    memory_mb: int

    @property
    def handler_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rpartition(".")[2]


def function_specs(template: dict[str, Any], root: Path = ROOT) -> dict[str, FunctionSpec]:
    """Each AWS::Serverless::Function, with Globals.Function filled in where it says nothing."""
    defaults = (template.get("Globals") or {}).get("Function") or {}
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = {**defaults, **(resource.get("Properties") or {})}
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_uri=root / str(properties["CodeUri"]),
            handler=str(properties["Handler"]),
            timeout_seconds=int(properties.get("Timeout", 3)),
            memory_mb=int(properties.get("MemorySize", 128)),
        )
    return specs


def resolve_value(value: Any, template: dict[str, Any]) -> str:
    """An environment value as the template gives it, resolved for the local stack: a parameter's
    default, a resource's logical id (which is what the local stack names its tables), a literal,
    an Fn::If on the template's conditions (with the parameters' defaults), an Fn::Sub of those.
    Any other intrinsic resolves to "" (as `sam local` does), so the code's default applies."""
    if isinstance(value, dict):
        return _resolve_intrinsic(value, template)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _resolve_intrinsic(value: dict[str, Any], template: dict[str, Any]) -> str:
    if "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        chosen = when_true if condition_holds(condition, template) else when_false
        return resolve_value(chosen, template)
    if isinstance(value.get("Fn::Sub"), str):
        return _SUB_NAME.sub(
            lambda match: resolve_value({"Ref": match[1]}, template), value["Fn::Sub"]
        )
    name = value.get("Ref")
    if not isinstance(name, str):
        return ""
    parameter = (template.get("Parameters") or {}).get(name)
    if parameter is not None:
        return str(parameter.get("Default", ""))
    return name if name in template.get("Resources", {}) else ""


_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def condition_holds(name: str, template: dict[str, Any]) -> bool:
    """A template condition, with every parameter at its default."""
    return _holds((template.get("Conditions") or {})[name], template)


def _holds(node: dict[str, Any], template: dict[str, Any]) -> bool:
    ((function, arguments),) = node.items()
    if function == "Condition":
        return condition_holds(arguments, template)
    if function == "Fn::Not":
        return not _holds(arguments[0], template)
    if function == "Fn::And":
        return all(_holds(argument, template) for argument in arguments)
    if function == "Fn::Or":
        return any(_holds(argument, template) for argument in arguments)
    if function == "Fn::Equals":
        left, right = (resolve_value(argument, template) for argument in arguments)
        return left == right
    raise ValueError(f"a condition the local stack cannot evaluate: {function}")


def template_environment(template: dict[str, Any]) -> dict[str, str]:
    """The variables Globals and every function set, resolved (one process serves them all)."""
    sources = [((template.get("Globals") or {}).get("Function") or {}).get("Environment")]
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            sources.append((resource.get("Properties") or {}).get("Environment"))
    variables: dict[str, str] = {}
    for environment in sources:
        for name, value in ((environment or {}).get("Variables") or {}).items():
            variables[name] = resolve_value(value, template)
    return variables


LOCAL_READ_TIMEOUT_SECONDS = "10"

# LOCAL_RATE_LIMITS: what the local stack does about the routes' rate limits. Over loopback every
# request comes from 127.0.0.1, so Rocket.Chat's limits (5 a minute on voip/room) would stop a
# developer within a few requests: "off" (the default) turns off every route's limit that is not
# set in the environment; "rocketchat" keeps the template's defaults, which are Rocket.Chat's.
RATE_LIMITS_OFF = "off"
RATE_LIMITS_ROCKETCHAT = "rocketchat"
RATE_LIMIT_MODES = (RATE_LIMITS_OFF, RATE_LIMITS_ROCKETCHAT)


def is_route_limit(name: str) -> bool:
    """RATE_LIMIT_REQUESTS and RATE_LIMIT_<ROUTE>_REQUESTS: a route's requests per window."""
    return name.startswith("RATE_LIMIT") and name.endswith("_REQUESTS")


def prepare_environment(
    template: dict[str, Any],
    dynamodb_url: str,
    environ: dict[str, str] | None = None,
    rate_limits: str = RATE_LIMITS_OFF,
) -> dict[str, str]:
    """Set the process environment the functions and the CLI read: the template's variables (a value
    already in the environment wins, so `RATE_LIMIT_REQUESTS=5 make run` works), every route's
    rate limit off unless `rate_limits` is "rocketchat", the local DynamoDB endpoint, a region, and
    credentials that can only ever reach that endpoint."""
    env = os.environ if environ is None else environ
    for name, value in template_environment(template).items():
        if not env.get(name):
            off = rate_limits == RATE_LIMITS_OFF and is_route_limit(name)
            env[name] = "0" if off else value
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or REGION_FALLBACK
    # One moto server answers every request in turn: under concurrent load a call can wait well
    # beyond the 1 s read timeout tuned for DynamoDB (store/dynamo.py), and time out for no fault.
    env.setdefault("DYNAMODB_READ_TIMEOUT_SECONDS", LOCAL_READ_TIMEOUT_SECONDS)
    env.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
    )
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    return dict(env)


@dataclass
class LambdaContext:
    """The attributes and method of Lambda's context object that handlers and Powertools use."""

    function_name: str = "VoipRoomFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:VoipRoomFunction"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    deadline_ms: int = 2**62  # tests and benchmarks: no deadline
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


@dataclass(frozen=True)
class LocalFunction:
    spec: FunctionSpec
    handler: Handler
    region: str

    def invoke(self, event: dict[str, Any]) -> Any:
        name = self.spec.logical_id
        context = LambdaContext(
            function_name=name,
            memory_limit_in_mb=self.spec.memory_mb,
            invoked_function_arn=f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{name}",
            aws_request_id=str(uuid.uuid4()),
            deadline_ms=int(time.time() * 1000) + self.spec.timeout_seconds * 1000,
            log_group_name=f"/aws/lambda/{name}",
        )
        return self.handler(event, context)


def load_handler(spec: FunctionSpec) -> Handler:
    """Import the handler's file by path, as Lambda does from the function's folder. Its module
    builds its services at import, from the environment: prepare that first."""
    module_name = f"voip_local_function_{spec.logical_id}"
    module = sys.modules.get(module_name)
    if module is None:
        loader_spec = importlib.util.spec_from_file_location(module_name, spec.handler_file)
        if loader_spec is None or loader_spec.loader is None:
            raise FileNotFoundError(spec.handler_file)
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[module_name] = module
        try:
            loader_spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    handler: Handler = getattr(module, spec.handler_name)
    return handler


def load_functions(
    specs: Mapping[str, FunctionSpec], wanted: set[str], region: str
) -> dict[str, LocalFunction]:
    return {
        logical_id: LocalFunction(specs[logical_id], load_handler(specs[logical_id]), region)
        for logical_id in sorted(wanted)
    }
