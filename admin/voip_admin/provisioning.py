"""The operations behind each `voip-admin` command, on the same code paths as the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from voip_core.errors import ApiError
from voip_core.routes.visitors import check_visitor_body, registration_from
from voip_core.services.accounts import Accounts, UnknownUser
from voip_core.settings import TABLES, Settings, SettingsError, TableNames
from voip_core.store.dynamo import error_code, make_client
from voip_core.store.tokens import DuplicateTokenName
from voip_core.store.users import DuplicateUsername
from voip_core.store.visitors import VisitorExists
from voip_core.wiring import Services

from voip_admin.connection import (
    EndpointError,
    Failure,
    configured_endpoint,
    credentials_for,
    diagnose,
)
from voip_admin.inputs import CloseRoom, CreateUser, CreateVisitor, IssueToken, TokenName, UserRef


class UsageError(Exception):
    """Bad input: reported in one line, exit 2, nothing written."""


class Unavailable(Exception):
    """The datastore kept failing part of the work: reported in one line, exit 1."""


# A long batch job (import-rocketchat): DynamoDB's answer may wait behind others, and a call is
# worth trying again more than a request's is.
PATIENT_CLIENT = {"read_timeout": 10.0, "attempts": 10}


class Datastore:
    """The DynamoDB client a command uses and where it points, kept for naming what went wrong."""

    def __init__(self, endpoint_url: str | None, region: str | None) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.endpoint: str | None = None  # as configured (None: AWS's, from the region)
        self.client: Any | None = None

    def connect(self, stack_name: str | None, patient: bool = False) -> Provisioning:
        try:
            settings = Settings.from_env()
            self.endpoint = configured_endpoint(self.endpoint_url)
        except (SettingsError, EndpointError) as error:
            raise UsageError(str(error)) from error
        try:
            with credentials_for(self.endpoint):
                extra: dict[str, Any] = PATIENT_CLIENT if patient else {}
                self.client = make_client(self.endpoint_url, self.region, **extra)
                if stack_name:
                    region = self.client.meta.region_name
                    settings = _with_stack_tables(settings, stack_name, region)
        except ValueError as error:  # botocore: "Invalid endpoint: ...", a malformed region name
            raise UsageError(str(error)) from error
        return Provisioning(Services.build(settings, self.client))

    def diagnose(self, error: BaseException) -> Failure:
        return diagnose(error, self.client, self.endpoint)


def stack_outputs(stack_name: str, region: str | None) -> dict[str, str]:
    """A deployed stack's outputs by key; UsageError when there is no such stack."""
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=region)
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        # CloudFormation's answer for a stack that does not exist (or a name that cannot be one).
        if error_code(error) == "ValidationError":
            raise UsageError(error.response["Error"].get("Message") or stack_name) from error
        raise
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _with_stack_tables(settings: Settings, stack_name: str, region: str | None) -> Settings:
    outputs = stack_outputs(stack_name, region)
    missing = [table.output for table in TABLES if table.output not in outputs]
    if missing:
        raise UsageError(f"stack {stack_name} has no output {missing[0]}")
    tables = TableNames(**{table.field: outputs[table.output] for table in TABLES})
    return Settings(**{**settings.__dict__, "tables": tables})


