"""Formatted citations through citeproc-py, the Python CSL processor.

The model becomes CSL-JSON records (:func:`csl_records`); citeproc-py formats them in the
reader's style, Chicago author-date unless it chooses another (:mod:`coursepack.styles`,
which also puts right in the style the two things citeproc-py does not do as CSL says).
What citeproc-py does not do is done here, after it, and only that:

* escaping: citeproc-py's HTML formatter does not escape variable values, so ``<``, ``>``
  and ``&`` in the input travel through it as private-use placeholders and come out as
  entities;
* year suffixes: entries whose in-text citation would read the same ("Crosse 2026" twice)
  get 2026a, 2026b in title order, as Chicago asks;
* punctuation in quotes: American usage puts a period or comma inside the closing quote;
* paragraph pinpoints: ``cite_inline(reader, key, "14")`` gives "Crosse 2026, ¶14".
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import json
import re
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Literal

import nh3
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    Locator,
)
from citeproc.formatter import html as csl_html
from citeproc.formatter import plain as csl_plain
from citeproc.source.json import CiteProcJSON

from coursepack import background, styles
from coursepack.model import PartialDate, PersonName, Reader, Reading, Reference
from coursepack.refs import keys as keymod
from coursepack.refs.cache import CitationCache
from coursepack.refs.citeproc_patch import corrections, memoized_macros
from coursepack.refs.labels import authors_supplied, bracket, outlet_is_named, term_title
from coursepack.refs.sitemap import SiteMap

Format = Literal["html", "text"]
CslRecord = dict[str, Any]


_PLACEHOLDERS = {"&": "\ue000", "<": "\ue001", ">": "\ue002"}
_ENTITIES = {"\ue000": "&amp;", "\ue001": "&lt;", "\ue002": "&gt;"}
_PLAIN = {v: k for k, v in _PLACEHOLDERS.items()}

#: BibTeX entry types and the CSL types that correspond.
BIBTEX_TO_CSL = {
    "article": "article-journal",
    "book": "book",
    "collection": "book",
    "mvbook": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "manual": "book",
    "online": "webpage",
    "www": "webpage",
    "electronic": "webpage",
    "report": "report",
    "techreport": "report",
    "thesis": "thesis",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "unpublished": "manuscript",
    "misc": "document",
}


# -- names and dates ---------------------------------------------------------------------


def split_bibtex_names(value: str) -> list[str]:
    """Split a BibTeX name list on ``and`` outside braces."""
    names: list[str] = []
    depth = 0
    current = ""
    i = 0
    while i < len(value):
        char = value[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if depth == 0 and value[i : i + 5].lower() == " and ":
            names.append(current.strip())
            current = ""
            i += 5
            continue
        current += char
        i += 1
    if current.strip():
        names.append(current.strip())
    return names


#: Words that make a name an organisation's ("Minnesota Historical Society").
CORPORATE_WORDS = frozenset(
    [
        "agency",
        "association",
        "board",
        "bureau",
        "center",
        "centre",
        "church",
        "coalition",
        "commission",
        "committee",
        "company",
        "congress",
        "council",
        "department",
        "federation",
        "foundation",
        "government",
        "institute",
        "league",
        "library",
        "ministry",
        "museum",
        "news",
        "office",
        "organization",
        "organisation",
        "party",
        "press",
        "project",
        "school",
        "service",
        "society",
        "times",
        "union",
        "university",
        "vanguard",
        "workers",
    ]
)


def csl_name(name: str, *, bibtex: bool = False) -> dict[str, str]:
    """Return a CSL name: family and given for a person, else a literal name.

    ``"Last, First"`` is a person. ``"First Last"`` is a person when each word is
    capitalised, the name does not start with "The" and no word names an organisation
    ("Society", "Union"); a BibTeX name in braces is literal.
    """
    if isinstance(name, PersonName):
        return (
            {"family": name.family, "given": name.given} if name.given else {"literal": name.family}
        )
    name = name.strip()
    if bibtex and name.startswith("{") and name.endswith("}"):
        return {"literal": name[1:-1]}
    words = name.replace(",", " ").split()
    if any(w.casefold() in CORPORATE_WORDS for w in words) or name.startswith("The "):
        return {"literal": name}
    if "," in name:
        family, given = (p.strip() for p in name.split(",", 1))
        return {"family": family, "given": given} if given else {"literal": family}
    if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
        return {"family": words[-1], "given": " ".join(words[:-1])}
    return {"literal": name}


def date_parts(date: PartialDate) -> dict[str, list[list[int]]]:
    """Return a CSL date."""
    parts = [date.year]
    if date.month is not None:
        parts.append(date.month)
        if date.day is not None:
            parts.append(date.day)
    return {"date-parts": [parts]}


def parse_date(value: str) -> dict[str, list[list[int]]] | None:
    """Return a CSL date for an ISO date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``)."""
    match = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", value)
    if not match:
        return None
    return {"date-parts": [[int(g) for g in match.groups() if g is not None]]}


#: Language tags (BCP 47) and the names babel (biblatex's ``langid``, pandoc) knows them
#: by, which references.bib may also write ("Italian").
LANGUAGES = {
    "en": "english", "en-us": "american", "en-gb": "british", "es": "spanish",
    "fr": "french", "de": "german", "it": "italian", "pt": "portuguese", "nl": "dutch",
    "ko": "korean", "ja": "japanese", "zh": "chinese", "ru": "russian", "pl": "polish",
    "sv": "swedish", "no": "norsk", "da": "danish", "fi": "finnish", "el": "greek",
    "tr": "turkish", "ar": "arabic", "he": "hebrew", "uk": "ukrainian", "ca": "catalan",
}  # fmt: skip
_LANGUAGE_TAGS = {name: tag for tag, name in LANGUAGES.items() if "-" not in tag}


def language_tag(value: str) -> str:
    """Return a language as a tag ("it" for "Italian"; a tag stays as it is)."""
    return _LANGUAGE_TAGS.get(value.strip().casefold(), value.strip())


def babel_name(tag: str) -> str:
    """Return the babel name of a language tag ("italian" for "it"; else the tag)."""
    return LANGUAGES.get(tag.casefold(), LANGUAGES.get(tag.split("-")[0].casefold(), tag))


def ascii_url(url: str) -> str:
    """Return a URL with every character outside ASCII percent-encoded (as UTF-8).

    The same address, written as URLs must be (RFC 3986): LaTeX's ``\\url`` and BibTeX
    read a URL as bytes, so a raw en dash would come out as "âĂŞ".
    """
    # An apostrophe too: pandoc's Markdown reading of CSL-JSON turns it into a curly one.
    return urllib.parse.quote(url, safe="".join(chr(c) for c in range(33, 127) if c != 39))


# -- CSL-JSON records --------------------------------------------------------------------


def reader_title(reader: Reader) -> str:
    """Return the reader's full title, with its subtitle."""
    meta = reader.meta
    return f"{meta.title}: {meta.subtitle}" if meta.subtitle else meta.title


