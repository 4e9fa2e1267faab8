"""The demo data `make run` starts with, provisioned the way an operator would (`voip-admin`'s own
code paths), and the banner that tells the developer how to use it."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from voip_admin.inputs import CreateUser, CreateVisitor
from voip_admin.provisioning import Provisioning
from voip_core.settings import Settings
from voip_core.wiring import Services

ROUTE_PATH = "/api/v1/voip/room"
AGENT_USERNAME = "demo.agent"
AGENT_ROLE = "livechat-agent"
# An explicit username: the visitor takes no number from the guest counter, so the first visitor
# registered without a username is guest-2, as on a fresh Rocket.Chat.
VISITOR_TOKEN = "demo-visitor-token"  # noqa: S105 - a public demo value, not a secret
VISITOR_USERNAME = "demo-caller"


@dataclass(frozen=True)
class DemoData:
    agent_id: str
    agent_token: str
    visitor_token: str
    visitor_username: str

    def as_json(self) -> dict[str, Any]:
        return {
            "agent": {
                "userId": self.agent_id,
                "username": AGENT_USERNAME,
                "authToken": self.agent_token,
            },
            "visitor": {"token": self.visitor_token, "username": self.visitor_username},
        }


def seed(client: Any, settings: Settings) -> DemoData:
    provisioning = Provisioning(Services.build(settings, client))
    agent = provisioning.create_user(
        CreateUser(username=AGENT_USERNAME, name="Demo Agent", roles=[AGENT_ROLE])
    )
    visitor = provisioning.create_visitor(
        CreateVisitor(
            token=VISITOR_TOKEN, username=VISITOR_USERNAME, name="Demo Caller", phone="+15550100"
        )
    )
    return DemoData(agent["userId"], agent["authToken"], visitor["token"], visitor["username"])


def export_command(api_url: str, demo: DemoData) -> str:
    """The shell variables the banner's curl and the README's examples use."""
    values = {"API": api_url, "USER_ID": demo.agent_id, "AUTH_TOKEN": demo.agent_token}
    return "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in values.items())


def curl_command(demo: DemoData) -> str:
    """The ready-to-paste request: create (or get) the demo visitor's room as the demo agent,
    after `export_command`'s line."""
    query = urlencode({"token": demo.visitor_token}) + "&agentId=$USER_ID"
    return (
        'curl -sS -H "X-User-Id: $USER_ID" -H "X-Auth-Token: $AUTH_TOKEN"'
        f' "$API{ROUTE_PATH}?{query}"; echo'
    )


def _admin_command() -> str:
    script = Path(sys.executable).parent / "voip-admin"
    try:
        return os.path.relpath(script)
    except ValueError:  # another drive (Windows)
        return str(script)


@dataclass(frozen=True)
class StackInfo:
    api_url: str
    dynamodb_url: str
    route_keys: list[str]
    tables: list[str]
    startup_seconds: float


def rate_limit_line(settings: Settings) -> str:
    limits = settings.limits
    per_route = {
        "GET voip/room": limits.voip_room,
        "POST voip/room.close": limits.room_close,
        "POST livechat/visitor": limits.visitor_register,
        "GET livechat/visitor": limits.visitor_get,
        "DELETE livechat/visitor": limits.visitor_delete,
        "GET voip/rooms": limits.rooms_list,
    }
    if not any(per_route.values()):
        return (
            "off on every route (the local default); Rocket.Chat's limits:"
            " LOCAL_RATE_LIMITS=rocketchat make run"
        )
    counts = ", ".join(f"{route} {limit or 'off'}" for route, limit in per_route.items())
    return (
        f"per {settings.rate_limit_window_seconds} s per client IP (here every request comes"
        f" from 127.0.0.1): {counts}"
    )


def banner(info: StackInfo, settings: Settings, demo: DemoData) -> str:
    visitor_api = (
        "X-User-Id and X-Auth-Token of a role holding inbound-voip-calls, as voip/room"
        " (VISITOR_API_REQUIRES_AUTH=false make run makes it public, as in Rocket.Chat)"
        if settings.visitor_api_requires_auth
        else "public, as in Rocket.Chat (VISITOR_API_REQUIRES_AUTH=false): anyone who knows a"
        " caller's phone number or email gets that caller's visitor token"
    )
    # Against a loopback endpoint voip-admin needs no AWS credentials (docs/admin-cli.md).
    admin = f"{_admin_command()} --endpoint-url {info.dynamodb_url}"
    lines = [
        f"voip-room local stack ready in {info.startup_seconds:.1f} s. Ctrl-C stops it; the data"
        " lives in memory.",
        f"  API           {info.api_url}  ({', '.join(info.route_keys)})",
        f"  DynamoDB      {info.dynamodb_url}  (moto server; tables from template.yaml:"
        f" {', '.join(info.tables)})",
        f"  Demo agent    {AGENT_USERNAME}, role {AGENT_ROLE}, user id {demo.agent_id}",
        f"  Demo visitor  token {demo.visitor_token}, username {demo.visitor_username}",
        f"  Rate limits   {rate_limit_line(settings)}",
        f"  Visitor API   {visitor_api}",
        "",
        "Try it: paste these two lines into a shell. The curl creates the demo visitor's"
        " call-center room (run it again:",
        "the same room, newRoom false); the README's examples use the same variables.",
        f"  {export_command(info.api_url, demo)}",
        f"  {curl_command(demo)}",
        "",
        "Provision more with the operators' CLI, for example:",
        f"  {admin} create-visitor --token caller-2 --name 'Second Caller'",
        "",
    ]
    return "\n".join(lines)
