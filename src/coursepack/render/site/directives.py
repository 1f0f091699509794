"""Directives that expand the reader's data into nodes, used by the generated documents.

Annotation text (Markdown) becomes HTML only through :mod:`coursepack.render.markup`;
everything else is plain text in docutils nodes, which the HTML writer escapes. Each
directive records the input files its output comes from (``env.note_dependency``), so that
editing one annotation file re-reads only the pages that show it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import ClassVar, TypeVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from coursepack.diagnostics import Location
from coursepack.model import (
    Anchor,
    Entity,
    Note,
    Paragraph,
    Question,
    Reader,
    Reading,
    Source,
    Term,
    TextualNote,
)
from coursepack.render import markup, segments
from coursepack.render.labels import LEVEL_LABELS, TEXTUAL_LABELS, format_date, textual_label
from coursepack.render.site import _cite
from coursepack.render.site.generate import Download, page_order
from coursepack.render.site.nodes import (
    doc_link,
    downloads_list,
    file_link,
    html_only,
    make,
    term_link,
    text,
)
from coursepack.render.site.state import SiteState, get_state

T = TypeVar("T")


def md_block(source: str) -> nodes.raw:
    """Return Markdown as a node of sanitized HTML."""
    return nodes.raw("", markup.markdown_to_html(source), format="html")


def md_inline(source: str) -> nodes.raw:
    """Return Markdown as a node of sanitized inline HTML."""
    return nodes.raw("", markup.markdown_to_inline_html(source), format="html")


def cite_html(fragment: str) -> nodes.raw:
    """Return formatted citation HTML (sanitized again) as a node."""
    return nodes.raw("", _cite.safe(fragment), format="html")


def _existing(lookup: Callable[[str], T], ids: Iterable[str]) -> list[T]:
    """Return what lookup finds for each id, in order, leaving out unknown ids.

    A lookup by id, not a set of all ids built on every call: the pages together would
    then cost the number of entries times the size of the reader.
    """
    found = []
    for ident in ids:
        try:
            found.append(lookup(ident))
        except KeyError:
            continue
    return found


def _no_search(node: nodes.Element) -> nodes.Element:
    node["classes"].append("no-search")
    return node


class ReaderDirective(SphinxDirective):
    """A directive that reads the build's reader."""

    optional_arguments = 1
    final_argument_whitespace = False
    option_spec: ClassVar[dict[str, object]] = {
        "link": directives.unchanged,
        "comparative": directives.unchanged,
    }

    @property
    def site(self) -> SiteState:
        """Return the state of this build."""
        state = get_state(self.env)
        if state is None:
            raise self.error("coursepack: the extension was not set up for this project")
        return state

    def depend(self, *locations: Location | str | None) -> None:
        """Record input files (relative to the reader's root) this output comes from."""
        reader = self.site.reader
        if reader is None:
            return
        for loc in locations:
            if loc is None:
                continue
            rel = loc.path if isinstance(loc, Location) else loc
            path = Path(reader.root) / rel
            if path.is_file():
                self.env.note_dependency(str(path))

    def run(self) -> list[nodes.Node]:
        """Expand the directive, or nothing when the reader has errors."""
        reader = self.site.reader
        if reader is None:
            return []
        return self.expand(reader)

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the nodes for this directive."""
        raise NotImplementedError

    # Shared pieces -----------------------------------------------------------------------

    def para_link(
        self, reading_id: str, number: int | None, label: str | None = None
    ) -> nodes.Node:
        """Return a link to a paragraph of a reading."""
        anchor = f"p{number}" if number is not None else "text"
        shown = label or (f"¶{number}" if number is not None else "headline")
        return doc_link(self.site.reading_doc(reading_id), anchor, nodes.Text(shown))

    def reading_link(self, reading: Reading) -> nodes.Node:
        """Return a link to a reading's page, with its title (bracketed when supplied)."""
        title = _bracket(reading, "title", reading.title)
        return doc_link(self.site.reading_doc(reading.id), None, nodes.Text(title))

    def occurrences(self, reader: Reader, anchors: Sequence[Anchor]) -> nodes.Node:
        """Return a list of paragraph links, grouped by reading in reader order."""
        items = make("ul", class_="cp-occurrences")
        by_reading: dict[str, list[int | None]] = {}
        for a in anchors:
            numbers = by_reading.setdefault(a.reading, [])
            if a.paragraph not in numbers:
                numbers.append(a.paragraph)
        for reading in reader.readings:
            numbers = by_reading.get(reading.id, [])
            if not numbers:
                continue
            li = make("li")
            li += nodes.Text(f"{_cite.cite_inline(reader, reading.id)}: ")
            for i, n in enumerate(numbers):
                if i:
                    li += nodes.Text(", ")
                li += self.para_link(reading.id, n)
            items += li
        return items

    def sources(self, reader: Reader, sources: Iterable[Source]) -> nodes.Node:
        """Return the formatted references of a list of sources."""
        items = make("ul", class_="cp-sources")
        for s in sources:
            found = _existing(reader.reference, [s.key])
            if not found:
                continue
            self.depend(found[0].location)
            li = make("li", cite_html(_cite.format_entry(reader, s.key)))
            if s.locator:
                li += nodes.Text(f" ({s.locator})")
            items += li
        return items


