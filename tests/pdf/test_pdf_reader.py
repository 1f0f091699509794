"""The course reader PDF: text, outline, contents, index, notes, metadata."""

from __future__ import annotations

import itertools
import re

import pytest
from pdfcheck import (
    Rendered,
    destinations,
    expand,
    flat,
    index_entries,
    outline_titles,
    page_texts,
)
from pypdf import PdfReader

from coursepack.model import Reading
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.refs.labels import term_title
from coursepack.refs.names import index_name
from coursepack.render import markup
from coursepack.render.pdf.context import reader_context


def shown_title(reading: Reading) -> str:
    """Return a reading's title as printed: in brackets when the editors supplied it."""
    return f"[{reading.title}]" if reading.is_supplied("title") else reading.title


def test_writes_every_pdf(mini_pdfs: Rendered) -> None:
    out = mini_pdfs.out
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert names == [
        "handouts/alpha.pdf",
        "handouts/beta.pdf",
        "instructor-guide.pdf",
        "reader.pdf",
    ]
    assert (out / ".hashes.json").is_file()


def test_renders_without_warnings(mini_pdfs: Rendered) -> None:
    assert [r.getMessage() for r in mini_pdfs.warnings] == []


def test_reader_has_the_texts_and_apparatus(mini_pdfs: Rendered) -> None:
    text = flat("\n".join(page_texts(mini_pdfs.out / "reader.pdf")))
    reader = mini_pdfs.reader
    for reading in reader.readings:
        assert reading.title in text
        for paragraph in reading.paragraphs:
            first_words = " ".join(paragraph.text.split()[:4]).replace("\\$", "$")
            assert first_words in text.replace("\\$", "$")
    for note in reader.notes:
        assert note.title in text
        assert markup.markdown_to_text(note.body) in text
    for term in reader.terms:
        assert markup.markdown_to_text(term.definition) in text
    for question in reader.questions:
        assert markup.markdown_to_text(question.text) in text


def test_student_edition_leaves_out_teaching_notes(mini_pdfs: Rendered) -> None:
    text = flat("\n".join(page_texts(mini_pdfs.out / "reader.pdf")))
    notes = [q.teaching_note for q in mini_pdfs.reader.questions if q.teaching_note]
    assert notes
    for note in notes:
        assert markup.markdown_to_text(note) not in text


def test_instructor_edition_context_keeps_teaching_notes(mini_pdfs: Rendered) -> None:
    context = reader_context(Refs(mini_pdfs.reader), BuildOptions(edition="instructor"))
    shown = [q["teaching"] for g in context["question_groups"] for q in g["questions"]]
    assert all(shown)


def test_supplied_metadata_is_in_brackets(mini_pdfs: Rendered) -> None:
    text = flat("\n".join(page_texts(mini_pdfs.out / "reader.pdf")))
    for reading in mini_pdfs.reader.readings:
        if reading.is_supplied("outlet"):
            assert f"[{reading.outlet}]" in text
        else:
            assert f"[{reading.outlet}]" not in text


def test_outline_has_every_reading_and_section(mini_pdfs: Rendered) -> None:
    path = mini_pdfs.out / "reader.pdf"
    titles = dict(outline_titles(path))
    dests = destinations(path)
    for reading in mini_pdfs.reader.readings:
        assert titles[shown_title(reading)] == dests[f"r-{reading.id}"]
    sections = ["Contents", "Introduction", "Historical notes", "Glossary"]
    sections += ["Timeline of the historical notes"]
    sections += ["Discussion questions", "Bibliography", "Index of names and terms"]
    for section in sections:
        assert section in titles


