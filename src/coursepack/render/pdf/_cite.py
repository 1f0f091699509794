"""Formatted citations for the PDFs, from the shared CSL helper, as safe HTML."""

from __future__ import annotations

import nh3
from markupsafe import Markup

from coursepack.model import Reader, Reading
from coursepack.render.cite import csl
from coursepack.render.cite.keys import citation_key

_TAGS = {"i", "em", "b", "strong", "span", "a", "sup", "sub", "div"}
_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "div": {"class"}}


def _safe(fragment: str) -> Markup:
    """Sanitize formatted citation HTML: its text comes from references.bib and the seeds."""
    cleaned = nh3.clean(fragment, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https"})
    return Markup(cleaned.strip())  # sanitized by nh3 just above


def format_entry(reader: Reader, item: Reader | Reading | str) -> Markup:
    """Return the Chicago author-date entry for the reader, a reading or a reference key."""
    return _safe(csl.format_entry(reader, citation_key(reader, item)))


def format_bibliography(reader: Reader) -> list[tuple[str, Markup]]:
    """Return (key, entry HTML) for the readings and references, in bibliography order."""
    return [(key, _safe(entry)) for key, entry in csl.format_bibliography(reader)]


def cite_inline(reader: Reader, item: Reading | str, locator: str | None = None) -> Markup:
    """Return a short author-date citation ("Crosse 2026, ¶14") as HTML."""
    return _safe(csl.cite_inline(reader, citation_key(reader, item), locator))
