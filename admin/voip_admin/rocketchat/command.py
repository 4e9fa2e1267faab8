"""`voip-admin import-rocketchat`: its options, and its failures as the CLI reports them (one line;
exit 2 for bad input or conflicts, having written nothing; exit 1 for a datastore that kept failing,
a re-run completing what was written)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from voip_core.domain.clock import Clock, system_clock
from voip_core.store.dynamo import error_code

from voip_admin.inputs import ROLE_PATTERN
from voip_admin.provisioning import Provisioning, Unavailable, UsageError

NAME = "import-rocketchat"
# The run's one clock (tests set the worked example's moment).
clock: Clock = system_clock
_MOST_DAYS = 36_500


def add_parser(commands: Any) -> None:
    command = commands.add_parser(
        NAME, help="import users, tokens, visitors and rooms from a Rocket.Chat mongoexport"
    )
    command.add_argument("--from", required=True, dest="from_dir", metavar="DIR")
    command.add_argument("--dry-run", action="store_true", help="plan only: write nothing")
    command.add_argument("--overwrite", action="store_true", help="the export wins conflicts")
    command.add_argument("--user-role", action="append", default=[], dest="user_roles")
    command.add_argument("--visitors", choices=("all", "with-rooms"), default="all")
    command.add_argument("--login-expiration-days", type=_days, metavar="N")


def _days(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= _MOST_DAYS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {_MOST_DAYS}")
    return int(text)


def run(provisioning: Provisioning, args: argparse.Namespace) -> dict[str, Any]:
    import re

    from voip_admin.rocketchat.datastore import ImportUnavailable
    from voip_admin.rocketchat.export_files import ExportFileError
    from voip_admin.rocketchat.importer import Importer, ImportRefused, Options
    from voip_admin.rocketchat.progress import bars
    from voip_admin.rocketchat.sources import NoExport, open_directory

    bad_role = next((r for r in args.user_roles if not re.fullmatch(ROLE_PATTERN, r)), None)
    if bad_role is not None:
        raise UsageError(f"--user-role {bad_role!r} is not a role name")
    options = Options(
        dry_run=args.dry_run,
        overwrite=args.overwrite,
        user_roles=tuple(dict.fromkeys(args.user_roles)),
        visitors_with_rooms=args.visitors == "with-rooms",
        login_expiration_days=args.login_expiration_days,
    )
    try:
        sources = open_directory(Path(args.from_dir))
        importer = Importer(provisioning.services, sources, options, clock(), progress=bars)
        return importer.run()
    except (NoExport, ImportRefused, ExportFileError) as error:
        raise UsageError(str(error)) from error
    except ImportUnavailable as error:
        raise Unavailable(str(error)) from error
    except ClientError as error:
        code = error_code(error)
        if code.isdigit() or code == "ResourceNotFoundException":
            raise  # not DynamoDB's answer, or no such table: the CLI says which (connection.py)
        # DynamoDB's messages may quote a value (a key: a token's hash): code and operation only.
        raise Unavailable(f"DynamoDB {error.operation_name} failed: {code}") from None
