"""Load and resolve a reader: the front half of every command."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coursepack import quality
from coursepack.diagnostics import Location, Report
from coursepack.load import RawProject, load_project
from coursepack.model import Reader
from coursepack.refs import keys
from coursepack.resolve import resolve


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep Python's cycle collector off what loading makes, then restore it as it was.

    Loading makes hundreds of thousands of small objects (parsed values, their positions,
    anchors) and keeps nearly all of them for as long as the reader is used. Each time
    enough are made the collector walks them all again looking for cycles, which they do
    not form; so it is paused while they are made, and afterwards they are moved out of
    its sight (``gc.freeze``: otherwise its first run after the pause walks all of them at
    once, and later runs during a build walk them again). Objects are still freed by
    reference counting when unused; only a cycle among them would be kept to the end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def read_reader(root: Path | str, *, silence: tuple[str, ...] = ()) -> tuple[Reader | None, Report]:
    """Load and resolve the reader at root; the Reader is None when there are errors.

    silence: codes of warnings not to report, besides those reader.yaml silences.
    """
    report = Report()
    with collector_paused():
        raw = load_project(Path(root), report)
        reader = resolve(raw, report)
        if raw.cache is not None:
            raw.cache.save()
    if reader is not None and report.ok:
        _check_keys(reader, raw, report)
    if reader is not None and report.ok:
        quality.check_quality(reader, raw, report)
    listed = raw.reader.data.get("silence", []) if raw.reader is not None else []
    quality.silence(report, (*listed, *silence))
    return (reader if report.ok else None), report


def _check_keys(reader: Reader, raw: RawProject, report: Report) -> None:
    """Report readings whose citation key another work already has (keys never move)."""
    for problem in keys.problems(reader):
        reading = reader.reading(problem.reading)
        seed = raw.seeds.get(problem.reading)
        meta = seed.meta if seed is not None else None
        if meta is not None:
            where = meta.at("key") if reading.key else meta.at("title")
        else:
            where = Location(reading.meta_path, 1, 1)
        report.error("cite.key-taken", problem.message(reading.meta_path), where)


def input_files(root: Path | str) -> list[str]:
    """Return the paths (relative to root) of every input file of a reader."""
    return load_project(Path(root), Report()).input_files()
