"""`voip-admin`: provision agents, tokens and visitors, and close rooms (docs/architecture.md,
"Interfaces that stay stable").

Each command prints one JSON object on stdout and exits 0. Bad input or set-up (a wrong endpoint,
region or credentials: connection.py) prints a one-line reason on stderr and exits 2, having
written nothing; a datastore that cannot be reached or fails exits 1 (docs/admin-cli.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError
from voip_core.compat.jsjson import escape_lone_surrogates
from voip_core.errors import ApiError

from voip_admin import smoke
from voip_admin.connection import EXIT_UNAVAILABLE, EXIT_USAGE
from voip_admin.inputs import (
    CloseRoom,
    CreateUser,
    CreateVisitor,
    IssueToken,
    TokenName,
    UserRef,
)
from voip_admin.provisioning import Datastore, Provisioning, Unavailable, UsageError
from voip_admin.rocketchat import command as import_rocketchat


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        _fail(f"{self.prog}: {message}", EXIT_USAGE)


def _fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(message.replace("\n", " ").strip() + "\n")
    raise SystemExit(code)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="voip-admin", description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", help="DynamoDB endpoint (else AWS_ENDPOINT_URL_DYNAMODB)")
    parser.add_argument("--region", help="AWS region (else AWS_REGION / AWS_DEFAULT_REGION)")
    parser.add_argument("--stack-name", help="read the table names from this stack's outputs")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    create_user = commands.add_parser("create-user", help="create a user and issue a login token")
    create_user.add_argument("--username", required=True)
    create_user.add_argument("--name")
    create_user.add_argument("--role", action="append", default=[], dest="roles")
    create_user.add_argument("--inactive", action="store_true")

    issue = commands.add_parser("issue-token", help="issue a login or personal access token")
    issue.add_argument("--user-id", required=True)
    issue.add_argument("--ttl-seconds", type=int)
    issue.add_argument("--name")

    for name, text in (
        ("list-tokens", "list a user's personal access tokens"),
        ("deactivate-user", "deactivate a user and delete all their tokens"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--user-id", required=True)

    revoke = commands.add_parser("revoke-token", help="revoke a personal access token by name")
    revoke.add_argument("--user-id", required=True)
    revoke.add_argument("--name", required=True)

    visitor = commands.add_parser("create-visitor", help="register a visitor")
    visitor.add_argument("--token", required=True)
    for option in ("--name", "--username", "--department", "--phone"):
        visitor.add_argument(option)

    close = commands.add_parser("close-room", help="close a room as an agent would")
    close.add_argument("--rid", required=True)

    commands.add_parser(
        "reindex-rooms", help="put every room item again as the service builds it (after upgrades)"
    )

    tables = commands.add_parser("create-tables", help="create template.yaml's tables (local use)")
    tables.add_argument("--template", help="path to template.yaml")
    smoke.add_parser(commands)
    import_rocketchat.add_parser(commands)
    return parser


def _run(provisioning: Provisioning, args: argparse.Namespace) -> dict[str, Any]:
    command: str = args.command
    handlers: dict[str, Callable[[], dict[str, Any]]] = {
        "create-user": lambda: provisioning.create_user(
            CreateUser(
                username=args.username, name=args.name, roles=args.roles, inactive=args.inactive
            )
        ),
        "issue-token": lambda: provisioning.issue_token(
            IssueToken(user_id=args.user_id, ttl_seconds=args.ttl_seconds, name=args.name)
        ),
        "list-tokens": lambda: provisioning.list_tokens(UserRef(user_id=args.user_id)),
        "revoke-token": lambda: provisioning.revoke_token(
            TokenName(user_id=args.user_id, name=args.name)
        ),
        "deactivate-user": lambda: provisioning.deactivate_user(UserRef(user_id=args.user_id)),
        "create-visitor": lambda: provisioning.create_visitor(
            CreateVisitor(
                token=args.token,
                name=args.name,
                username=args.username,
                department=args.department,
                phone=args.phone,
            )
        ),
        "close-room": lambda: provisioning.close_room(CloseRoom(rid=args.rid)),
        "create-tables": lambda: provisioning.create_tables(args.template),
        import_rocketchat.NAME: lambda: import_rocketchat.run(provisioning, args),
        "reindex-rooms": provisioning.reindex_rooms,
    }
    return handlers[command]()


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    datastore = Datastore(args.endpoint_url, args.region)
    try:
        if args.command == "smoke":  # HTTP against a deployed API: no DynamoDB
            return smoke.run(args)
        patient = args.command == import_rocketchat.NAME  # a long batch job
        result = _run(datastore.connect(args.stack_name, patient), args)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "input"
        _fail(f"voip-admin {args.command}: {field}: {first['msg']}", EXIT_USAGE)
    except UsageError as error:
        _fail(f"voip-admin {args.command}: {error}", EXIT_USAGE)
    except Unavailable as error:
        _fail(f"voip-admin {args.command}: {error}", EXIT_UNAVAILABLE)
    except (BotoCoreError, ClientError, ApiError) as error:
        failure = datastore.diagnose(error)
        _fail(f"voip-admin {args.command}: {failure.message}", failure.exit_code)
    sys.stdout.write(escape_lone_surrogates(json.dumps(result, ensure_ascii=False)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
