"""Quote anchoring: exact first, then tolerant; errors list the candidates."""

from __future__ import annotations

from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coursepack.resolve.anchor import AnchorProblem, TextIndex, trim_span
from coursepack.resolve.text import paragraphs_of

SEEDS = sorted((Path(__file__).parents[2] / "seeds").glob("*.txt"))
TEXTS = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS}


def index_of(text: str, front: int = 0) -> TextIndex:
    f, body = paragraphs_of(text, front)
    return TextIndex("r", text, f + body)


TEXT = (
    "He said “no strike” today.\n\nCosts rose to \\$5 for *PayDay Report*.\n\nNo strike. No strike."
)


def test_exact_match() -> None:
    assert index_of(TEXT).resolve("said “no strike”") == (3, 19)


def test_straight_quotes_match_curly() -> None:
    assert index_of(TEXT).resolve('said "no strike"') == (3, 19)


def test_markup_residue_is_tolerated() -> None:
    start, end = index_of(TEXT).resolve("rose to $5 for PayDay Report")  # type: ignore[misc]
    assert TEXT[start:end] == "rose to \\$5 for *PayDay Report"


def test_whitespace_runs_are_tolerated() -> None:
    start, end = index_of(TEXT).resolve("today.   Costs")  # type: ignore[misc]
    assert TEXT[start:end] == "today.\n\nCosts"


def test_ambiguous_lists_candidates_with_paragraphs() -> None:
    result = index_of(TEXT).resolve("No strike.")
    assert isinstance(result, AnchorProblem)
    assert result.code == "anchor.ambiguous"
    assert [c.paragraph for c in result.candidates] == [3, 3]
    assert "¶3" in result.message and "prefix or suffix" in result.message


def test_prefix_suffix_and_occurrence_disambiguate() -> None:
    index = index_of(TEXT)
    second = TEXT.rindex("No strike.")
    assert index.resolve("No strike.", prefix="No strike.") == (second, second + 10)
    assert index.resolve("No strike", suffix=". No") == (second - 11, second - 2)
    assert index.resolve("No strike.", occurrence=2) == (second, second + 10)


def test_not_found_says_where_the_text_differs() -> None:
    result = index_of(TEXT).resolve("Costs rose to $9")
    assert isinstance(result, AnchorProblem)
    assert result.code == "anchor.not-found"
    assert "¶2" in result.message and "'5 for" in result.message


@st.composite
def cuts(draw: st.DrawFn) -> tuple[str, int, int, str]:
    name = draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[name]
    start = draw(st.integers(0, len(text) - 2))
    end = draw(st.integers(start + 1, min(len(text), start + 200)))
    start, end = trim_span(text, start, end)
    assume(end - start >= 3)
    quote = text[start:end]
    if draw(st.booleans()):  # straighten curly quotes
        quote = quote.translate(str.maketrans("“”‘’", "\"\"''"))
    if draw(st.booleans()):  # reflow whitespace
        quote = " ".join(quote.split())
    return name, start, end, quote


@settings(max_examples=300, deadline=None)
@given(cuts())
def test_any_cut_anchors_to_its_own_span(case: tuple[str, int, int, str]) -> None:
    name, start, end, quote = case
    result = index_of(TEXTS[name]).resolve(quote)
    if isinstance(result, AnchorProblem):
        assert result.code == "anchor.ambiguous"
        assert (start, end) in [(c.start, c.end) for c in result.candidates]
    else:
        assert result == (start, end)