class ReadingsDirective(ReaderDirective):
    """The list of readings, in the reader's order."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the list."""
        out = make("ol", class_="cp-readings")
        for r in reader.readings:
            self.depend(r.meta_path)
            out += make(
                "li",
                make("p", self.reading_link(r), class_="cp-readings-title"),
                text(" · ".join(_byline(r)), "p"),
            )
        return [out]


def _bracket(reading: Reading, name: str, value: str) -> str:
    return f"[{value}]" if reading.is_supplied(name) else value


def _byline(r: Reading) -> list[str]:
    """Return who, where, when and what of a reading, supplied parts in brackets."""
    parts: list[str] = []
    if r.authors:
        parts.append(_bracket(r, "authors", ", ".join(r.authors)))
    elif r.corporate_author and r.corporate_author != r.outlet:
        parts.append(r.corporate_author)
    parts.append(_bracket(r, "outlet", r.outlet))
    parts.append(_bracket(r, "date", format_date(r.date)))
    parts.append(r.genre)
    return parts


class IntroductionDirective(ReaderDirective):
    """The reader's introduction and its list of readings, for the front page."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the introduction."""
        return [make("div", md_block(reader.meta.introduction), class_="cp-intro")]


class ReadingHeaderDirective(ReaderDirective):
    """A reading's metadata, with supplied fields in square brackets."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the metadata block."""
        r = reader.reading(self.arguments[0])
        self.depend(r.meta_path)

        def value(name: str, shown: str) -> str:
            return f"[{shown}]" if r.is_supplied(name) else shown

        dl = make("dl", class_="cp-meta")
        authors = ", ".join(r.authors) or r.corporate_author or ""
        rows: list[tuple[str, nodes.Node]] = []
        if authors:
            label = "Authors" if len(r.authors) > 1 else "Author"
            rows.append((label, nodes.Text(value("authors", authors))))
        rows.append(("Published in", nodes.Text(value("outlet", r.outlet))))
        rows.append(("Date", nodes.Text(value("date", format_date(r.date)))))
        if r.url.startswith(("https://", "http://")):
            link = make("a", nodes.Text(value("url", r.url)), href=r.url, class_="cp-url")
            rows.append(("Original", link))
        rows.append(("Genre", nodes.Text(value("genre", r.genre))))
        for label, node in rows:
            dl += make("dt", nodes.Text(label))
            dl += make("dd", node)
        box = make("div", dl, class_="cp-reading-meta")
        jump = make("nav", class_="cp-jump", aria_label="Parts of this page")
        for i, (anchor, label) in enumerate(
            (("text", "Text"), ("discussion-questions", "Questions"), ("cite-this-reading", "Cite"))
        ):
            if i:
                jump += nodes.Text(" · ")
            jump += make("a", nodes.Text(label), href=f"#{anchor}")
        box += make(
            "p",
            make("strong", nodes.Text("The outlet. ")),
            nodes.Text(r.perspective),
            class_="cp-perspective",
        )
        if r.supplied:
            box += text(
                "Square brackets mark details the editors supplied: the text itself does "
                "not state them.",
                "p",
                class_="cp-supplied-note",
            )
        whole = [t for t in reader.textual_notes_for(r.id) if t.anchor is None]
        if whole:
            ul = make("ul", class_="cp-whole-notes")
            for t in whole:
                self.depend(t.location)
                ul += make("li", _textual_body(t))
            count = f"{len(whole)} note" + ("s" if len(whole) > 1 else "")
            box += make(
                "details",
                make("summary", nodes.Text(f"On the text as received ({count})")),
                ul,
                class_="cp-whole",
            )
        return [box, jump]


