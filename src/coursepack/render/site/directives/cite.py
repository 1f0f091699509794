"""How to cite a page or an entry: the formatted reference, BibTeX, copy buttons, and the
OpenURL ContextObject (COinS) that lets a reference manager save an entry of a page that
holds many (the glossary, the people and organizations)."""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes

from coursepack.refs import Refs
from coursepack.refs.embedded import context_object
from coursepack.render.site.directives.base import ReaderDirective, cite_html, no_search
from coursepack.render.site.nodes import html_only, make, text


def block_id(key: str) -> str:
    """Return the part of an element id that stands for a citation key."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", key)


def copy_button(target: str, label: str, copied: str) -> nodes.Node:
    """Return a button that copies the text of the element with id target (HTML only)."""
    return html_only(
        "",
        make(
            "button",
            nodes.Text(label),
            type="button",
            class_="cp-copy",
            data_copy_target=target,
            data_copied=copied,
        ),
    )


def cite_block(refs: Refs, key: str, *extra: nodes.Node, later: bool = False) -> nodes.Element:
    """Return the cite block of an item: its Chicago entry and its BibTeX, each copyable.

    extra: nodes shown between the two (a reading's paragraph citation). later: the BibTeX
    is a ``<template>`` that the script shows when the block is opened, so that the many
    entries of a glossary or a list of people keep their BibTeX out of the page's text
    (and of search snippets); the citation files hold it too.
    """
    ident = block_id(key)
    box = make("div", class_="cp-cite")
    box += make(
        "div",
        text("Chicago author-date", "p", class_="cp-cite-label"),
        copy_button(f"cite-{ident}", "Copy citation", "Copied the citation"),
        class_="cp-cite-head",
    )
    box += make("div", cite_html(refs.entry(key)), class_="cp-cite-entry", id=f"cite-{ident}")
    for node in extra:
        box += node
    box += make(
        "div",
        text("BibTeX", "p", class_="cp-cite-label"),
        copy_button(f"bibtex-{ident}", "Copy BibTeX", "Copied the BibTeX entry"),
        class_="cp-cite-head",
    )
    bibtex = no_search(
        make("pre", text(refs.bibtex(key), "code"), id=f"bibtex-{ident}", tabindex="0")
    )
    if later:
        bibtex = html_only("", no_search(make("template", bibtex, class_="cp-later")))
    box += bibtex
    return box


def coins(record: dict[str, Any]) -> nodes.Node:
    """Return an item's OpenURL ContextObject in an empty ``span.Z3988`` (HTML only)."""
    return html_only("", make("span", class_="Z3988", title=context_object(record)))


def entry_cite(refs: Refs, record: dict[str, Any], name: str) -> nodes.Element:
    """Return a collapsed cite block for one entry of a page of entries, with its COinS.

    record: the entry's CSL record (its ``id`` is its key).
    """
    key = str(record["id"])
    summary = make(
        "summary",
        nodes.Text("Cite this entry"),
        make("span", nodes.Text(f": {name}"), class_="visually-hidden"),
    )
    return make(
        "details",
        summary,
        cite_block(refs, key, later=True),
        coins(record),
        class_="cp-cite-details",
    )


class CiteDirective(ReaderDirective):
    """The cite block of the reader (no argument), a reading (its id) or a note, term or
    entry (``note:<id>``, ``term:<id>``, ``entity:<id>``, or a citation key)."""

    required_arguments = 0
    optional_arguments = 1

    def expand(self, refs: Refs) -> list[nodes.Node]:
        """Return the cite block."""
        item = self.arguments[0] if self.arguments else refs.reader
        key = refs.key(item)
        extra: list[nodes.Node] = []
        if refs.item(key).kind == "reading":
            example = refs.cite(key, "1")
            extra.append(
                make(
                    "p",
                    nodes.Text("Cite a paragraph by its number: "),
                    text(example, "code"),
                    nodes.Text(". Click a paragraph number to copy its citation."),
                    class_="cp-cite-para",
                )
            )
        return [cite_block(refs, key, *extra)]
