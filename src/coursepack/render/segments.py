"""Split a paragraph into runs of text with the annotations that cover each run.

The site and the PDFs both mark annotated passages, link glossary terms and names, and
place note calls; this module works out once which annotation covers which characters, so
the two renderers agree. It reads only the model.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from coursepack.model import AnnotationKind, Paragraph, Reader

MarkKind = AnnotationKind


@dataclass(frozen=True)
class Mark:
    """An annotation's span within a reading."""

    kind: MarkKind
    #: The annotation's id (note, textual note, question, term or entity id).
    id: str
    start: int
    end: int
    #: The textual note's kind, for textual marks.
    detail: str = ""


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph covered by the same marks."""

    start: int
    end: int
    text: str
    #: Marks covering the whole run, outermost (longest) first.
    marks: tuple[Mark, ...]
    #: Marks that end where this run ends (where a note call goes).
    ends: tuple[Mark, ...]


def reading_marks(
    reader: Reader, reading_id: str, kinds: frozenset[MarkKind] | None = None
) -> list[Mark]:
    """Return every mark in a reading, in text order."""
    marks = [
        Mark(*span) for span in reader.spans_in(reading_id) if kinds is None or span.kind in kinds
    ]
    return sorted(marks, key=lambda m: (m.start, -m.end, m.kind, m.id))


def first_uses(marks: list[Mark]) -> list[Mark]:
    """Keep term and entity marks only at their first use; keep other marks."""
    seen: set[tuple[str, str]] = set()
    out = []
    for mark in marks:
        key = (mark.kind, mark.id)
        if mark.kind in ("term", "entity"):
            if key in seen:
                continue
            seen.add(key)
        out.append(mark)
    return out


def segment(text: str, paragraph: Paragraph, marks: list[Mark]) -> list[Run]:
    """Split a paragraph into runs at every mark boundary inside it."""
    inside = [m for m in marks if m.start < paragraph.end and m.end > paragraph.start]
    cuts = {paragraph.start, paragraph.end}
    for m in inside:
        cuts.add(max(m.start, paragraph.start))
        cuts.add(min(m.end, paragraph.end))
    points = sorted(cuts)
    runs = []
    for start, end in itertools.pairwise(points):
        covering = tuple(
            sorted(
                (m for m in inside if m.start <= start and m.end >= end),
                key=lambda m: (-(m.end - m.start), m.start, m.kind, m.id),
            )
        )
        ends = tuple(m for m in covering if m.end == end)
        runs.append(Run(start, end, text[start:end], covering, ends))
    return runs