def _textual_body(t: TextualNote) -> nodes.Element:
    body = make("div", class_="cp-note-body")
    body += make("p", make("em", nodes.Text(textual_label(t.kind) + ".")))
    body += md_block(t.note)
    if t.correction:
        body += make(
            "p",
            nodes.Text("Correct reading: "),
            make("span", nodes.Text(t.correction), class_="cp-correction"),
        )
    return body


class ReadingTextDirective(ReaderDirective):
    """A reading's text: numbered paragraphs, marked passages, notes, glossary links."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the text."""
        r = reader.reading(self.arguments[0])
        self.depend(r.text_path, r.meta_path)
        self.reader = reader
        self.reading = r
        self.marks = segments.reading_marks(reader, r.id, frozenset({"note", "textual", "term"}))
        self.tooltips = 0
        notes = reader.notes_for(r.id)
        self.note_numbers: dict[str, int] = {}
        self.note_home: dict[str, int] = {}  # note id -> start offset of its first anchor
        for note, anchor in notes:
            if note.id not in self.note_numbers:
                self.note_numbers[note.id] = len(self.note_numbers) + 1
                self.note_home[note.id] = anchor.start
            self.depend(note.location)
        self.textual: dict[str, TextualNote] = {}
        self.textual_letters: dict[str, str] = {}
        for t in reader.textual_notes_for(r.id):
            self.depend(t.location)
            if t.anchor is not None:
                self.textual[t.id] = t
                self.textual_letters[t.id] = _letter(len(self.textual_letters))
        self.terms = {t.id: t for t in reader.terms_in(r.id)}
        for term in self.terms.values():
            self.depend(term.location)

        out = make("div", class_="cp-reading", id="text", lang=r.language)
        if r.front:
            front = make("div", class_="cp-front")
            front += text("As received", "p", class_="cp-front-label")
            for i, block in enumerate(r.front):
                front += self.block(block, f"front-{i + 1}")
            out += front
        for p in r.paragraphs:
            out += self.block(p, f"p{p.number}")
        out += html_only("", make("div", class_="cp-status", role="status", aria_live="polite"))
        return [out]

    def block(self, p: Paragraph, ident: str) -> nodes.Element:
        """Return one paragraph with its number and its margin notes."""
        classes = ["cp-para"]
        if p.boilerplate:
            classes.append("cp-boilerplate")
        box = make("div", class_=" ".join(classes), id=ident)
        main = make("div", class_="cp-para-text")
        if p.number is not None:
            cite = _cite.cite_inline(self.reader, self.reading.id, f"¶{p.number}")
            main += make(
                "a",
                nodes.Text(f"¶{p.number}"),
                class_="cp-pnum",
                href=f"#{ident}",
                title=f"Link to this paragraph; click to copy the citation {cite}",
                data_cite=cite,
            )
        self.para_end = p.end
        runs = segments.segment(self.reading.text, p, self.marks)
        main += make("p", *self.inline(runs), class_="cp-text")
        box += main
        margin = self.margin(p)
        if margin is not None:
            box += margin
        return box

    def inline(self, runs: list[segments.Run]) -> list[nodes.Node]:
        """Return the runs of a paragraph as inline nodes."""
        out: list[nodes.Node] = []
        i = 0
        while i < len(runs):
            term = next((m for m in runs[i].marks if m.kind == "term"), None)
            group = [runs[i]]
            if term is not None:
                while i + len(group) < len(runs) and term in runs[i + len(group)].marks:
                    group.append(runs[i + len(group)])
            inner: list[nodes.Node] = [self.run_node(run) for run in group]
            calls: list[nodes.Node] = []
            for run in group:
                calls.extend(self.calls(run))
            if term is not None and term.id in self.terms:
                out.append(self.term_node(self.terms[term.id], inner))
            else:
                out.extend(inner)
            out.extend(calls)
            i += len(group)
        return out

    def run_node(self, run: segments.Run) -> nodes.Node:
        """Return one run, inside its textual-note and note marks."""
        node: nodes.Node = nodes.Text(run.text)
        textual = [m for m in run.marks if m.kind == "textual" and m.id in self.textual]
        if textual:
            kinds = " ".join(f"cp-tx-{self.textual[m.id].kind}" for m in textual)
            node = make("span", node, class_=f"cp-tx {kinds}")
        notes = [m for m in run.marks if m.kind == "note" and m.id in self.note_numbers]
        if notes:
            node = make("mark", node, class_="cp-hl")
        return node

    def calls(self, run: segments.Run) -> list[nodes.Node]:
        """Return the note calls for the marks that end with a run."""
        out: list[nodes.Node] = []
        ending = [m for m in run.marks if m.end > run.end == self.para_end]
        for m in (*run.ends, *ending):
            if m.kind == "textual" and m.id in self.textual:
                t = self.textual[m.id]
                if t.kind == "sic":
                    out.append(text("[sic]", class_="cp-sic"))
                letter = self.textual_letters[m.id]
                label = f"Textual note {letter}: {TEXTUAL_LABELS[t.kind]}"
                out.append(
                    make(
                        "sup",
                        make(
                            "a",
                            nodes.Text(letter),
                            href=f"#tn-{t.id}",
                            class_="cp-call cp-call-textual",
                            aria_label=label,
                        ),
                    )
                )
            elif m.kind == "note" and m.id in self.note_numbers:
                n = self.note_numbers[m.id]
                title = self.reader.note(m.id).title
                out.append(
                    make(
                        "sup",
                        make(
                            "a",
                            nodes.Text(str(n)),
                            href=f"#note-{m.id}",
                            class_="cp-call",
                            aria_label=f"Note {n}: {title}",
                        ),
                    )
                )
        return out

    def term_node(self, term: Term, inner: list[nodes.Node]) -> nodes.Node:
        """Return a glossary link with its definition as an accessible tooltip."""
        self.tooltips += 1
        tip_id = f"tip-{self.tooltips}"
        definition = _shorten(markup.markdown_to_text(term.definition))
        name = term.term + (f" ({term.abbreviation})" if term.abbreviation else "")
        tip = make(
            "span",
            make("strong", nodes.Text(name)),
            nodes.Text(" " + definition),
            class_="cp-tooltip",
            role="tooltip",
            id=tip_id,
        )
        link = term_link(term.term, *inner, class_="cp-term", aria_describedby=tip_id)
        return make("span", link, html_only("", _no_search(tip)), class_="cp-termwrap")

    def margin(self, p: Paragraph) -> nodes.Element | None:
        """Return the notes that sit beside a paragraph, or None."""
        items: list[nodes.Node] = []
        for note_id, start in self.note_home.items():
            if p.start <= start < p.end:
                items.append(self.note_item(self.reader.note(note_id)))
        for t in self.textual.values():
            if t.anchor is not None and p.start <= t.anchor.start < p.end:
                items.append(self.textual_item(t))
        if p.boilerplate:
            items.insert(
                0,
                text(
                    "Boilerplate: site furniture as received, not part of the article.",
                    "p",
                    class_="cp-boilerplate-label",
                ),
            )
        if not items:
            return None
        return make("div", *items, class_="cp-margin")

    def note_item(self, note: Note) -> nodes.Node:
        """Return a historical note, collapsible."""
        n = self.note_numbers[note.id]
        summary = make(
            "summary",
            text(str(n), class_="cp-note-num"),
            nodes.Text(" "),
            text(note.title, class_="cp-note-title"),
        )
        body = make("div", md_block(note.body), class_="cp-note-body")
        body += make(
            "p",
            doc_link(
                self.site.note_doc(note.id),
                None,
                nodes.Text("Sources and the other passages"),
                class_="cp-note-more",
            ),
        )
        return make("details", summary, body, class_="cp-note", id=f"note-{note.id}")

    def textual_item(self, t: TextualNote) -> nodes.Node:
        """Return a textual note, collapsible."""
        letter = self.textual_letters[t.id]
        summary = make(
            "summary",
            text(letter, class_="cp-note-num"),
            nodes.Text(" "),
            text(f"Textual note: {TEXTUAL_LABELS[t.kind]}", class_="cp-note-title"),
        )
        return make(
            "details",
            summary,
            _textual_body(t),
            class_="cp-note cp-note-textual",
            id=f"tn-{t.id}",
        )


