"""Turn a Reader and its shared layer into the chapters of the EPUB, as plain data.

Labels, short forms, orders, question numbers, paragraph labels and formatted citations
come from :class:`~coursepack.refs.Refs`; annotation bodies become XHTML only through
:mod:`coursepack.render.markup` (sanitized), then :func:`xhtml`; the reading texts stay
text and are escaped by the templates.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup

from coursepack.model import Anchor, Note, Reading, Term
from coursepack.refs import Refs
from coursepack.refs.labels import (
    LEVEL_LABELS,
    author_line,
    byline,
    editors_line,
    format_period,
    headline_is_title,
    reading_title,
    term_title,
    textual_label,
)
from coursepack.refs.names import index_name
from coursepack.render import markup, segments
from coursepack.render.segments import MarkKind

Context = dict[str, Any]

_MARK_KINDS: frozenset[MarkKind] = frozenset({"note", "textual", "term"})


def xhtml(html: str) -> Markup:
    """Return sanitized HTML as well-formed XHTML (void elements closed, no named entities)."""
    if not html.strip():
        return Markup("")
    parts = lxml_html.fragments_fromstring(html)
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(str(Markup.escape(part)))
        else:
            out.append(etree.tostring(part, method="xml", encoding="unicode", with_tail=True))
    return Markup("".join(out))


def md(text: str) -> Markup:
    """Return Markdown as sanitized XHTML blocks."""
    return xhtml(markup.markdown_to_html(text))


def md_inline(text: str) -> Markup:
    """Return Markdown as sanitized inline XHTML."""
    return xhtml(" ".join(markup.markdown_to_inline_html(text).splitlines()))


def reading_file(reading_id: str) -> str:
    """Return the file of a reading in the book."""
    return f"reading-{reading_id}.xhtml"


def paragraph_href(refs: Refs, anchor: Anchor) -> str:
    """Return the address in the book of the block where a passage starts."""
    reading = refs.reader.reading(anchor.reading)
    if anchor.paragraph is not None:
        block = f"r-{reading.id}-p{anchor.paragraph}"
    else:
        found = reading.paragraph_at(anchor.start)
        index = reading.front.index(found) + 1 if found in reading.front else 1
        block = f"r-{reading.id}-f{index}"
    return f"{reading_file(reading.id)}#{block}"


class Book:
    """Build the chapters of one reader's EPUB."""

    def __init__(self, refs: Refs) -> None:
        self.refs = refs
        self.reader = refs.reader

    def sources(self, sources: Iterable[Any]) -> list[Markup | str]:
        """Return in-text citations of sources (pinpointed)."""
        known = self.refs.keys.items
        return [
            xhtml(self.refs.cite_html(s.key, s.locator)) if s.key in known else s.key
            for s in sources
        ]

    def passage(self, anchor: Anchor) -> Context:
        """Return a passage an annotation points to, labelled as a citation."""
        return {"label": self.refs.anchor_label(anchor), "href": paragraph_href(self.refs, anchor)}

    # -- readings ---------------------------------------------------------------------------

    def reading(self, reading: Reading) -> Context:
        """Return a reading: its header, its blocks of runs, its footnotes, its citation."""
        r = reading
        reader, refs = self.reader, self.refs
        marks = segments.reading_marks(reader, r.id, _MARK_KINDS)
        firsts = {
            (m.id, m.start) for m in segments.first_uses([m for m in marks if m.kind == "term"])
        }
        textual = {t.id: t for t in reader.textual_notes_for(r.id)}
        footnotes: list[Context] = []
        blocks: list[Context] = []
        for position, block in enumerate((*r.front, *r.paragraphs)):
            if block.number is None:
                block_id = f"r-{r.id}-f{position + 1}"
            else:
                block_id = f"r-{r.id}-p{block.number}"
            runs = []
            for run in segments.segment(r.text, block, marks):
                after: list[Context] = []
                for m in sorted(run.ends, key=lambda m: (m.start, m.kind, m.id)):
                    if m.kind == "term" and (m.id, m.start) in firsts:
                        term = reader.term(m.id)
                        after.append({"kind": "term", "id": term.id, "term": term.term})
                    elif m.kind in ("note", "textual"):
                        number = len(footnotes) + 1
                        note = (
                            self.note_call(reader.note(m.id))
                            if m.kind == "note"
                            else self.textual(textual[m.id])
                        )
                        footnotes.append({"number": number, "id": f"fn-{number}", **note})
                        after.append({"kind": "call", "number": number, "id": f"fn-{number}"})
                runs.append({"text": run.text, "after": after})
            blocks.append(
                {
                    "id": block_id,
                    "number": block.number,
                    "boilerplate": block.boilerplate,
                    "runs": runs,
                }
            )
        # A headline that is the title itself is printed once: as received, as the heading.
        headline: Context | None = None
        if blocks and blocks[0]["number"] is None and headline_is_title(r):
            headline = blocks.pop(0)
        return {
            "id": r.id,
            "headline": headline,
            "file": reading_file(r.id),
            "title": reading_title(r),
            "author": author_line(r),
            "short": refs.short(r),
            "language": r.language,
            "fields": [
                {"label": f.label, "value": f.value, "href": f.href}
                for f in byline(r)
                if f.name not in ("authors", "corporate_author")
            ],
            "perspective": r.perspective,
            "whole_text_notes": [
                self.textual(t) for t in reader.textual_notes_for(r.id) if t.anchor is None
            ],
            "blocks": blocks,
            "footnotes": footnotes,
            "citation": xhtml(refs.entry(r)),
        }

    def note_call(self, note: Note) -> Context:
        """Return the footnote that points a passage to its historical note."""
        end = note.period.end or note.period.start
        years = {int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", note.title)}
        dated = bool(years & {note.period.start.year, end.year})
        return {
            "kind": "note",
            "note": note.id,
            "title": note.title,
            "period": "" if dated else format_period(note.period),
        }

    def textual(self, t: Any) -> Context:
        """Return a textual note."""
        return {
            "kind": "textual",
            "label": textual_label(t.kind),
            "html": md_inline(t.note),
            "correction": t.correction or "",
        }

    # -- apparatus --------------------------------------------------------------------------

    def note(self, note: Note) -> Context:
        """Return a historical note in full."""
        return {
            "id": note.id,
            "title": note.title,
            "period": format_period(note.period),
            "html": md(note.body),
            "sources": self.sources(note.sources),
            "anchors": [self.passage(a) for a in note.anchors],
        }

    def term(self, term: Term) -> Context:
        """Return a glossary entry."""
        known = {t.id for t in self.reader.terms}
        return {
            "id": term.id,
            "term": term.term,
            "abbreviation": term.abbreviation or "",
            "html": md(term.definition),
            "see_also": [
                {"id": s, "term": self.reader.term(s).term} for s in term.see_also if s in known
            ],
            "sources": self.sources(term.sources),
        }

    def chronology(self) -> list[Context]:
        """Return the chronology: events and the readings' publications."""
        out: list[Context] = []
        for entry in self.refs.orders.chronology:
            item: Context = {
                "id": f"c-{entry.id}",
                "kind": entry.kind,
                "period": format_period(entry.period),
            }
            if entry.event is not None:
                item["html"] = md_inline(entry.event.event)
                item["notes"] = [
                    {"id": n, "title": self.reader.note(n).title}
                    for n in self.refs.orders.notes_in_order(entry.event.notes)
                ]
                item["sources"] = self.sources(entry.event.sources)
            else:
                assert entry.reading is not None
                item["file"] = reading_file(entry.reading.id)
                item["title"] = reading_title(entry.reading)
                item["short"] = self.refs.short(entry.reading)
            out.append(item)
        return out

    def contexts(self) -> list[Context]:
        """Return the context documents."""
        return [
            {
                "id": c.id,
                "title": c.title,
                "kind": c.kind.capitalize(),
                "headnote": md(c.headnote),
                "text": md(c.text),
                "provenance": md(c.provenance),
                "source": self.sources((c.source,)),
                "url": c.url,
                "readings": [
                    {"file": reading_file(r), "short": self.refs.short(r)} for r in c.readings
                ],
            }
            for c in self.refs.orders.contexts
        ]

    def questions(self) -> list[Context]:
        """Return the questions by reading, then the comparative ones, numbered "g.q"."""
        groups = []
        for group in self.refs.orders.question_groups:
            if group.reading is None:
                title, short = "Comparing the readings", ""
            else:
                title, short = reading_title(group.reading), self.refs.short(group.reading)
            groups.append(
                {
                    "title": title,
                    "short": short,
                    "questions": [
                        {
                            "id": q.id,
                            "number": self.refs.question_number(q),
                            "level": LEVEL_LABELS.get(q.level, q.level),
                            "html": md(q.text),
                            "passages": [self.passage(a) for a in q.anchors],
                        }
                        for q in group.questions
                    ],
                }
            )
        return groups

    def index(self) -> dict[str, list[Context]]:
        """Return the index of names and terms: each entry's places, by reading paragraph."""

        def places(item: Any) -> list[Context]:
            seen: dict[str, Context] = {}
            for o in item.occurrences:
                href = paragraph_href(self.refs, o)
                seen.setdefault(href, {"label": self.refs.anchor_label(o), "href": href})
            return list(seen.values())

        notes_by_term: dict[str, list[Context]] = defaultdict(list)
        for n in self.refs.orders.notes:
            for t in n.terms:
                notes_by_term[t].append({"id": n.id, "title": n.title})
        names: list[Context] = [
            {"label": index_name(e), "places": places(e)}
            for e in self.refs.orders.entities
            if e.occurrences
        ]
        terms: list[Context] = [
            {
                "label": term_title(t),
                "id": t.id,
                "places": places(t),
                "notes": notes_by_term.get(t.id, []),
            }
            for t in self.refs.orders.terms
            if t.occurrences
        ]
        return {"names": names, "terms": terms}

    def meta(self) -> Context:
        """Return the reader's own metadata."""
        m = self.reader.meta
        return {
            "id": m.id,
            "title": m.title,
            "subtitle": m.subtitle or "",
            "editors": list(m.editors),
            "editors_line": editors_line(m),
            "year": m.year,
            "publisher": m.publisher,
            "place": m.place or "",
            "url": self.refs.site.base_url,
            "licence": m.licence,
            "language": m.language,
            "keywords": list(m.keywords),
        }
