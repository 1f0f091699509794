"""The directives of the apparatus pages: the glossary, the historical notes and the
timeline, people and organizations."""

from __future__ import annotations

from collections.abc import Iterable

from docutils import nodes

from coursepack.model import Note
from coursepack.refs import Refs
from coursepack.refs.labels import format_date, format_period, reading_title, term_title
from coursepack.refs.names import index_name, sort_text
from coursepack.refs.sitemap import Address
from coursepack.render.site.directives.base import (
    SEARCH_ENTITY,
    SEARCH_TERM,
    ReaderDirective,
    existing,
    md_block,
    md_inline,
    no_search,
)
from coursepack.render.site.directives.cite import entry_cite
from coursepack.render.site.nodes import html_only, link, make, text


def az_nav(label: str, entries: Iterable[tuple[str, Address]]) -> nodes.Element:
    """Return an A–Z: a link to the first entry under each initial, in the entries' order.

    entries: (how the entry sorts, its address); an initial that is not a letter files
    under "#".
    """
    firsts: dict[str, Address] = {}
    for sort_as, address in entries:
        initial = sort_text(sort_as)[:1].upper()
        firsts.setdefault(initial if initial.isalpha() else "#", address)
    ul = make("ul", class_="cp-az-list")
    for initial, address in firsts.items():
        ul += make("li", link(address, nodes.Text(initial)))
    return html_only("", no_search(make("nav", ul, class_="cp-az", aria_label=label)))


class GlossaryIntroDirective(ReaderDirective):
    """The glossary's opening paragraph and its A–Z."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the paragraph and the A–Z."""
        return [
            text(
                "Terms of labor law and labor history used in the readings. Under each "
                "definition are the paragraphs where the term occurs, and how to cite "
                "the entry.",
                "p",
            ),
            az_nav("Glossary, A to Z", ((t.term, refs.site.term(t.id)) for t in refs.orders.terms)),
        ]


class term_anchor(nodes.Inline, nodes.Element):  # type: ignore[misc]
    """Where a glossary entry's id goes: moved into the entry's term when it is read."""


class TermDirective(ReaderDirective):
    """A glossary entry's body: definition, see also, sources, occurrences."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the entry's body, and the marker that gives its term the entry's id."""
        reader = refs.reader
        term = reader.term(self.arguments[0])
        out: list[nodes.Node] = [
            term_anchor("", ids=[refs.site.term(term.id).fragment]),
            md_block(term.definition),
        ]
        if term.see_also:
            p = make("p", class_="cp-see-also")
            p += make("em", nodes.Text("See also: "))
            for i, other in enumerate(existing(reader.term, term.see_also)):
                if i:
                    p += nodes.Text(", ")
                p += link(refs.site.term(other.id), nodes.Text(other.term))
            out.append(p)
        if term.sources:
            out.append(text("Sources", "p", class_="cp-subhead"))
            out.append(self.sources(term.sources))
        if term.occurrences:
            out.append(text("Occurs in", "p", class_="cp-subhead"))
            out.append(self.occurrences(term.occurrences))
        out.append(entry_cite(refs, self.site.record(refs.key(term)), term_title(term)))
        anchor = refs.site.term(term.id).fragment
        for name in dict.fromkeys((term.term, term.abbreviation or "", *term.aliases)):
            if name:
                self.note_search_entry(SEARCH_TERM, name, anchor)
        return out


def place_term_ids(doctree: nodes.document) -> None:
    """Give each glossary entry's term the entry's own id, from its marker.

    Sphinx names a term's target after its text (``term-CBA``); links to an entry use the
    entry's id (``glossary.html#cba``), so that rewording a headword breaks none. The id
    goes on an empty span inside the term, where HTML allows it.
    """
    for marker in list(doctree.findall(term_anchor)):
        item = marker.parent
        while item is not None and not isinstance(item, nodes.definition_list_item):
            item = item.parent
        terms = list(item.findall(nodes.term)) if item is not None else []
        if terms:
            terms[0].insert(0, nodes.inline("", "", ids=list(marker["ids"])))
        marker.parent.remove(marker)


class NotesDirective(ReaderDirective):
    """The list of historical notes, in date order."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the list."""
        ul = make("ul", class_="cp-notes-list")
        for n in refs.orders.notes:
            ul += make(
                "li",
                link(refs.site.note(n.id), nodes.Text(n.title)),
                nodes.Text(f" ({format_period(n.period)})"),
            )
        return [ul]


class NoteDirective(ReaderDirective):
    """A historical note: its period, body, related terms and people, teaching note."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the note."""
        reader = refs.reader
        note = reader.note(self.arguments[0])
        out: list[nodes.Node] = [
            make(
                "p",
                make(
                    "time", nodes.Text(format_period(note.period)), datetime=note.period.start.iso()
                ),
                class_="cp-period",
            ),
            make("div", md_block(note.body), class_="cp-note-page-body"),
        ]
        terms = existing(reader.term, note.terms)
        if terms:
            p = make("p", make("em", nodes.Text("Glossary: ")))
            for i, t in enumerate(terms):
                if i:
                    p += nodes.Text(", ")
                p += link(refs.site.term(t.id), nodes.Text(t.term))
            out.append(p)
        entities = existing(reader.entity, note.entities)
        if entities:
            p = make("p", make("em", nodes.Text("People and organizations: ")))
            for i, e in enumerate(entities):
                if i:
                    p += nodes.Text(", ")
                p += link(refs.site.entity(e.id), nodes.Text(e.name))
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

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the passages."""
        note: Note = refs.reader.note(self.arguments[0])
        ul = make("ul", class_="cp-passages")
        order = {r.id: i for i, r in enumerate(refs.orders.readings)}
        for a in sorted(note.anchors, key=lambda a: (order.get(a.reading, 0), a.start)):
            ul += make(
                "li",
                self.para_link(a, refs.anchor_label(a)),
                nodes.Text(": "),
                make("q", nodes.Text(a.exact)),
            )
        return [ul]


class NoteSourcesDirective(ReaderDirective):
    """The formatted references a note cites."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the references."""
        return [self.sources(refs.reader.note(self.arguments[0]).sources)]


