"""What Zotero saves from a page: its "Embedded Metadata" and "COinS" translators, read back.

A reading of the translators' rules (zotero/translators, ``Embedded Metadata.js``,
``RDF.js``, ``COinS.js``; zotero/utilities, ``cleanAuthor`` and ``parseContextObject``),
reduced to the tags a page of this site carries, so that a test can say what a user's
Zotero would store:

* the item type: ``citation_journal_title`` makes a journal article, ``citation_book_title``
  a book section, and so on; otherwise a Zotero type in ``DC.type`` (or ``z:itemType``);
  otherwise a page with ``citation_title`` is a journal article;
* creators: ``citation_author`` / ``citation_editor``, each cut by ``cleanAuthor``, which
  drops brackets and punctuation at either end, then splits at a comma when the name has
  one ("Family, Given"), else at the last space;
* title, date, publisher, language, URL from their ``citation_*`` tags; the publication
  from ``citation_journal_title`` or ``DC.source``.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from bs4 import BeautifulSoup

#: Tags that decide the item type (Embedded Metadata's "hwType").
HW_TYPES = {
    "citation_journal_title": "journalArticle",
    "citation_technical_report_institution": "report",
    "citation_conference_title": "conferencePaper",
    "citation_conference": "conferencePaper",
    "citation_book_title": "bookSection",
    "citation_inbook_title": "bookSection",
    "citation_dissertation_institution": "thesis",
}

#: Zotero's item types (those a CSL type maps to), for ``DC.type``.
_TYPES = """artwork audioRecording bill blogPost book bookSection case computerProgram
conferencePaper dataset dictionaryEntry document email encyclopediaArticle film forumPost
hearing instantMessage interview journalArticle letter magazineArticle manuscript map
newspaperArticle patent podcast preprint presentation radioBroadcast report standard
statute thesis tvBroadcast videoRecording webpage"""
ITEM_TYPES = frozenset(_TYPES.split())


def clean_author(author: str, creator_type: str, use_comma: bool) -> dict[str, str]:
    """Return a name as Zotero's ``cleanAuthor`` files it."""
    author = re.sub(r"^[\s\u00a0.,/\[\]:]+", "", author)
    author = re.sub(r"[\s\u00a0.,/\[\]:]+$", "", author)
    author = re.sub(r"[\s\u00a0]+", " ", author, count=1)
    if use_comma:
        parts = re.split(r"[,،] ?", author)
        last, first = (parts[0], parts[1]) if len(parts) > 1 else (author, "")
    else:
        space = author.rfind(" ")
        last, first = author[space + 1 :], author[:space] if space > 0 else ""
    return {"lastName": last, "firstName": first, "creatorType": creator_type}


def _meta(page: BeautifulSoup) -> list[tuple[str, str]]:
    head = page.head
    assert head is not None
    found = []
    for m in head.find_all("meta"):
        name = m.get("name") or m.get("property")
        content = m.get("content")
        if isinstance(name, str) and isinstance(content, str) and content:
            found.append((name, content))
    return found


def embedded_item(page: BeautifulSoup) -> dict[str, Any]:
    """Return the item Zotero's Embedded Metadata translator would save from a page."""
    tags = _meta(page)

    def first(name: str) -> str:
        return next((" ".join(v.split()) for n, v in tags if n.endswith(name)), "")

    hw_type = next((HW_TYPES[n] for n, _ in tags if n in HW_TYPES), "")
    declared = next(
        (v for n, v in tags if n.lower() in ("dc.type", "z:itemtype") and v in ITEM_TYPES), ""
    )
    guess = "journalArticle" if first("citation_title") else ""
    item: dict[str, Any] = {"itemType": hw_type or declared or guess}
    item["title"] = first("citation_title")
    creators = []
    for role, tag in (("author", "citation_author"), ("editor", "citation_editor")):
        values = [v for n, v in tags if n == tag]
        for value in values:
            creators.append(clean_author(value, role, "," in value))
    item["creators"] = creators
    item["date"] = first("citation_publication_date") or first("citation_date")
    item["publicationTitle"] = first("citation_journal_title") or next(
        (v for n, v in tags if n.lower() == "dc.source"), ""
    )
    item["publisher"] = first("citation_publisher")
    item["language"] = first("citation_language")
    item["url"] = first("citation_public_url") or first("citation_fulltext_html_url")
    return item


def coins_items(page: BeautifulSoup) -> list[dict[str, Any]]:
    """Return the items Zotero's COinS translator would offer from a page."""
    items = []
    for span in page.select("span.Z3988[title]"):
        item: dict[str, Any] = {"creators": []}
        pairs = [p.split("=", 1) for p in str(span["title"]).split("&")]
        fmt = dict(pairs).get("rft_val_fmt", "")
        if urllib.parse.unquote(fmt) != "info:ofi/fmt:kev:mtx:dc":
            continue
        item["itemType"] = "webpage"
        for key, raw in pairs:
            value = urllib.parse.unquote(re.sub(r"\+|%2[bB]", " ", raw))
            if key == "rft.type" and value in ITEM_TYPES:
                item["itemType"] = value
            elif key == "rft.title":
                item["title"] = value
            elif key == "rft.au":
                item["creators"].append(clean_author(value, "author", "," in value))
            elif key == "rft.aucorp":
                item["creators"].append({"lastName": value, "fieldMode": 1})
            elif key == "rft.source":
                item["publicationTitle"] = value
            elif key == "rft.date":
                item["date"] = value
            elif key == "rft_id":
                item["url"] = value
            elif key == "rft.publisher":
                item["publisher"] = value
        items.append(item)
    return items
