"""BibTeX and biblatex entries for the reader, its readings, notes, terms and references.

Two flavours, because one file cannot serve both well (see ``docs/citations.md``):

* ``bibtex``: the classic entry types and fields that ``plain.bst`` and its kin know
  (``@misc`` with ``howpublished = {\\url{...}}``, ``journal``, ``address``, ``year`` and
  ``month``), plus ``key`` when there is no author, so BibTeX can sort the entry;
* ``biblatex``: the biblatex data model (``@online`` with ``url`` and ``urldate``,
  ``journaltitle``, ``location``, ISO ``date``), for biber, Pandoc and Zotero.

Field values are plain Unicode in the model; here they become LaTeX: the characters BibTeX
gives a meaning (``& % $ # _ { } ~ ^ \\``) are escaped, everything else stays UTF-8, words
with capitals in titles are braced so styles that lower-case titles keep them, and URLs are
written as they are. bibtexparser v2 writes the file, with a fixed unparse stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.middlewares import AddEnclosingMiddleware
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat

from coursepack.model import PartialDate, Reader, Reading, Reference
from coursepack.refs import keys as keymod
from coursepack.refs.csl import csl_name, reader_title, split_bibtex_names
from coursepack.refs.labels import authors_supplied, bracket, outlet_is_named, term_title
from coursepack.refs.sitemap import SiteMap

Flavour = Literal["bibtex", "biblatex"]

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIALS_RE = re.compile(r"[\\{}&%$#_~^]")

#: Fields written verbatim (no LaTeX escaping).
VERBATIM = frozenset({"url", "doi", "urldate", "date", "eprint", "file", "isbn", "issn"})

#: biblatex-only entry types and the classic type that stands in for each.
CLASSIC_TYPES = {
    "online": "misc",
    "www": "misc",
    "electronic": "misc",
    "collection": "book",
    "mvbook": "book",
    "mvcollection": "book",
    "inreference": "incollection",
    "report": "techreport",
    "thesis": "phdthesis",
    "periodical": "misc",
    "dataset": "misc",
    "software": "misc",
    "legislation": "misc",
    "legal": "misc",
    "jurisdiction": "misc",
}

#: biblatex field names and their classic BibTeX names.
CLASSIC_FIELDS = {"journaltitle": "journal", "location": "address"}
BIBLATEX_FIELDS = {v: k for k, v in CLASSIC_FIELDS.items()}


@dataclass(frozen=True)
class BibEntry:
    """One entry, field values already in LaTeX."""

    entry_type: str
    key: str
    #: (field name, LaTeX value) in output order.
    fields: tuple[tuple[str, str], ...]


def escape_latex(text: str) -> str:
    """Return text with the characters BibTeX and LaTeX treat specially escaped."""
    return _SPECIALS_RE.sub(lambda m: _LATEX_SPECIALS[m.group(0)], text)


def protect_title(text: str) -> str:
    """Return an escaped title whose capitalised words are braced (``{ICE}``, ``{January}``).

    Styles that set titles in sentence case keep the first character; every other word with
    a capital letter is protected, so the first word after an opening bracket is too.
    """
    out: list[str] = []
    for match in re.finditer(r"\S+|\s+", text):
        word = match.group(0)
        escaped = escape_latex(word)
        capitals = [c for c in word[1:] if c.isupper()] if match.start() == 0 else None
        has_capital = any(c.isupper() for c in word)
        if word.isspace() or not has_capital or capitals == []:
            out.append(escaped)
            continue
        # Keep brackets and punctuation outside the braces: "[{Union}", "{ICE}:".
        inner = re.match(r"^([\[(“‘\"']*)(.*?)([\]).,;:!?”’\"']*)$", word, re.S)
        lead, core, tail = inner.groups() if inner else ("", word, "")
        out.append(f"{escape_latex(lead)}{{{escape_latex(core)}}}{escape_latex(tail)}")
    return "".join(out)


def latex_name(name: str, *, supplied: bool = False) -> str:
    """Return a name for an author or editor field: ``Last, First`` or ``{Organisation}``."""
    parts = csl_name(name)
    if "literal" in parts:
        return "{" + escape_latex(bracket(parts["literal"], supplied)) + "}"
    text = f"{parts['family']}, {parts['given']}"
    return "{" + escape_latex(f"[{text}]") + "}" if supplied else escape_latex(text)


def names_field(names: list[str], *, supplied: bool = False) -> str:
    """Return a BibTeX name list."""
    return " and ".join(latex_name(n, supplied=supplied) for n in names)


def _month_and_year(date: PartialDate, flavour: Flavour) -> list[tuple[str, str]]:
    if flavour == "biblatex":
        return [("date", date.iso())]
    out = [("year", str(date.year))]
    if date.month is not None:
        out.append(("month", MONTHS[date.month - 1]))
    return out


def _classic_url_note(url: str, urldate: str | None) -> str:
    note = f"\\url{{{url}}}"
    if urldate:
        note += f". Accessed {_human_date(urldate)}"
    return note


def _human_date(iso: str) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    if not match:
        return iso
    names = MONTH_NAMES
    year, month, day = (int(g) for g in match.groups())
    return f"{names[month - 1]} {day}, {year}"


# -- entries -----------------------------------------------------------------------------


def reader_entry(reader: Reader, key: str, flavour: Flavour) -> BibEntry:
    """Return the entry for the reader as a whole."""
    meta = reader.meta
    fields: list[tuple[str, str]] = [("editor", names_field(list(meta.editors)))]
    if flavour == "biblatex":
        fields.append(("title", protect_title(meta.title)))
        if meta.subtitle:
            fields.append(("subtitle", protect_title(meta.subtitle)))
    else:
        fields.append(("title", protect_title(reader_title(reader))))
    fields.append(("publisher", escape_latex(meta.publisher)))
    if meta.place:
        fields.append(
            ("location" if flavour == "biblatex" else "address", escape_latex(meta.place))
        )
    fields.append(("date" if flavour == "biblatex" else "year", str(meta.year)))
    fields.append(("url", meta.url))
    if flavour == "bibtex":
        fields.append(("note", _classic_url_note(meta.url, None)))
    fields.append(("language" if flavour == "bibtex" else "langid", _language(meta.language)))
    entry_type = "collection" if flavour == "biblatex" else "book"
    return BibEntry(entry_type, key, tuple(fields))


def _language(code: str) -> str:
    return {"en": "english", "es": "spanish", "fr": "french", "de": "german"}.get(code, code)


def reading_entry(reading: Reading, key: str, flavour: Flavour) -> BibEntry:
    """Return the entry for a reading; supplied fields are in square brackets."""
    who_supplied = authors_supplied(reading)
    fields: list[tuple[str, str]] = []
    if reading.authors:
        fields.append(("author", names_field(list(reading.authors), supplied=who_supplied)))
    elif reading.corporate_author:
        name = bracket(reading.corporate_author, who_supplied)
        fields.append(("author", "{" + escape_latex(name) + "}"))
    title = bracket(reading.title, reading.is_supplied("title"))
    fields.append(("title", protect_title(title)))
    named = outlet_is_named(reading)
    outlet = escape_latex(bracket(reading.outlet, reading.is_supplied("outlet")))
    if named:
        fields.append(("journaltitle" if flavour == "biblatex" else "journal", outlet))
    fields.extend(_month_and_year(reading.date, flavour))
    if reading.url:
        fields.append(("url", reading.url))
    if not reading.authors and not reading.corporate_author and flavour == "bibtex":
        fields.append(("key", escape_latex(reading.title)))
    if named and flavour == "biblatex":
        fields.append(("entrysubtype", "newspaper"))
    if flavour == "bibtex" and reading.url:
        fields.append(("note", _classic_url_note(reading.url, None)))
    if not named and reading.outlet and reading.outlet != "unidentified":
        fields.append(("howpublished", "[" + outlet.strip("[]") + "]"))
    supplied = _supplied_note(reading)
    if supplied:
        fields.append(("addendum" if flavour == "biblatex" else "annote", supplied))
    fields.append(("language" if flavour == "bibtex" else "langid", _language(reading.language)))
    entry_type = "article" if named else ("online" if reading.url else "misc")
    if flavour == "bibtex" and entry_type == "online":
        entry_type = "misc"
    return BibEntry(entry_type, key, tuple(fields))


def _supplied_note(reading: Reading) -> str:
    labels = {
        "title": "title",
        "authors": "author",
        "corporate_author": "author",
        "outlet": "outlet",
        "date": "date",
        "url": "URL",
    }
    found = sorted({labels[f] for f in reading.supplied if f in labels})
    if not found:
        return ""
    listed = found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]
    return f"{listed[:1].upper()}{listed[1:]} supplied by the editors"


def part_entry(
    reader: Reader,
    site: SiteMap,
    kind: Literal["note", "term", "entity", "context"],
    item: keymod.Citable,
    flavour: Flavour,
) -> BibEntry:
    """Return the entry for a historical note or a glossary term, a part of the reader."""
    meta = reader.meta
    key = item.key
    if kind == "note":
        title = reader.note(item.id).title
        url = site.url(site.note(item.id))
    elif kind == "entity":
        title = reader.entity(item.id).name
        url = site.url(site.entity(item.id))
    elif kind == "context":
        title = reader.context(item.id).title
        url = site.url(site.context(item.id))
    else:
        term = reader.term(item.id)
        title = term_title(term)
        url = site.url(site.term(item.id))
    editors = names_field(list(meta.editors))
    fields: list[tuple[str, str]] = [
        ("author", editors),
        ("title", protect_title(title)),
        ("booktitle", protect_title(meta.title)),
        ("editor", editors),
        ("publisher", escape_latex(meta.publisher)),
    ]
    if meta.place:
        fields.append(
            ("location" if flavour == "biblatex" else "address", escape_latex(meta.place))
        )
    fields.append(("date" if flavour == "biblatex" else "year", str(meta.year)))
    fields.append(("url", url))
    if flavour == "bibtex":
        fields.append(("note", _classic_url_note(url, None)))
    fields.append(("language" if flavour == "bibtex" else "langid", _language(meta.language)))
    if flavour == "biblatex":
        entry_type = "inreference" if kind == "term" else "incollection"
    else:
        entry_type = "incollection"
    return BibEntry(entry_type, key, tuple(fields))


def reference_entry(ref: Reference, flavour: Flavour) -> BibEntry:
    """Return a references.bib entry in one flavour, values escaped again for LaTeX."""
    fields: list[tuple[str, str]] = []
    entry_type = ref.entry_type
    if flavour == "bibtex":
        entry_type = CLASSIC_TYPES.get(entry_type, entry_type)
    for name, value in sorted(ref.fields.items(), key=lambda kv: _field_order(kv[0])):
        if flavour == "bibtex":
            name = CLASSIC_FIELDS.get(name, name)
        else:
            name = BIBLATEX_FIELDS.get(name, name)
        if name in ("author", "editor", "translator"):
            fields.append((name, _reference_names(value)))
        elif name in VERBATIM:
            fields.append((name, value))
        elif name in ("title", "subtitle", "booktitle", "maintitle"):
            fields.append((name, protect_title(value)))
        else:
            fields.append((name, escape_latex(value)))
    present = {name for name, _ in fields}
    if flavour == "biblatex" and "date" in present:
        fields = [(n, v) for n, v in fields if n not in ("year", "month")]
    if flavour == "bibtex":
        fields = [(n, v) for n, v in fields if n not in ("date", "urldate")]
        date = ref.get("date")
        if "year" not in present and date[:4].isdigit():
            fields.append(("year", date[:4]))
        url = ref.get("url")
        if url and entry_type == "misc" and "howpublished" not in present:
            # plain.bst prints no organization for @misc: it goes before the address.
            where = ref.get("organization")
            link = _classic_url_note(url, None)
            fields.append(("howpublished", f"{escape_latex(where)}, {link}" if where else link))
        urldate = ref.get("urldate")
        if url and not (entry_type == "misc" and "howpublished" not in present):
            fields = _append_note(fields, _classic_url_note(url, urldate or None))
        elif urldate:
            fields = _append_note(fields, f"Accessed {_human_date(urldate)}")
        if not ({"author", "editor"} & present):
            sort_as = ref.get("organization") or ref.get("title")
            fields.append(("key", escape_latex(sort_as)))
    return BibEntry(entry_type, ref.key, tuple(fields))


def _append_note(fields: list[tuple[str, str]], text: str) -> list[tuple[str, str]]:
    for i, (name, value) in enumerate(fields):
        if name == "note":
            fields[i] = ("note", f"{value}. {text}")
            return fields
    return [*fields, ("note", text)]


_ORDER = [
    "author", "editor", "translator", "title", "subtitle", "booktitle", "journal",
    "journaltitle", "edition", "volume", "number", "pages", "publisher", "organization",
    "institution", "school", "address", "location", "howpublished", "year", "month", "date",
    "origdate", "url", "urldate", "doi", "isbn", "issn", "note",
]  # fmt: skip


def _field_order(name: str) -> tuple[int, str]:
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)


def _reference_names(value: str) -> str:
    out = []
    for name in split_bibtex_names(value):
        if name.startswith("{") and name.endswith("}"):
            out.append("{" + escape_latex(name[1:-1]) + "}")
        elif "," in name:
            out.append(escape_latex(name))
        else:
            out.append(latex_name(name))
    return " and ".join(out)


def bib_entries(
    reader: Reader, keys: keymod.KeyTable, site: SiteMap, flavour: Flavour
) -> list[BibEntry]:
    """Return every entry of a reader in one flavour, sorted by key."""
    return [entry_for(reader, item, site, flavour) for item in keys.sorted()]


def entry_for(reader: Reader, item: keymod.Citable, site: SiteMap, flavour: Flavour) -> BibEntry:
    """Return the entry of one citable item."""
    if item.kind == "reader":
        return reader_entry(reader, item.key, flavour)
    if item.kind == "reading":
        return reading_entry(reader.reading(item.id), item.key, flavour)
    if (
        item.kind == "note"
        or item.kind == "term"
        or item.kind == "entity"
        or item.kind == "context"
    ):
        return part_entry(reader, site, item.kind, item, flavour)
    return reference_entry(reader.reference(item.id), flavour)


# -- writing -----------------------------------------------------------------------------


def _bibtexparser_entry(entry: BibEntry) -> Entry:
    fields = []
    for name, value in entry.fields:
        if name == "month" and value in MONTHS:
            fields.append(Field(name, value, enclosing="no-enclosing"))
        else:
            fields.append(Field(name, value))
    return Entry(entry.entry_type, entry.key, fields)


def write_bib(entries: list[BibEntry]) -> str:
    """Return BibTeX text for entries, written by bibtexparser with a fixed stack."""
    library = Library()
    library.add([_bibtexparser_entry(e) for e in entries], fail_on_duplicate_key=True)
    form = BibtexFormat()  # type: ignore[no-untyped-call]  # bibtexparser leaves it untyped
    form.indent = "  "
    form.block_separator = "\n"
    form.trailing_comma = True
    stack = [
        AddEnclosingMiddleware(
            reuse_previous_enclosing=False, enclose_integers=True, default_enclosing="{"
        )
    ]
    text: str = write_string(library, unparse_stack=stack, bibtex_format=form)
    return text.strip() + "\n"