def _shorten(text: str, limit: int = 280) -> str:
    """Return text cut at a word boundary near limit characters, with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …"


def _letter(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = letters[rem] + out
    return out


class QuestionsDirective(ReaderDirective):
    """Discussion questions on one reading, or the comparative ones."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the questions as an ordered list."""
        if "comparative" in self.options:
            questions = reader.comparative_questions
        else:
            questions = reader.questions_for(self.arguments[0])
        out: list[nodes.Node] = []
        if "link" in self.options and self.arguments:
            r = reader.reading(self.arguments[0])
            label = _cite.cite_inline(reader, r.id)
            link = doc_link(self.site.reading_doc(r.id), None, nodes.Text(f"Read {label}"))
            out.append(make("p", link, class_="cp-read-link"))
        if not questions:
            out.append(text("No questions on this reading yet.", "p"))
            return out
        ol = make("ol", class_="cp-questions")
        for q in questions:
            ol += self.question(reader, q)
        out.append(ol)
        return out

    def question(self, reader: Reader, q: Question) -> nodes.Node:
        """Return one question."""
        self.depend(q.location)
        li = make("li", class_="cp-question", id=f"q-{q.id}")
        li += md_block(q.text)
        meta = make("p", class_="cp-question-meta")
        meta += text(LEVEL_LABELS[q.level], class_="cp-level")
        if q.comparative:
            meta += nodes.Text(" · Readings: ")
            for i, rid in enumerate(q.readings):
                if i:
                    meta += nodes.Text(", ")
                meta += doc_link(
                    self.site.reading_doc(rid), None, nodes.Text(_cite.cite_inline(reader, rid))
                )
        if q.anchors:
            meta += nodes.Text(" · Passages: ")
            for i, a in enumerate(q.anchors):
                if i:
                    meta += nodes.Text(", ")
                label = f"¶{a.paragraph}" if a.paragraph is not None else "headline"
                if q.comparative:
                    label = _cite.cite_inline(reader, a.reading, label)
                meta += self.para_link(a.reading, a.paragraph, label)
        li += meta
        if self.site.instructor and q.teaching_note:
            li += make(
                "div",
                make("p", make("strong", nodes.Text("Teaching note.")), class_="cp-teaching-label"),
                md_block(q.teaching_note),
                class_="cp-teaching",
            )
        return li


