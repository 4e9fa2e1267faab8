"""One file of a Rocket.Chat `mongoexport`, read as a stream of records (docs/migrating-from-
rocketchat.md, "Input").

The layout is detected per file: JSON lines (mongoexport's default: one document a line, read with
`bson.json_util.loads`), a JSON array (`--jsonArray`, written as one line, perhaps of gigabytes:
streamed by ijson, never read whole) or `--pretty` (documents over many lines, one after another:
ijson too). Memory holds one document at a time. Each record's `doc` is in stored form
(stored_form.py); a record holding a value the service cannot store comes back `unsupported`, for
the importer to skip and list. Anything that is not an export stops the reading with an
ExportFileError naming the file and the position (`line N`, `document N`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from voip_admin.rocketchat.stored_form import (
    BadValue,
    Unsupported,
    decode_element,
    decode_line,
    stored_document,
    stored_id,
)

COLLECTION_FILES = {
    "users": "users.json",
    "visitors": "rocketchat_livechat_visitor.json",
    "rooms": "rocketchat_room.json",
    "settings": "rocketchat_settings.json",
    "permissions": "rocketchat_permissions.json",
}

# A JSON line holds one document (BSON's limit is 16 MiB; canonical Extended JSON may triple it);
# a longer line is not an export, and reading it whole would not bound memory.
MAX_LINE_BYTES = 64 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_BLANK = b" \t\r\n"
_CHUNK = 64 * 1024

LINES, ARRAY, PRETTY, EMPTY = "lines", "array", "pretty", "empty"


class ExportFileError(Exception):
    """A file that cannot be read as an export. str() is '<file name> <position>: <reason>', e.g.
    'rocketchat_room.json line 17: not an Extended JSON object' (the CLI prefixes
    'voip-admin import-rocketchat: ' and exits 2); '<file name>: <reason>' when no position
    applies. The reason never quotes the file's content."""

    def __init__(self, file: str, at: str | None, reason: str) -> None:
        super().__init__(f"{file} {at}: {reason}" if at else f"{file}: {reason}")
        self.file = file
        self.at = at
        self.reason = reason


@dataclass(frozen=True)
class ExportRecord:
    at: str  # "line 17" (JSON lines) or "document 3" (array, --pretty), 1-based
    doc: dict[str, Any]  # the document in stored form, key order kept
    # Set when a value cannot be stored (other BSON types, a year outside 1–9999): the importer
    # skips the record as unsupported-value; doc then holds "_id" when that decoded, else nothing.
    unsupported: str | None = None


class ExportFile:
    """One export file; each iteration opens it again and streams its records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        try:
            self.size = path.stat().st_size
        except OSError as error:
            raise ExportFileError(self.name, None, f"cannot be read ({error.strerror})") from None
        self._handle: BinaryIO | None = None
        self._consumed = 0

    def tell(self) -> int:
        """Bytes the current iteration has consumed (its reader's buffer included): for progress
        bars; `size` once an iteration has finished."""
        handle = self._handle
        if handle is None or handle.closed:
            return self._consumed
        return handle.tell()

    def __iter__(self) -> Iterator[ExportRecord]:
        try:
            handle = self.path.open("rb")
        except OSError as error:
            raise ExportFileError(self.name, None, f"cannot be read ({error.strerror})") from None
        with handle:
            self._handle, self._consumed = handle, 0
            layout, start = detect_layout(handle)
            handle.seek(start)
            if layout == LINES:
                yield from self._lines(handle)
            elif layout == ARRAY:
                yield from self._elements(handle, "item", multiple=False)
            elif layout == PRETTY:
                yield from self._elements(handle, "", multiple=True)
            self._consumed = self.size

    def _lines(self, handle: BinaryIO) -> Iterator[ExportRecord]:
        number = 0
        while line := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            at = f"line {number}"
            if len(line) > MAX_LINE_BYTES:
                raise ExportFileError(self.name, at, "longer than 64 MiB")
            if not line.strip(_BLANK):
                continue
            try:
                value = decode_line(line)
            except BadValue as error:
                raise ExportFileError(self.name, at, str(error)) from None
            yield self._record(at, value)

    def _elements(self, handle: BinaryIO, prefix: str, *, multiple: bool) -> Iterator[ExportRecord]:
        import ijson

        number = 0
        values = ijson.items(handle, prefix, multiple_values=multiple, use_float=True)
        while True:
            try:
                element = next(values, _END)
            except (ijson.JSONError, ValueError) as error:
                reason = _ijson_reason(error)
                raise ExportFileError(self.name, f"document {number + 1}", reason) from None
            if element is _END:
                return
            number += 1
            at = f"document {number}"
            try:
                value = decode_element(element)
            except BadValue as error:
                raise ExportFileError(self.name, at, str(error)) from None
            yield self._record(at, value)

    def _record(self, at: str, value: Any) -> ExportRecord:
        if type(value) is not dict:
            raise ExportFileError(self.name, at, "not an Extended JSON object")
        try:
            return ExportRecord(at, stored_document(value))
        except Unsupported as problem:
            return ExportRecord(at, stored_id(value), unsupported=problem.reason)


_END = object()


def detect_layout(handle: BinaryIO) -> tuple[str, int]:
    """The file's layout and where its reading starts (after a byte-order mark, which mongoexport
    does not write but an editor might). A first non-blank line that is one whole object means JSON
    lines; one that opens an object without closing it, `--pretty`; `[`, an array."""
    start = len(_BOM) if handle.read(len(_BOM)) == _BOM else 0
    handle.seek(start)
    offset = start
    while chunk := handle.read(_CHUNK):
        content = chunk.lstrip(_BLANK)
        if content:
            break
        offset += len(chunk)
    else:
        return EMPTY, start
    if content.startswith(b"["):
        return ARRAY, start
    if content.startswith(b"{"):
        handle.seek(offset + len(chunk) - len(content))
        first_line = handle.readline(MAX_LINE_BYTES + 1)
        if not first_line.rstrip(_BLANK).endswith(b"}"):
            return PRETTY, start
    return LINES, start


def _ijson_reason(error: Exception) -> str:
    """yajl's message is one line of reason, then the text around the error: keep the reason."""
    text = str(error).removeprefix("b'").removeprefix('b"')
    reason = text.split("\\n", 1)[0].split("\n", 1)[0].strip()
    if "premature EOF" in reason or "Incomplete JSON content" in reason:  # yajl, pure Python
        return "truncated: the file ends before the JSON does"
    if "trailing garbage" in reason or "Additional data" in reason:
        return "text after the end of the array"
    if "UTF8" in reason or isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    if reason.startswith(("parse error", "lexical error")):
        return f"not valid JSON ({reason})"
    return "not valid JSON"
