"""The reader's index, laid out on its own after the rest of the reader."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pdfcheck import Rendered, destinations, expand, flat, index_entries, occurs, page_texts
from pypdf import PdfReader
from weasyprint import Document
from weasyprint.formatting_structure import boxes

from coursepack.model import Entity, Reader, Term
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.refs.labels import term_title
from coursepack.refs.names import index_name
from coursepack.render.pdf import engine, plan_jobs
from coursepack.render.pdf import index as index_locators


def margin_text(page: object, keyword: str) -> str:
    """Return the text of one margin box of a laid-out page ("@bottom-center")."""
    texts: list[str] = []

    def walk(box: boxes.Box) -> None:
        if isinstance(box, boxes.TextBox):
            texts.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child)

    for box in page._page_box.children:  # type: ignore[attr-defined]
        if isinstance(box, boxes.MarginBox) and box.at_keyword == keyword:
            walk(box)
    return "".join(texts)


def index_labels(reader: Reader) -> list[str]:
    """Return the labels of the index entries as printed."""
    labels = [index_name(e) for e in reader.entities]
    labels += [term_title(t) for t in reader.terms]
    return labels


def test_reader_is_laid_out_once_then_its_index_alone(mini_pdfs: Rendered) -> None:
    main, index = mini_pdfs.layouts_of("reader")
    assert 'id="index"' in main and 'class="ix"' not in main
    assert 'class="ix"' in index and 'class="reading' not in index


@pytest.mark.slow
def test_repository_reader_lays_out_the_index_alone_and_once(repo_pdfs: Rendered) -> None:
    *mains, index = repo_pdfs.layouts_of("reader")
    # One layout: with WeasyPrint's line layout amended, no footnote leaves its call's page
    # (before the amendment three of this reader's did, and it was laid out twice).
    assert len(mains) == 1
    assert all('class="ix"' not in main for main in mains)
    assert 'class="ix"' in index and 'class="reading' not in index


@pytest.fixture(scope="module")
def reader_document(mini_reader: Reader, tmp_path_factory: pytest.TempPathFactory) -> Document:
    """Return the mini reader's laid-out document, index included."""
    out = tmp_path_factory.mktemp("index")
    job = plan_jobs(Refs(mini_reader), out, BuildOptions())[0]
    assert job.index
    return engine.build_pdf(job)


def test_every_page_carries_its_number_and_side(reader_document: Document) -> None:
    pages = reader_document.pages
    index_start = engine.anchor_pages(reader_document)["index"]
    assert 1 < index_start <= len(pages)
    for number, page in enumerate(pages, start=1):
        side = page._page_box.page_type.side
        assert side == ("right" if number % 2 else "left"), number
        shown = margin_text(page, "@bottom-center")
        if number >= 3:  # the cover and its verso are unnumbered
            assert shown == str(number), number


@pytest.mark.parametrize("first_page", [8, 9])
def test_the_index_alone_starts_at_the_page_and_side_it_is_given(
    mini_reader: Reader, tmp_path: Path, first_page: int
) -> None:
    job = plan_jobs(Refs(mini_reader), tmp_path, BuildOptions())[0]
    context = engine.with_layout(job.context, {}, frozenset())
    context["first_page"] = first_page
    context["first_side"] = "right" if first_page % 2 else "left"
    document = engine.render_document(engine.render_html(engine.INDEX_TEMPLATE, context))
    first = document.pages[0]
    assert margin_text(first, "@bottom-center") == str(first_page)
    assert first._page_box.page_type.side == context["first_side"]
    # The index opens a chapter: its first page carries no running head.
    assert margin_text(first, "@top-left") == margin_text(first, "@top-right") == ""
    assert "index" in first.anchors


def check_index_links(rendered: Rendered, least: int) -> None:
    """Check that the index's links lead to the first page of each locator it prints."""
    path = rendered.out / "reader.pdf"
    dests = destinations(path)
    pdf = PdfReader(path)
    start = dests["index"]
    targets: Counter[int] = Counter()
    for page in pdf.pages[start - 1 :]:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            targets[dests[str(annotation["/Dest"])]] += 1
    printed = index_entries(path, start, index_labels(rendered.reader))
    first_pages = Counter(expand(loc)[0] for locs in printed.values() for loc in locs)
    assert sum(first_pages.values()) >= least
    assert targets == first_pages
    assert max(targets) < start