def test_contents_page_numbers_point_at_their_targets(mini_pdfs: Rendered) -> None:
    path = mini_pdfs.out / "reader.pdf"
    texts = page_texts(path)
    contents = destinations(path)["contents"]
    lines = [flat(line) for line in texts[contents - 1].splitlines()]
    titles = [shown_title(r) for r in mini_pdfs.reader.readings]
    titles += ["Introduction", "Glossary", "Timeline"]
    for title in titles:
        line = next(line for line in lines if line.startswith(title))
        page = int(re.search(r"(\d+)$", line).group(1))  # type: ignore[union-attr]
        assert title in flat(texts[page - 1]), (title, page)


def test_index_merges_consecutive_pages_into_ranges(mini_pdfs: Rendered) -> None:
    path = mini_pdfs.out / "reader.pdf"
    reader = mini_pdfs.reader
    labels = [index_name(e) for e in reader.entities]
    labels += [term_title(t) for t in reader.terms]
    printed = index_entries(path, destinations(path)["index"], labels)
    assert printed
    locators = [loc for locs in printed.values() for loc in locs]
    assert any("–" in loc for loc in locators)
    for locs in printed.values():
        pages = [expand(loc) for loc in locs]
        for before, after in itertools.pairwise(pages):
            assert after[0] > before[-1] + 1


def test_each_footnote_is_on_the_page_of_its_call(mini_pdfs: Rendered) -> None:
    dests = destinations(mini_pdfs.out / "reader.pdf")
    calls = [name for name in dests if name.startswith("call-")]
    assert len(calls) >= 3
    for call in calls:
        assert dests[call] == dests[call.removeprefix("call-")], call


def test_textual_note_text_is_on_the_page_of_its_passage(mini_pdfs: Rendered) -> None:
    texts = [flat(t) for t in page_texts(mini_pdfs.out / "reader.pdf")]
    for note in mini_pdfs.reader.textual_notes:
        if note.anchor is None:
            continue
        body = markup.markdown_to_text(note.note)
        pages = [i for i, t in enumerate(texts) if body in t]
        assert pages, note.id
        assert flat(note.anchor.exact).replace("\\", "") in texts[pages[0]].replace("\\", "")


def test_internal_links(mini_pdfs: Rendered) -> None:
    pdf = PdfReader(mini_pdfs.out / "reader.pdf")
    contents = destinations(mini_pdfs.out / "reader.pdf")["contents"]
    links = [a.get_object() for a in pdf.pages[contents - 1].get("/Annots", [])]
    internal = [a for a in links if a["/Subtype"] == "/Link" and ("/Dest" in a or "/A" in a)]
    assert len(internal) >= len(mini_pdfs.reader.readings) + 3


def test_metadata_and_tags(mini_pdfs: Rendered) -> None:
    pdf = PdfReader(mini_pdfs.out / "reader.pdf")
    meta = mini_pdfs.reader.meta
    assert pdf.metadata is not None
    assert pdf.metadata.title == meta.title
    assert pdf.metadata.author == ", ".join(meta.editors)
    assert pdf.metadata["/Keywords"] == ", ".join(meta.keywords)
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == meta.language
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root


def test_letter_by_default(mini_pdfs: Rendered) -> None:
    page = PdfReader(mini_pdfs.out / "reader.pdf").pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


@pytest.mark.slow
def test_repository_reader(repo_pdfs: Rendered) -> None:
    path = repo_pdfs.out / "reader.pdf"
    dests = destinations(path)
    titles = dict(outline_titles(path))
    texts = page_texts(path)
    for reading in repo_pdfs.reader.readings:
        assert titles[shown_title(reading)] == dests[f"r-{reading.id}"]
        assert (repo_pdfs.out / "handouts" / f"{reading.id}.pdf").is_file()
    calls = [name for name in dests if name.startswith("call-")]
    assert len(calls) >= len(repo_pdfs.reader.notes)
    for call in calls:
        assert dests[call] == dests[call.removeprefix("call-")], call
    # The index is checked against every page it lists in test_pdf_index.
    assert "index" in dests and texts
    assert [r.getMessage() for r in repo_pdfs.warnings] == []
