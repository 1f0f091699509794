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
from coursepack.refs.csl import (
    LEGAL_TYPES,
    ascii_url,
    babel_name,
    code_citation,
    corporate_author,
    csl_name,
    language_tag,
    legal_parts,
    reader_title,
    short_title,
    split_bibtex_names,
)
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

#: biblatex's list fields besides names: a value is split at "and".
LIST_FIELDS = frozenset({"publisher", "organization", "institution", "location", "school"})


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


#: Words styles must not capitalise in a title ("Boys Markets v. Retail Clerks").
_KEEP_LOWER = frozenset({"v.", "vs.", "v"})


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
        if word in _KEEP_LOWER and match.start() > 0:
            out.append("{" + escaped + "}")
            continue
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
    note = f"\\url{{{ascii_url(url)}}}"
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


def label_key(text: str) -> str:
    """Return text as a classic ``key`` field: what natbib styles print for a label.

    Parentheses and brackets would be read as part of natbib's "Author (Year)" label, and
    braces unbalance it: they are left out.
    """
    return escape_latex(" ".join(re.sub(r"[()\[\]{}]", "", text).split()))


_language = babel_name


# -- entries -----------------------------------------------------------------------------
#
# One model of authorship in every format (docs/citations.md): the reader is edited by its
# editors; a reading has its own authors (an organisation as one corporate name); a note,
# glossary entry or person's entry is an unsigned entry within the reader, which carries
# the editors; a work cited that names only an organisation has it as corporate author.
#
# Classic BibTeX has no field every style prints for a URL (plain, chicago and apalike
# ignore ``url``; plainnat prints both ``url`` and ``note``): each URL goes once, into
# ``note`` or ``howpublished`` as ``\\url{...}``. A work without a date has
# ``year = {n.d.}``, which every style prints and sorts, where an empty year is a warning.


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
    if flavour == "biblatex":
        fields.append(("url", ascii_url(meta.url)))
        fields.append(("langid", _language(meta.language)))
    else:
        fields.append(("note", _classic_url_note(meta.url, None)))
        fields.append(("language", _language(meta.language)))
    # A book edited, not written: biblatex's @collection. Classic styles have no such type;
    # their @book files an editor-only book as missing its author (chicago.bst warns), and
    # @proceedings prints and sorts one by its editors.
    entry_type = "collection" if flavour == "biblatex" else "proceedings"
    return BibEntry(entry_type, key, tuple(fields))


#: A reading's ``type`` and the biblatex entry type it is, with what the entry's ``type``
#: field says for the types biblatex has no entry type of its own for. An article of a
#: newspaper, a magazine or a journal is an @article of the outlet (``journaltitle``), as
#: a reading without a type is.
BIBLATEX_TYPES: dict[str, tuple[str, str]] = {
    "newspaper": ("article", ""),
    "magazine": ("article", ""),
    "journal": ("article", ""),
    "webpage": ("online", ""),
    "blog": ("online", "Blog post"),
    "speech": ("misc", "Speech"),
    "chapter": ("misc", "Chapter"),
    "book": ("book", ""),
    "letter": ("misc", "Letter"),
    "report": ("misc", "Report"),
    "interview": ("misc", "Interview"),
    "pamphlet": ("booklet", ""),
    "manuscript": ("unpublished", ""),
}


#: Where the outlet goes in a biblatex entry that is not an @article: the publisher of a
#: book, the organization behind a web page; elsewhere ``howpublished``.
OUTLET_FIELDS = {"book": "publisher", "online": "organization"}


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
    if flavour == "biblatex":
        # As the CSL record's type (reading_type): the reading's type when it has one,
        # else an article, a web page or a manuscript.
        entry_type, what = (
            BIBLATEX_TYPES[reading.type]
            if reading.type is not None
            else ("article" if named else ("online" if reading.url else "unpublished"), "")
        )
        if named and entry_type == "article":
            fields.append(("journaltitle", outlet))
        elif named:
            fields.append((OUTLET_FIELDS.get(entry_type, "howpublished"), outlet))
        elif reading.outlet and reading.outlet != "unidentified":
            fields.append(("howpublished", "[" + outlet.strip("[]") + "]"))
        if what:
            fields.append(("type", what))
        fields.extend(_month_and_year(reading.date, flavour))
        if reading.url:
            fields.append(("url", ascii_url(reading.url)))
        if named and reading.type in (None, "newspaper", "magazine"):
            fields.append(("entrysubtype", reading.type or "newspaper"))
        if not reading.authors and not reading.corporate_author:
            short = bracket(short_title(reading.title), reading.is_supplied("title"))
            fields.append(("shorttitle", protect_title(short)))
    else:
        # An article of a newspaper or a website has no volume or pages, which every
        # classic style's @article requires: it is a @misc published in the outlet.
        if named:
            fields.append(("howpublished", f"\\emph{{{outlet}}}"))
        elif reading.outlet and reading.outlet != "unidentified":
            fields.append(("howpublished", "[" + outlet.strip("[]") + "]"))
        fields.extend(_month_and_year(reading.date, flavour))
        if not reading.authors and not reading.corporate_author:
            shown = label_key(bracket(short_title(reading.title), reading.is_supplied("title")))
            fields += [("key", shown), ("organization", shown)]
        if reading.url:
            fields.append(("note", _classic_url_note(reading.url, None)))
        entry_type = "misc"
    supplied = _supplied_note(reading)
    if supplied:
        fields.append(("addendum" if flavour == "biblatex" else "annote", supplied))
    fields.append(("language" if flavour == "bibtex" else "langid", _language(reading.language)))
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


