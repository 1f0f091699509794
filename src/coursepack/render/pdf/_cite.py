"""Formatted citations for the PDFs, from the shared CSL helper.

The CSL helper (:mod:`coursepack.render.cite.csl`) formats every citation the site and the
PDFs show. Until it is importable, a plain fallback keeps the PDFs building; the fallback is
marked and goes away once the helper lands.
"""

from __future__ import annotations

import html
import importlib
from types import ModuleType

import nh3
from markupsafe import Markup

from coursepack.model import Reader, Reading

_TAGS = {"i", "em", "b", "strong", "span", "a", "sup", "sub", "div"}
_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "div": {"class"}}


def _csl() -> ModuleType | None:
    # SWITCH: call coursepack.render.cite.csl directly once it is in the tree.
    try:
        return importlib.import_module("coursepack.render.cite.csl")
    except ImportError:
        return None


def _key(reader: Reader, item: Reader | Reading | str) -> str:
    """Return the citation key of the reader, a reading, or a key as given."""
    try:
        keys = importlib.import_module("coursepack.render.cite.keys")
    except ImportError:
        if isinstance(item, Reader):
            return item.meta.id
        return item if isinstance(item, str) else item.id
    return str(keys.citation_key(reader, item))


def _safe(fragment: str) -> Markup:
    """Sanitize formatted citation HTML (its text comes from references.bib)."""
    cleaned = nh3.clean(fragment, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https"})
    return Markup(cleaned.strip())  # sanitized by nh3 just above


def format_entry(reader: Reader, item: Reader | Reading | str) -> Markup:
    """Return the Chicago author-date entry for the reader, a reading or a reference key."""
    csl = _csl()
    if csl is not None:
        return _safe(str(csl.format_entry(reader, _key(reader, item))))
    if isinstance(item, Reader):
        return _fallback_entry(reader, "")
    return _fallback_entry(reader, item if isinstance(item, str) else item.id)


def format_bibliography(reader: Reader) -> list[tuple[str, Markup]]:
    """Return (key, entry HTML) for every reference, sorted as the bibliography."""
    csl = _csl()
    if csl is not None:
        return [(k, _safe(str(v))) for k, v in csl.format_bibliography(reader)]
    entries = [(r.key, _fallback_entry(reader, r.key)) for r in reader.references]
    return sorted(entries, key=lambda e: str(e[1]).casefold())


def cite_inline(reader: Reader, item: Reading | str, locator: str | None = None) -> Markup:
    """Return a short author-date citation ("Crosse 2026, ¶14") as HTML."""
    csl = _csl()
    if csl is not None:
        return _safe(str(csl.cite_inline(reader, _key(reader, item), locator)))
    key = item if isinstance(item, str) else item.id
    if key in {r.id for r in reader.readings}:
        reading = reader.reading(key)
        text = f"{reading.author_label} {reading.date.year}"
    elif key in {r.key for r in reader.references}:
        ref = reader.reference(key)
        author = ref.get("author") or ref.get("editor") or ref.get("organization") or key
        text = f"{author.split(',')[0].split(' and ')[0]} {ref.get('year', 'n.d.')}"
    else:
        text = f"{reader.meta.editors[0] if reader.meta.editors else ''} {reader.meta.year}"
    return Markup.escape(f"{text}, {locator}" if locator else text)


def _fallback_entry(reader: Reader, key: str) -> Markup:
    e = html.escape
    if key in {r.id for r in reader.readings}:
        r = reader.reading(key)
        who = ", ".join(r.authors) or r.corporate_author or r.outlet
        return Markup(
            f"{e(who)}. {r.date.year}. “{e(r.title)}.” <i>{e(r.outlet)}</i>, {e(r.date.iso())}. "
            f"{e(r.url)}."
        )
    if key in {r.key for r in reader.references}:
        ref = reader.reference(key)
        who = ref.get("author") or ref.get("editor") or ref.get("organization")
        container = ref.get("journal") or ref.get("booktitle") or ref.get("publisher")
        parts = [f"{e(who)}." if who else "", f"{e(ref.get('year', 'n.d.'))}."]
        parts.append(f"“{e(ref.get('title'))}.”" if container else f"<i>{e(ref.get('title'))}</i>.")
        if container:
            parts.append(f"<i>{e(container)}</i>.")
        if ref.get("url"):
            parts.append(f"{e(ref.get('url'))}.")
        return Markup(" ".join(p for p in parts if p))
    m = reader.meta
    return Markup(
        f"{e(', '.join(m.editors))}, eds. {m.year}. <i>{e(m.title)}</i>. "
        f"{e(m.place + ': ' if m.place else '')}{e(m.publisher)}. {e(m.url)}."
    )
