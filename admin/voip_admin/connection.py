"""Where `voip-admin` sends its requests, with what credentials, and what to say when that fails.

A loopback endpoint (the local stack's DynamoDB, DynamoDB Local) checks no signature, so the CLI
needs no AWS credentials there: when none are configured it signs with dummy ones. Every failure
to reach or to use the datastore becomes one line that names the problem: the endpoint that cannot
be reached, an endpoint that is not DynamoDB (the local stack's API port, say), an unknown region,
missing credentials. Problems the operator must fix are bad input (exit 2); a datastore that cannot
be reached or fails is exit 1, as for every other datastore error.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 1

# What botocore reads when --endpoint-url is not given, most specific first.
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
# Credential sources that ask the network (EC2's and ECS's metadata services): not worth waiting
# for just to learn that a loopback endpoint has no credentials configured.
_NETWORK_PROVIDERS = ("container-role", "iam-role")
NO_CREDENTIALS = (
    "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "and the region (--region or AWS_REGION)"
)
# Every answer of API Gateway (and of the local stack's API, which emulates it) carries this.
_API_GATEWAY_HEADER = "apigw-requestid"


class EndpointError(Exception):
    """An endpoint that cannot be one: bad input."""


@dataclass(frozen=True)
class Failure:
    message: str
    exit_code: int


def configured_endpoint(endpoint_url: str | None) -> str | None:
    """The endpoint the client will use (None: AWS's, from the region), checked: http(s) and a
    host, or EndpointError naming where it came from."""
    source, endpoint = "--endpoint-url", endpoint_url
    if endpoint is None:
        source, endpoint = next(
            ((name, os.environ[name]) for name in ENDPOINT_VARIABLES if os.environ.get(name)),
            ("", None),
        )
    if endpoint is None:
        return None
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"{source} {endpoint!r} is not an http:// or https:// URL")
    return endpoint


def is_loopback(endpoint: str | None) -> bool:
    host = urlsplit(endpoint).hostname if endpoint else None
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def credentials_for(endpoint: str | None) -> Iterator[None]:
    """While the clients are made: dummy credentials for a loopback endpoint when none are
    configured (botocore reads them when a client is made, so nothing else sees them)."""
    if not is_loopback(endpoint) or _configured_credentials():
        yield
        return
    saved = {name: os.environ.get(name) for name in DUMMY_CREDENTIALS}
    os.environ.update(DUMMY_CREDENTIALS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _configured_credentials() -> bool:
    import botocore.session

    resolver = botocore.session.get_session().get_component("credential_provider")
    for name in _NETWORK_PROVIDERS:
        resolver.remove(name)
    try:
        return resolver.load_credentials() is not None
    except BotoCoreError:  # AWS_PROFILE naming no profile, say: the client will report it
        return True


# --- what a failure means ------------------------------------------------------------------------


def diagnose(error: BaseException, client: Any | None, endpoint: str | None) -> Failure:
    """One line for a failed command's datastore error. `endpoint` is the one configured (None:
    AWS's, made from the region); the service's errors keep the botocore error as their cause."""
    cause = _botocore_cause(error)
    setup = _setup_problem(cause)
    if setup is not None:
        return setup
    if client is None:
        return Failure(f"datastore error: {cause}", EXIT_UNAVAILABLE)
    used = str(client.meta.endpoint_url)
    region = str(client.meta.region_name)
    foreign = isinstance(cause, ClientError) and _not_dynamodb(cause)
    # An unknown region shows as: no address for AWS's endpoint, an HTML error page from moto's
    # server, no tables in DynamoDB Local (which takes any region).
    region_suspect = (
        foreign
        or (endpoint is None and isinstance(cause, ConnectionError))
        or (isinstance(cause, ClientError) and _code(cause) == "ResourceNotFoundException")
    )
    if region_suspect and not _known_region(region):
        return Failure(f"unknown region {region!r}: DynamoDB has no such region", EXIT_USAGE)
    if isinstance(cause, ClientError) and foreign:
        return _foreign_answer(cause, used)
    if isinstance(cause, (ConnectionError, HTTPClientError)):
        return Failure(f"cannot reach DynamoDB at {used}{_reason(cause)}", EXIT_UNAVAILABLE)
    return Failure(f"datastore error at {used}: {cause}", EXIT_UNAVAILABLE)


def _setup_problem(cause: BaseException) -> Failure | None:
    if isinstance(cause, (NoCredentialsError, PartialCredentialsError)):
        return Failure(NO_CREDENTIALS, EXIT_USAGE)
    if isinstance(cause, (NoRegionError, ProfileNotFound)):
        return Failure(f"{cause}: {NO_CREDENTIALS}", EXIT_USAGE)
    return None


def _botocore_cause(error: BaseException) -> BaseException:
    seen: BaseException | None = error
    while seen is not None and not isinstance(seen, (BotoCoreError, ClientError)):
        seen = seen.__cause__
    return error if seen is None else seen


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _not_dynamodb(error: ClientError) -> bool:
    """DynamoDB names its errors; botocore falls back on the HTTP status when the answer is not
    DynamoDB's (an HTML page, another service's JSON)."""
    return _code(error).isdigit()


def _foreign_answer(error: ClientError, endpoint: str) -> Failure:
    metadata = error.response.get("ResponseMetadata", {})
    status = metadata.get("HTTPStatusCode", "?")
    if _API_GATEWAY_HEADER in metadata.get("HTTPHeaders", {}):
        return Failure(
            f"{endpoint} is an HTTP API (the local stack's API?), not DynamoDB: give DynamoDB's "
            "endpoint (the local stack prints it; port 8000 by default)",
            EXIT_USAGE,
        )
    if isinstance(status, int) and status < 500:
        message = f"{endpoint} is not a DynamoDB endpoint (it answered HTTP {status})"
        return Failure(message, EXIT_USAGE)
    message = f"DynamoDB at {endpoint} failed (HTTP {status}, no DynamoDB answer)"
    return Failure(message, EXIT_UNAVAILABLE)


def _known_region(region: str) -> bool:
    import botocore.session

    session = botocore.session.get_session()
    return any(
        region in session.get_available_regions("dynamodb", partition)
        for partition in session.get_available_partitions()
    )


def _reason(error: BaseException) -> str:
    """The operating system's word for it (connection refused, name not known), if any."""
    inner = getattr(error, "kwargs", {}).get("error")
    for candidate in (inner, getattr(inner, "__context__", None)):
        if isinstance(candidate, OSError) and candidate.strerror:
            return f" ({candidate.strerror.lower()})"
    if isinstance(inner, Exception) and "timed out" in str(inner).lower():
        return " (timed out)"
    return ""
