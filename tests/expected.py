"""Expectations shared by the unit and integration suites, written out from docs/contract/."""

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