class CiteDirective(ReaderDirective):
    """How to cite a reading: the formatted reference, BibTeX, a paragraph citation."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the cite block."""
        r = reader.reading(self.arguments[0])
        self.depend(r.meta_path)
        box = make("div", class_="cp-cite")
        box += text("Chicago author-date", "p", class_="cp-cite-label")
        box += make("div", cite_html(_cite.format_entry(reader, r.id)), class_="cp-cite-entry")
        example = _cite.cite_inline(reader, r.id, "¶1")
        box += make(
            "p",
            nodes.Text("Cite a paragraph by its number: "),
            text(example, "code"),
            nodes.Text(". Click a paragraph number to copy its citation."),
        )
        bib_id = f"bibtex-{r.id}"
        box += make(
            "div",
            text("BibTeX", "p", class_="cp-cite-label"),
            html_only(
                "",
                make(
                    "button",
                    nodes.Text("Copy BibTeX"),
                    type="button",
                    class_="cp-copy",
                    data_copy_target=bib_id,
                ),
            ),
            make("pre", text(_cite.entry_bibtex(reader, r.id), "code"), id=bib_id, tabindex="0"),
            class_="cp-bibtex",
        )
        return [box]


class GlossaryIntroDirective(ReaderDirective):
    """The glossary's opening paragraph."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the paragraph."""
        return [
            text(
                "Terms of labor law and labor history used in the readings. Under each "
                "definition are the paragraphs where the term occurs.",
                "p",
            )
        ]


