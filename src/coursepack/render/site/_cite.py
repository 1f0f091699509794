"""Formatted citations for the site, from the shared CSL and BibTeX helpers.

Formatted HTML is sanitized again here, since its text comes from references.bib and the
seeds' metadata.
"""

from __future__ import annotations

import html

import nh3

from coursepack.model import Reader
from coursepack.render.cite import bibtex, csl

_TAGS = {"i", "em", "b", "strong", "span", "a", "sup", "sub", "div"}
_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "div": {"class"}}


def safe(fragment: str) -> str:
    """Sanitize formatted citation HTML."""
    cleaned = nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
    )
    return str(cleaned).strip()


def format_entry(reader: Reader, key: str) -> str:
    """Return sanitized HTML of the bibliography entry for a citable key."""
    return safe(csl.format_entry(reader, key))


def format_bibliography(reader: Reader) -> list[tuple[str, str]]:
    """Return (key, sanitized entry HTML) for the works cited (not the readings), in order."""
    return [(k, safe(v)) for k, v in csl.format_bibliography(reader, kinds=("reference",))]


def cite_inline(reader: Reader, key: str, locator: str | None = None) -> str:
    """Return a short author-date citation as plain text ("Crosse 2026, ¶14")."""
    # The text of the HTML form: formatting the whole reader a second time as plain text
    # would double the CSL processor's work.
    return html.unescape(nh3.clean(csl.cite_inline(reader, key, locator), tags=set())).strip()


def warm(reader: Reader, workers: int = 1) -> None:
    """Format every citation once, before a parallel build forks its workers (in up to
    `workers` processes, for a large reader)."""
    csl.prepare(reader, workers)


def entry_bibtex(reader: Reader, key: str) -> str:
    """Return the BibTeX entry for a citable key."""
    return bibtex.entry_bibtex(reader, key)
