"""BibTeX field values: plain text is kept as it is, LaTeX is decoded."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc.latex2text import LatexNodes2Text

from coursepack.load.bibtex import _plain

DECODE = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
LATEX_CHARS = set("\\{}$~%&#^_`")
TEXT = "".join(c for c in string.printable if c not in LATEX_CHARS) + "éü–“”’ "


def decoded(value: str) -> str:
    return " ".join(DECODE.latex_to_text(value).split())


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=TEXT, max_size=40))
def test_skipping_the_decoder_changes_nothing(value: str) -> None:
    assert _plain("title", value) == decoded(value)


@given(st.text(alphabet=TEXT + "\\{}$~&-'`", max_size=30))
def test_any_value_reads_as_the_decoder_reads_it(value: str) -> None:
    try:
        expected = decoded(value)
    except Exception:  # the decoder's own limits are not what is tested here
        return
    assert _plain("title", value) == expected


def test_latex_is_still_decoded() -> None:
    assert _plain("publisher", r"Farrar \& Rinehart") == "Farrar & Rinehart"
    assert _plain("pages", "45--52") == "45–52"
    assert _plain("title", "{The} ``Day'' of~Truth") == "The “Day” of Truth"
    assert _plain("url", " https://example.org/a_b ") == "https://example.org/a_b"
