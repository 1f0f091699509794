"""The directives of a reading's page: its header, its text, its questions, its cite block."""

from __future__ import annotations

from docutils import nodes

from coursepack.model import Note, Paragraph, Question, TextualNote
from coursepack.refs import Refs
from coursepack.refs.labels import (
    LEVEL_LABELS,
    TEXTUAL_LABELS,
    byline,
    paragraph_span,
    term_title,
    textual_label,
)
from coursepack.render import segments
from coursepack.render.site.directives.base import (
    ReaderDirective,
    md_block,
    no_search,
)
from coursepack.render.site.nodes import file_link, html_only, link, make, text
from coursepack.render.site.state import reading_files


class ReadingHeaderDirective(ReaderDirective):
    """A reading's metadata, with supplied fields in square brackets."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the metadata block."""
        reader = refs.reader
        r = reader.reading(self.arguments[0])
        dl = make("dl", class_="cp-meta")
        for field in byline(r):
            value: nodes.Node = nodes.Text(field.value)
            if field.href:
                value = make("a", value, href=field.href, class_="cp-url")
            dl += make("dt", nodes.Text(field.label))
            dl += make("dd", value)
        documents = [c for c in refs.orders.contexts if r.id in c.readings]
        if documents:
            dd = make("dd")
            for i, c in enumerate(documents):
                if i:
                    dd += nodes.Text("; ")
                dd += link(refs.site.context(c.id), nodes.Text(c.title))
            dl += make("dt", nodes.Text("Documents"))
            dl += dd
        files = self.files(refs, r.id)
        if files is not None:
            dl += make("dt", nodes.Text("Files"))
            dl += make("dd", files, class_="cp-files")
        box = make("div", dl, class_="cp-reading-meta")
        jump = make("nav", class_="cp-jump", aria_label="Parts of this page")
        for i, (anchor, label) in enumerate(
            (("text", "Text"), ("discussion-questions", "Questions"), ("cite-this-reading", "Cite"))
        ):
            if i:
                jump += nodes.Text(" · ")
            jump += make("a", nodes.Text(label), href=f"#{anchor}")
        if r.perspective:
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
                ul += make("li", _textual_body(t))
            count = f"{len(whole)} note" + ("s" if len(whole) > 1 else "")
            box += make(
                "details",
                make("summary", nodes.Text(f"On the text as received ({count})")),
                ul,
                class_="cp-whole",
            )
        return [box, jump]

    def files(self, refs: Refs, reading_id: str) -> nodes.Node | None:
        """Return links to the reading's handout, its reader PDF and the citation files."""
        found = reading_files(self.site.downloads, reading_id, self.site.edition)
        links: list[nodes.Node] = []
        for d, label in ((found.handout, "Handout"), (found.reader, "Course reader")):
            if d is not None:
                which = ", instructor edition" if d.edition == "instructor" else ""
                links.append(
                    file_link(
                        refs.site.download_path(d.path),
                        nodes.Text(f"{label}{which} (PDF, "),
                        self.size(d.path),
                        nodes.Text(")"),
                    )
                )
        if found.cite:
            cite = make("span", nodes.Text("Citation files: "))
            for i, d in enumerate(found.cite):
                if i:
                    cite += nodes.Text(" · ")
                short = d.label.split(":", 1)[0]
                cite += file_link(refs.site.download_path(d.path), nodes.Text(short), title=d.label)
            links.append(cite)
        if not links:
            return None
        out = make("span")
        for i, node in enumerate(links):
            if i:
                out += nodes.Text(" · ")
            out += node
        return out


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

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the text."""
        reader = refs.reader
        r = reader.reading(self.arguments[0])
        self.reader = reader
        self.reading = r
        kinds: frozenset[segments.MarkKind] = frozenset({"note", "textual", "term", "entity"})
        self.marks = segments.reading_marks(reader, r.id, kinds)
        self.previews: dict[str, tuple[str, str]] = {}
        notes = reader.notes_for(r.id)
        self.note_numbers: dict[str, int] = {}
        self.note_home: dict[str, int] = {}  # note id -> start offset of its first anchor
        for note, anchor in notes:
            if note.id not in self.note_numbers:
                self.note_numbers[note.id] = len(self.note_numbers) + 1
                self.note_home[note.id] = anchor.start
        self.textual: dict[str, TextualNote] = {}
        self.textual_letters: dict[str, str] = {}
        for t in reader.textual_notes_for(r.id):
            if t.anchor is not None:
                self.textual[t.id] = t
                self.textual_letters[t.id] = _letter(len(self.textual_letters))
        self.terms = {t.id: t for t in reader.terms_in(r.id)}
        self.entities = {e.id: e for e in reader.entities_in(r.id)}

        out = make("div", class_="cp-reading", id="text", lang=r.language)
        if r.front:
            front = make("div", class_="cp-front")
            front += text("As received", "p", class_="cp-front-label")
            for i, block in enumerate(r.front):
                front += self.block(block, refs.site.paragraph(r.id, None, i + 1).fragment)
            out += front
        for p in r.paragraphs:
            out += self.block(p, refs.site.paragraph(r.id, p.number).fragment)
        out += html_only("", make("div", class_="cp-status", role="status", aria_live="polite"))
        templates = [
            self.preview(key, *item) for key, item in self.previews.items() if item[0] != "note"
        ]
        if templates:
            out += html_only("", no_search(make("div", *templates, class_="cp-previews")))
        return [out]

    def block(self, p: Paragraph, ident: str) -> nodes.Element:
        """Return one paragraph with its number and its margin notes."""
        classes = ["cp-para"]
        if p.boilerplate:
            classes.append("cp-boilerplate")
        box = make("div", class_=" ".join(classes), id=ident)
        main = make("div", class_="cp-para-text")
        if p.number is not None:
            cite = self.refs.cite(self.reading, str(p.number))
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
        """Return the runs of a paragraph as inline nodes.

        A glossary term or a name is one link over the runs it covers; where a term and a
        name overlap, the longer one is the link.
        """
        out: list[nodes.Node] = []
        i = 0
        while i < len(runs):
            mark = next((m for m in runs[i].marks if self.linked(m)), None)
            group = [runs[i]]
            if mark is not None:
                while i + len(group) < len(runs) and mark in runs[i + len(group)].marks:
                    group.append(runs[i + len(group)])
            inner: list[nodes.Node] = [self.run_node(run) for run in group]
            calls: list[nodes.Node] = []
            for run in group:
                calls.extend(self.calls(run))
            if mark is not None:
                out.append(self.preview_link(mark, inner))
            else:
                out.extend(inner)
            out.extend(calls)
            i += len(group)
        return out

    def linked(self, mark: segments.Mark) -> bool:
        """Return whether a mark is a glossary term or a name this page links."""
        if mark.kind == "term":
            return mark.id in self.terms
        return mark.kind == "entity" and mark.id in self.entities

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
                            href="#" + self.refs.site.textual(t.reading, t.id).fragment,
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
                            href="#" + self.note_id(m.id),
                            class_="cp-call",
                            aria_label=f"Note {n}: {title}",
                            data_preview=self.note_preview(m.id),
                        ),
                    )
                )
        return out

    def preview_link(self, mark: segments.Mark, inner: list[nodes.Node]) -> nodes.Node:
        """Return a link to a glossary entry or a name's entry, with its preview's key."""
        key = f"{mark.kind}-{mark.id}"
        self.previews.setdefault(key, (mark.kind, mark.id))
        if mark.kind == "term":
            address, cls = self.refs.site.term(mark.id), "cp-term"
        else:
            address, cls = self.refs.site.entity(mark.id), "cp-name"
        return link(address, *inner, class_=cls, data_preview=key)

    def preview(self, key: str, kind: str, ident: str) -> nodes.Node:
        """Return the full text a term's or a name's pop-up shows, as a ``<template>``.

        Templates are inert and outside the page's text: the script shows them (and makes
        them the links' descriptions), and neither search snippets nor the index see them.
        A note call's pop-up shows the note beside the text, which is on the page already.
        """
        site = self.refs.site
        content: list[nodes.Node]
        if kind == "term":
            term = self.terms[ident]
            title = text(term_title(term), "p", class_="cp-pop-title")
            content = [title, md_block(term.definition)]
            more = link(site.term(ident), nodes.Text("The glossary entry"))
        else:
            entity = self.entities[ident]
            content = [text(entity.name, "p", class_="cp-pop-title"), text(entity.description, "p")]
            more = link(site.entity(ident), nodes.Text("The entry in People and organizations"))
        content.append(make("p", more, class_="cp-pop-more"))
        return make("template", *content, id=f"cp-preview-{key}")

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
        # Searched on the note's own page only: there a phrase of the note finds it first.
        body = no_search(make("div", md_block(note.body), class_="cp-note-body"))
        body += make(
            "p",
            link(
                self.refs.site.note(note.id),
                nodes.Text("Sources and the other passages"),
                class_="cp-note-more",
            ),
            class_="cp-pop-more",
        )
        return make("details", summary, body, class_="cp-note", id=self.note_id(note.id))

    def note_preview(self, note_id: str) -> str:
        """Return the key of a note's preview, kept for the page's templates."""
        key = f"note-{note_id}"
        self.previews.setdefault(key, ("note", note_id))
        return key

    def note_id(self, note_id: str) -> str:
        """Return the id a note has beside the text of this page."""
        return self.refs.site.note_in_reading(self.reading.id, note_id).fragment

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
            id=self.refs.site.textual(t.reading, t.id).fragment,
        )


def _letter(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = letters[rem] + out
    return out


class QuestionsDirective(ReaderDirective):
    """Discussion questions on one reading, or the comparative ones, numbered as in print."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the questions as an ordered list."""
        reader = refs.reader
        if "comparative" in self.options:
            questions = reader.comparative_questions
        else:
            questions = reader.questions_for(self.arguments[0])
        out: list[nodes.Node] = []
        if "link" in self.options and self.arguments:
            r = reader.reading(self.arguments[0])
            read = link(refs.site.reading(r.id), nodes.Text(f"Read {refs.short(r)}"))
            out.append(make("p", read, class_="cp-read-link"))
        if not questions:
            out.append(text("No questions on this reading yet.", "p"))
            return out
        ol = make("ol", class_="cp-questions")
        for q in questions:
            ol += self.question(q)
        out.append(ol)
        return out

    def question(self, q: Question) -> nodes.Node:
        """Return one question, with its number, level and passages."""
        refs = self.refs
        li = make("li", class_="cp-question", id=refs.site.question(q).fragment)
        number = refs.question_number(q)
        head = make("p", class_="cp-question-head")
        head += make("span", nodes.Text(number), class_="cp-qnum", aria_label=f"Question {number}")
        head += nodes.Text(" ")
        head += text(LEVEL_LABELS[q.level], class_="cp-level")
        li += head
        li += md_block(q.text)
        meta = make("p", class_="cp-question-meta")
        if q.comparative:
            meta += nodes.Text("Readings: ")
            for i, rid in enumerate(q.readings):
                if i:
                    meta += nodes.Text(", ")
                meta += link(refs.site.reading(rid), nodes.Text(refs.short(rid)))
        if q.anchors:
            meta += nodes.Text(" · Passages: " if q.comparative else "Passages: ")
            for i, a in enumerate(q.anchors):
                if i:
                    meta += nodes.Text(", ")
                label = refs.anchor_label(a) if q.comparative else paragraph_span(refs.reader, a)
                meta += self.para_link(a, label)
        if len(meta.children):
            li += meta
        if self.site.instructor and q.teaching_note:
            li += make(
                "div",
                make("p", make("strong", nodes.Text("Teaching note.")), class_="cp-teaching-label"),
                md_block(q.teaching_note),
                class_="cp-teaching",
            )
        return li
