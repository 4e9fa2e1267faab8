"""A progress bar per file and phase on stderr, in bytes read (tqdm): drawn only when stderr is a
terminal (`disable=None`), so logs and pipes get nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

from voip_admin.rocketchat.sources import Record, Source

Progress = Callable[[Source, str], Iterator[Record]]


def quiet(source: Source, _phase: str) -> Iterator[Record]:
    yield from source


def bars(source: Source, phase: str) -> Iterator[Record]:
    from tqdm import tqdm

    with tqdm(
        total=source.size,
        desc=f"{phase} {source.name}",
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=None,
        file=sys.stderr,
        leave=True,
    ) as bar:
        for record in source:
            bar.update(source.tell() - bar.n)
            yield record
        bar.update(source.size - bar.n)
