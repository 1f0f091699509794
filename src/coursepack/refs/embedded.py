"""Citation metadata embedded in a web page, made from an item's CSL-JSON record.

A reference manager saving a page reads what the page declares about itself: Zotero's
"Embedded Metadata" translator reads Highwire Press ``citation_*`` tags and Dublin Core
(``DC.*``), and its "COinS" translator reads OpenURL ContextObjects in
``<span class="Z3988">``, several to a page. Both are made here from the same record the
formatted citation and the citation files come from (:attr:`coursepack.refs.Refs.records`),
so a saved item says what the page's cite block says:

* the item type follows the record's CSL type (a newspaper article is a
  ``newspaperArticle``, an entry of the reader an ``encyclopediaArticle``), declared with
  ``DC.type``; ``citation_journal_title`` (which makes every page a journal article) is
  given only to journal articles, and the publication of any other item is ``DC.source``;
* a person is written "Family, Given"; an organisation, which has no given name, "Name,":
  the comma makes Zotero file the whole name as a family name instead of cutting it into
  a person's ("Vanguard, Workers");
* values keep the square brackets of details the editors supplied, exactly as the record
  (and so the cite block) has them. Zotero's name cleaner drops brackets at either end of
  a name; every other field keeps them.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

CslRecord = dict[str, Any]

#: CSL types and the Zotero item types they are (Zotero's own CSL mapping, read back).
ZOTERO_TYPES = {
    "article-newspaper": "newspaperArticle",
    "article-magazine": "magazineArticle",
    "article-journal": "journalArticle",
    "article": "preprint",
    "book": "book",
    "chapter": "bookSection",
    "entry-encyclopedia": "encyclopediaArticle",
    "entry-dictionary": "dictionaryEntry",
    "entry": "encyclopediaArticle",
    "webpage": "webpage",
    "post-weblog": "blogPost",
    "post": "forumPost",
    "speech": "presentation",
    "manuscript": "manuscript",
    "report": "report",
    "thesis": "thesis",
    "paper-conference": "conferencePaper",
    "legal_case": "case",
    "legislation": "statute",
    "bill": "bill",
    "interview": "interview",
    "personal_communication": "letter",
    "motion_picture": "film",
    "broadcast": "tvBroadcast",
    "song": "audioRecording",
    "map": "map",
    "patent": "patent",
    "pamphlet": "book",
    "graphic": "artwork",
    "dataset": "dataset",
    "software": "computerProgram",
    "standard": "standard",
    "document": "document",
}

#: The Highwire tag that names an item's container, for the types that have one; it also
#: tells Zotero the item type. Every other type's container is ``DC.source``.
_CONTAINER_TAGS = {
    "journalArticle": "citation_journal_title",
    "bookSection": "citation_book_title",
    "conferencePaper": "citation_conference_title",
}
#: The Highwire tag for the body that issues a report or a thesis.
_ISSUER_TAGS = {
    "report": "citation_technical_report_institution",
    "thesis": "citation_dissertation_institution",
}


def zotero_type(csl_type: str) -> str:
    """Return the Zotero item type of a CSL type (``document`` when it has none)."""
    return ZOTERO_TYPES.get(csl_type, "document")


def name_text(name: dict[str, str]) -> str:
    """Return a CSL name as Highwire writes it: "Family, Given", or an organisation's "Name,".

    A literal that has a comma already is a person's name written inverted (a supplied
    author, "[Writer, Ann]"): it stays as it is.
    """
    if "literal" in name:
        literal = name["literal"]
        return literal if "," in literal else literal + ","
    family = " ".join(p for p in (name.get("non-dropping-particle"), name["family"]) if p)
    given = name.get("given", "")
    return f"{family}, {given}" if given else family + ","


def issued(record: CslRecord, separator: str = "/") -> str:
    """Return the record's date as Highwire writes it ("2026/01/21"), or ""."""
    value = record.get("issued")
    if not isinstance(value, dict) or not value.get("date-parts"):
        return ""
    parts = value["date-parts"][0]
    return separator.join(
        f"{int(p):04d}" if i == 0 else f"{int(p):02d}" for i, p in enumerate(parts)
    )


def meta_tags(record: CslRecord, page_url: str = "") -> list[tuple[str, str]]:
    """Return the ``<meta name content>`` pairs that describe a record, in order.

    page_url: where the page itself is (``citation_fulltext_html_url``); the record's own
    URL (the original article's, for a reading) is the item's ``citation_public_url``.
    """
    kind = zotero_type(str(record.get("type", "")))
    tags: list[tuple[str, str]] = [("DC.type", kind)]
    tags.append(("citation_title", str(record.get("title", ""))))
    tags += [("citation_author", name_text(n)) for n in record.get("author", ())]
    tags += [("citation_editor", name_text(n)) for n in record.get("editor", ())]
    date = issued(record)
    if date:
        tags += [("citation_publication_date", date), ("citation_date", date)]
    container = str(record.get("container-title", ""))
    if container:
        tags.append((_CONTAINER_TAGS.get(kind, "DC.source"), container))
    publisher = str(record.get("publisher", ""))
    if publisher:
        tags.append((_ISSUER_TAGS.get(kind, "citation_publisher"), publisher))
    for variable, tag in (
        ("volume", "citation_volume"),
        ("issue", "citation_issue"),
        ("ISBN", "citation_isbn"),
        ("DOI", "citation_doi"),
    ):
        if record.get(variable):
            tags.append((tag, str(record[variable])))
    if record.get("language"):
        tags.append(("citation_language", str(record["language"])))
    if record.get("URL"):
        tags.append(("citation_public_url", str(record["URL"])))
    if page_url:
        tags.append(("citation_fulltext_html_url", page_url))
    return [(n, v) for n, v in tags if v]


def context_object(record: CslRecord) -> str:
    """Return the record as an OpenURL ContextObject (the ``title`` of a COinS span).

    The Dublin Core format with ``rft.type`` set to the Zotero item type, which Zotero
    reads as is; an organisation as author is ``rft.aucorp``, a person ``rft.au``
    ("Family, Given"). ContextObjects carry no editors.
    """
    kind = zotero_type(str(record.get("type", "")))
    pairs: list[tuple[str, str]] = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", kind),
        ("rft.title", str(record.get("title", ""))),
    ]
    for name in record.get("author", ()):
        if "literal" in name and "," not in name["literal"]:
            pairs.append(("rft.aucorp", name["literal"]))
        else:
            pairs.append(("rft.au", name_text(name).rstrip(",")))
    if record.get("container-title"):
        pairs.append(("rft.source", str(record["container-title"])))
    if record.get("publisher"):
        pairs.append(("rft.publisher", str(record["publisher"])))
    date = issued(record, "-")
    if date:
        pairs.append(("rft.date", date))
    if record.get("language"):
        pairs.append(("rft.language", str(record["language"])))
    if record.get("URL"):
        pairs.append(("rft_id", str(record["URL"])))
    return urllib.parse.urlencode(
        [(k, v) for k, v in pairs if v], quote_via=urllib.parse.quote, safe=""
    )
