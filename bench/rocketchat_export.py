"""A Rocket.Chat 6.x/7.x contact center's `mongoexport`, generated: for the importer's tests and its
memory benchmark (docs/migrating-from-rocketchat.md).

`write_export` writes the five files of an export (users, visitors, rooms, settings, permissions)
in any of mongoexport's layouts (JSON lines, a one-line `--jsonArray`, `--pretty`) and Extended JSON
modes (relaxed, canonical), by pymongo's own writer, a document at a time: nothing holds the whole
export. Documents are shaped as Rocket.Chat writes them, the rooms by the service's own
`new_call_room`/`closed_call_room`. Every value is derived from (seed, kind, index), so the same
arguments write the same bytes; `now_ms` anchors the dates (tokens are fresh relative to it).

The plain tokens are in the returned ExportSummary only (never in its repr): the files hold hashes,
as Rocket.Chat's database does.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bson import json_util
from voip_admin.rocketchat.export_files import COLLECTION_FILES
from voip_core.domain.auth import hash_token
from voip_core.domain.clock import ms_from_iso
from voip_core.domain.ids import UNMISTAKABLE_CHARS
from voip_core.domain.models import User, Visitor
from voip_core.domain.rooms import closed_call_room, new_call_room
from voip_core.domain.visitors import new_visitor_document

DAY_MS = 86_400_000
AGENTS = 3
TAGS = (["sales"], ["support", "billing"], ["callback"])
# Fields of a room that Mongo holds as dates (top level), and servedBy.ts.
# mongoexport writes compact JSON (except --pretty).
COMPACT = (",", ":")
ROOM_DATES = ("lm", "ts", "queuedAt", "callStarted", "_updatedAt", "closedAt")


@dataclass(frozen=True)
class AgentCredentials:
    user_id: str
    username: str
    login_token: str = field(repr=False)  # valid for login_expiration_days after `now_ms - 1 day`
    pat_name: str = "pbx"
    pat_token: str = field(default="", repr=False)
    expired_login_token: str | None = field(default=None, repr=False)  # the first agent's only


@dataclass(frozen=True)
class OpenRoom:
    room_id: str
    visitor_id: str
    visitor_token: str = field(repr=False)


@dataclass
class ExportSummary:
    """What was written, and the plain credentials a test needs to use the imported data."""

    directory: Path
    records: dict[str, int]  # documents per file name
    agents: list[AgentCredentials]
    bot_id: str = "rocket.cat"
    admin_id: str = ""  # a user without a call-center role
    visitors: int = 0  # visitor documents written
    importable_visitors: int = 0  # with a token, not disabled
    disabled_visitor_id: str | None = None
    erased_visitor_id: str | None = None
    rooms: int = 0  # call-center (t "v") rooms written
    open_rooms: list[OpenRoom] = field(default_factory=list)  # the newest per visitor
    older_open_room_ids: list[str] = field(default_factory=list)  # same visitor, older: twice_open
    closed_rooms: int = 0
    tagged_rooms: int = 0
    non_voip_rooms: int = 0
    largest_guest: int = 0  # the largest guest-<n> among the visitors
    guest_count_setting: int = 0  # Livechat_guest_count's value
    login_expiration_days: int = 90


def write_export(  # noqa: PLR0913 - the export's knobs, each by name
    directory: Path,
    visitors: int,
    rooms: int | None = None,
    *,
    layout: str = "lines",
    canonical: bool = False,
    seed: int = 0,
    open_share: float = 0.1,
    now_ms: int | None = None,
    twice_open: bool = False,
    login_expiration_days: int = 90,
) -> ExportSummary:
    """Writes the export's five files into `directory` (created if needed)."""
    if layout not in ("lines", "array", "pretty"):
        raise ValueError(f"unknown layout {layout!r}")
    directory.mkdir(parents=True, exist_ok=True)
    world = _World(seed, visitors, now_ms or time.time_ns() // 1_000_000, login_expiration_days)
    summary = ExportSummary(directory, {}, [], login_expiration_days=login_expiration_days)
    options = json_util.CANONICAL_JSON_OPTIONS if canonical else json_util.RELAXED_JSON_OPTIONS
    sources = {
        "users": world.users(summary),
        "visitors": world.visitors(summary),
        "rooms": world.rooms(
            summary, visitors // 5 if rooms is None else rooms, open_share, twice_open
        ),
        "settings": world.settings(summary),
        "permissions": world.permissions(),
    }
    for collection, documents in sources.items():
        name = COLLECTION_FILES[collection]
        with (directory / name).open("w", encoding="utf-8") as out:
            summary.records[name] = _write(out, documents, layout, options)
    return summary


def _write(out: IO[str], documents: Iterator[dict[str, Any]], layout: str, options: Any) -> int:
    """mongoexport's layouts: a document a line; `[a,b]` on one line; documents tab-indented."""
    count = 0
    if layout == "array":
        out.write("[")
    for count, document in enumerate(documents, start=1):
        if layout == "lines":
            out.write(json_util.dumps(document, json_options=options, separators=COMPACT) + "\n")
        elif layout == "array":
            out.write(
                ("," if count > 1 else "")
                + json_util.dumps(document, json_options=options, separators=COMPACT)
            )
        else:
            out.write(json_util.dumps(document, json_options=options, indent="\t") + "\n")
    if layout == "array":
        out.write("]\n")
    return count


def _date(epoch_ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=epoch_ms)


class _World:
    """Every id, token and date of the export, derived from (seed, kind, index)."""

    def __init__(self, seed: int, visitors: int, now_ms: int, days: int) -> None:
        self.seed, self.visitor_count, self.now_ms, self.days = seed, visitors, now_ms, days
        # The last two visitors are the disabled and the erased one (when there are three or more).
        self.regular = visitors - 2 if visitors >= 3 else visitors
        self.agents = [(self.meteor_id("agent", n), f"agent.{n}") for n in range(AGENTS)]

    def digest(self, kind: str, index: int) -> bytes:
        return hashlib.sha256(f"{self.seed}:{kind}:{index}".encode()).digest()

    def meteor_id(self, kind: str, index: int) -> str:
        return "".join(
            UNMISTAKABLE_CHARS[b % len(UNMISTAKABLE_CHARS)] for b in self.digest(kind, index)[:17]
        )

    def secret(self, kind: str, index: int) -> str:
        """43 characters of [A-Za-z0-9_-], like Meteor's Random.secret()."""
        return base64.urlsafe_b64encode(self.digest(kind, index)).decode()[:43]

    def visitor(self, n: int) -> dict[str, Any]:
        """Visitor n (1-based) as livechat/visitor registered it: ids, token, guest-<n>, phone."""
        digest = self.digest("visitor", n)
        doc = new_visitor_document(
            self.secret("visitor-token", n),
            f"guest-{n}",
            self.now_ms - (self.visitor_count - n + 1) * 60_000,
            phone=f"+1555{n:07d}",
            email=f"Caller.{n}@Example.com " if n % 3 == 0 else None,
            name=f"Caller {n}" if n % 2 == 0 else None,
        )
        doc["_id"] = digest[:12].hex()
        return doc

    def users(self, summary: ExportSummary) -> Iterator[dict[str, Any]]:
        created = _date(self.now_ms - 400 * DAY_MS)
        for n, (user_id, username) in enumerate(self.agents):
            login, pat = self.secret("login", n), self.secret("pat", n)
            tokens = [{"when": _date(self.now_ms - DAY_MS), "hashedToken": hash_token(login)}]
            expired = self.secret("expired", n) if n == 0 else None
            if expired:
                when = self.now_ms - (self.days + 10) * DAY_MS
                tokens.append({"when": _date(when), "hashedToken": hash_token(expired)})
            tokens.append(
                {
                    "hashedToken": hash_token(pat),
                    "type": "personalAccessToken",
                    "createdAt": _date(self.now_ms - 30 * DAY_MS),
                    "lastTokenPart": pat[-6:],
                    "name": "pbx",
                    "bypassTwoFactor": False,
                }
            )
            summary.agents.append(AgentCredentials(user_id, username, login, "pbx", pat, expired))
            yield {
                "_id": user_id,
                "createdAt": created,
                "services": {"resume": {"loginTokens": tokens}},
                "username": username,
                "type": "user",
                "active": True,
                "roles": ["user", "livechat-agent"],
                "name": f"Agent {n}",
            }
        summary.admin_id = self.meteor_id("admin", 0)
        yield {
            "_id": summary.admin_id,
            "createdAt": created,
            "username": "admin",
            "type": "user",
            "active": True,
            "roles": ["admin"],
            "name": "Admin",
        }
        yield {
            "_id": "rocket.cat",
            "createdAt": created,
            "username": "rocket.cat",
            "type": "bot",
            "active": True,
            "roles": ["bot"],
            "name": "Rocket.Cat",
        }

    def visitors(self, summary: ExportSummary) -> Iterator[dict[str, Any]]:
        for n in range(1, self.visitor_count + 1):
            doc = self.visitor(n)
            doc["_updatedAt"], doc["ts"] = (
                _date(ms_from_iso(doc["_updatedAt"])),
                _date(ms_from_iso(doc["ts"])),
            )
            if n == self.regular + 1:
                doc["disabled"] = True
                summary.disabled_visitor_id = doc["_id"]
            elif n > self.regular:  # erased: Rocket.Chat keeps no token, name, phone or email
                doc = {key: doc[key] for key in ("_id", "_updatedAt", "status", "ts", "username")}
                summary.erased_visitor_id = doc["_id"]
            else:
                summary.importable_visitors += 1
            summary.visitors += 1
            summary.largest_guest = n
            yield doc

    def rooms(
        self, summary: ExportSummary, count: int, open_share: float, twice_open: bool
    ) -> Iterator[dict[str, Any]]:
        chance = random.Random(self.seed)  # a benchmark's shape, not a secret
        for i in range(count):
            n = i % max(self.regular, 1) + 1
            visitor = Visitor(self.visitor(n))
            agent_id, username = self.agents[i % AGENTS]
            agent = User(agent_id, username, roles=("livechat-agent",))
            room_id = self.meteor_id("room", i)
            if chance.random() < open_share:
                if twice_open and not summary.open_rooms:
                    older_id = self.meteor_id("older-room", i)
                    summary.older_open_room_ids.append(older_id)
                    summary.rooms += 1
                    yield _exported_room(
                        new_call_room(
                            older_id, visitor, agent, "inbound", self.now_ms - 2 * 3_600_000
                        )
                    )
                started = self.now_ms - 60_000 * (1 + i % 50)
                summary.open_rooms.append(OpenRoom(room_id, visitor.id, visitor.token))
                yield _exported_room(new_call_room(room_id, visitor, agent, "inbound", started))
            else:
                started = self.now_ms - DAY_MS * (1 + i % 180) - 7 * i % 1000  # some milliseconds
                room = new_call_room(
                    room_id, visitor, agent, ("inbound", "outbound")[i % 2], started
                )
                tags = TAGS[i % len(TAGS)] if i % 4 == 0 else None
                summary.tagged_rooms += tags is not None
                summary.closed_rooms += 1
                yield _exported_room(
                    closed_call_room(
                        room,
                        ("user", "visitor")[i % 2],
                        {"_id": agent_id, "username": username},
                        started + 30_000 + 1000 * (i % 600),
                        tags,
                    )
                )
            summary.rooms += 1
        summary.non_voip_rooms = 1
        yield {
            "_id": "GENERAL",
            "ts": _date(self.now_ms - 400 * DAY_MS),
            "t": "c",
            "name": "general",
            "usersCount": AGENTS + 1,
            "msgs": 0,
            "default": True,
            "_updatedAt": _date(self.now_ms - DAY_MS),
            "lm": _date(self.now_ms - DAY_MS),
        }

    def settings(self, summary: ExportSummary) -> Iterator[dict[str, Any]]:
        summary.guest_count_setting = self.visitor_count
        updated = _date(self.now_ms - DAY_MS)
        for name, value, kind in (
            ("Accounts_LoginExpiration", self.days, "int"),
            ("Livechat_guest_count", self.visitor_count, "int"),
            ("Site_Url", "https://chat.example.com", "string"),
        ):
            yield {
                "_id": name,
                "value": value,
                "type": kind,
                "public": False,
                "packageValue": value,
                "ts": updated,
                "_updatedAt": updated,
            }

    def permissions(self) -> Iterator[dict[str, Any]]:
        updated = _date(self.now_ms - DAY_MS)
        yield {"_id": "inbound-voip-calls", "roles": ["livechat-agent"], "_updatedAt": updated}
        yield {
            "_id": "view-l-room",
            "roles": ["livechat-manager", "livechat-agent", "admin"],
            "_updatedAt": updated,
        }


def _exported_room(room: dict[str, Any]) -> dict[str, Any]:
    """The room as Mongo holds it: its date fields as dates, not as the API's ISO strings."""
    exported: dict[str, Any] = {
        key: _date(ms_from_iso(value)) if key in ROOM_DATES else value
        for key, value in room.items()
    }
    served = exported.get("servedBy")
    if served and "ts" in served:
        exported["servedBy"] = {**served, "ts": _date(ms_from_iso(served["ts"]))}
    return exported
