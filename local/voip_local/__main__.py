"""`python -m voip_local` (what `make run` runs): the local stack in the foreground.

Ports come from PORT (default 3000, `sam local start-api`'s) and DYNAMODB_PORT (default 8000), or
the options; 0 picks a free port. Every route's rate limit is off unless set in the environment
(RATE_LIMIT_*), or LOCAL_RATE_LIMITS=rocketchat applies the template's defaults (Rocket.Chat's).
A port in use or a bad setting: one line on stderr, exit 1 or 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from voip_local.ports import PortInUse

EXIT_PORT_IN_USE = 1
EXIT_BAD_SETTING = 2


class BadSetting(ValueError):
    pass


def _port(variable: str, default: int) -> int:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 65535:
        raise BadSetting(f"{variable} must be a port number (0-65535), got {raw!r}")
    return int(raw)


def _rate_limits() -> str:
    from voip_local.functions import RATE_LIMIT_MODES, RATE_LIMITS_OFF

    raw = os.environ.get("LOCAL_RATE_LIMITS", "").strip().lower() or RATE_LIMITS_OFF
    if raw not in RATE_LIMIT_MODES:
        choices = " or ".join(RATE_LIMIT_MODES)
        raise BadSetting(f"LOCAL_RATE_LIMITS must be {choices}, got {raw!r}")
    return raw


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m voip_local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address both servers listen on")
    parser.add_argument("--port", type=int, help="API port (else PORT, else 3000)")
    parser.add_argument("--dynamodb-port", type=int, help="(else DYNAMODB_PORT, else 8000)")
    parser.add_argument(
        "--ready-file", type=Path, help="write the URLs and demo credentials here once ready"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from voip_core.settings import SettingsError

    from voip_local.routes import UnsupportedRoute
    from voip_local.stack import Stack, StackOptions

    args = _parse(argv)
    try:
        options = StackOptions(
            host=args.host,
            port=args.port if args.port is not None else _port("PORT", 3000),
            dynamodb_port=(
                args.dynamodb_port
                if args.dynamodb_port is not None
                else _port("DYNAMODB_PORT", 8000)
            ),
            ready_file=args.ready_file,
            rate_limits=_rate_limits(),
        )
        Stack(options).run()
    except PortInUse as error:
        sys.stderr.write(f"voip-local: {error}\n")
        return EXIT_PORT_IN_USE
    except (BadSetting, SettingsError, UnsupportedRoute) as error:
        sys.stderr.write(f"voip-local: {error}\n")
        return EXIT_BAD_SETTING
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