class TermDirective(ReaderDirective):
    """A glossary entry's body: definition, see also, sources, occurrences."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the entry's body."""
        term = reader.term(self.arguments[0])
        self.depend(term.location)
        out: list[nodes.Node] = [md_block(term.definition)]
        if term.see_also:
            p = make("p", class_="cp-see-also")
            p += make("em", nodes.Text("See also: "))
            for i, other in enumerate(_existing(reader.term, term.see_also)):
                if i:
                    p += nodes.Text(", ")
                p += term_link(other.term, nodes.Text(other.term))
            out.append(p)
        if term.sources:
            out.append(text("Sources", "p", class_="cp-subhead"))
            out.append(self.sources(reader, term.sources))
        if term.occurrences:
            out.append(text("Occurs in", "p", class_="cp-subhead"))
            out.append(self.occurrences(reader, term.occurrences))
        return out


class NotesDirective(ReaderDirective):
    """The list of historical notes, by date."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the list."""
        ul = make("ul", class_="cp-notes-list")
        for n in _notes_by_date(reader):
            ul += make(
                "li",
                doc_link(self.site.note_doc(n.id), None, nodes.Text(n.title)),
                nodes.Text(f" ({_period(n)})"),
            )
        return [ul]


def _notes_by_date(reader: Reader) -> list[Note]:
    return sorted(reader.notes, key=lambda n: (n.period.start.sort_key(), n.title.casefold()))


def _period(n: Note) -> str:
    if n.period.label:
        return n.period.label
    if n.period.end is None:
        return format_date(n.period.start)
    return f"{format_date(n.period.start)} – {format_date(n.period.end)}"


class NoteDirective(ReaderDirective):
    """A historical note: its period, body, related terms and people, teaching note."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the note."""
        note = reader.note(self.arguments[0])
        self.depend(note.location)
        out: list[nodes.Node] = [
            make(
                "p",
                make("time", nodes.Text(_period(note)), datetime=note.period.start.iso()),
                class_="cp-period",
            ),
            make("div", md_block(note.body), class_="cp-note-page-body"),
        ]
        terms = _existing(reader.term, note.terms)
        if terms:
            p = make("p", make("em", nodes.Text("Glossary: ")))
            for i, t in enumerate(terms):
                if i:
                    p += nodes.Text(", ")
                p += term_link(t.term, nodes.Text(t.term))
            out.append(p)
        entities = _existing(reader.entity, note.entities)
        if entities:
            p = make("p", make("em", nodes.Text("People and organizations: ")))
            for i, e in enumerate(entities):
                if i:
                    p += nodes.Text(", ")
                p += doc_link(self.site.doc("people"), f"entity-{e.id}", nodes.Text(e.name))
            out.append(p)
        if self.site.instructor and note.teaching:
            out.append(
                make(
                    "div",
                    make("p", make("strong", nodes.Text("Teaching note."))),
                    md_block(note.teaching),
                    class_="cp-teaching",
                )
            )
        return out


