"""The directives of the reader's front and list pages: the introduction, the list of
readings, the questions page's opening, the bibliography, the downloads, and the
previous/next links of pages that no toctree lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from docutils import nodes

from coursepack.refs import Refs
from coursepack.refs.labels import byline
from coursepack.refs.sitemap import Address
from coursepack.render.site.directives.base import (
    ReaderDirective,
    cite_html,
    existing,
    md_block,
    no_search,
)
from coursepack.render.site.generate import around, pager_items
from coursepack.render.site.nodes import file_link, html_only, link, make, text
from coursepack.render.site.state import Download


class ReadingsDirective(ReaderDirective):
    """The list of readings, in the reader's order."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the list."""
        out = make("ol", class_="cp-readings")
        for r in refs.orders.readings:
            shown = [f.value for f in byline(r) if f.name not in ("url",)]
            out += make(
                "li",
                make("p", self.reading_link(r), class_="cp-readings-title"),
                text(" · ".join(shown), "p"),
            )
        return [out]


class IntroductionDirective(ReaderDirective):
    """The reader's introduction, for the front page."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the introduction."""
        return [make("div", md_block(refs.reader.meta.introduction), class_="cp-intro")]


class SequenceDirective(ReaderDirective):
    """The class plan: the reader's suggested sessions, each with its readings, notes and
    questions (numbered as everywhere); the instructor edition adds the teaching plans."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the sessions, or nothing when the reader suggests none."""
        reader = refs.reader
        site = refs.site
        sessions = reader.meta.sequence
        if not sessions:
            return []
        questions = {q.id: q for q in reader.questions}
        out = make("ol", class_="cp-sequence")
        for number, session in enumerate(sessions, start=1):
            li = make("li", class_="cp-session", id=f"session-{number}")
            li += text(f"Session {number}: {session.title}", "h3", class_="cp-session-title")
            readings = existing(reader.reading, session.readings)
            if readings:
                p = make("p", make("strong", nodes.Text("Read: ")))
                for i, r in enumerate(readings):
                    if i:
                        p += nodes.Text("; ")
                    p += self.reading_link(r)
                    p += nodes.Text(f" ({refs.short(r)})")
                li += p
            notes = existing(reader.note, session.notes)
            if notes:
                p = make("p", make("strong", nodes.Text("Historical notes: ")))
                for i, n in enumerate(notes):
                    if i:
                        p += nodes.Text("; ")
                    p += link(site.note(n.id), nodes.Text(n.title))
                li += p
            asked = [questions[q] for q in session.questions if q in questions]
            if asked:
                p = make("p", make("strong", nodes.Text("Discussion questions: ")))
                for i, q in enumerate(asked):
                    if i:
                        p += nodes.Text(", ")
                    number_text = refs.question_number(q)
                    p += link(
                        site.question(q),
                        nodes.Text(number_text),
                        aria_label=f"Question {number_text}",
                    )
                li += p
            if self.site.instructor and session.plan:
                li += make(
                    "div",
                    make(
                        "p",
                        make("strong", nodes.Text("Teaching plan.")),
                        class_="cp-teaching-label",
                    ),
                    md_block(session.plan),
                    class_="cp-teaching",
                )
            out += li
        return [out]


class QuestionsIntroDirective(ReaderDirective):
    """The opening paragraph of the questions page."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the paragraph."""
        levels = "recall, interpret, compare, evaluate"
        edition = (
            "This is the instructor edition: teaching notes follow the questions."
            if self.site.instructor
            else ""
        )
        return [
            text(
                f"Questions on each reading, then questions that compare them, numbered as "
                f"in the printed reader and the handouts. Each is marked with its level "
                f"({levels}). {edition}".strip(),
                "p",
            )
        ]


class BibliographyDirective(ReaderDirective):
    """The readings and every work cited, formatted Chicago author-date."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the bibliography."""
        out: list[nodes.Node] = [text("The readings", "p", class_="cp-subhead")]
        readings = make("ul", class_="cp-bibliography")
        for r in refs.orders.readings:
            ident = refs.site.reference(r.id).fragment
            readings += make("li", cite_html(refs.entry(r)), id=ident)
        out.append(readings)
        further = {w.key: w for w in refs.orders.further_reading}
        out.append(text("Works cited in the annotations", "p", class_="cp-subhead"))
        works = make("ul", class_="cp-bibliography")
        for key, entry in refs.citations.bibliography(("reference",)):
            if key not in further:  # listed, with its address, under further reading
                works += make("li", cite_html(entry), id=refs.site.reference(key).fragment)
        out.append(works)
        if further:
            out.append(
                text(
                    "Further reading",
                    "p",
                    class_="cp-subhead",
                    id=refs.site.further_reading().fragment,
                )
            )
            ul = make("ul", class_="cp-bibliography cp-further")
            for work in refs.orders.further_reading:
                if work.key not in refs.keys.items:
                    continue
                ul += make(
                    "li",
                    cite_html(refs.entry(work.key)),
                    make("div", md_block(work.annotation), class_="cp-annotation"),
                    id=refs.site.reference(work.key).fragment,
                )
            out.append(ul)
        return out


class DownloadsDirective(ReaderDirective):
    """Links to the PDFs and citation files built with the site."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the list, or a note that none were built."""
        return [downloads_list(refs, self.site.downloads, self.size)]


def downloads_list(
    refs: Refs, files: Sequence[Download], size: Callable[[str], nodes.Node]
) -> nodes.Element:
    """Return the list of files offered, or a note that none were built; size: the node
    that shows a file's size (:meth:`ReaderDirective.size`)."""
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
            file_link(refs.site.download_path(d.path), nodes.Text(d.label)),
            nodes.Text(" ("),
            size(d.path),
            nodes.Text(")"),
        )
    return ul


class PagerDirective(ReaderDirective):
    """Links to the previous and next page of its kind, and up to their index.

    Note pages (and reading pages of large readers) are in no toctree, so that they stay
    out of the sidebar every page carries; the theme then has no previous/next links for
    them, and this gives them their own. Argument: ``note <id>`` or ``reading <id>``.
    """

    required_arguments = 2
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the navigation, for HTML only."""
        kind, ident = self.arguments
        site = refs.site
        address: Callable[[str], Address]
        if kind == "note":
            noun, up, address = "note", "All historical notes", site.note
        elif kind == "reading":
            noun, up, address = "reading", "All readings", site.reading
        elif kind == "context":
            noun, up, address = "document", "All context documents", site.context
        else:
            raise self.error(f"coursepack-pager: unknown kind {kind!r} (note, reading or context)")
        items = pager_items(refs, kind)
        if ident not in {i for i, _ in items}:
            raise self.error(f"coursepack-pager: no {kind} {ident!r}")
        before, after = around(items, ident)
        nav = make("nav", class_="cp-pager", aria_label=f"Previous and next {noun}s")
        if before is not None:
            nav += _pager_link(address(before[0]), f"Previous {noun}", before[1], "prev")
        nav += link(site.page(f"{kind}s/index"), nodes.Text(up), class_="cp-pager-up")
        if after is not None:
            nav += _pager_link(address(after[0]), f"Next {noun}", after[1], "next")
        return [html_only("", no_search(nav))]


def _pager_link(address: Address, label: str, title: str, rel: str) -> nodes.Node:
    """Return a previous or next link: a small label above the page's title."""
    return link(
        address,
        text(label, class_="cp-pager-label"),
        text(title, class_="cp-pager-title"),
        class_=f"cp-pager-{rel}",
        rel=rel,
    )
