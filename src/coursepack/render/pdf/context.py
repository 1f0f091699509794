"""Turn a Reader into the plain data the PDF templates show.

Everything here is plain data (dicts, lists, strings), so a context can be hashed to skip
unchanged PDFs and sent to a worker process. Annotation bodies become HTML only through
:mod:`coursepack.render.markup`; the reading texts stay text and are escaped by Jinja.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from markupsafe import Markup

from coursepack.model import (
    Anchor,
    Note,
    Paragraph,
    Period,
    Question,
    Reader,
    Reading,
    Source,
    Term,
    TextualNote,
)
from coursepack.options import BuildOptions
from coursepack.render import markup, segments
from coursepack.render.labels import LEVEL_LABELS, format_date, textual_label
from coursepack.render.pdf import _cite
from coursepack.render.segments import Mark, MarkKind

Context = dict[str, Any]

_MARK_KINDS: frozenset[MarkKind] = frozenset({"note", "textual", "term", "entity"})


def format_period(period: Period) -> str:
    """Return a period as it reads ("February 7 – August 21, 1934"), or its label."""
    if period.label:
        return period.label
    start = format_date(period.start)
    if period.end is None or period.end == period.start:
        return start
    return f"{start} – {format_date(period.end)}"


def _inline(text: str) -> Markup:
    """Return Markdown as inline HTML on one line (footnotes keep no source line breaks)."""
    return Markup(" ".join(markup.markdown_to_inline_html(text).splitlines()))


def _bracket(value: str, supplied: bool) -> str:
    return f"[{value}]" if supplied else value


def occurrence_id(kind: str, item_id: str, index: int) -> str:
    """Return the HTML id of one occurrence of a term or entity in a reading."""
    return f"o-{kind}-{item_id}-{index}"


def _sources(reader: Reader, sources: tuple[Source, ...]) -> list[Markup | str]:
    known = {r.key for r in reader.references}
    return [
        _cite.cite_inline(reader, s.key, s.locator) if s.key in known else s.key for s in sources
    ]


def _anchor_label(reader: Reader, anchor: Anchor) -> str:
    reading = reader.reading(anchor.reading)
    where = f", ¶{anchor.paragraph}" if anchor.paragraph is not None else ""
    return f"{reading.author_label} {reading.date.year}{where}"


def _anchor_href(anchor: Anchor) -> str:
    if anchor.paragraph is None:
        return f"#r-{anchor.reading}"
    return f"#r-{anchor.reading}-p{anchor.paragraph}"


def _by_label(entry: Context) -> str:
    return str(entry["label"]).casefold()


def _running(reading: Reading, limit: int = 60) -> str:
    """Return the running head of a reading: author, year and a title cut at a word."""
    title = reading.title
    if len(title) > limit:
        title = title[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"{reading.author_label} {reading.date.year} · {title}"


class _Builder:
    """Build the contexts of one reader (the ids are shared by every document)."""

    def __init__(
        self, reader: Reader, options: BuildOptions, reading_ids: Iterable[str] | None = None
    ) -> None:
        self.reader = reader
        self.options = options
        #: The readings this document prints (the index lists occurrences in these only).
        self._reading_ids = (
            set(reading_ids) if reading_ids is not None else {r.id for r in reader.readings}
        )
        self._marks_cache: dict[str, list[Mark]] = {}
        self._first_terms: dict[str, set[tuple[str, int]]] = {}
        self._footnotes: dict[str, int] = defaultdict(int)
        self._occurrences: dict[tuple[str, str], dict[tuple[str, int], int]] = {}
        self._textual = {t.id: t for t in reader.textual_notes}
        self._current = ""
        #: The block (paragraph id) where each footnote is called.
        self.footnote_blocks: dict[str, str] = {}

    # -- readings ---------------------------------------------------------------------------

    def reading(self, reading: Reading) -> Context:
        """Return a reading: metadata, blocks of runs, citation, questions."""
        r = reading
        reader = self.reader
        author = ", ".join(r.authors) if r.authors else (r.corporate_author or "")
        author_supplied = r.is_supplied("authors" if r.authors else "corporate_author")
        fields = [
            ("Author", _bracket(author, author_supplied) if author else ""),
            ("Outlet", _bracket(r.outlet, r.is_supplied("outlet"))),
            ("Date", _bracket(format_date(r.date), r.is_supplied("date"))),
            ("Genre", _bracket(r.genre, r.is_supplied("genre"))),
            ("Source", _bracket(r.url, r.is_supplied("url"))),
        ]
        whole_text = [self.textual(t) for t in reader.textual_notes_for(r.id) if t.anchor is None]
        blocks = [self.block(r, b) for b in (*r.front, *r.paragraphs)]
        return {
            "id": r.id,
            "title": _bracket(r.title, r.is_supplied("title")),
            "plain_title": r.title,
            "running": _running(r),
            "author": _bracket(author, author_supplied) if author else "",
            "short": f"{r.author_label} {r.date.year}",
            "language": r.language,
            "fields": [{"label": k, "value": v} for k, v in fields if v],
            "perspective": r.perspective,
            "whole_text_notes": whole_text,
            "blocks": blocks,
            "citation": _cite.format_entry(reader, r),
            "questions": [self.question(q) for q in reader.questions_for(r.id)],
            "comparative": [
                self.question(q) for q in reader.comparative_questions if r.id in q.readings
            ],
            "notes": sorted({n.id for n, _ in reader.notes_for(r.id)}),
            "terms": [t.id for t in reader.terms_in(r.id)],
        }

    def _reading_marks(self, reading: Reading) -> list[Mark]:
        """Return (and remember) the marks of a reading and the first use of each term."""
        marks = self._marks_cache.get(reading.id)
        if marks is None:
            marks = segments.reading_marks(self.reader, reading.id, _MARK_KINDS)
            self._marks_cache[reading.id] = marks
            firsts = segments.first_uses([m for m in marks if m.kind == "term"])
            self._first_terms[reading.id] = {(m.id, m.start) for m in firsts}
        return marks

    def _occurrence_index(self, kind: str, item_id: str, start: int) -> int:
        """Return the position of an occurrence among the term's or entity's occurrences."""
        key = (kind, item_id)
        table = self._occurrences.get(key)
        if table is None:
            item = self.reader.term(item_id) if kind == "term" else self.reader.entity(item_id)
            table = self._occurrences[key] = {
                (o.reading, o.start): i for i, o in enumerate(item.occurrences)
            }
        return table[(self._current, start)]

    def block(self, reading: Reading, paragraph: Paragraph) -> Context:
        """Return a block as runs of text, with occurrence ids, term marks and footnotes."""
        reader = self.reader
        marks = self._reading_marks(reading)
        firsts = self._first_terms[reading.id]
        if paragraph.number is None:
            block_id = f"r-{reading.id}-f{reading.front.index(paragraph) + 1}"
        else:
            block_id = f"r-{reading.id}-p{paragraph.number}"
        self._current = reading.id
        runs = []
        for run in segments.segment(reading.text, paragraph, marks):
            classes: list[str] = sorted({m.kind for m in run.marks})
            if any(m.kind == "term" and (m.id, m.start) in firsts for m in run.marks):
                classes.append("first-use")
            ids = [
                occurrence_id(m.kind, m.id, self._occurrence_index(m.kind, m.id, m.start))
                for m in run.marks
                if m.kind in ("term", "entity") and m.start == run.start
            ]
            after: list[Context] = []
            for m in sorted(run.ends, key=lambda m: (m.start, m.kind, m.id)):
                if m.kind == "term" and (m.id, m.start) in firsts:
                    term = reader.term(m.id)
                    after.append({"kind": "term", "id": term.id, "term": term.term})
                elif m.kind == "note":
                    after.append(self.note_call(reader.note(m.id)))
                elif m.kind == "textual":
                    textual = self._textual[m.id]
                    after.append({"kind": "textual", **self.textual(textual)})
            for item in after:
                if item["kind"] != "term":
                    self._footnotes[reading.id] += 1
                    item["fid"] = f"f-{reading.id}-{self._footnotes[reading.id]}"
                    self.footnote_blocks[item["fid"]] = block_id
            runs.append(
                {"text": run.text, "classes": " ".join(classes), "ids": ids, "after": after}
            )
        return {
            "number": paragraph.number,
            "id": block_id,
            "boilerplate": paragraph.boilerplate,
            "runs": runs,
        }

    def note_call(self, note: Note) -> Context:
        """Return the footnote that points a passage to its historical note."""
        return {
            "kind": "note",
            "id": note.id,
            "title": note.title,
            "period": format_period(note.period),
        }

    def textual(self, t: TextualNote) -> Context:
        """Return a textual note."""
        return {
            "id": t.id,
            "label": textual_label(t.kind),
            "html": _inline(t.note),
            "correction": t.correction or "",
            "sources": _sources(self.reader, t.sources),
        }

    # -- apparatus --------------------------------------------------------------------------

    def note(self, note: Note) -> Context:
        """Return a historical note in full."""
        return {
            "id": note.id,
            "title": note.title,
            "period": format_period(note.period),
            "html": Markup(markup.markdown_to_html(note.body)),
            "teaching": Markup(markup.markdown_to_html(note.teaching)) if note.teaching else "",
            "sources": _sources(self.reader, note.sources),
            "anchors": [
                {
                    "label": _anchor_label(self.reader, a),
                    "href": _anchor_href(a),
                    "reading": a.reading,
                }
                for a in note.anchors
            ],
        }

    def term(self, term: Term) -> Context:
        """Return a glossary entry."""
        readings = [
            r for r in self.reader.readings if any(o.reading == r.id for o in term.occurrences)
        ]
        return {
            "id": term.id,
            "term": term.term,
            "abbreviation": term.abbreviation or "",
            "html": Markup(markup.markdown_to_html(term.definition)),
            "see_also": [
                {"id": s, "term": self.reader.term(s).term, "linked": True}
                for s in term.see_also
                if s in {t.id for t in self.reader.terms}
            ],
            "sources": _sources(self.reader, term.sources),
            "readings": [f"{r.author_label} {r.date.year}" for r in readings],
        }

    def question(self, q: Question, teaching: bool | None = None) -> Context:
        """Return a question; its teaching note only in the instructor edition or when asked."""
        show = self.options.edition == "instructor" if teaching is None else teaching
        reader = self.reader
        return {
            "id": q.id,
            "html": Markup(markup.markdown_to_html(q.text)),
            "level": LEVEL_LABELS.get(q.level, q.level),
            "readings": [
                f"{reader.reading(r).author_label} {reader.reading(r).date.year}"
                for r in q.readings
            ],
            "reading_ids": list(q.readings),
            "passages": [
                {"label": _anchor_label(reader, a), "href": _anchor_href(a), "reading": a.reading}
                for a in q.anchors
            ],
            "teaching": (
                Markup(markup.markdown_to_html(q.teaching_note)) if show and q.teaching_note else ""
            ),
        }

    def timeline(self) -> list[Context]:
        """Return the historical notes in the order of their periods."""
        notes = sorted(self.reader.notes, key=lambda n: (n.period.start.sort_key(), n.id))
        return [{"id": n.id, "title": n.title, "period": format_period(n.period)} for n in notes]

    def question_groups(
        self, teaching: bool | None = None, readings: Collection[str] | None = None
    ) -> list[Context]:
        """Return the questions by reading, then the comparative ones, numbered "g.q".

        readings: only the questions on these readings (a volume's), numbered as in the
        whole reader.
        """
        reader = self.reader
        raw: list[tuple[str, str, Sequence[Question]]] = [
            (r.title, f"{r.author_label} {r.date.year}", reader.questions_for(r.id))
            for r in reader.readings
        ]
        raw.append(("Comparing the readings", "", reader.comparative_questions))
        groups: list[Context] = []
        numbered = [(title, short, qs) for title, short, qs in raw if qs]
        for g_number, (title, short, questions) in enumerate(numbered, start=1):
            shown = []
            for q_number, q in enumerate(questions, start=1):
                if readings is None or any(r in readings for r in q.readings):
                    question = self.question(q, teaching)
                    question["number"] = f"{g_number}.{q_number}"
                    shown.append(question)
            if shown:
                groups.append({"title": title, "short": short, "questions": shown})
        return groups

    def index(self) -> dict[str, list[Context]]:
        """Return the index of names and of terms, each entry with its occurrence ids."""
        names = [
            {
                "label": e.name,
                "anchors": [
                    occurrence_id("entity", e.id, i)
                    for i, o in enumerate(e.occurrences)
                    if o.reading in self._reading_ids
                ],
            }
            for e in self.reader.entities
        ]
        terms = [
            {
                "label": t.term + (f" ({t.abbreviation})" if t.abbreviation else ""),
                "anchors": [
                    occurrence_id("term", t.id, i)
                    for i, o in enumerate(t.occurrences)
                    if o.reading in self._reading_ids
                ],
            }
            for t in self.reader.terms
        ]
        return {
            "names": sorted(
                (n for n in names if n["anchors"]), key=lambda n: n["label"].casefold()
            ),
            "terms": sorted(
                (t for t in terms if t["anchors"]), key=lambda t: t["label"].casefold()
            ),
        }

    def common(self) -> Context:
        """Return what every document shows: the reader's metadata and the options."""
        m = self.reader.meta
        return {
            "meta": {
                "id": m.id,
                "title": m.title,
                "subtitle": m.subtitle or "",
                "editors": list(m.editors),
                "year": m.year,
                "publisher": m.publisher,
                "place": m.place or "",
                "url": m.url,
                "licence": m.licence,
                "language": m.language,
                "keywords": list(m.keywords),
            },
            "paper": self.options.paper,
            "edition": self.options.edition,
        }


def reader_context(
    reader: Reader,
    options: BuildOptions,
    volume: int = 1,
    bibliography: Sequence[tuple[str, str]] | None = None,
) -> Context:
    """Return the context of one printed volume of the course reader (most have one).

    A volume holds its readings and the apparatus they call on: the historical notes
    anchored in them, the glossary terms that occur in them, their questions (numbered as
    in the whole reader) and the works those cite, and an index of their pages. Links go
    only to what the volume holds. ``bibliography`` is the reader's formatted bibliography,
    to share between volumes.
    """
    volumes = reader.volumes
    ids = volumes[volume - 1]
    alone = len(volumes) == 1
    b = _Builder(reader, options, ids)
    entries = list(_cite.format_bibliography(reader) if bibliography is None else bibliography)
    readings = [b.reading(reader.reading(r)) for r in ids]
    notes = [n for n in reader.notes if alone or any(a.reading in ids for a in n.anchors)]
    wanted = {t.id for r in ids for t in reader.terms_in(r)}
    terms = [t for t in reader.terms if alone or t.id in wanted]
    glossary = [b.term(t) for t in sorted(terms, key=lambda t: t.term.casefold())]
    here = {t.id for t in terms}
    for entry in glossary:
        for see in entry["see_also"]:
            see["linked"] = see["id"] in here
    note_ids = {n.id for n in notes}
    groups = b.question_groups(readings=None if alone else set(ids))
    if not alone:
        sources = [
            *(n.sources for n in notes),
            *(t.sources for t in terms),
            *(t.sources for r in ids for t in reader.textual_notes_for(r)),
        ]
        cited = {s.key for group in sources for s in group}
        entries = [(k, html) for k, html in entries if k in cited]
    return {
        **b.common(),
        "volume": {
            "number": volume,
            "count": len(volumes),
            "all": [
                {
                    "number": n,
                    "first": reader.reading(v[0]).author_label,
                    "last": reader.reading(v[-1]).author_label,
                    "size": len(v),
                }
                for n, v in enumerate(volumes, start=1)
            ],
        },
        "linkable": None if alone else list(ids),
        "citation": _cite.format_entry(reader, reader),
        "introduction": Markup(markup.markdown_to_html(reader.meta.introduction)),
        "readings": readings,
        "footnote_blocks": b.footnote_blocks,
        "breaks": [],
        "notes": [b.note(n) for n in sorted(notes, key=lambda n: n.title.casefold())],
        "glossary": glossary,
        "timeline": [t for t in b.timeline() if t["id"] in note_ids],
        "question_groups": groups,
        "bibliography": [{"key": k, "html": v} for k, v in entries],
        "index": b.index(),
    }


def reader_contexts(reader: Reader, options: BuildOptions) -> list[Context]:
    """Return the context of each printed volume of the course reader."""
    bibliography = _cite.format_bibliography(reader)
    return [
        reader_context(reader, options, n, bibliography) for n in range(1, len(reader.volumes) + 1)
    ]


def handout_context(reader: Reader, reading_id: str, options: BuildOptions) -> Context:
    """Return the context of one reading's handout."""
    b = _Builder(reader, options)
    reading = b.reading(reader.reading(reading_id))
    notes = [b.note(reader.note(n)) for n in reading["notes"]]
    glossary = [b.term(t) for t in reader.terms_in(reading_id)]
    here = {t["id"] for t in glossary}
    for entry in glossary:
        for see in entry["see_also"]:
            see["linked"] = see["id"] in here
    return {
        **b.common(),
        "reading": reading,
        "footnote_blocks": b.footnote_blocks,
        "breaks": [],
        "notes": sorted(notes, key=lambda n: n["title"].casefold()),
        "glossary": glossary,
        "inline_citation": _cite.cite_inline(reader, reader.reading(reading_id)),
    }


def guide_context(reader: Reader, options: BuildOptions) -> Context:
    """Return the context of the instructor guide."""
    b = _Builder(reader, options)
    groups = b.question_groups(teaching=True)
    numbers = {q["id"]: q["number"] for g in groups for q in g["questions"]}
    questions = {q.id: q for q in reader.questions}
    notes = {n.id: n for n in reader.notes}
    sessions = []
    for number, s in enumerate(reader.meta.sequence, start=1):
        sessions.append(
            {
                "number": number,
                "title": s.title,
                "readings": [
                    {"title": reader.reading(r).title, "short": reader.reading(r).author_label}
                    for r in s.readings
                    if r in b._reading_ids
                ],
                "notes": [{"id": n, "title": notes[n].title} for n in s.notes if n in notes],
                "questions": [
                    {
                        "id": q,
                        "number": numbers.get(q, ""),
                        "level": LEVEL_LABELS.get(questions[q].level, ""),
                    }
                    for q in s.questions
                    if q in questions
                ],
                "plan": Markup(markup.markdown_to_html(s.plan)),
            }
        )
    counts: dict[str, int] = defaultdict(int)
    for q in reader.questions:
        counts[q.level] += 1
    return {
        **b.common(),
        "citation": _cite.format_entry(reader, reader),
        "question_groups": groups,
        "footnote_blocks": {},
        "breaks": [],
        "timeline": b.timeline(),
        "sessions": sessions,
        "level_counts": [
            {"level": LEVEL_LABELS[k], "count": counts[k]} for k in LEVEL_LABELS if counts[k]
        ],
    }
