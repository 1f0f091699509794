"""WeasyPrint keeps a line whole when only its trailing space overflows (coursepack's amendment)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline, preferred
from weasyprint.text import line_break

from coursepack.render.pdf import engine, line_fit

#: A passage that fills a line but for the space after it.
PASSAGE = "halting step must be directed into the strongest display"
HEADING = "Union bureaucracy seeks to block strike action against ICE rampage in Minneapolis"


def page(body: str, width: int) -> str:
    """Return a page of one block at a measure, in the bundled face."""
    return f"""<!DOCTYPE html><html lang="en"><head><style>
@font-face {{ font-family: Book; src: url(fonts/LinLibertine_R.otf); }}
@page {{ size: {width + 40}px 400px; margin: 20px; }}
body {{ font: 17px/20px Book; margin: 0; hyphens: auto; }}
</style></head><body>{body}</body></html>"""


def lines(html: str) -> list[str]:
    """Return the text of each line of the first page."""
    found: list[str] = []

    def text(box: boxes.Box) -> str:
        if isinstance(box, boxes.TextBox):
            return box.text
        return "".join(text(c) for c in getattr(box, "children", ()))

    def walk(box: boxes.Box) -> None:
        if isinstance(box, boxes.LineBox):
            found.append(text(box).strip())
            return
        for child in getattr(box, "children", ()):
            walk(child)

    walk(engine.render_document(html).pages[0]._page_box)
    return found


def measure(text: str) -> float:
    """Return the width of text alone on a line, without its trailing space."""
    html = page(f"<p style='white-space: nowrap; display: inline-block'>{text}</p>", 4000)
    document = engine.render_document(html)
    found: list[float] = []

    def walk(box: boxes.Box) -> None:
        if isinstance(box, boxes.LineBox):
            found.append(box.width)
        for child in getattr(box, "children", ()):
            walk(child)

    walk(document.pages[0]._page_box)
    return max(found)


@pytest.fixture
def unamended(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lay out with WeasyPrint's own split_first_line for the duration of a test."""
    assert line_fit.apply() and line_fit.UNAMENDED is not None
    for module in (line_break, inline, preferred):
        monkeypatch.setattr(module, "split_first_line", line_fit.UNAMENDED)
    yield


def headings(width: int) -> list[str]:
    """Return the lines of a heading that fills the measure but for the space before a span."""
    return lines(
        page(f"<h2 style='font-size: 17px'>{HEADING} <span>(Crosse 2026)</span></h2>", width)
    )


def tight_width() -> int:
    """Return a measure the heading's words fill, that its trailing space would overflow."""
    return int(measure(HEADING)) + 1


def test_the_pinned_weasyprint_is_amended() -> None:
    assert weasyprint.__version__ == line_fit.VERSION
    assert line_fit.apply()
    assert line_break.split_first_line is not line_fit.UNAMENDED
    assert inline.split_first_line is line_break.split_first_line
    assert preferred.split_first_line is line_break.split_first_line


@pytest.mark.usefixtures("unamended")
def test_weasyprint_alone_breaks_after_the_first_word() -> None:
    # The case the amendment is for: the words fit, the space after them does not.
    assert headings(tight_width())[0] == "Union"


def test_amended_the_words_that_fit_stay_on_the_line() -> None:
    line_fit.apply()
    assert headings(tight_width()) == [HEADING, "(Crosse 2026)"]


def paragraph(width: int) -> list[str]:
    """Return the lines of a justified paragraph whose second line its words fill."""
    return lines(
        page(
            f"<p style='text-align: justify'>Union leaders have endorsed the call<br>{PASSAGE} "
            "<span>Trump’s</span> campaign gets the response it deserves.</p>",
            width,
        )
    )


@pytest.mark.usefixtures("unamended")
def test_weasyprint_alone_splits_a_hyphenated_word_off_a_full_line() -> None:
    found = paragraph(int(measure(PASSAGE)) + 1)
    assert found[1] == "halt‐"


def test_amended_a_paragraph_keeps_its_full_lines() -> None:
    line_fit.apply()
    found = paragraph(int(measure(PASSAGE)) + 1)
    assert found[1] == PASSAGE
    assert all(len(line.split()) > 2 for line in found)


def test_another_weasyprint_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    before = line_break.split_first_line
    assert line_fit.apply.__wrapped__() is False  # past the once-per-process cache
    assert line_break.split_first_line is before