class Provisioning:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.accounts = Accounts(services.users, services.tokens)

    def create_user(self, command: CreateUser) -> dict[str, Any]:
        try:
            issued = self.accounts.create_user(
                command.username,
                self.services.clock(),
                name=command.name,
                roles=tuple(dict.fromkeys(command.roles)),
                active=not command.inactive,
            )
        except DuplicateUsername as error:
            raise UsageError(f"A user with username '{command.username}' already exists") from error
        return {"userId": issued.user_id, "authToken": issued.token}

    def issue_token(self, command: IssueToken) -> dict[str, Any]:
        now_ms = self.services.clock()
        try:
            if command.name is not None:
                issued = self.accounts.issue_personal_access_token(
                    command.user_id, command.name, now_ms
                )
            elif command.ttl_seconds is not None:
                issued = self.accounts.issue_login_token(
                    command.user_id, now_ms, command.ttl_seconds
                )
            else:
                issued = self.accounts.issue_login_token(command.user_id, now_ms)
        except UnknownUser as error:
            raise UsageError(f"No user with id {command.user_id}") from error
        except DuplicateTokenName as error:
            raise UsageError("A token with this name already exists") from error
        return {"userId": issued.user_id, "authToken": issued.token, "expiresAt": issued.expires_at}

    def list_tokens(self, command: UserRef) -> dict[str, Any]:
        try:
            records = self.accounts.personal_access_tokens(command.user_id)
        except UnknownUser as error:
            raise UsageError(f"No user with id {command.user_id}") from error
        tokens = [
            {
                "name": r.name,
                "type": r.kind,
                "createdAt": r.created_at,
                "lastTokenPart": r.last_token_part,
            }
            for r in records
        ]
        return {"userId": command.user_id, "tokens": tokens}

    def revoke_token(self, command: TokenName) -> dict[str, Any]:
        try:
            revoked = self.accounts.revoke_personal_access_token(command.user_id, command.name)
        except UnknownUser as error:
            raise UsageError(f"No user with id {command.user_id}") from error
        if not revoked:
            raise UsageError("No token with this name")
        return {"userId": command.user_id, "name": command.name, "revoked": True}

    def deactivate_user(self, command: UserRef) -> dict[str, Any]:
        try:
            self.accounts.deactivate(command.user_id)
        except UnknownUser as error:
            raise UsageError(f"No user with id {command.user_id}") from error
        return {"userId": command.user_id, "active": False}

    def create_visitor(self, command: CreateVisitor) -> dict[str, Any]:
        """Creates the visitor as `POST /api/v1/livechat/visitor` creates a new one (same rules,
        same document, same `guest-<n>` counter); a token already taken is refused."""
        given = {
            "token": command.token,
            "name": command.name,
            "username": command.username,
            "department": command.department,
            "phone": command.phone,
        }
        body = {"visitor": {k: v for k, v in given.items() if v is not None}}
        try:
            registration = registration_from(check_visitor_body(body))
        except ApiError as error:
            raise UsageError(str(error.body.get("error"))) from error
        # Issue 3: a duplicate visitor token is bad input for the CLI (exit 2, nothing written),
        # where the HTTP route would update that visitor.
        if self.services.visitors.get(command.token) is not None:
            raise UsageError("A visitor with this token already exists")
        try:
            return self.services.visitor_service.create(registration)
        except VisitorExists as error:
            raise UsageError("A visitor with this token already exists") from error

    def close_room(self, command: CloseRoom) -> dict[str, Any]:
        """Closes the room as `POST /api/v1/voip/room.close` does, with closer "user" and
        closedBy the agent who served it."""
        try:
            return self.services.room_service.close_as_operator(command.rid)
        except ApiError as error:
            if error.status >= 500:
                raise
            raise UsageError(str(error.body.get("error"))) from error

    def reindex_rooms(self) -> dict[str, Any]:
        """Every room item put again as RoomStore.item builds it (admin/voip_admin/reindex.py)."""
        from voip_admin.reindex import reindex_rooms

        rooms = self.services.rooms
        return reindex_rooms(rooms.client, rooms.table)

    def create_tables(self, template: str | None) -> dict[str, Any]:
        from voip_admin.template import TEMPLATE_PATH, create_tables, table_names

        path = Path(template) if template else TEMPLATE_PATH
        if not path.is_file():
            raise UsageError(f"no template at {path}")
        client = self.services.tokens.client
        return {
            "created": create_tables(
                client, table_names(self.services.settings), _read_template(path)
            )
        }


def _read_template(path: Path) -> dict[str, Any]:
    """The template, once every table in it could be asked for: nothing is created from a file
    that is not one."""
    import yaml

    from voip_admin.template import create_table_request, load_template, table_definitions

    reason = f"not a template with DynamoDB tables: {path}"
    try:
        template = load_template(path)
        # An empty file loads as None, which table_definitions() would take for "the default".
        tables = table_definitions(template) if isinstance(template, dict) else {}
        for logical_id, properties in tables.items():
            create_table_request(logical_id, properties)
    except (OSError, ValueError, yaml.YAMLError, TypeError, KeyError, AttributeError) as error:
        raise UsageError(reason) from error
    if not tables:
        raise UsageError(reason)
    return template
