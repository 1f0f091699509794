"""WeasyPrint keeps a `footnote-policy: line` note on its call's page (coursepack's amendment)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import weasyprint
from weasyprint.layout import block

from coursepack.render.pdf import engine, footnote_policy


def page(filler: int) -> str:
    """Return a small page: a note early on, then a long paragraph meeting the page's foot."""
    words = " ".join(["word"] * 120)
    return f"""<!DOCTYPE html><html lang="en"><head><style>
@font-face {{ font-family: Book; src: url(fonts/LinLibertine_R.otf); }}
@page {{ size: 300px 300px; margin: 20px; }}
body {{ font: 12px/16px Book; margin: 0 }}
p {{ margin: 0; orphans: 2; widows: 2 }}
.fn {{ float: footnote; footnote-policy: line; }}
</style></head><body>
<p>Start<span class="fn" id="n">A note that takes a line or two of the page's foot.</span><a
id="call-n"></a> {" ".join(["filler"] * filler)}</p>
<p>{words}</p></body></html>"""


def note_pages(filler: int) -> tuple[int, int]:
    """Return the pages of the call and of its note."""
    pages = engine.anchor_pages(engine.render_document(page(filler)))
    return pages["call-n"], pages["n"]


@pytest.fixture
def unamended(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lay out with WeasyPrint's own line layout for the duration of a test."""
    assert footnote_policy.apply() and footnote_policy.UNAMENDED is not None
    monkeypatch.setattr(block, "_linebox_layout", footnote_policy.UNAMENDED)
    yield


FILLERS = range(40, 200, 4)


def test_the_pinned_weasyprint_is_amended() -> None:
    assert weasyprint.__version__ == footnote_policy.VERSION
    assert footnote_policy.apply()
    assert block._linebox_layout is not footnote_policy.UNAMENDED
    assert "all" in block._linebox_layout.__code__.co_names


@pytest.mark.usefixtures("unamended")
def test_weasyprint_alone_defers_a_note_when_a_paragraph_meets_the_foot() -> None:
    # The case the amendment is for: without it some of these pages lose their note.
    apart = [n for n in FILLERS if len(set(note_pages(n))) == 2]
    assert apart


def test_amended_every_note_stays_on_its_calls_page() -> None:
    footnote_policy.apply()
    assert all(len(set(note_pages(n))) == 1 for n in FILLERS)


def test_a_note_that_allows_deferral_may_still_be_deferred() -> None:
    # `footnote-policy: auto` keeps WeasyPrint's behaviour.
    footnote_policy.apply()
    html = [page(n).replace("footnote-policy: line", "footnote-policy: auto") for n in FILLERS]
    apart = 0
    for source in html:
        pages = engine.anchor_pages(engine.render_document(source))
        apart += pages["call-n"] != pages["n"]
    assert apart


def test_another_weasyprint_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    before = block._linebox_layout
    assert footnote_policy.apply.__wrapped__() is False  # past the once-per-process cache
    assert block._linebox_layout is before