def part_entry(reader: Reader, title: str, url: str, key: str, flavour: Flavour) -> BibEntry:
    """Return the entry of a note, glossary entry or person's entry: unsigned, in the reader
    (whose own entry names its publisher: a style would read a publisher here as the
    entry's author, as APA does for an encyclopedia's).

    biblatex: ``@inreference`` with the reader as ``booktitle`` and its editors as
    ``editor``; ``useeditor=false`` labels it by its title, as Chicago cites an unsigned
    entry, instead of giving every entry the editors' name and a year suffix. Classic
    BibTeX: ``@misc`` with the reader in ``howpublished`` and the title as ``key``.
    """
    meta = reader.meta
    editors = names_field(list(meta.editors))
    if flavour == "biblatex":
        fields: list[tuple[str, str]] = [
            ("editor", editors),
            ("title", protect_title(title)),
            ("booktitle", protect_title(meta.title)),
            ("date", str(meta.year)),
            ("url", ascii_url(url)),
            ("langid", _language(meta.language)),
            ("options", "useeditor=false"),
        ]
        return BibEntry("inreference", key, tuple(fields))
    edited = " and ".join(meta.editors)
    book = f"In \\emph{{{protect_title(meta.title)}}}, edited by {escape_latex(edited)}"
    # Labelled by the title: natbib styles read ``key``, chicago.bst ``organization`` (it
    # wants a name for every entry, and the editors' would give all of them one label).
    fields = [
        ("title", protect_title(title)),
        ("howpublished", book),
        ("year", str(meta.year)),
        ("note", _classic_url_note(url, None)),
        ("key", label_key(title)),
        ("organization", label_key(title)),
        ("language", _language(meta.language)),
    ]
    return BibEntry("misc", key, tuple(fields))


