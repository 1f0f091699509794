"""Load and resolve a reader: the front half of every command."""

from __future__ import annotations

from pathlib import Path

from coursepack.diagnostics import Report
from coursepack.load import load_project
from coursepack.model import Reader
from coursepack.resolve import resolve


def read_reader(root: Path | str) -> tuple[Reader | None, Report]:
    """Load and resolve the reader at root; the Reader is None when there are errors."""
    report = Report()
    raw = load_project(Path(root), report)
    reader = resolve(raw, report)
    if raw.cache is not None:
        raw.cache.save()
    return (reader if report.ok else None), report


def input_files(root: Path | str) -> list[str]:
    """Return the paths (relative to root) of every input file of a reader."""
    return load_project(Path(root), Report()).files