def reader_record(reader: Reader) -> CslRecord:
    """Return the CSL record of the reader as a whole."""
    meta = reader.meta
    record: CslRecord = {
        "type": "book",
        "editor": [csl_name(e) for e in meta.editors],
        "title": reader_title(reader),
        "publisher": meta.publisher,
        "issued": {"date-parts": [[meta.year]]},
        "URL": ascii_url(meta.url),
        "language": meta.language,
    }
    if meta.place:
        record["publisher-place"] = meta.place
    return record


def reading_record(reading: Reading) -> CslRecord:
    """Return the CSL record of a reading, supplied fields in square brackets."""
    record: CslRecord = {
        "type": reading_type(reading),
        "title": bracket(reading.title, reading.is_supplied("title")),
        "issued": date_parts(reading.date),
        "language": reading.language,
    }
    supplied = authors_supplied(reading)
    if reading.authors:
        names = [csl_name(a) for a in reading.authors]
        if supplied:
            names = [{"literal": "[" + _name_text(n) + "]"} for n in names]
        record["author"] = names
    elif reading.corporate_author:
        record["author"] = [{"literal": bracket(reading.corporate_author, supplied)}]
    if "author" not in record:
        # Cited by its title (Chicago 15.32): in the text, its first words will do.
        record["title-short"] = bracket(short_title(reading.title), reading.is_supplied("title"))
    if outlet_is_named(reading):
        record["container-title"] = bracket(reading.outlet, reading.is_supplied("outlet"))
    if reading.url:
        record["URL"] = ascii_url(reading.url)
    return record


#: A reading's ``type`` and the CSL type it is cited as.
CSL_TYPES = {
    "newspaper": "article-newspaper",
    "magazine": "article-magazine",
    "journal": "article-journal",
    "webpage": "webpage",
    "blog": "post-weblog",
    "speech": "speech",
    "chapter": "chapter",
    "book": "book",
    "letter": "personal_communication",
    "report": "report",
    "interview": "interview",
    "pamphlet": "pamphlet",
    "manuscript": "manuscript",
}


def reading_type(reading: Reading) -> str:
    """Return a reading's CSL type: the one its ``type`` names; without one, an article of
    its outlet when the outlet is named, a web page when it was read online from an
    unnamed source, else a manuscript."""
    if reading.type is not None:
        return CSL_TYPES[reading.type]
    if outlet_is_named(reading):
        return "article-newspaper"
    return "webpage" if reading.url else "manuscript"


def short_title(title: str, words: int = 4) -> str:
    """Return a title cut to its first words for an in-text citation (no leading article).

    Chicago shortens the title of a work cited by its title to four words or fewer; a
    subtitle and an initial "A", "An" or "The" go.
    """
    main = re.split(r"[:?!.]\s", title, maxsplit=1)[0]
    parts = main.split()
    if len(parts) > 1 and parts[0].casefold() in ("a", "an", "the"):
        parts = parts[1:]
    cut = parts[:words]
    return " ".join(cut).rstrip(",;:") if len(parts) > words else " ".join(cut)


def _name_text(name: dict[str, str]) -> str:
    if "literal" in name:
        return name["literal"]
    return f"{name['family']}, {name['given']}"


def part_record(
    reader: Reader, kind: Literal["note", "term", "entity", "context"], title: str, url: str
) -> CslRecord:
    """Return the CSL record of a note, glossary term or entity: an unsigned entry in the
    reader, which Chicago cites by the reader's title ("The Day of Truth and Freedom 2026,
    s.v. ...") rather than giving every entry the editors' name and a year suffix."""
    del kind  # one type for every part: pandoc reads biblatex's @inreference as this
    meta = reader.meta
    return {
        "type": "entry-encyclopedia",
        "title": title,
        "container-title": meta.title,
        "editor": [csl_name(e) for e in meta.editors],
        "issued": {"date-parts": [[meta.year]]},
        "URL": ascii_url(url),
        "language": meta.language,
    }


#: Entry types of legal material, and the CSL types they are.
LEGAL_TYPES = {"jurisdiction": "legal_case", "legislation": "legislation"}
#: A reporter citation ("398 U.S. 235", "636 F. Supp. 907 (D. Minn.)") and a code citation
#: ("29 U.S.C. §§ 141–197", "Minn. Stat. ch. 179A").
_REPORTER = re.compile(r"(?P<volume>\d+)\s+(?P<reporter>.+?)\s+(?P<page>\d[\w–-]*)(?:\s+\(.+\))?")
_CODE = re.compile(
    r"(?:(?P<volume>\d+)\s+)?(?P<code>.+?)\s+"
    r"(?:(?P<sign>§§?)\s*(?P<section>.+)|(?P<chapter>ch\.\s*.+))"
)


