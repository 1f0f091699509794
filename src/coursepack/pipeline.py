"""Load and resolve a reader: the front half of every command."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coursepack.diagnostics import Report
from coursepack.load import load_project
from coursepack.model import Reader
from coursepack.resolve import resolve


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a while, then restore it as it was.

    Loading makes hundreds of thousands of small objects (parsed values, their positions,
    anchors) and keeps nearly all of them; each time enough are made the collector walks
    every one of them again looking for cycles it will not find. Paused, a large reader's
    first check takes a sixth less time; what loading leaves behind is freed by reference
    counting as before, and any cycle by the next collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_reader(root: Path | str) -> tuple[Reader | None, Report]:
    """Load and resolve the reader at root; the Reader is None when there are errors."""
    report = Report()
    with collector_paused():
        raw = load_project(Path(root), report)
        reader = resolve(raw, report)
        if raw.cache is not None:
            raw.cache.save()
    return (reader if report.ok else None), report


def input_files(root: Path | str) -> list[str]:
    """Return the paths (relative to root) of every input file of a reader."""
    return load_project(Path(root), Report()).files
