"""Navigation: note pages (and readings of large readers) out of the sidebar, with a pager."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sitebuild import Site, make_site
from sphinx.builders.html import StandaloneHTMLBuilder

NOTES = "notes"
READING = "readings/alpha-2026"
BETA = "readings/beta-2026"

#: A note between the two of the test reader (1934 and 2020), anchored in alpha-2026.
MIDDLE = """\
---
title: {title}
date:
  start: {year}-01-01
sources:
  - key: mnopedia1934
  - key: walker1937
anchors:
  - reading: alpha-2026
    quote: after the strike of 1934
---

A note of {year}.
"""


def add_notes(reader: Path, years: range) -> None:
    """Write one note per year, each titled after its year."""
    for year in years:
        path = reader / f"annotations/notes/extra-{year}.md"
        path.write_text(MIDDLE.format(title=f"Events of {year}", year=year), "utf-8")


def sidebar_links(page: BeautifulSoup) -> list[str]:
    tree = page.select_one(".sidebar-tree")
    assert isinstance(tree, Tag)
    return [str(a["href"]) for a in tree.select("a")]


def pager(page: BeautifulSoup) -> dict[str, tuple[str, str]]:
    """Return the pager's links by kind (prev, up, next): href and text."""
    nav = page.select_one("article nav.cp-pager")
    assert isinstance(nav, Tag)
    found = {}
    for a in nav.select("a"):
        kind = str(a["class"][0]).removeprefix("cp-pager-")
        title = a.select_one(".cp-pager-title")
        found[kind] = (str(a["href"]), (title or a).get_text())
    return found


def search_index(site: Site) -> dict[str, Any]:
    """Return Sphinx's search index of a built site."""
    text = (site.out / "searchindex.js").read_text("utf-8")
    data: dict[str, Any] = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return data


def test_notes_are_linked_from_their_index_not_the_sidebar(student_site: Site) -> None:
    assert student_site.warnings == ""
    for name in ("index", f"{NOTES}/index", f"{NOTES}/strike-1934", READING):
        links = sidebar_links(student_site.page(name))
        assert not [h for h in links if "notes/" in h and not h.endswith("notes/index.html")]
        tree = student_site.page(name).select_one(".sidebar-tree")
        assert tree is not None and "Historical notes" in tree.get_text(), name
    # A note page's place: its index is marked as the current section.
    current = student_site.page(f"{NOTES}/strike-1934").select(".sidebar-tree li.cp-section > a")
    assert [(a["href"], a.get_text()) for a in current] == [("index.html", "Historical notes")]
    index = student_site.page(f"{NOTES}/index")
    listed = [a["href"] for a in index.select("article ul.cp-notes-list a")]
    assert listed == ["strike-1934.html", "contract-2020.html"]  # by date


def test_readings_stay_in_the_sidebar_of_a_small_reader(student_site: Site) -> None:
    links = sidebar_links(student_site.page(f"{NOTES}/strike-1934"))
    assert "../readings/alpha-2026.html" in links
    assert "../readings/beta-2026.html" in links
    reading = student_site.page(READING)
    assert reading.select_one("nav.cp-pager") is None  # furo's own previous/next instead
    assert reading.select_one("a.next-page") is not None


def test_each_note_links_its_neighbours_by_date_and_its_index(
    site_factory: Callable[..., Site],
) -> None:
    site = site_factory("site-basic", lambda reader: add_notes(reader, range(1990, 1991)))
    assert site.warnings == ""
    first = pager(site.page(f"{NOTES}/strike-1934"))
    assert first == {
        "up": ("index.html", "All historical notes"),
        "next": ("extra-1990.html", "Events of 1990"),
    }
    middle = pager(site.page(f"{NOTES}/extra-1990"))
    assert middle["prev"] == ("strike-1934.html", "The strike of 1934")
    assert middle["next"][0] == "contract-2020.html"
    assert middle["up"][0] == "index.html"
    last = pager(site.page(f"{NOTES}/contract-2020"))
    assert set(last) == {"prev", "up"}
    # Search finds every note, but not through its neighbours' titles in the pager.
    index = search_index(site)
    docs = index["docnames"]
    assert {f"{NOTES}/{n}" for n in ("strike-1934", "extra-1990", "contract-2020")} <= set(docs)
    assert docs.index(f"{NOTES}/strike-1934") not in index["terms"]["event"]
    assert "previou" not in index["terms"]