def legal_parts(ref: Reference) -> dict[str, str]:
    """Return a case's or statute's citation as CSL variables, as the styles read them.

    A case: its reporter as ``container-title``, with ``volume`` and first ``page``
    ("398 U.S. 235"). A statute in a code by sections: the code as ``container-title``,
    its title as ``volume`` and the sections, without the sign, as ``section`` ("29
    U.S.C. §§ 151–169": the styles print the sign). A statute cited by chapter ("Minn.
    Stat. ch. 179A"): the whole citation as ``container-title``, since no CSL variable of
    legislation holds a chapter of a code (``number`` is a public-law number in Chicago and
    APA: "Pub. L. No."). The court or legislature, the ``organization``, is ``publisher``.
    """
    cited = (ref.get("howpublished") or "").strip()
    parts: dict[str, str] = {}
    found = (_REPORTER if ref.entry_type == "jurisdiction" else _CODE).fullmatch(cited)
    if found is None:
        if cited:
            parts["container-title"] = cited
    elif ref.entry_type == "jurisdiction":
        parts.update(volume=found["volume"], page=found["page"])
        parts["container-title"] = found["reporter"]
    else:
        if found["volume"]:
            parts["volume"] = found["volume"]
        if found["section"]:
            parts["container-title"] = found["code"]
            parts["section"] = found["section"].strip()
        else:
            parts["container-title"] = f"{found['code']} {found['chapter']}"
    body = ref.get("organization") or ref.get("institution")
    if body:
        parts["publisher"] = body.strip("{} ")
    return parts


def code_citation(parts: dict[str, str]) -> str:
    """Return a statute's code and sections as one text ("U.S.C. §§ 151–169"), without the
    volume: what biblatex's ``journaltitle`` holds, since pandoc reads no biblatex field
    as CSL's ``section``."""
    title = parts.get("container-title", "")
    section = parts.get("section")
    if not section:
        return title
    sign = "§§" if re.search(r"[–,&-]|\band\b", section) else "§"
    return f"{title} {sign} {section}"


def corporate_author(ref: Reference) -> str:
    """Return the organisation that stands as a work's author when it names no person.

    A work with neither author nor editor, only an ``organization`` (or ``institution``),
    is that body's: it is cited "Associated Press 1986", in every format. Cases and
    statutes are cited by their names; their court or legislature is their publisher.
    """
    if ref.get("author") or ref.get("editor") or ref.entry_type in LEGAL_TYPES:
        return ""
    return (ref.get("organization") or ref.get("institution")).strip("{} ")


def reference_record(ref: Reference) -> CslRecord:
    """Return the CSL record of a references.bib entry."""
    get = ref.get
    kind = LEGAL_TYPES.get(ref.entry_type) or BIBTEX_TO_CSL.get(ref.entry_type, "document")
    record: CslRecord = {"type": kind}
    for field, role in (("author", "author"), ("editor", "editor"), ("translator", "translator")):
        if get(field):
            record[role] = [csl_name(n, bibtex=True) for n in split_bibtex_names(get(field))]
    corporate = corporate_author(ref)
    if corporate:
        record["author"] = [{"literal": corporate}]
    simple = {
        "title": "title",
        "subtitle": None,
        "publisher": "publisher",
        "volume": "volume",
        "pages": "page",
        "edition": "edition",
        "doi": "DOI",
        "isbn": "ISBN",
        "note": "note",
        "series": "collection-title",
    }
    for field, var in simple.items():
        if var and get(field):
            record[var] = get(field)
    if get("url"):
        record["URL"] = ascii_url(get("url"))
    if get("language") or get("langid"):
        record["language"] = language_tag(get("language") or get("langid"))
    if get("subtitle"):
        record["title"] = f"{get('title')}: {get('subtitle')}"
    original = parse_date(get("origdate")) if get("origdate") else None
    if original is not None:
        record["original-date"] = original
    container = get("journaltitle") or get("journal") or get("booktitle")
    if container:
        record["container-title"] = container
    if get("number"):
        record["issue" if ref.entry_type == "article" else "number"] = get("number")
    place = get("location") or get("address")
    if place:
        record["publisher-place"] = place
    if not get("publisher") and not corporate:
        publisher = get("organization") or get("institution") or get("school")
        if publisher:
            record["publisher"] = publisher
    if get("howpublished"):
        record.setdefault("publisher", get("howpublished"))
    if ref.entry_type in LEGAL_TYPES:
        record.pop("publisher", None)
        record.update(legal_parts(ref))
    issued = parse_date(get("date")) if get("date") else None
    if issued is None and get("year").strip().isdigit():
        issued = {"date-parts": [[int(get("year"))]]}
    if issued is not None:
        record["issued"] = issued
    accessed = parse_date(get("urldate")) if get("urldate") else None
    if accessed is not None:
        record["accessed"] = accessed
    return record


def with_case_kept(record: CslRecord) -> CslRecord:
    """Return a record whose title marks the words no style may capitalise ("v." in a
    case's name) with CSL-JSON's ``nocase`` span, as citeproc-js, pandoc and Zotero read
    it (citeproc-py does not: the coursepack's own formatting needs no mark)."""
    title = record.get("title")
    if not isinstance(title, str) or not re.search(r"(?<=\s)vs?\.(?=\s)", title):
        return record
    marked = re.sub(
        r"(?<=\s)(vs?\.)(?=\s)", r'<span class="nocase">\1</span>', html.escape(title, quote=False)
    )
    return {**record, "title": marked}


def csl_records(reader: Reader, keys: keymod.KeyTable, site: SiteMap) -> list[CslRecord]:
    """Return CSL-JSON records of every citable item, sorted by key.

    ``id`` and ``citation-key`` are the BibTeX key, so a document written with either
    file cites the same work by the same key.
    """
    out = [
        {"id": item.key, "citation-key": item.key, **_record_for(reader, item, site)}
        for item in keys
    ]
    return sorted(out, key=lambda r: str(r["id"]))


