"""Where the importer's records come from: by collection, anything that streams records and says
how far it got (export_files.ExportFile for a `mongoexport` directory; lists in the tests)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

COLLECTIONS = ("users", "visitors", "rooms", "settings", "permissions")
# One of these must be there: the others only tune an import.
MAIN_COLLECTIONS = ("users", "visitors", "rooms")


class Record(Protocol):
    @property
    def at(self) -> str: ...  # "line 17", "document 3"

    @property
    def doc(self) -> dict[str, Any]: ...

    @property
    def unsupported(self) -> str | None: ...


class Source(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def size(self) -> int: ...

    def tell(self) -> int: ...

    def __iter__(self) -> Iterator[Record]: ...


Sources = Mapping[str, Source]


class NoExport(Exception):
    """A directory with nothing to import: bad input."""


@dataclass(frozen=True)
class MemoryRecord:
    at: str
    doc: dict[str, Any]
    unsupported: str | None = None


class MemorySource:
    """Records held in a list (tests; documents already in stored form). Its size and position
    count records."""

    def __init__(self, name: str, docs: list[dict[str, Any]]) -> None:
        self.name = name
        self.records = [MemoryRecord(f"line {n}", doc) for n, doc in enumerate(docs, 1)]
        self.size = len(self.records)
        self.position = 0

    def tell(self) -> int:
        return self.position

    def __iter__(self) -> Iterator[Record]:
        for position, record in enumerate(self.records, 1):
            self.position = position
            yield record


def open_directory(directory: Path) -> dict[str, Source]:
    """The export's files found in `directory`, by collection."""
    # pymongo and ijson, imported only when a directory is read.
    from voip_admin.rocketchat import export_files

    if not directory.is_dir():
        raise NoExport(f"--from {directory}: not a directory")
    found: dict[str, Source] = {}
    for collection, file_name in export_files.COLLECTION_FILES.items():
        path = directory / file_name
        if path.is_file():
            found[collection] = export_files.ExportFile(path)
    if not any(collection in found for collection in MAIN_COLLECTIONS):
        names = ", ".join(export_files.COLLECTION_FILES[c] for c in MAIN_COLLECTIONS)
        raise NoExport(f"--from {directory}: none of {names}")
    return found
