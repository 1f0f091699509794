"""WeasyPrint lays out again only the pages whose page references it did not know (coursepack's
amendment): each page number right, each page laid out as few times as one pass allows, and
whole documents the same as WeasyPrint alone lays them out."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from samepdf import meaning
from weasyprint.css import targets
from weasyprint.formatting_structure import boxes, build
from weasyprint.layout import page

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.render.pdf import engine, plan_jobs, repagination

#: Five pages: a contents that names later pages, a reference to a later page, one to an
#: earlier page, one to a place earlier on its own page; the page count in every footer.
DOCUMENT = """<!DOCTYPE html><html lang="en"><head><style>
@font-face { font-family: Book; src: url(fonts/LinLibertine_R.otf); }
@page { size: 300px 300px; margin: 20px;
  @bottom-center { content: counter(page) " of " counter(pages); } }
body { font: 12px/16px Book; margin: 0; }
section { break-before: page; }
a::after { content: " p. " target-counter(attr(href url), page); }
</style></head><body>
<nav id="toc"><p><a href="#two">Two</a></p><p><a href="#four">Four</a></p></nav>
<section id="two"><p id="early">Two.</p><p id="ahead"><a href="#four">forward</a></p></section>
<section id="three"><p>Three.</p></section>
<section id="four"><p id="back"><a href="#early">back</a></p></section>
<section id="five"><p id="here">Five.</p><p id="same"><a href="#here">same page</a></p></section>
</body></html>"""


@pytest.fixture
def unamended(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lay out with WeasyPrint's own repagination for the duration of a test."""
    _unamend(monkeypatch)
    yield