def _record_for(reader: Reader, item: keymod.Citable, site: SiteMap) -> CslRecord:
    if item.kind == "reader":
        return reader_record(reader)
    if item.kind == "reading":
        return reading_record(reader.reading(item.id))
    if item.kind == "note":
        note = reader.note(item.id)
        return part_record(reader, "note", note.title, site.url(site.note(note.id)))
    if item.kind == "term":
        term = reader.term(item.id)
        return part_record(reader, "term", term_title(term), site.url(site.term(term.id)))
    if item.kind == "entity":
        entity = reader.entity(item.id)
        return part_record(reader, "entity", entity.name, site.url(site.entity(entity.id)))
    if item.kind == "context":
        context = reader.context(item.id)
        return part_record(reader, "context", context.title, site.url(site.context(context.id)))
    return reference_record(reader.reference(item.id))


# -- formatting --------------------------------------------------------------------------


def _style(style: str) -> CitationStylesStyle:
    """Return a style parsed by citeproc-py, once for each content its file has."""
    return _parsed(styles.adapted(style))


@lru_cache(maxsize=4)
def _parsed(xml: bytes) -> CitationStylesStyle:
    return CitationStylesStyle(io.BytesIO(xml), validate=False)


def _protect(value: Any) -> Any:
    """Return a record value with <, > and & replaced by placeholders."""
    if isinstance(value, str):
        value = re.sub("[\ue000-\ue002]", "", value)
        return "".join(_PLACEHOLDERS.get(c, c) for c in value)
    if isinstance(value, list):
        return [_protect(v) for v in value]
    if isinstance(value, dict):
        return {k: _protect(v) for k, v in value.items()}
    return value


def _nest_quotes(text: str) -> str:
    """Return text with quotation marks inside quotation marks made single (Chicago 6.9)."""
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "“":
            out.append("‘" if depth % 2 else "“")
            depth += 1
        elif char == "”" and depth > 0:
            depth -= 1
            out.append("’" if depth % 2 else "”")
        else:
            out.append(char)
    return "".join(out)


def _finish(text: str, fmt: Format) -> str:
    """Return citeproc output with placeholders restored and the Chicago niceties applied."""
    text = _nest_quotes(text)
    # American usage: a period or comma goes inside the closing quotation marks, also those
    # that end an italic title ("… “Their Country Stinks.”</i>").
    text = re.sub(r"([’”]+)((?:</i>)?)([.,])", r"\3\1\2", text)
    # ... and a title that ends in an abbreviation ("U.S.", "Etc.") keeps its own stop alone.
    text = re.sub(r"(?<=\w\.)\.(?=[’”])", "", text)
    text = re.sub(r"(?<=\w\.)((?:</i>)?)\.(?=\s|$)", r"\1", text)
    text = re.sub(r"([!?][’”]*)(</i>)?\.", r"\1\2", text)
    # citeproc-py's title case capitalises "v." in case names and URLs after a period.
    text = re.sub(r"(?<=[\w.,]) V\. (?=[A-Z])", " v. ", text)
    text = re.sub(r"\bHttp(s?)://", r"http\1://", text)
    table = _ENTITIES if fmt == "html" else _PLAIN
    return "".join(table.get(c, c) for c in text)


def _year_in_entry(entry: str, year: str) -> re.Match[str] | None:
    """Return where the year stands after the author element (". 1937." or ".” 1935.", and
    in APA's form ". (2026)." or ". (2026, January 21)."), the year as the match's
    ``year`` group."""
    y = re.escape(year)
    after = r"(?=\s|$)" if year == "n.d." else r"(?=\.(?:\s|$))"
    return re.search(
        rf"(?<=[.”’])\s(?:(?P<year>{y})[a-z]?{after}|\((?P<apa>{y})[a-z]?(?=[,)]))", entry
    )


def _year_end(found: re.Match[str]) -> int:
    """Return where the year a :func:`_year_in_entry` match found ends."""
    return found.end("year") if found["year"] is not None else found.end("apa")


def _drop_echo(text: str) -> str:
    """Return an anonymous work's entry or citation without its first element's echo
    ("National Labor Relations Act. National Labor Relations Act. U.S.C., ..." in MLA;
    "(Insurrection Act, Insurrection Act)").

    citeproc-py prints the title that stood in for a missing author again where the
    style puts the title (MLA, whose entries have no date after the author).
    """
    opening = "(" if text.startswith("(") else ""
    body = text[len(opening) :]
    for found in re.finditer(r"[.,] ", body):
        head = body[: found.start()]
        rest = body[found.end() :]
        if len(head) >= 3 and rest.startswith(head) and rest[len(head) : len(head) + 1] in ".,)":
            return opening + head + rest[len(head) :]
    return text


#: Where a style prints a work's editors after its title: Chicago's ", ed. X" and ". Edited
#: by X.", MLA's ", edited by X," and APA's " (X, Ed.)".
_EDITORS_AGAIN = (
    re.compile(r", ed\. (?P<names>.+?)(?=,| \()"),
    re.compile(r"(?<=[.”’] )Edited by (?P<names>.+?)[.,] "),
    re.compile(r", edited by (?P<names>.+?)(?=,)"),
    re.compile(r" \((?P<names>[^()]+?), Eds?\.\)"),
)
#: The label a style puts after editors who stand first ("(Ed.)", ", editor", ", ed.").
_EDITOR_LABEL = re.compile(r",? \(Eds?\.\)|, editors?\b|, eds?\.")