class NotePassagesDirective(ReaderDirective):
    """The passages of the readings that call on a note, with their quotes."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the passages."""
        note = reader.note(self.arguments[0])
        ul = make("ul", class_="cp-passages")
        order = {r.id: i for i, r in enumerate(reader.readings)}
        for a in sorted(note.anchors, key=lambda a: (order.get(a.reading, 0), a.start)):
            label = f"¶{a.paragraph}" if a.paragraph is not None else "headline"
            ul += make(
                "li",
                self.para_link(a.reading, a.paragraph, _cite.cite_inline(reader, a.reading, label)),
                nodes.Text(": "),
                make("q", nodes.Text(a.exact)),
            )
        return [ul]


class NoteSourcesDirective(ReaderDirective):
    """The formatted references a note cites."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the references."""
        return [self.sources(reader, reader.note(self.arguments[0]).sources)]


class TimelineDirective(ReaderDirective):
    """The historical notes on a timeline, with the readings' own month at the end."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the timeline."""
        ol = make("ol", class_="cp-timeline")
        for n in _notes_by_date(reader):
            ol += make(
                "li",
                make(
                    "time", nodes.Text(_period(n)), datetime=n.period.start.iso(), class_="cp-when"
                ),
                make("span", doc_link(self.site.note_doc(n.id), None, nodes.Text(n.title))),
            )
        for r in sorted(reader.readings, key=lambda r: r.date.sort_key()):
            ol += make(
                "li",
                make(
                    "time", nodes.Text(format_date(r.date)), datetime=r.date.iso(), class_="cp-when"
                ),
                make(
                    "span",
                    nodes.Text("Reading: "),
                    self.reading_link(r),
                    nodes.Text(f" ({r.outlet})"),
                ),
                class_="cp-timeline-reading",
            )
        return [ol]


class EntitiesIntroDirective(ReaderDirective):
    """The opening paragraph of the people and organizations page."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the paragraph."""
        return [
            text(
                "People and organizations named in the readings, with the paragraphs "
                "that name them.",
                "p",
            )
        ]


class EntitiesDirective(ReaderDirective):
    """People or organizations of one kind, with where they are named."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the entries."""
        dl = make("dl", class_="cp-entities")
        found: list[Entity] = [e for e in reader.entities if e.kind == self.arguments[0]]
        for e in sorted(found, key=lambda e: e.name.casefold()):
            self.depend(e.location)
            dl += make("dt", nodes.Text(e.name), id=f"entity-{e.id}")
            dd = make("dd", text(e.description, "p"))
            if e.occurrences:
                dd += self.occurrences(reader, e.occurrences)
            dl += dd
        return [dl]


class QuestionsIntroDirective(ReaderDirective):
    """The opening paragraph of the questions page."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the paragraph."""
        levels = "recall, interpret, compare, evaluate"
        edition = (
            "This is the instructor edition: teaching notes follow the questions."
            if self.site.instructor
            else ""
        )
        return [
            text(
                f"Questions on each reading, then questions that compare them. Each is "
                f"marked with its level ({levels}). {edition}".strip(),
                "p",
            )
        ]


class BibliographyDirective(ReaderDirective):
    """Every reference, formatted Chicago author-date."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the bibliography."""
        out: list[nodes.Node] = [
            text("The readings", "p", class_="cp-subhead"),
        ]
        readings = make("ul", class_="cp-bibliography")
        for r in reader.readings:
            readings += make("li", cite_html(_cite.format_entry(reader, r.id)), id=f"ref-{r.id}")
        out.append(readings)
        out.append(text("Works cited in the notes and glossary", "p", class_="cp-subhead"))
        refs = make("ul", class_="cp-bibliography")
        for key, entry in _cite.format_bibliography(reader):
            refs += make("li", cite_html(entry), id=f"ref-{key}")
        out.append(refs)
        return out


