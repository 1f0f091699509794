"""The typography of a good book: heads on the outer edge and none on an opening page, the
title printed once, a sensible editors' line, adjacent calls apart, no stop doubled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from linecheck import HEAD, words_by_page
from pdfcheck import Rendered, destinations, flat, page_texts

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.refs.labels import editors_line, reading_title
from coursepack.render.pdf import engine, plan_jobs
from coursepack.render.pdf.context import title_dates

#: The ids of the headings that open a chapter of the reader (besides the readings').
OPENINGS = frozenset(
    [
        "introduction", "contents", "contexts", "notes", "glossary", "chronology",
        "timeline", "questions", "further-reading", "bibliography", "index",
    ]
)  # fmt: skip


def check_heads(rendered: Rendered) -> int:
    """Check the reader's running heads; return how many pages carry one.

    A left page's head stands at its left edge, a right page's at its right; the cover,
    its verso and a chapter's opening page carry none.
    """
    path = rendered.out / "reader.pdf"
    dests = destinations(path)
    names = OPENINGS | {f"r-{r.id}" for r in rendered.reader.readings}
    openings = {dests[a] for a in names if a in dests}
    headed = 0
    for number, (width, _height, words) in enumerate(words_by_page(path), start=1):
        head = [w for w in words if w.y1 < HEAD and w.text.strip()]
        if number <= 2 or number in openings:
            assert head == [], number
            continue
        assert head, number
        if number % 2 == 0:
            assert min(w.x0 for w in head) < width / 4, number  # from the left edge
            assert max(w.x1 for w in head) < 0.75 * width, number
        else:
            assert max(w.x1 for w in head) > 0.75 * width, number  # to the right edge
            assert min(w.x0 for w in head) > width / 4, number
        headed += 1
    return headed


def test_running_heads_stand_on_the_outer_edge_and_not_on_openings(mini_pdfs: Rendered) -> None:
    check_heads(mini_pdfs)


@pytest.mark.slow
def test_repository_running_heads_stand_on_the_outer_edge(repo_pdfs: Rendered) -> None:
    assert check_heads(repo_pdfs) >= 40


@pytest.mark.slow
def test_a_reading_title_is_printed_once_on_its_opening_page(repo_pdfs: Rendered) -> None:
    path = repo_pdfs.out / "reader.pdf"
    texts = page_texts(path)
    dests = destinations(path)
    for reading in repo_pdfs.reader.readings:
        page = flat(texts[dests[f"r-{reading.id}"] - 1])
        assert page.count(flat(reading_title(reading))) == 1, reading.id
        if not reading.is_supplied("title"):
            # (A title the editors supplied may be words of the text, which stay.)
            assert page.count(flat(reading.title)) == 1, reading.id


def test_the_editors_line_reads_as_a_sentence() -> None:
    class Meta:
        editors: tuple[str, ...] = ()

    meta = Meta()
    assert editors_line(meta) == ""  # type: ignore[arg-type]
    meta.editors = ("The coursepack editors",)
    assert editors_line(meta) == "The coursepack editors"  # type: ignore[arg-type]
    meta.editors = ("Ann Lee",)
    assert editors_line(meta) == "Edited by Ann Lee"  # type: ignore[arg-type]
    meta.editors = ("Ann Lee", "Bo Diaz", "Cy Park")
    assert editors_line(meta) == "Edited by Ann Lee, Bo Diaz and Cy Park"  # type: ignore[arg-type]


def test_adjacent_calls_are_separated() -> None:
    template = engine.environment().from_string(
        '{% from "_macros.html" import runs %}{{ runs(block) }}'
    )
    call = {"kind": "textual", "label": "Sic", "html": "x", "stop": ".", "correction": ""}
    block = {
        "runs": [
            {
                "text": "January 23",
                "classes": "",
                "ids": [],
                "after": [{**call, "fid": "f-1"}, {**call, "fid": "f-2"}],
            }
        ]
    }
    html = template.render(block=block)
    assert html.index('id="f-1"') < html.index('class="call-sep"') < html.index('id="call-f-2"')


def test_no_stop_is_doubled(mini_pdfs: Rendered) -> None:
    for path in sorted(mini_pdfs.out.rglob("*.pdf")):
        text = "\n".join(page_texts(path))
        assert not re.search(r"\w\.\.(?!\.)", text), path.name


@pytest.mark.slow
def test_no_stop_is_doubled_in_the_repository_pdfs(repo_pdfs: Rendered) -> None:
    for path in sorted(repo_pdfs.out.rglob("*.pdf")):
        text = "\n".join(page_texts(path))
        assert re.findall(r".{30}\w\.\.(?!\.).{10}", text) == [], path.name


@pytest.mark.slow
def test_a_call_prints_one_date_in_one_form(repo_pdfs: Rendered) -> None:
    # A note whose title dates it is called by its title alone.
    for note in repo_pdfs.reader.notes:
        if title_dates(note):
            html = "\n".join(repo_pdfs.layouts_of("reader"))
            assert f'<span class="fn-title">{note.title}</span> (' not in html.replace(
                "&#39;", "'"
            ).replace("&#34;", '"'), note.id


def test_pages_are_the_size_asked_for(mini_reader: Reader, tmp_path: Path) -> None:
    job = plan_jobs(Refs(mini_reader), tmp_path, BuildOptions(paper="a4"))[1]
    document = engine.render_document(engine.render_html(job.template, job.context))
    page = document.pages[0]
    assert (round(page.width), round(page.height)) == (794, 1123)
