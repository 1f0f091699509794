"""Quote anchoring: exact first, then tolerant; errors list the candidates."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coursepack.resolve.anchor import AnchorProblem, TextIndex, normalize_quote, trim_span
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


def both_searches(index: TextIndex, quote: str, nquote: str) -> list[tuple[int, int]]:
    """Return the places a quote matches as found by searching exactly and tolerantly."""
    found = [*index._exact(quote), *index._tolerant(nquote)]
    return sorted({trim_span(index.text, s, e) for s, e in found})


#: Every character that normalizing treats apart, and a few that it does not.
ALPHABET = "ab \t\n\u00a0*\\$.“”‘’\"'"


@st.composite
def texts_and_quotes(draw: st.DrawFn) -> tuple[str, str]:
    text = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=80))
    if draw(st.booleans()):  # a cut of the text, as an editor copies it
        start = draw(st.integers(0, len(text) - 1))
        quote = text[start : draw(st.integers(start + 1, min(len(text), start + 12)))]
    else:
        quote = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=8))
    return text, quote


@settings(max_examples=2000, deadline=None)
@given(texts_and_quotes())
def test_one_search_finds_what_two_did(case: tuple[str, str]) -> None:
    text, quote = case
    index = index_of(text)
    nquote = normalize_quote(quote)
    assume(nquote)  # an empty quote is refused before any search
    assert index._spans(quote, nquote) == both_searches(index, quote, nquote)


def test_one_search_finds_what_two_did_on_the_flagship_quotes() -> None:
    quotes = []
    for path in sorted((Path(__file__).parents[2] / "annotations").rglob("*.*")):
        quotes += re.findall(r"quote: (.+)", path.read_text(encoding="utf-8"))
    assert len(quotes) > 100
    for text in TEXTS.values():
        index = index_of(text)
        for raw in quotes:
            quote = yaml.safe_load(f"q: {raw}")["q"]
            if isinstance(quote, str) and normalize_quote(quote):
                nquote = normalize_quote(quote)
                assert index._spans(quote, nquote) == both_searches(index, quote, nquote)