class DownloadsDirective(ReaderDirective):
    """Links to the PDFs and citation files built alongside the site."""

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the placeholder that :func:`fill_downloads` replaces."""
        return [downloads_list()]


def fill_downloads(doctree: nodes.document, files: Sequence[Download]) -> None:
    """Replace the downloads placeholders of a page with the list of files, or a note."""
    for placeholder in list(doctree.findall(downloads_list)):
        placeholder.replace_self(_downloads_html(files))


def _downloads_html(files: Sequence[Download]) -> nodes.Element:
    if not files:
        return text(
            "No PDFs or citation files were built with this site. Run "
            "“coursepack build” to make them.",
            "p",
        )
    ul = make("ul", class_="cp-downloads")
    for d in files:
        ul += make(
            "li",
            file_link(f"downloads/{d.path}", nodes.Text(d.label)),
            nodes.Text(f" ({_size(d.size)})"),
        )
    return ul


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


class PagerDirective(ReaderDirective):
    """Links to the previous and next page of its kind, and up to their index.

    Note pages (and reading pages of large readers) are in no toctree, so that they stay
    out of the sidebar every page carries; the theme then has no previous/next links for
    them, and this gives them their own. Argument: ``note <id>`` or ``reading <id>``.
    """

    required_arguments = 2
    optional_arguments = 0

    def expand(self, reader: Reader) -> list[nodes.Node]:
        """Return the navigation, for HTML only."""
        kind, ident = self.arguments
        doc: Callable[[str], str]
        if kind == "note":
            doc, noun, up = self.site.note_doc, "note", "All historical notes"
        elif kind == "reading":
            doc, noun, up = self.site.reading_doc, "reading", "All readings"
        else:
            raise self.error(f"coursepack-pager: unknown kind {kind!r} (note or reading)")
        pages = page_order(reader, kind)
        if ident not in pages.position:
            raise self.error(f"coursepack-pager: no {kind} {ident!r}")
        before, after = pages.around(ident)
        nav = make("nav", class_="cp-pager", aria_label=f"Previous and next {noun}s")
        if before is not None:
            nav += self.pager_link(doc(before[0]), f"Previous {noun}", before[1], "prev")
        index = self.site.doc(f"{kind}s/index")
        nav += doc_link(index, None, nodes.Text(up), class_="cp-pager-up")
        if after is not None:
            nav += self.pager_link(doc(after[0]), f"Next {noun}", after[1], "next")
        return [html_only("", _no_search(nav))]

    def pager_link(self, docname: str, label: str, title: str, rel: str) -> nodes.Node:
        """Return a previous or next link: a small label above the page's title."""
        return doc_link(
            docname,
            None,
            text(label, class_="cp-pager-label"),
            text(title, class_="cp-pager-title"),
            class_=f"cp-pager-{rel}",
            rel=rel,
        )


DIRECTIVES: dict[str, type[ReaderDirective]] = {
    "coursepack-readings": ReadingsDirective,
    "coursepack-introduction": IntroductionDirective,
    "coursepack-reading-header": ReadingHeaderDirective,
    "coursepack-reading-text": ReadingTextDirective,
    "coursepack-questions": QuestionsDirective,
    "coursepack-cite": CiteDirective,
    "coursepack-glossary-intro": GlossaryIntroDirective,
    "coursepack-term": TermDirective,
    "coursepack-notes": NotesDirective,
    "coursepack-note": NoteDirective,
    "coursepack-note-passages": NotePassagesDirective,
    "coursepack-note-sources": NoteSourcesDirective,
    "coursepack-timeline": TimelineDirective,
    "coursepack-entities-intro": EntitiesIntroDirective,
    "coursepack-entities": EntitiesDirective,
    "coursepack-questions-intro": QuestionsIntroDirective,
    "coursepack-bibliography": BibliographyDirective,
    "coursepack-downloads": DownloadsDirective,
    "coursepack-pager": PagerDirective,
}