class ChronologyDirective(ReaderDirective):
    """The chronology: the events the readings name and the readings' publications, by
    date, each at its own address (``timeline.html#<event-id>``)."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the chronology, or nothing when the reader has none."""
        if not refs.orders.chronology:
            return []
        ol = make("ol", class_="cp-timeline cp-chronology")
        for entry in refs.orders.chronology:
            li = make("li", id=refs.site.chronology(entry.id).fragment)
            li += make(
                "time",
                nodes.Text(format_period(entry.period)),
                datetime=entry.period.start.iso(),
                class_="cp-when",
            )
            if entry.reading is not None:
                r = entry.reading
                li += make(
                    "span",
                    nodes.Text("Published: "),
                    link(refs.site.reading(r.id), nodes.Text(reading_title(r))),
                    nodes.Text(f" ({refs.short(r)})"),
                )
                li["attrs"]["class"] = "cp-timeline-reading"
            elif entry.event is not None:
                event = entry.event
                li += make("span", md_inline(event.event), class_="cp-event")
                more = make("span", class_="cp-event-more")
                cited = existing(refs.keys.lookup, [s.key for s in event.sources])
                if cited:
                    more += nodes.Text(" Sources: ")
                    for i, item in enumerate(cited):
                        if i:
                            more += nodes.Text("; ")
                        more += link(
                            self.entry_address(refs, item.key), nodes.Text(refs.cite(item.key))
                        )
                    more += nodes.Text(".")
                notes = existing(refs.reader.note, event.notes)
                if notes:
                    more += nodes.Text(" See ")
                    for i, n in enumerate(notes):
                        if i:
                            more += nodes.Text("; ")
                        more += link(refs.site.note(n.id), nodes.Text(n.title))
                    more += nodes.Text(".")
                if len(more.children):
                    li += more
            ol += li
        return [ol]

    @staticmethod
    def entry_address(refs: Refs, key: str) -> Address:
        """Return where the bibliography lists a work (a copy under the work it repeats)."""
        canonical = refs.copies.get(key, key)
        item = refs.item(canonical)
        return refs.site.reference(item.id if item.kind == "reading" else canonical)


class TimelineDirective(ReaderDirective):
    """The historical notes on a timeline; the readings' own dates at the end when the
    reader has no chronology (which lists them among its events)."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the timeline."""
        ol = make("ol", class_="cp-timeline")
        for n in refs.orders.notes:
            ol += make(
                "li",
                make(
                    "time",
                    nodes.Text(format_period(n.period)),
                    datetime=n.period.start.iso(),
                    class_="cp-when",
                ),
                make("span", link(refs.site.note(n.id), nodes.Text(n.title))),
            )
        for r in sorted(refs.orders.readings, key=lambda r: r.date.sort_key()):
            if refs.orders.chronology:
                break
            ol += make(
                "li",
                make(
                    "time", nodes.Text(format_date(r.date)), datetime=r.date.iso(), class_="cp-when"
                ),
                make(
                    "span",
                    nodes.Text("Reading: "),
                    link(refs.site.reading(r.id), nodes.Text(reading_title(r))),
                    nodes.Text(f" ({refs.short(r)})"),
                ),
                class_="cp-timeline-reading",
            )
        return [ol]


class EntitiesIntroDirective(ReaderDirective):
    """The opening paragraph of the people and organizations page, and the people's A–Z."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the paragraph and the A–Z of people by family name."""
        people = [
            (index_name(e), refs.site.entity(e.id))
            for e in refs.orders.entities
            if e.kind == "person"
        ]
        out: list[nodes.Node] = [
            text(
                "People and organizations named in the readings, with the paragraphs "
                "that name them. People are listed by family name.",
                "p",
            )
        ]
        if people:
            out.append(az_nav("People by family name, A to Z", people))
        return out


class EntitiesDirective(ReaderDirective):
    """People or organizations of one kind, in the canonical order, with where named."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the entries."""
        dl = make("dl", class_="cp-entities")
        for e in refs.orders.entities:
            if e.kind != self.arguments[0]:
                continue
            anchor = refs.site.entity(e.id).fragment
            dl += make("dt", nodes.Text(index_name(e)), id=anchor)
            dd = make("dd", text(e.description, "p"))
            if e.occurrences:
                dd += self.occurrences(e.occurrences)
            dd += entry_cite(refs, self.site.record(refs.key(f"entity:{e.id}")), e.name)
            dl += dd
            for name in dict.fromkeys((e.name, *e.aliases)):
                self.note_search_entry(SEARCH_ENTITY, name, anchor)
        return [dl]
