"""Quality warnings: what a reader can do without, but its readers would miss.

Each is a warning with its own code, never an error, given once the reader has resolved
without errors; a reader silences any of them (and the other warnings) by its code in
``silence:`` in ``reader.yaml``, and ``coursepack check --quiet-warning CODE`` for one run:

- ``quality.note-sources``: a historical note cites fewer than two sources;
- ``quality.term-unused``: a glossary term occurs in no reading;
- ``quality.no-questions``: a reading has no discussion questions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from coursepack.diagnostics import WARNING_CODES, Location, Report

if TYPE_CHECKING:
    from coursepack.load import RawProject
    from coursepack.model import Reader

#: The fewest sources a historical note should cite.
NOTE_SOURCES = 2


def code_of(written: str) -> str:
    """Return a code as CODES keys it: without the ``coursepack.`` a message shows."""
    return written.strip().removeprefix("coursepack.")


def unknown_codes(codes: Iterable[str]) -> list[str]:
    """Return the codes given that are not codes of warnings."""
    return [c for c in codes if code_of(c) not in WARNING_CODES]


def check_quality(reader: Reader, raw: RawProject, report: Report) -> None:
    """Report the quality warnings of a resolved reader."""
    docs = {
        (rec.kind.name, rec.id): rec.doc
        for kind in ("note", "term")
        for rec in raw.records.get(kind, [])
    }
    for note in reader.notes:
        if len(note.sources) < NOTE_SOURCES:
            doc = docs.get(("note", note.id))
            where = doc.at("sources") if doc is not None else note.location
            report.warning(
                "quality.note-sources",
                f"historical note '{note.id}' cites {len(note.sources)} source"
                f"{'s' if len(note.sources) != 1 else ''}; a note is better founded on at "
                f"least {NOTE_SOURCES} (add to its sources, or silence this with "
                "silence: [coursepack.quality.note-sources] in reader.yaml)",
                where,
            )
    for term in reader.terms:
        if not term.occurrences:
            doc = docs.get(("term", term.id))
            where = doc.at("term") if doc is not None else term.location
            why = (
                "autolink is off and it has no anchors"
                if not term.autolink
                else "neither the term nor an alias or abbreviation is found"
            )
            report.warning(
                "quality.term-unused",
                f"glossary term '{term.id}' occurs in no reading ({why}); add the form the "
                "readings use to its aliases, anchor it with a quote, or remove it",
                where,
            )
    asked = {r for q in reader.questions for r in q.readings}
    meta = raw.reader
    for i, reading in enumerate(reader.readings):
        if reading.id not in asked:
            where = (
                meta.at("readings", i) if meta is not None else Location(reading.meta_path, 1, 1)
            )
            report.warning(
                "quality.no-questions",
                f"reading '{reading.id}' has no discussion questions; add some in "
                f"annotations/questions/{reading.id}.yaml (coursepack new question ID "
                f"--reading {reading.id} --question ...)",
                where,
            )


def silence(report: Report, codes: Iterable[str]) -> None:
    """Drop the warnings with the given codes from a report (errors are never dropped)."""
    quiet = {code_of(c) for c in codes}
    if quiet:
        report.diagnostics = [
            d for d in report.diagnostics if d.severity == "error" or d.code not in quiet
        ]
