"""The flagship's pages, saved by Zotero: what its translators read agrees with each page's
own cite block and with the CSL-JSON record the citation files hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sitebuild import Built
from zotero import coins_items, embedded_item

pytestmark = pytest.mark.slow

#: CSL types and the Zotero item types they are (Zotero's own mapping).
ZOTERO = {
    "article-newspaper": "newspaperArticle",
    "article-magazine": "magazineArticle",
    "article-journal": "journalArticle",
    "webpage": "webpage",
    "post-weblog": "blogPost",
    "speech": "presentation",
    "manuscript": "manuscript",
    "book": "book",
    "chapter": "bookSection",
    "entry-encyclopedia": "encyclopediaArticle",
    "report": "report",
}


def records(flagship: Built) -> dict[str, dict[str, Any]]:
    found = json.loads((flagship.out.parent / "cite" / "coursepack.json").read_text("utf-8"))
    return {r["URL"]: r for r in found if r.get("URL")} | {r["id"]: r for r in found}


def cite_block(page: BeautifulSoup) -> str:
    found = page.select_one("article .cp-cite .cp-cite-entry")
    assert found is not None
    return " ".join(found.get_text().split())


def norm(text: str) -> str:
    """Return text as a comparison sees it: case, the kind of quotation mark (Chicago makes
    those inside a quoted title single) and periods and commas aside."""
    plain = text.translate(str.maketrans("‘’“”", "''\"\"")).replace('"', "'")
    # American usage puts a period or a comma inside the closing quotation marks.
    return plain.replace(".", "").replace(",", "").casefold()


def check(item: dict[str, Any], record: dict[str, Any], entry: str) -> None:
    """Assert that a saved item is the record, as its cite block shows it."""
    assert item["itemType"] == ZOTERO[record["type"]], (item["itemType"], record["type"])
    assert item["title"] == record["title"]  # supplied titles keep their brackets
    assert norm(item["title"]) in norm(entry)
    names = record.get("author", []) + record.get("editor", [])
    assert len(item["creators"]) == len(names)
    for saved, name in zip(item["creators"], names, strict=True):
        if "literal" in name and "," not in name["literal"]:
            # An organisation, filed whole as a name; Zotero drops its brackets.
            assert saved["firstName"] == "", saved
            assert saved["lastName"] == name["literal"].strip("[]")
        else:
            assert saved["lastName"].strip("[]") in entry
    container = record.get("container-title", "")
    assert item["publicationTitle"] == container
    if container:
        assert norm(container) in norm(entry)
    assert item["date"].startswith(str(record["issued"]["date-parts"][0][0]))


def test_each_reading_is_saved_as_its_cite_block_says(flagship: Built) -> None:
    by = records(flagship)
    pages = [
        p for p in flagship.pages() if p.startswith("readings/") and p != "readings/index.html"
    ]
    assert len(pages) >= 4
    kinds = set()
    for path in pages:
        page = flagship.page(path)
        item = embedded_item(page)
        bibtex = page.select_one("article .cp-cite pre")
        assert bibtex is not None
        record = by[bibtex.get_text().split("{", 1)[1].split(",", 1)[0]]
        check(item, record, cite_block(page))
        kinds.add(item["itemType"])
        # The item is the original work: its address, else this page.
        assert item["url"] == record.get("URL") or item["url"].endswith(path)
    assert "journalArticle" not in kinds


def test_the_reader_each_note_and_each_document_are_saved_as_their_cite_blocks_say(
    flagship: Built,
) -> None:
    by = records(flagship)
    front = flagship.page("index.html")
    item = embedded_item(front)
    record = next(r for r in by.values() if str(r.get("id", "")).endswith("reader"))
    check(item, record, cite_block(front))
    parts = [
        p
        for p in flagship.pages()
        if p.startswith(("notes/", "contexts/")) and not p.endswith("/index.html")
    ]
    assert any(p.startswith("contexts/") for p in parts)
    for path in parts:
        page = flagship.page(path)
        record = next(r for u, r in by.items() if u.endswith(path))
        check(embedded_item(page), record, cite_block(page))


@pytest.mark.parametrize("path", ["glossary.html", "people.html"])
def test_every_entry_offers_itself_to_zotero(flagship: Built, path: str) -> None:
    by = records(flagship)
    page = flagship.page(path)
    items = coins_items(page)
    entries = page.select("article details.cp-cite-details")
    assert len(items) == len(entries) > 40
    for item, entry in zip(items, entries, strict=True):
        record = by[item["url"]]
        assert item["itemType"] == ZOTERO[record["type"]]
        assert item["title"] == record["title"]
        assert item["publicationTitle"] == record["container-title"]
        shown = " ".join(entry.select_one(".cp-cite-entry").get_text().split())  # type: ignore[union-attr]
        assert norm(item["title"]) in norm(shown)
        assert item["url"] in shown