def _editors_once(text: str) -> str:
    """Return an entry or note of an edited work without an author with its editors once.

    When the editors stand in for the author, CSL prints them first, with their label
    ("The coursepack editors, ed."), and not again after the title; citeproc-py prints
    them again there, and leaves out the label of the first (Chicago). The second copy
    goes and, where it is missing, the label comes first ("ed.", "eds.": the styles'
    English short form).
    """
    for pattern in _EDITORS_AGAIN:
        for found in pattern.finditer(text):
            names = found["names"]
            after = text[len(names) : len(names) + 1]
            if found.start() <= len(names) or not text.startswith(names) or after not in ",. ":
                continue
            text = text[: found.start()] + text[found.end() :]
            if _EDITOR_LABEL.match(text, len(names)):
                return text
            label = "eds." if " and " in names or " & " in names else "ed."
            if after == ".":  # "The coursepack editors. 2026." (a bibliography entry)
                return f"{names}, {label}{text[len(names) + 1 :]}"
            return f"{names}, {label}{text[len(names) :]}"  # "..., ed., Title" (a note)
    return text


def _drop_repeat(entry: str, year: str) -> str:
    """Return an anonymous work's entry without a second copy of what stands for its author.

    citeproc-py does not suppress a variable once ``cs:substitute`` has used it, so a work
    without an author would show its title (or publisher) twice.
    """
    found = _year_in_entry(entry, year)
    if found is None:
        return entry
    head = entry[: found.start()].rstrip(" .,(")
    if not head:
        return entry
    repeat = re.compile(rf"(?<=[.”’] ){re.escape(head)}[.,]?(?:\s+|$)")
    match = repeat.search(entry, found.end())
    if match is None:
        return entry
    rest = entry[match.end() :]
    if rest[:1].islower():
        rest = rest[:1].upper() + rest[1:]
    return entry[: match.start()] + rest


def _sort_key(entry: str) -> str:
    """Return the key that alphabetizes a plain-text entry (Chicago 13.66, letter by letter)."""
    text = re.sub(r"^[\[“\"‘'(]+", "", entry)
    return keymod.ascii_fold(text).casefold()


def _add_suffix(text: str, year: str, suffix: str, *, entry: bool) -> str:
    """Return text with its date year (or "n.d.") followed by a year suffix."""
    shown = f"{year}-" if year == "n.d." else year
    if entry:
        found = _year_in_entry(text, year)
        if found is None:
            return text
        # "n.d." carries its own period; after a suffix the entry needs one ("n.d.-a.").
        stop = "." if year == "n.d." and found["year"] is not None else ""
        end = _year_end(found)
        return text[:end] + shown[len(year) :] + suffix + stop + text[end:]
    # In an in-text citation the date comes last ("Walker 1937", "Wikipedia, n.d.").
    index = text.rfind(year)
    if index < 0:
        return text
    end = index + len(year)
    return text[:end] + shown[len(year) :] + suffix + text[end:]


@dataclass(frozen=True)
class Formatted:
    """One item's citation and bibliography entry, as sanitized HTML and as text."""

    key: str
    #: In-text citation without parentheses ("Crosse 2026"), HTML.
    cite_html: str
    #: Bibliography entry, HTML.
    entry: str
    #: The in-text citation as plain text.
    cite: str
    #: The entry as plain text.
    text: str
    #: Whether the style gives the item no bibliography entry, so that ``entry`` and
    #: ``text`` hold its note instead (Chicago's notes style and an unsigned entry in a
    #: reference work).
    note_only: bool = False
    #: Whether the citation was formatted again to tell it from another that read alike
    #: (:func:`_disambiguated`), and the year suffix it was given: a pinpoint citation of
    #: the item is formatted the same way.
    disambiguated: bool = False
    suffix: str = ""


#: The fields of a formatted citation, in order (the cache keeps their values).
_FIELDS = dataclasses.fields(Formatted)


def _same_citation(cite: str) -> str:
    """Return what makes two in-text citations the same to a reader: their words, not
    their markup or quotation marks (as citeproc-js compares them)."""
    text = html.unescape(re.sub(r"<[^>]*>", "", cite))
    return re.sub(r"[“”‘’\"']", "", text).casefold().strip()


def _suffix_order(record: CslRecord, by_date: bool, key: str) -> tuple[Any, ...]:
    """Return where an item stands among the works its year suffix sets apart: by title,
    or by full date and then title when the style sorts so (APA)."""
    title = str(record.get("title", "")).casefold()
    if not by_date:
        return (title, key)
    issued = record.get("issued")
    parts = issued["date-parts"][0] if isinstance(issued, dict) and issued.get("date-parts") else []
    return (list(parts) + [0] * (3 - len(parts)), title, key)


def _issued_year(record: CslRecord) -> str:
    issued = record.get("issued")
    if isinstance(issued, dict) and issued.get("date-parts"):
        return str(issued["date-parts"][0][0])
    return "n.d."


def _work_url(record: CslRecord) -> str | None:
    url = str(record.get("URL", "")).strip().lower().rstrip("/")
    url = re.sub(r"^https?://(www\.)?", "", url)
    return url if "/" in url else None  # a site's home page is not one work


def same_work(keys: keymod.KeyTable, records: list[CslRecord]) -> dict[str, str]:
    """Return {key: key of the same work} for entries that repeat another one.

    Two entries with the same URL (beyond a site's home page) and the same year are one
    work: a reference kept for a reading's own publisher page, or a reference entered
    twice. The reading, else the first key, stands for the work; the copies share its
    citation and year suffix and are left out of the bibliography.
    """
    works: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in records:
        url = _work_url(record)
        if url:
            works[(url, _issued_year(record))].append(str(record["id"]))
    copies: dict[str, str] = {}
    for same in works.values():
        if len(same) < 2:
            continue
        same.sort(key=lambda k: (keys.items[k].kind != "reading", k))
        copies.update({k: same[0] for k in same[1:]})
    return copies


#: Below this many records, formatting is not worth a second process (forking one and
#: sending its part back takes some 6 ms; 50 records take a quarter of a second).
PARALLEL_RECORDS = 100


