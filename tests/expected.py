"""Expectations shared by the unit and integration suites, written out from docs/contract/."""

import json
from typing import Any


def compact(value: Any) -> str:
    """A body as Rocket.Chat writes it (JSON.stringify): compact, keys in order, non-ASCII as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# docs/contract/voip-room.md §6: the created room's fields, in order (`departmentId` only with a
# department).
ROOM_KEYS = [
    "_id",
    "msgs",
    "usersCount",
    "lm",
    "name",
    "fname",
    "t",
    "ts",
    "departmentId",
    "v",
    "servedBy",
    "open",
    "waitingResponse",
    "source",
    "queuedAt",
    "callStarted",
    "queue",
    "uids",
    "autoTranslateLanguage",
    "livechatData",
    "u",
    "direction",
    "_updatedAt",
]
