"""The base of the extension's directives, and the pieces several page families share.

Annotation text (Markdown) becomes HTML only through :mod:`coursepack.render.markup`;
everything else is plain text in docutils nodes, which the HTML writer escapes. Addresses,
labels, orders and citations come from the build's :class:`~coursepack.refs.Refs`; a
directive spells none of them itself. A page is read again when its generated document's
digest changes (:mod:`coursepack.render.site.generate`), and only then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, TypeVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from coursepack.model import Anchor, Reading, Source
from coursepack.refs import Refs
from coursepack.refs.labels import paragraph_span, reading_title
from coursepack.render import markup
from coursepack.render.site.nodes import file_size, link, make
from coursepack.render.site.state import SiteState, get_state, note_page, sized_pages

T = TypeVar("T")


#: A web address in text: up to a space, a tag or a quotation mark.
_URL = re.compile(r"https?://[^\s<>\"']+")
#: What ends a sentence after an address rather than belonging to it.
_TRAILING = ".,;:!?’”»"
_TAG = re.compile(r"(<[^>]*>)")


def _url_end(url: str) -> str:
    """Return url without the punctuation that follows it in a sentence."""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def linkify(fragment: str) -> str:
    """Return sanitized HTML with the web addresses in its text made links.

    Only text outside existing links changes; an address's own characters are already
    escaped in the fragment, so they go into the ``href`` as they are.
    """
    out: list[str] = []
    depth = 0
    for part in _TAG.split(fragment):
        if part.startswith("<"):
            tag = part[1:].split(None, 1)[0].rstrip(">").lower() if len(part) > 2 else ""
            if tag == "a":
                depth += 1
            elif tag == "/a":
                depth = max(0, depth - 1)
            out.append(part)
            continue
        if depth:
            out.append(part)
            continue
        pos = 0
        for match in _URL.finditer(part):
            url = _url_end(match.group(0))
            if len(url) <= len("https://"):
                continue
            start = match.start()
            out.append(part[pos:start])
            out.append(f'<a class="cp-url" href="{url}">{url}</a>')
            pos = start + len(url)
        out.append(part[pos:])
    return "".join(out)


def md_block(source: str) -> nodes.raw:
    """Return Markdown as a node of sanitized HTML, its web addresses linked."""
    return nodes.raw("", linkify(markup.markdown_to_html(source)), format="html")


def md_inline(source: str) -> nodes.raw:
    """Return Markdown as a node of sanitized inline HTML."""
    return nodes.raw("", markup.markdown_to_inline_html(source), format="html")


def cite_html(fragment: str) -> nodes.raw:
    """Return formatted citation HTML (sanitized by the shared layer) as a node, its web
    addresses linked."""
    return nodes.raw("", linkify(fragment), format="html")


def existing(lookup: Callable[[str], T], ids: Iterable[str]) -> list[T]:
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


def no_search(node: nodes.Element) -> nodes.Element:
    """Mark a node as kept out of the search index's text."""
    node["classes"].append("no-search")
    return node


#: Object types of Sphinx's standard domain that make glossary entries and people and
#: organizations results of their own in the site's search (Sphinx's own glossary terms
#: are left out of it). Registered by the extension's ``setup``.
SEARCH_TERM = "coursepack-glossary-entry"
SEARCH_ENTITY = "coursepack-entity"
SEARCH_TYPES = {SEARCH_TERM: "glossary term", SEARCH_ENTITY: "person or organization"}


class ReaderDirective(SphinxDirective):
    """A directive that expands the build's reader, through its shared layer."""

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

    def run(self) -> list[nodes.Node]:
        """Expand the directive, or nothing when the reader has errors."""
        note_page(self.env)
        refs = self.site.refs
        if refs is None:
            return []
        self.refs = refs
        return self.expand(refs)

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the nodes for this directive."""
        raise NotImplementedError

    # Shared pieces -----------------------------------------------------------------------

    def size(self, path: str) -> nodes.Node:
        """Return the size of a file offered (under the build folder), shown as it is once
        written; the page is noted as one that shows it."""
        shown = sized_pages(self.env).setdefault(self.env.docname, [])
        if path not in shown:
            shown.append(path)
        return file_size("", file=path)

    def note_search_entry(self, objtype: str, name: str, anchor: str) -> None:
        """Make an entry of this page a search result of its own, under a name."""
        std = self.env.domains.standard_domain
        if (objtype, name) not in std.objects:
            std.note_object(objtype, name, anchor, location=self.get_location())

    def para_link(self, anchor: Anchor, label: str | None = None) -> nodes.Node:
        """Return a link to the paragraph a passage starts in."""
        shown = label or paragraph_span(self.refs.reader, anchor)
        return link(self.refs.site.anchor(anchor), nodes.Text(shown))

    def reading_link(self, reading: Reading) -> nodes.Node:
        """Return a link to a reading's page, with its title (bracketed when supplied)."""
        return link(self.refs.site.reading(reading.id), nodes.Text(reading_title(reading)))

    def occurrences(self, anchors: Sequence[Anchor]) -> nodes.Node:
        """Return a list of paragraph links, grouped by reading in reader order."""
        refs = self.refs
        items = make("ul", class_="cp-occurrences")
        by_reading: dict[str, dict[int | None, Anchor]] = {}
        for a in anchors:
            by_reading.setdefault(a.reading, {}).setdefault(a.paragraph, a)
        for reading in refs.orders.readings:
            found = by_reading.get(reading.id, {})
            if not found:
                continue
            li = make("li")
            li += nodes.Text(f"{refs.short(reading)}: ")
            for i, a in enumerate(found.values()):
                if i:
                    li += nodes.Text(", ")
                li += self.para_link(a)
            items += li
        return items

    def sources(self, sources: Iterable[Source]) -> nodes.Node:
        """Return the formatted references of a list of sources."""
        refs = self.refs
        items = make("ul", class_="cp-sources")
        for s in sources:
            if s.key not in refs.keys.items:
                continue
            li = make("li", cite_html(refs.entry(s.key)))
            if s.locator:
                li += nodes.Text(f" ({s.locator})")
            items += li
        return items