def test_index_links_lead_to_the_pages_they_print(mini_pdfs: Rendered) -> None:
    check_index_links(mini_pdfs, least=3)


@pytest.mark.slow
def test_repository_index_links_lead_to_the_pages_they_print(repo_pdfs: Rendered) -> None:
    check_index_links(repo_pdfs, least=20)


def test_outline_ends_with_the_index(mini_pdfs: Rendered) -> None:
    path = mini_pdfs.out / "reader.pdf"
    outline = PdfReader(path).outline
    last = outline[-1] if not isinstance(outline[-1], list) else outline[-2]
    assert str(last.title) == "Index of names and terms"  # type: ignore[union-attr]
    pdf = PdfReader(path)
    assert pdf.get_destination_page_number(last) + 1 == destinations(path)["index"]  # type: ignore[arg-type]


def check_index_against_pages(rendered: Rendered, paper: str = "letter") -> int:
    """Check every printed locator of the index against the text of the pages it lists.

    Each entry prints what the layout says (its places' pages, merged into ranges); every
    page of a plain or bold locator names the entry (a form of it), and a page printed in
    italics holds the passage that speaks of it without naming it. Return how many
    locators were checked.
    """
    reader = rendered.reader
    path = rendered.out / "reader.pdf"
    texts = page_texts(path)
    dests = destinations(path)
    context = plan_jobs(Refs(reader), rendered.out, BuildOptions(paper=paper))[0].context  # type: ignore[arg-type]
    items: dict[tuple[str, str], Entity | Term] = {("entity", e.id): e for e in reader.entities}
    items.update({("term", t.id): t for t in reader.terms})
    entries = [e for part in ("names", "terms") for e in context["index"][part]]
    printed = index_entries(path, dests["index"], [e["label"] for e in entries if "see" not in e])
    index_text = flat("\n".join(texts[dests["index"] - 1 :]))
    checked = 0
    for entry in entries:
        if "see" in entry:
            assert f"{entry['label']}, see {entry['see']}" in index_text, entry
            continue
        expected = index_locators.locators(entry, dests)
        assert printed[entry["label"]] == [loc["label"] for loc in expected], entry["label"]
        kind, item_id = _item_of(entry["locators"][0]["anchor"], items)
        item = items[(kind, item_id)]
        for loc in expected:
            pages = expand(loc["label"])
            if loc["style"] == "para":
                occurrence = item.occurrences[int(loc["anchor"].rsplit("-", 1)[1])]
                assert flat(occurrence.exact) in flat(texts[pages[0] - 1]), (entry["label"], loc)
            else:
                for page in pages:
                    text = texts[page - 1]
                    after = texts[page] if page < len(texts) else ""
                    assert occurs(reader, item.forms, text) or runs_over(item.forms, text, after), (
                        entry["label"],
                        page,
                    )
            checked += 1
    return checked


def runs_over(forms: tuple[str, ...], page: str, following: str) -> bool:
    """Return whether a form starts at the foot of a page, hyphenated, and ends on the
    next ("Min‐" / "neapolis Police Department")."""
    head = " ".join(page.split()).casefold()
    tail = " ".join(following.split()).casefold()
    for form in (f.casefold() for f in forms):
        for cut in range(2, len(form) - 1):
            if f"{form[:cut]}\u2010" in head and form[cut:] in tail:
                return True
    return False


def _item_of(anchor: str, items: dict[tuple[str, str], Entity | Term]) -> tuple[str, str]:
    """Return the kind and id of the item an index anchor belongs to."""
    for kind in ("entity", "term"):
        for prefix in (f"o-{kind}-", f"m-{kind}-"):
            if anchor.startswith(prefix):
                rest = anchor.removeprefix(prefix)
                for key in sorted((k for k in items if k[0] == kind), key=lambda k: -len(k[1])):
                    if rest.startswith(key[1] + "-"):
                        return key
    raise AssertionError(f"no item for {anchor}")


def test_index_locators_are_the_pages_that_name_each_entry(mini_pdfs: Rendered) -> None:
    assert check_index_against_pages(mini_pdfs) >= 5


@pytest.mark.slow
def test_repository_index_locators_are_the_pages_that_name_each_entry(
    repo_pdfs: Rendered,
) -> None:
    assert check_index_against_pages(repo_pdfs) >= 200