def _cite_one(record: CslRecord, style: str, paragraphs: str, disambiguate: bool = False) -> str:
    """Return the citation of one record pinpointed to paragraphs, as a style writes it."""
    source = CiteProcJSON([{**_protect(_for_citeproc(record)), "id": "item"}])
    with memoized_macros(), corrections(disambiguate=disambiguate):
        bib = CitationStylesBibliography(_style(style), source, csl_plain)
        citation = Citation([CitationItem("item", locator=Locator("paragraph", paragraphs))])
        bib.register(citation)
        _ignore: Callable[[Any], None] = lambda _item: None  # noqa: E731
        return str(bib.cite(citation, _ignore))


def _for_citeproc(record: CslRecord) -> CslRecord:
    """Return a record without the variables citeproc-py does not take."""
    return {k: v for k, v in record.items() if k != "citation-key"}


def _render_records(
    records: list[CslRecord], fmt: Format, style: str = styles.DEFAULT, disambiguate: bool = False
) -> list[list[str]]:
    """Return [bibliography entry, in-text citation] of each record, in order, as citeproc-py
    writes them.

    disambiguate: whether CSL's ``disambiguate`` condition holds, as it does for citations
    that would otherwise read alike (:func:`_disambiguated`).

    Each record is formatted on its own terms: the style substitutes no repeated author,
    citeproc-py does no disambiguation, and every record is cited once, so any split of
    the records formats each one alike (year suffixes are added afterwards, over them all).
    """
    internal = [f"item{i:05d}" for i in range(len(records))]
    source = CiteProcJSON(
        [{**_protect(_for_citeproc(r)), "id": n} for r, n in zip(records, internal, strict=True)]
    )
    with memoized_macros(), corrections(disambiguate=disambiguate):
        formatter = csl_html if fmt == "html" else csl_plain
        bib = CitationStylesBibliography(_style(style), source, formatter)
        citations = [Citation([CitationItem(n)]) for n in internal]
        for citation in citations:
            bib.register(citation)
        if list(bib.keys) != internal:
            raise AssertionError("citeproc-py registered the records out of order")
        # One by one: a style may give some items no entry (notes-bibliography leaves
        # cases out), and bibliography() would then no longer line up with the items.
        rendered = [bib.style.render_bibliography([item]) for item in bib.items]
        entries = [str(found[0]) if found else "" for found in rendered]
        _ignore: Callable[[Any], None] = lambda _item: None  # noqa: E731
        return [[e, str(bib.cite(c, _ignore))] for e, c in zip(entries, citations, strict=True)]


def _render_all(
    records: list[CslRecord],
    fmt: Format,
    workers: int,
    style: str = styles.DEFAULT,
    cache: CitationCache | None = None,
    disambiguate: bool = False,
    pool: Executor | None = None,
) -> list[list[str]]:
    """Return [bibliography entry, in-text citation] of each record as citeproc-py writes
    them: those the cache holds from there, the others formatted (and kept in it, which
    the caller saves)."""
    if cache is None or not cache.enabled:
        return _render_many(records, fmt, workers, style, disambiguate, pool)
    keys = cache.keys(records, "disambiguate" if disambiguate else "")
    found = [cache.get(key) for key in keys]
    missing = [i for i, hit in enumerate(found) if hit is None]
    if missing:
        fresh = _render_many([records[i] for i in missing], fmt, workers, style, disambiguate, pool)
        for i, rendered in zip(missing, fresh, strict=True):
            found[i] = rendered
            cache.put(keys[i], rendered)
    return [hit for hit in found if hit is not None]