def reference_entry(ref: Reference, flavour: Flavour, aliases: tuple[str, ...] = ()) -> BibEntry:
    """Return a references.bib entry in one flavour, values escaped again for LaTeX.

    A work that names only an organisation has it as its corporate author (so styles label
    it "Associated Press 1986", not by its title); aliases are the keys of other entries
    for the same work, which biblatex accepts as ``ids``.
    """
    entry_type = ref.entry_type
    if flavour == "bibtex":
        entry_type = CLASSIC_TYPES.get(entry_type, entry_type)
    values = dict(ref.fields)
    if flavour == "biblatex" and values.get("language") and not values.get("langid"):
        # langid, not language, tells biblatex (and pandoc) not to title-case the title.
        values["langid"] = _language(language_tag(values["language"]))
    if flavour == "biblatex" and entry_type in LEGAL_TYPES:
        # The reporter or code citation in the fields pandoc and biblatex read.
        parts = legal_parts(ref)
        if "section" in parts:  # pandoc reads no biblatex field as CSL's section
            parts["container-title"] = code_citation(parts)
        for name in ("howpublished", "organization", "institution"):
            values.pop(name, None)
        values.update(
            {
                field: parts[var]
                for var, field in (
                    ("volume", "volume"),
                    ("container-title", "journaltitle"),
                    ("page", "pages"),
                    ("publisher", "institution"),
                )
                if var in parts
            }
        )
    corporate = corporate_author(ref)
    if corporate:
        values["author"] = "{" + corporate + "}"
        values.pop("organization", None)
    fields: list[tuple[str, str]] = []
    for name, value in sorted(values.items(), key=lambda kv: _field_order(kv[0])):
        if flavour == "bibtex":
            name = CLASSIC_FIELDS.get(name, name)
        else:
            name = BIBLATEX_FIELDS.get(name, name)
        if name in ("author", "editor", "translator"):
            fields.append((name, _reference_names(value)))
        elif name == "url":
            fields.append((name, ascii_url(value)))
        elif name in VERBATIM:
            fields.append((name, value))
        elif name in ("title", "subtitle", "booktitle", "maintitle"):
            fields.append((name, protect_title(value)))
        elif name in LIST_FIELDS and " and " in value and flavour == "biblatex":
            # biblatex splits these at "and": one name ("Farrar and Rinehart") is braced.
            fields.append((name, "{" + escape_latex(value.strip("{}")) + "}"))
        else:
            fields.append((name, escape_latex(value)))
    present = {name for name, _ in fields}
    if flavour == "biblatex":
        if "date" in present:
            fields = [(n, v) for n, v in fields if n not in ("year", "month")]
        if aliases:
            fields.append(("ids", ",".join(aliases)))
        return BibEntry(entry_type, ref.key, tuple(fields))
    # Classic BibTeX: the URL once, as \url in howpublished or note; n.d. for no date.
    url = ref.get("url")
    if entry_type == "article" and not ({"volume", "number", "pages"} & present):
        # A newspaper's or magazine's article read online: a @misc published in it.
        journal = dict(fields).get("journal", "")
        fields = [(n, v) for n, v in fields if n != "journal"]
        if journal:
            fields.append(("howpublished", f"\\emph{{{journal}}}"))
        entry_type = "misc"
        present = {n for n, _ in fields}
    fields = [(n, v) for n, v in fields if n not in ("date", "urldate", "url")]
    date = ref.get("date")
    if "year" not in present:
        fields.append(("year", date[:4] if date[:4].isdigit() else "n.d."))
    urldate = ref.get("urldate")
    if url and entry_type == "misc" and "howpublished" not in present:
        fields.append(("howpublished", _classic_url_note(url, None)))
        if urldate:
            fields = _append_note(fields, f"Accessed {_human_date(urldate)}")
    elif url:
        fields = _append_note(fields, _classic_url_note(url, urldate or None))
    elif urldate:
        fields = _append_note(fields, f"Accessed {_human_date(urldate)}")
    if not ({"author", "editor"} & {n for n, _ in fields}):
        label = label_key(ref.get("title") or ref.key)
        fields.append(("key", label))
        if "organization" not in {n for n, _ in fields}:
            fields.append(("organization", label))
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
    reader: Reader,
    keys: keymod.KeyTable,
    site: SiteMap,
    flavour: Flavour,
    copies: dict[str, str] | None = None,
) -> list[BibEntry]:
    """Return every entry of a reader in one flavour, sorted by key.

    copies: keys that stand for the same work as another key (see
    :func:`coursepack.refs.csl.same_work`); they are left out, and in biblatex the entry
    that stands for the work lists them as ``ids``.
    """
    copies = copies or {}
    aliases: dict[str, list[str]] = {}
    for copy, canonical in copies.items():
        aliases.setdefault(canonical, []).append(copy)
    return [
        entry_for(reader, item, site, flavour, tuple(sorted(aliases.get(item.key, ()))))
        for item in keys.sorted()
        if item.key not in copies
    ]


def entry_for(
    reader: Reader,
    item: keymod.Citable,
    site: SiteMap,
    flavour: Flavour,
    aliases: tuple[str, ...] = (),
) -> BibEntry:
    """Return the entry of one citable item."""
    if item.kind == "reader":
        entry = reader_entry(reader, item.key, flavour)
    elif item.kind == "reading":
        entry = reading_entry(reader.reading(item.id), item.key, flavour)
    elif item.kind == "note":
        note = reader.note(item.id)
        entry = part_entry(reader, note.title, site.url(site.note(note.id)), item.key, flavour)
    elif item.kind == "term":
        term = reader.term(item.id)
        entry = part_entry(
            reader, term_title(term), site.url(site.term(term.id)), item.key, flavour
        )
    elif item.kind == "entity":
        entity = reader.entity(item.id)
        url = site.url(site.entity(entity.id))
        entry = part_entry(reader, entity.name, url, item.key, flavour)
    elif item.kind == "context":
        context = reader.context(item.id)
        url = site.url(site.context(context.id))
        entry = part_entry(reader, context.title, url, item.key, flavour)
    else:
        return reference_entry(reader.reference(item.id), flavour, aliases)
    if aliases and flavour == "biblatex":
        entry = BibEntry(entry.entry_type, entry.key, (*entry.fields, ("ids", ",".join(aliases))))
    return entry


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
