"""The directives of the context documents: the texts the readings argue about (a law, a
contract's clause, a public statement), each reproduced on a page of its own with what it
is, the readings that argue about it, where the text comes from, and how to cite it."""

from __future__ import annotations

from docutils import nodes

from coursepack.model import ContextDocument
from coursepack.refs import Refs
from coursepack.render.site.directives.base import ReaderDirective, md_block
from coursepack.render.site.nodes import link, make, text

#: Each kind of context document, as a heading of the list names its documents.
KIND_TITLES = {"law": "Laws", "contract": "Contracts", "statement": "Statements"}
#: Each kind, as the label of one document.
KIND_LABELS = {"law": "Law", "contract": "Contract", "statement": "Public statement"}


class ContextsDirective(ReaderDirective):
    """The list of context documents: laws, contracts, statements, each by title."""

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the list, under a heading for each kind."""
        out: list[nodes.Node] = [
            text(
                "The laws, contract clauses and public statements the readings argue about, "
                "each reproduced with its source.",
                "p",
            )
        ]
        kind = ""
        ul = make("ul")
        for c in refs.orders.contexts:
            if c.kind != kind:
                kind = c.kind
                out.append(text(KIND_TITLES.get(kind, kind), "p", class_="cp-subhead"))
                ul = make("ul", class_="cp-contexts-list")
                out.append(ul)
            li = make("li", link(refs.site.context(c.id), nodes.Text(c.title)))
            readings = self.argued_in(refs, c)
            if readings is not None:
                li += nodes.Text(" — argued about in ")
                li += readings
            ul += li
        return out

    def argued_in(self, refs: Refs, context: ContextDocument) -> nodes.Node | None:
        """Return the short forms of the readings that argue about a document, linked."""
        found = [r for r in refs.orders.readings if r.id in context.readings]
        if not found:
            return None
        span = make("span")
        for i, r in enumerate(found):
            if i:
                span += nodes.Text(", ")
            span += link(refs.site.reading(r.id), nodes.Text(refs.short(r)))
        return span


class ContextDirective(ContextsDirective):
    """A context document's head: its kind, the editors' headnote, the readings."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the head of the document's page."""
        c = refs.reader.context(self.arguments[0])
        out: list[nodes.Node] = [
            text(KIND_LABELS.get(c.kind, c.kind), "p", class_="cp-period"),
            make("div", md_block(c.headnote), class_="cp-headnote"),
        ]
        readings = self.argued_in(refs, c)
        if readings is not None:
            out.append(make("p", make("em", nodes.Text("Argued about in: ")), readings))
        return out


class ContextTextDirective(ReaderDirective):
    """A context document's text, as the reader reproduces it."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the text."""
        c = refs.reader.context(self.arguments[0])
        return [make("div", md_block(c.text), class_="cp-context-text")]


class ContextSourceDirective(ReaderDirective):
    """Where a context document's text comes from: the work, the address, the editors'
    account of the copy."""

    required_arguments = 1
    optional_arguments = 0

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the provenance."""
        c = refs.reader.context(self.arguments[0])
        out: list[nodes.Node] = [self.sources([c.source])]
        if c.url:
            out.append(
                make(
                    "p",
                    nodes.Text("The text as reproduced here: "),
                    make("a", nodes.Text(c.url), href=c.url, class_="cp-url"),
                )
            )
        out.append(md_block(c.provenance))
        return out