def _render_many(
    records: list[CslRecord],
    fmt: Format,
    workers: int,
    style: str = styles.DEFAULT,
    disambiguate: bool = False,
    pool: Executor | None = None,
) -> list[list[str]]:
    """Format the records, in up to `workers` processes for a long list.

    citeproc-py takes some 7 ms a record (a 200-reading reader has 3,401 citable items),
    on one core while the others wait for the PDFs' jobs. The records are cut into
    contiguous parts; all but the first are formatted in forked children, or by the
    build's PDF workers when it has started them (pool: they wait for the documents'
    plan, which needs the citations), the first here (:mod:`coursepack.background`, which
    formats a part here should its child or worker fail, or this process be unable to
    fork). With a pool, the records are cut into one part more than it has workers, as
    this process formats a part too.
    """
    if workers < 2 or len(records) < PARALLEL_RECORDS:
        return _render_records(records, fmt, style, disambiguate)
    wanted = workers + 1 if pool is not None else workers
    parts = max(1, min(wanted, len(records) // (PARALLEL_RECORDS // 2)))
    size = -(-len(records) // parts)
    chunks = [records[i : i + size] for i in range(0, len(records), size)]
    pending = [
        background.start(partial(_render_records, chunk, fmt, style, disambiguate), pool=pool)
        for chunk in chunks[1:]
    ]
    out = _render_records(chunks[0], fmt, style, disambiguate)
    for each in pending:
        out.extend(each.result())
    return out


def listed_works(keys: keymod.KeyTable, records: list[CslRecord]) -> dict[str, str]:
    """Return the copies among the works a bibliography lists (readings, references, the
    reader): see :func:`same_work`."""
    listed = [r for r in records if keys.items[str(r["id"])].kind in LISTED]
    return same_work(keys, listed)


#: The kinds of item a bibliography lists (and year suffixes are counted among).
LISTED = ("reading", "reference", "reader")


def _format_all(
    records: list[CslRecord],
    keys: keymod.KeyTable,
    workers: int,
    copies: dict[str, str],
    style: str = styles.DEFAULT,
    root: str | None = None,
    decided: str = "",
    pool: Executor | None = None,
) -> tuple[dict[str, Formatted], list[str]]:
    """Format every record; return them by key and the bibliography's order.

    copies: the keys that stand for the same work as another key (:func:`listed_works`),
    each with the key that stands for it; they share its citation. root: the reader's
    root, whose cache keeps what citeproc-py wrote (:mod:`coursepack.refs.cache`); None
    for none. decided: the digest of what decides the result (:func:`_decided_by`), under
    which the cache keeps it whole.
    """
    fmt: Format = "html"
    cache = CitationCache.for_reader(root, style, fmt) if root is not None else None
    if cache is not None and decided:
        kept = _read_finished(cache.finished(decided), {str(r["id"]) for r in records})
        if kept is not None:
            return kept
    rendered = _render_all(records, fmt, workers, style, cache, pool=pool)
    entries = {str(r["id"]): e for r, (e, _) in zip(records, rendered, strict=True)}
    cites = {str(r["id"]): c for r, (_, c) in zip(records, rendered, strict=True)}
    # A style may give an item no bibliography entry (Chicago's notes style, for an entry in
    # a reference work): its note, the citation in full, then stands in for one.
    note_only = {key for key, entry in entries.items() if not entry.strip()}
    for key in note_only:
        entries[key] = cites[key]

    by_key = {str(r["id"]): r for r in records}
    told_apart = _disambiguated(by_key, cites, copies, fmt, workers, style, cache, pool)
    for key, record in by_key.items():
        cites[key] = _tidy_cite(record, cites[key])
        if "author" not in record:
            entries[key] = _drop_echo(_drop_repeat(entries[key], _issued_year(record)))
            if "editor" in record:
                entries[key] = _editors_once(entries[key])
    # Year suffixes, among every item a citation could be confused with (an entry in the
    # reader cited by its title, "In These Times", beside the magazine's articles, in APA).
    groups: dict[str, list[str]] = defaultdict(list)
    for key in by_key:
        if key not in copies:
            groups[_same_citation(cites[key])].append(key)
    letters: dict[str, str] = {}
    by_date = styles.suffixes_by_date(style)
    for same in groups.values():
        if len(same) < 2 or styles.is_note_style(style):
            continue
        same.sort(key=lambda k: _suffix_order(by_key[k], by_date, k))
        for index, key in enumerate(same):
            letters[key] = chr(ord("a") + index) if index < 26 else f"{index + 1}"
            year = _issued_year(by_key[key])
            cites[key] = _add_suffix(cites[key], year, letters[key], entry=False)
    for key, canonical in copies.items():
        cites[key] = cites[canonical]
        if canonical in letters:
            letters[key] = letters[canonical]
    for key, letter in letters.items():
        entries[key] = _add_suffix(entries[key], _issued_year(by_key[key]), letter, entry=True)

    out: dict[str, Formatted] = {}
    for key in by_key:
        cite = cites[key].strip()
        if cite.startswith("(") and cite.endswith(")"):
            cite = cite[1:-1]
        entry = _safe(_finish(entries[key].strip(), fmt))
        cite_html = _safe(_finish(cite, fmt))
        canonical = copies.get(key, key)
        out[key] = Formatted(
            key, cite_html, entry, _text(cite_html), _text(entry), key in note_only,
            canonical in told_apart, letters.get(key, ""),
        )  # fmt: skip
    # Sorted here: citeproc-py's own sort does not follow the style's keys for these records.
    order = sorted((k for k in out if k not in copies), key=lambda k: (_sort_key(out[k].text), k))
    if cache is not None:
        if decided:
            items = {k: dataclasses.astuple(f) for k, f in out.items()}
            cache.keep_finished(decided, {"items": items, "order": order})
        cache.save()
    return out, order


def _read_finished(
    kept: dict[str, Any] | None, keys: set[str]
) -> tuple[dict[str, Formatted], list[str]] | None:
    """Return finished citations as the cache keeps them (:func:`_format_all`), or None
    when they are not of that form or not of these keys."""
    if kept is None:
        return None
    items, order = kept.get("items"), kept.get("order")
    if not isinstance(items, dict) or set(items) != keys or not isinstance(order, list):
        return None
    # Each field's type is its default's (str for those without one).
    shape = [str if f.default is dataclasses.MISSING else type(f.default) for f in _FIELDS]
    out: dict[str, Formatted] = {}
    for key, values in items.items():
        if not isinstance(values, list) or [type(v) for v in values] != shape:
            return None
        out[key] = Formatted(*values)
    if not all(isinstance(k, str) and k in out for k in order):
        return None
    return out, order


def _tidy_cite(record: CslRecord, cite: str) -> str:
    """Return an in-text citation without what citeproc-py repeats for an item without an
    author (see :func:`_drop_echo` and :func:`_editors_once`)."""
    if "author" not in record:
        cite = _drop_echo(cite)
        if "editor" in record:
            cite = _editors_once(cite)
    return cite


def _disambiguated(
    by_key: dict[str, CslRecord],
    cites: dict[str, str],
    copies: dict[str, str],
    fmt: Format,
    workers: int,
    style: str,
    cache: CitationCache | None,
    pool: Executor | None = None,
) -> set[str]:
    """Format again, with CSL's ``disambiguate`` condition holding, the citations of
    different works that read alike, where the style says what tells them apart (MLA adds
    the short title: "(AFL-CIO, Action Alert)" only beside another "(AFL-CIO)").

    This is the last of the CSL specification's disambiguation steps; citeproc-py takes
    none of them. Year suffixes then tell apart what still reads alike. Returns the keys
    formatted again.
    """
    if b'disambiguate="true"' not in styles.adapted(style):
        return set()
    groups: dict[str, list[str]] = defaultdict(list)
    for key in by_key:
        if key not in copies:
            groups[_same_citation(cites[key])].append(key)
    alike = [key for same in groups.values() if len(same) > 1 for key in same]
    if not alike:
        return set()
    again = _render_all(
        [by_key[k] for k in alike], fmt, workers, style, cache, disambiguate=True, pool=pool
    )
    for key, (_, cite) in zip(alike, again, strict=True):
        cites[key] = cite
    return set(alike)


#: What formatted citations may hold: their text comes from references.bib and the seeds.
_TAGS = {"i", "em", "b", "strong", "span", "a", "sup", "sub", "div"}
_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "div": {"class"}}


def _safe(fragment: str) -> str:
    """Return formatted citation HTML sanitized by nh3 (the Rust ammonia sanitizer)."""
    cleaned = nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
    )
    return str(cleaned).strip()


def _text(fragment: str) -> str:
    """Return the plain text of sanitized HTML."""
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def format_locator(locator: str) -> str:
    """Return a pinpoint: paragraph numbers as ¶14 or ¶¶14–15, anything else as written."""
    text = locator.strip()
    if re.fullmatch(r"\d+", text):
        text = f"¶{text}"
    elif match := re.fullmatch(r"(\d+)\s*[-–]+\s*(\d+)", text):
        text = f"¶¶{match.group(1)}–{match.group(2)}"
    return text


#: The citations this process formatted last, by a digest of all that decides them
#: (:func:`_decided_by`): a process that builds again and again, as ``coursepack serve``'s
#: does, formats again only when a record, a key's kind or the style has changed (the
#: flagship's 363 items: 35 to 50 ms from the cache of :mod:`coursepack.refs.cache`, 2 ms
#: here).
_last: dict[str, tuple[dict[str, Formatted], list[str]]] = {}


def _decided_by(
    records: list[CslRecord], keys: keymod.KeyTable, copies: dict[str, str], style: str
) -> str:
    """Return a digest of what the formatted citations of some records depend on: the
    records in order, the kind of each one's key, the copies and the style's text."""
    kinds = [keys.items[str(r["id"])].kind for r in records]
    text = json.dumps([records, kinds, copies], sort_keys=True, ensure_ascii=False, default=str)
    h = hashlib.blake2b(styles.adapted(style), digest_size=20)
    h.update(text.encode("utf-8"))
    return h.hexdigest()


class Citations:
    """Every citable item of a reader formatted once, in one style (Chicago author-date
    unless the reader or the command asks for another).

    Entries and in-text citations come as sanitized HTML (``entry``, ``cite_html``) and as
    plain text (``text``, ``cite``): the text is the HTML's, so the two never disagree.
    With root, the reader's root, what citeproc-py wrote for each record is taken from the
    cache there when it holds it, and kept there otherwise (:mod:`coursepack.refs.cache`).
    A long list not in the cache is formatted in up to `workers` processes: forked, or
    those of pool (:func:`_render_many`).
    """

    def __init__(
        self,
        records: list[CslRecord],
        keys: keymod.KeyTable,
        workers: int = 1,
        copies: dict[str, str] | None = None,
        style: str = styles.DEFAULT,
        root: str | None = None,
        pool: Executor | None = None,
    ) -> None:
        #: The CSL-JSON records, sorted by key.
        self.records = records
        #: The style: a name (:data:`coursepack.refs.styles.STYLES`) or a CSL file's path.
        self.style = style
        self._keys = keys
        #: Keys that stand for the same work as another, with the key that stands for it.
        self.copies = listed_works(keys, records) if copies is None else copies
        decided = _decided_by(records, keys, self.copies, style)
        #: A digest of all that decides the formatted citations: the records, the kind of
        #: each one's key, the copies and the style's text (with coursepack's code and
        #: citeproc-py's version, which every output's own fingerprint covers).
        self.decided = decided
        found = _last.get(decided)
        if found is None:
            found = _format_all(records, keys, workers, self.copies, style, root, decided, pool)
            _last.clear()
            _last[decided] = found
        self.items, self.order = dict(found[0]), list(found[1])

    def entry(self, key: str) -> str:
        """Return the bibliography entry of a key, as HTML."""
        return self.items[key].entry

    def entry_text(self, key: str) -> str:
        """Return the bibliography entry of a key, as plain text."""
        return self.items[key].text

    def cite(self, key: str, locator: str | None = None) -> str:
        """Return an in-text citation without parentheses ("Crosse 2026, ¶14"), as text."""
        cite = self.items[key].cite
        return f"{cite}, {format_locator(locator)}" if locator and locator.strip() else cite

    def cite_text_with(self, key: str, paragraphs: str) -> str:
        """Return a citation of paragraphs of an item in the text, as the style writes it.

        Chicago author-date, the reader's own convention: "(Crosse 2026, ¶14)". Another
        style formats the pinpoint itself, as a paragraph locator ("para. 14").
        """
        if self.style == styles.DEFAULT:
            return f"({self.cite(key, paragraphs)})"
        found = self.items[key]
        canonical = self.copies.get(key, key)
        record = next(r for r in self.records if r["id"] == canonical)
        cite = _tidy_cite(
            record, _cite_one(record, self.style, paragraphs, disambiguate=found.disambiguated)
        )
        if found.suffix:
            cite = _add_suffix(cite, _issued_year(record), found.suffix, entry=False)
        return _text(_finish(cite, "text"))

    def cite_html(self, key: str, locator: str | None = None) -> str:
        """Return an in-text citation as HTML (a title without author in italics)."""
        cite = self.items[key].cite_html
        if locator and locator.strip():
            cite += ", " + html.escape(format_locator(locator), quote=False)
        return cite

    def bibliography(
        self, kinds: tuple[keymod.Kind, ...] = ("reading", "reference")
    ) -> list[tuple[str, str]]:
        """Return (key, HTML entry) for the works of some kinds, in Chicago order.

        ``kinds=("reference",)`` gives the works cited without the readings. A reference
        that is the same work as a reading or as another reference is listed once.
        """
        return [(k, self.items[k].entry) for k in self.order if self._keys.items[k].kind in kinds]
