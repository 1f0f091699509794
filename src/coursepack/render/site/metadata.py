"""What a page says about itself in its ``<head>``: a description for search engines and
link previews, and, on a page that is one citable item (the front page, a reading, a
historical note), the citation metadata reference managers read.

The metadata comes from the item's CSL record through :mod:`coursepack.refs.embedded`, so
a reference manager saves what the page's cite block says. Pages of many entries (the
glossary, the people) carry one ContextObject per entry instead (``directives/cite.py``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from docutils import nodes

from coursepack.model import Reading
from coursepack.refs import Refs
from coursepack.refs.embedded import meta_tags
from coursepack.refs.labels import byline, reading_title
from coursepack.render import markup
from coursepack.render.site.nodes import element
from coursepack.render.site.state import SiteState

#: A description longer than this is cut at a word (search engines show about as much).
DESCRIPTION = 155


def shorten(text: str, limit: int = DESCRIPTION) -> str:
    """Return text on one line, cut at a word near limit characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(",;:.–—") + "…"


def reading_description(reading: Reading) -> str:
    """Return a reading page's description: what the text is, and what comes with it."""
    shown = {f.name: f.value for f in byline(reading)}
    who = shown.get("authors") or shown.get("corporate_author")
    where = ", ".join(v for v in (shown.get("outlet"), shown.get("date")) if v)
    about = f"{reading_title(reading)}" + (f", by {who}" if who else "")
    about += f" ({where})" if where else ""
    full = f"{about}: the text as received, with historical notes and a glossary."
    return full if len(full) <= DESCRIPTION else shorten(about)


def _texts(doctree: nodes.document) -> Iterator[str]:
    """Yield the text of the page's paragraphs, in order, leaving out navigation."""
    for node in doctree.findall(nodes.Element):
        if "no-search" in node["classes"]:
            continue
        if isinstance(node, nodes.paragraph) or (isinstance(node, element) and node["tag"] == "p"):
            yield node.astext()
        elif isinstance(node, nodes.raw) and "html" in node.get("format", ""):
            found = re.search(r"<p>(.*?)</p>", node.astext(), re.DOTALL)
            if found:
                yield html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def first_paragraph(doctree: nodes.document | None) -> str:
    """Return the first paragraph of a page that says something (two words or more)."""
    if doctree is None:
        return ""
    return next((t for t in _texts(doctree) if len(t.split()) > 2), "")


def head_tags(
    state: SiteState, pagename: str, root_doc: str, title: str, doctree: nodes.document | None
) -> str:
    """Return the ``<meta>`` elements of a page: its description and citation metadata."""
    refs = state.refs
    tags: list[tuple[str, str]] = []
    description = ""
    if refs is not None:
        item = _item(refs, pagename, root_doc)
        if isinstance(item, Reading):
            description = reading_description(item)
        elif item is not None and item.startswith("note:"):
            note = refs.reader.note(item.removeprefix("note:"))
            description = shorten(markup.markdown_to_text(note.body))
        elif item is not None and item.startswith("context:"):
            context = refs.reader.context(item.removeprefix("context:"))
            description = shorten(markup.markdown_to_text(context.headnote))
        if item is not None:
            key = refs.key(refs.reader if item == "reader" else item)
            record = state.record(key)
            page = "" if item == "reader" else refs.site.url(f"{pagename}.html")
            tags += meta_tags(record, "" if page == record.get("URL") else page)
    if not description:
        found = first_paragraph(doctree)
        if not found and refs is not None and title != refs.reader.meta.title:
            found = f"{title}: {refs.reader.meta.title}"
        description = shorten(found or title)
    tags.insert(0, ("description", description))
    return "".join(
        f'<meta name="{html.escape(n)}" content="{html.escape(v, quote=True)}">\n'
        for n, v in tags
        if v
    )


def _item(refs: Refs, pagename: str, root_doc: str) -> Reading | str | None:
    """Return what a page is, as a citable item: a reading, ``note:<id>``,
    ``context:<id>``, "reader", or None for a page that is not one item."""
    if pagename == root_doc:
        return "reader"
    site = refs.site
    folder, _, ident = pagename.rpartition("/")
    if folder == site.doc("readings") and ident != "index":
        try:
            reading = refs.reader.reading(ident)
        except KeyError:
            return None
        return reading if site.reading(reading.id).page == pagename else None
    if folder == site.doc("notes") and ident != "index":
        try:
            note = refs.reader.note(ident)
        except KeyError:
            return None
        return f"note:{note.id}" if site.note(note.id).page == pagename else None
    if folder == site.doc("contexts") and ident != "index":
        try:
            context = refs.reader.context(ident)
        except KeyError:
            return None
        return f"context:{context.id}" if site.context(context.id).page == pagename else None
    return None
