"""Turn a Reader and its shared layer into the plain data the PDF templates show.

Everything here is plain data (dicts, lists, strings), so a context can be hashed to skip
unchanged PDFs and sent to a worker process. Labels, short forms, orders, question numbers
and formatted citations come from :class:`~coursepack.refs.Refs`, as every output's do;
what is made here is only the PDFs' own (footnote and occurrence ids, the index).
Annotation bodies become HTML only through :mod:`coursepack.render.markup`; the reading
texts stay text and are escaped by Jinja.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from markupsafe import Markup

from coursepack.model import (
    Anchor,
    Note,
    Paragraph,
    Question,
    Reading,
    Source,
    Term,
    TextualNote,
)
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.refs.labels import (
    LEVEL_LABELS,
    author_line,
    byline,
    format_period,
    reading_title,
    running_title,
    term_title,
    textual_label,
)
from coursepack.refs.names import index_name
from coursepack.render import markup, segments
from coursepack.render.segments import Mark, MarkKind

Context = dict[str, Any]

_MARK_KINDS: frozenset[MarkKind] = frozenset({"note", "textual", "term", "entity"})


def _inline(text: str) -> Markup:
    """Return Markdown as inline HTML on one line (footnotes keep no source line breaks)."""
    return Markup(" ".join(markup.markdown_to_inline_html(text).splitlines()))


def occurrence_id(kind: str, item_id: str, index: int) -> str:
    """Return the HTML id of one occurrence of a term or entity in a reading."""
    return f"o-{kind}-{item_id}-{index}"


def _anchor_href(anchor: Anchor) -> str:
    if anchor.paragraph is None:
        return f"#r-{anchor.reading}"
    return f"#r-{anchor.reading}-p{anchor.paragraph}"


class _Builder:
    """Build the contexts of one reader (the ids are shared by every document)."""

    def __init__(
        self, refs: Refs, options: BuildOptions, reading_ids: Iterable[str] | None = None
    ) -> None:
        reader = refs.reader
        self.refs = refs
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
        reader, refs = self.reader, self.refs
        whole_text = [self.textual(t) for t in reader.textual_notes_for(r.id) if t.anchor is None]
        blocks = [self.block(r, b) for b in (*r.front, *r.paragraphs)]
        short = refs.short(r)
        return {
            "id": r.id,
            "title": reading_title(r),
            "plain_title": r.title,
            "running": f"{short} · {running_title(r)}",
            "author": author_line(r),
            "short": short,
            "language": r.language,
            "fields": [
                {"label": f.label, "value": f.value, "href": f.href}
                for f in byline(r)
                if f.name != "authors" and f.name != "corporate_author"
            ],
            "perspective": r.perspective,
            "whole_text_notes": whole_text,
            "blocks": blocks,
            "citation": Markup(refs.entry(r)),  # sanitized by the shared layer
            "online": refs.site.url(refs.site.reading(r.id)),
            "questions": [self.question(q) for q in reader.questions_for(r.id)],
            "comparative": [
                self.question(q) for q in reader.comparative_questions if r.id in q.readings
            ],
            "notes": refs.orders.notes_in_order(n.id for n, _ in reader.notes_for(r.id)),
            "terms": [t.id for t in reader.terms_in(r.id)],
        }

    def sources(self, sources: tuple[Source, ...]) -> list[Markup | str]:
        """Return the in-text citations of a list of sources (a pinpoint after each)."""
        known = self.refs.keys.items
        return [
            Markup(self.refs.cite_html(s.key, s.locator)) if s.key in known else s.key
            for s in sources
        ]

    def passage(self, anchor: Anchor) -> Context:
        """Return a passage an annotation points to, labelled as a citation."""
        return {
            "label": self.refs.anchor_label(anchor),
            "href": _anchor_href(anchor),
            "reading": anchor.reading,
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
            "sources": self.sources(t.sources),
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
            "sources": self.sources(note.sources),
            "anchors": [self.passage(a) for a in note.anchors],
        }

    def term(self, term: Term) -> Context:
        """Return a glossary entry."""
        readings = [
            r for r in self.reader.readings if any(o.reading == r.id for o in term.occurrences)
        ]
        known = {t.id for t in self.reader.terms}
        return {
            "id": term.id,
            "term": term.term,
            "title": term_title(term),
            "abbreviation": term.abbreviation or "",
            "html": Markup(markup.markdown_to_html(term.definition)),
            "see_also": [
                {"id": s, "term": self.reader.term(s).term, "linked": True}
                for s in term.see_also
                if s in known
            ],
            "sources": self.sources(term.sources),
            "readings": [self.refs.short(r) for r in readings],
        }

    def question(self, q: Question, teaching: bool | None = None) -> Context:
        """Return a question; its teaching note only in the instructor edition or when asked."""
        show = self.options.edition == "instructor" if teaching is None else teaching
        return {
            "id": q.id,
            "number": self.refs.question_number(q),
            "html": Markup(markup.markdown_to_html(q.text)),
            "level": LEVEL_LABELS.get(q.level, q.level),
            "readings": [self.refs.short(r) for r in q.readings],
            "reading_ids": list(q.readings),
            "passages": [self.passage(a) for a in q.anchors],
            "teaching": (
                Markup(markup.markdown_to_html(q.teaching_note)) if show and q.teaching_note else ""
            ),
        }

    def timeline(self) -> list[Context]:
        """Return the historical notes in the order of their periods."""
        return [
            {"id": n.id, "title": n.title, "period": format_period(n.period)}
            for n in self.refs.orders.notes
        ]

    def question_groups(
        self, teaching: bool | None = None, readings: Collection[str] | None = None
    ) -> list[Context]:
        """Return the questions by reading, then the comparative ones, numbered "g.q".

        readings: only the questions on these readings (a volume's), numbered as in the
        whole reader.
        """
        groups: list[Context] = []
        for group in self.refs.orders.question_groups:
            shown = [
                self.question(q, teaching)
                for q in group.questions
                if readings is None or any(r in readings for r in q.readings)
            ]
            if not shown:
                continue
            if group.reading is None:
                title, short = "Comparing the readings", ""
            else:
                title, short = reading_title(group.reading), self.refs.short(group.reading)
            groups.append({"title": title, "short": short, "questions": shown})
        return groups

    def index(self) -> dict[str, list[Context]]:
        """Return the index of names and of terms, each entry with its occurrence ids."""
        orders = self.refs.orders
        names = [
            {
                "label": index_name(e),
                "anchors": [
                    occurrence_id("entity", e.id, i)
                    for i, o in enumerate(e.occurrences)
                    if o.reading in self._reading_ids
                ],
            }
            for e in orders.entities
        ]
        terms = [
            {
                "label": term_title(t),
                "anchors": [
                    occurrence_id("term", t.id, i)
                    for i, o in enumerate(t.occurrences)
                    if o.reading in self._reading_ids
                ],
            }
            for t in orders.terms
        ]
        return {
            "names": [n for n in names if n["anchors"]],
            "terms": [t for t in terms if t["anchors"]],
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
                "url": self.refs.site.base_url,
                "licence": m.licence,
                "language": m.language,
                "keywords": list(m.keywords),
            },
            "paper": self.options.paper,
            "edition": self.options.edition,
        }


def reader_context(
    refs: Refs,
    options: BuildOptions,
    volume: int = 1,
) -> Context:
    """Return the context of one printed volume of the course reader (most have one).

    A volume holds its readings and the apparatus they call on: the historical notes
    anchored in them, the glossary terms that occur in them, their questions (numbered as
    in the whole reader) and the works those cite, and an index of their pages. Links go
    only to what the volume holds.
    """
    reader = refs.reader
    volumes = reader.volumes
    ids = volumes[volume - 1]
    alone = len(volumes) == 1
    b = _Builder(refs, options, ids)
    entries = refs.citations.bibliography()
    readings = [b.reading(reader.reading(r)) for r in ids]
    notes = [n for n in refs.orders.notes if alone or any(a.reading in ids for a in n.anchors)]
    wanted = {t.id for r in ids for t in reader.terms_in(r)}
    terms = [t for t in refs.orders.terms if alone or t.id in wanted]
    glossary = [b.term(t) for t in terms]
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
                    "first": refs.short(v[0]),
                    "last": refs.short(v[-1]),
                    "size": len(v),
                }
                for n, v in enumerate(volumes, start=1)
            ],
        },
        "linkable": None if alone else list(ids),
        "citation": Markup(refs.entry(reader)),  # sanitized by the shared layer
        "introduction": Markup(markup.markdown_to_html(reader.meta.introduction)),
        "readings": readings,
        "footnote_blocks": b.footnote_blocks,
        "breaks": [],
        "notes": [b.note(n) for n in notes],
        "glossary": glossary,
        "timeline": [t for t in b.timeline() if t["id"] in note_ids],
        "question_groups": groups,
        "bibliography": [{"key": k, "html": Markup(v)} for k, v in entries],
        "index": b.index(),
    }


def reader_contexts(refs: Refs, options: BuildOptions) -> list[Context]:
    """Return the context of each printed volume of the course reader."""
    return [reader_context(refs, options, n) for n in range(1, len(refs.reader.volumes) + 1)]


def handout_context(refs: Refs, reading_id: str, options: BuildOptions) -> Context:
    """Return the context of one reading's handout."""
    reader = refs.reader
    b = _Builder(refs, options)
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
        "notes": notes,
        "glossary": glossary,
        "inline_citation": reading["short"],
    }


def guide_context(refs: Refs, options: BuildOptions) -> Context:
    """Return the context of the instructor guide."""
    reader = refs.reader
    b = _Builder(refs, options)
    groups = b.question_groups(teaching=True)
    questions = {q.id: q for q in reader.questions}
    notes = {n.id: n for n in reader.notes}
    sessions = []
    for number, s in enumerate(reader.meta.sequence, start=1):
        sessions.append(
            {
                "number": number,
                "title": s.title,
                "readings": [
                    {"title": reading_title(reader.reading(r)), "short": refs.short(r)}
                    for r in s.readings
                    if r in b._reading_ids
                ],
                "notes": [
                    {"id": n, "title": notes[n].title}
                    for n in refs.orders.notes_in_order(s.notes)
                    if n in notes
                ],
                "questions": [
                    {
                        "id": q,
                        "number": refs.question_number(q),
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
        "citation": Markup(refs.entry(reader)),  # sanitized by the shared layer
        "question_groups": groups,
        "footnote_blocks": {},
        "breaks": [],
        "timeline": b.timeline(),
        "sessions": sessions,
        "level_counts": [
            {"level": LEVEL_LABELS[k], "count": counts[k]} for k in LEVEL_LABELS if counts[k]
        ],
    }