def test_a_retitled_note_rereads_its_neighbours(site_factory: Callable[..., Site]) -> None:
    site = site_factory("site-basic", lambda reader: add_notes(reader, range(1990, 1991)))
    note = site.reader / "annotations/notes/extra-1990.md"
    note.write_text(note.read_text("utf-8").replace("Events of", "Strikes of"), "utf-8")
    assert site.build() == ""
    reads = site.reads[-1]
    assert {f"{NOTES}/strike-1934", f"{NOTES}/contract-2020", f"{NOTES}/extra-1990"} <= set(reads)
    assert pager(site.page(f"{NOTES}/strike-1934"))["next"][1] == "Strikes of 1990"
    # A body edit changes nothing the neighbours show: they are not read again.
    note.write_text(note.read_text("utf-8").replace("A note of", "One note of"), "utf-8")
    assert site.build() == ""
    assert f"{NOTES}/strike-1934" not in site.reads[-1]
    assert f"{NOTES}/extra-1990" in site.reads[-1]


def test_a_note_page_does_not_grow_with_the_number_of_notes(tmp_path: Path) -> None:
    small = make_site(tmp_path / "small", "site-basic")
    large = make_site(tmp_path / "large", "site-basic", lambda r: add_notes(r, range(1950, 1990)))
    assert small.build() == ""
    assert large.build() == ""
    assert len(list((large.out / NOTES).glob("*.html"))) == 43
    for name in (f"{NOTES}/contract-2020", READING, "glossary"):
        assert sidebar_links(large.page(name)) == sidebar_links(small.page(name)), name


def test_readings_of_a_large_reader_leave_the_sidebar_for_a_pager(
    site_factory: Callable[..., Site],
) -> None:
    site = site_factory("site-basic", coursepack_sidebar_readings=1)
    assert site.warnings == ""
    for name in ("index", READING, f"{NOTES}/strike-1934"):
        assert not [h for h in sidebar_links(site.page(name)) if "alpha-2026" in h], name
    index = site.page("readings/index")
    listed = [a["href"] for a in index.select("article .cp-readings-title a")]
    assert listed == ["alpha-2026.html", "beta-2026.html"]
    assert pager(site.page(READING)) == {
        "up": ("index.html", "All readings"),
        "next": ("beta-2026.html", "[Beta's supplied title]"),
    }
    assert pager(site.page(BETA))["prev"] == ("alpha-2026.html", "Headline of Alpha")
    current = site.page(BETA).select(".sidebar-tree li.current.cp-section > a")
    assert [a.get_text() for a in current] == ["Readings"]
    # Back to the default: the readings return to the sidebar, and the pager goes.
    assert site.build() == ""
    assert "beta-2026.html" in sidebar_links(site.page(READING))
    assert site.page(READING).select_one("nav.cp-pager") is None


def test_the_shared_sidebar_of_pages_outside_the_toctree_is_the_one_sphinx_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursepack.render.site import events

    drawn: list[str] = []
    draw = StandaloneHTMLBuilder._get_local_toctree

    def counted(self: StandaloneHTMLBuilder, docname: str, *args: Any, **kwargs: Any) -> str:
        drawn.append(docname)
        return draw(self, docname, *args, **kwargs)

    monkeypatch.setattr(StandaloneHTMLBuilder, "_get_local_toctree", counted)
    shared = make_site(tmp_path / "shared", "site-basic")
    assert shared.build(coursepack_sidebar_readings=1) == ""
    # One sidebar for both notes, one for both readings.
    assert len([d for d in drawn if d.startswith(f"{NOTES}/") and d != f"{NOTES}/index"]) == 1
    assert len([d for d in drawn if d in (READING, BETA)]) == 1
    monkeypatch.setattr(events, "share_sidebar", lambda *args: None)
    own = make_site(tmp_path / "own", "site-basic")
    assert own.build(coursepack_sidebar_readings=1) == ""
    for name in (f"{NOTES}/strike-1934", f"{NOTES}/contract-2020", READING, BETA, "index"):
        trees = [str(site.page(name).select_one(".sidebar-tree")) for site in (shared, own)]
        assert trees[0] == trees[1], name