def _unamend(patch: pytest.MonkeyPatch) -> None:
    """Put WeasyPrint's own functions back, until the patch is undone."""
    assert repagination.apply()
    original = repagination.UNAMENDED
    patch.setattr(build, "compute_content_list", original["compute_content_list"])
    patch.setattr(page, "make_page", original["make_page"])
    patch.setattr(
        targets.TargetCollector,
        "cache_target_page_counters",
        original["cache_target_page_counters"],
    )


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the layouts of each page of the next documents, by the id of its first
    paragraph (``toc`` for the contents)."""
    counted: dict[str, int] = {}
    remake = page.remake_page

    def counting(index: int, *args: Any) -> Any:
        made = remake(index, *args)
        first = next(
            (b.element.get("id") for b in made[0].descendants() if _named(b)), f"page {index}"
        )
        counted[first] = counted.get(first, 0) + 1
        return made

    monkeypatch.setattr(page, "remake_page", counting)
    return counted


def _named(box: boxes.Box) -> bool:
    return (
        isinstance(box, boxes.BlockBox)
        and box.element is not None
        and box.element_tag in {"p", "nav"}
        and bool(box.element.get("id"))
    )


def printed(document: weasyprint.Document) -> list[list[str]]:
    """Return the page references each page prints, in order."""
    found: list[list[str]] = []
    for laid_out in document.pages:
        texts = [b.text for b in laid_out._page_box.descendants() if isinstance(b, boxes.TextBox)]
        found.append([f"p. {n}" for n in re.findall(r"\bp\.\s+(\d+)", " ".join(texts))])
    return found


#: The pages each reference of DOCUMENT names, page by page.
RIGHT = [["p. 2", "p. 4"], ["p. 4"], [], ["p. 2"], ["p. 5"]]


def test_the_pinned_weasyprint_is_amended() -> None:
    assert weasyprint.__version__ == repagination.VERSION
    assert repagination.apply()
    assert set(repagination.UNAMENDED) == {
        "compute_content_list",
        "cache_target_page_counters",
        "make_page",
    }
    assert build.compute_content_list is not repagination.UNAMENDED["compute_content_list"]
    assert page.make_page is not repagination.UNAMENDED["make_page"]


@pytest.mark.usefixtures("unamended")
def test_weasyprint_alone_lays_out_every_page_that_refers_three_times(
    layouts: dict[str, int],
) -> None:
    # What the amendment is for: the pass after the page count is known lays out again
    # every page that holds a reference, whether or not its numbers changed.
    assert printed(engine.render_document(DOCUMENT)) == RIGHT
    assert layouts == {"toc": 3, "early": 3, "page 2": 1, "back": 3, "here": 3}


def test_amended_a_page_is_laid_out_again_only_for_a_number_it_learns_late(
    layouts: dict[str, int],
) -> None:
    assert printed(engine.render_document(DOCUMENT)) == RIGHT
    # The contents and the forward reference learn their numbers after their pages are
    # laid out; the reference back to page 2 knows its number in time; the reference to a
    # place earlier on its own page is parsed once that page is laid out, so it is again.
    assert layouts == {"toc": 2, "early": 2, "page 2": 1, "back": 1, "here": 2}


def filler(lines: int) -> str:
    """Return paragraphs of a line each."""
    return "".join(f"<p>Line {n}.</p>" for n in range(lines))


#: The first page's number: page numbers of nine digits, against the one (0) a reference
#: prints before it knows its page, longer than a word.
FIRST = 100000000


def moving(words: int) -> str:
    """Return pages whose first line names the last page, and grows once it knows the
    number: words enough, and the line wraps then, pushing the paragraph that ends page 1
    onto page 2, where the reference on the next page leads."""
    head = DOCUMENT.split("<body>")[0].replace(
        "</style>", f"p {{ margin: 0; }} @page :first {{ counter-reset: page {FIRST}; }}</style>"
    )
    first = " ".join(["word"] * words)
    return head + (
        f'<body><p id="first"><a href="#last">{first}</a></p>{filler(14)}'
        f'<p id="early">Early.</p><section><p id="back"><a href="#early">back</a></p></section>'
        + "".join(f"<section>{filler(3)}</section>" for _ in range(8))
        + '<section><p id="last">Last.</p></section></body></html>'
    )


def test_amended_a_reference_follows_a_target_that_moves_after_it_was_known(
    layouts: dict[str, int],
) -> None:
    # The first pass lays page 1 out with "p. 0" and the reference to its last paragraph
    # (on the next page) is printed with page 1 as soon as that paragraph is laid out; the
    # second pass, with the last page's number, wraps the first line and moves the
    # paragraph to page 2: the reference follows. The words are the fewest for which the
    # line wraps once the number is known.
    for words in range(4, 40):
        document = engine.render_document(moving(words))
        if len(document.pages) == 12:
            break
    else:
        pytest.fail("no length of the first line moves the last paragraph of page 1")
    found = printed(document)
    assert found[0] == [f"p. {FIRST + 11}"]
    assert found[2] == [f"p. {FIRST + 1}"]
    layouts.clear()
    shorter = engine.render_document(moving(words - 1))
    assert len(shorter.pages) == 11
    assert printed(shorter)[1] == [f"p. {FIRST}"]
    assert layouts["first"] == 2


def _both_ways(job: Any, out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Write a document laid out with the amendment and with WeasyPrint alone."""
    assert repagination.apply()
    amended = out / f"amended-{job.target.name}"
    engine.write_pdf(engine.build_pdf(job), amended, job.digest)
    with monkeypatch.context() as patch:
        _unamend(patch)
        alone = out / f"alone-{job.target.name}"
        engine.write_pdf(engine.build_pdf(job), alone, job.digest)
    return amended, alone


def test_amended_a_reader_and_a_handout_are_what_weasyprint_alone_makes(
    mini_reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Laid out whole, not in parts, and without pins, so every reference is WeasyPrint's.
    jobs = plan_jobs(Refs(mini_reader), tmp_path / "plan", BuildOptions())
    reader = dataclasses.replace(jobs[0], cache=None)
    handout = next(j for j in jobs if j.target.parent.name == "handouts")
    for job in (reader, dataclasses.replace(handout, cache=None)):
        amended, alone = _both_ways(job, tmp_path, monkeypatch)
        assert meaning(amended) == meaning(alone), job.target.name
        assert amended.read_bytes() == alone.read_bytes(), job.target.name


def test_another_weasyprint_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    before = build.compute_content_list
    assert repagination.apply.__wrapped__() is False  # past the once-per-process cache
    assert build.compute_content_list is before
