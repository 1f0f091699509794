"""Leaving out forms that cannot occur in a text finds exactly what one big alternation finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursepack.resolve.occurrences import _SUFFIX, OccurrenceFinder, _pattern
from coursepack.resolve.text import paragraphs_of


def reference(entries: list[tuple[str, list[str]]], text: str) -> list[tuple[int, int, str]]:
    """Return the spans one alternation of every form finds (the finder before the filter)."""
    forms = sorted(
        {f.strip() for _, fs in entries for f in fs if f.strip()}, key=lambda f: (-len(f), f)
    )
    if not forms:
        return []
    regex = re.compile(
        r"(?<![\w-])(" + "|".join(_pattern(f) for f in forms) + ")" + _SUFFIX + r"(?![\w-])"
    )
    entry = OccurrenceFinder(entries)._entry
    _, body = paragraphs_of(text, 0)
    return [
        (m.start(), m.end(), m.group(0))
        for p in body
        for m in regex.finditer(text, p.start, p.end)
        if entry(m.group(1)) is not None
    ]


def found(entries: list[tuple[str, list[str]]], text: str) -> list[tuple[int, int, str]]:
    _, body = paragraphs_of(text, 0)
    return [(s, e, text[s:e]) for _, s, e in OccurrenceFinder(entries).find(body, text)]


#: Letters outside ASCII that ignore-case matching takes for ASCII ones.
ODD_CASE = str.maketrans({"i": "ı", "I": "İ", "s": "ſ", "k": "\u212a"})
# Letters that ignore-case matching treats specially, quotation marks, hyphens, spaces.
ALPHABET = "abcsikCBAIS ı İ ſ \u212a é É - ’ ' “ \" \n"
words = st.text(alphabet="abcsikCBAISıİſ\u212aéÉ-’'“\"", min_size=1, max_size=5)
forms = st.lists(words, min_size=1, max_size=3).map(" ".join)
entries = st.lists(
    st.tuples(st.sampled_from(["x", "y", "z"]), st.lists(forms, min_size=1, max_size=3)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(entries, st.text(alphabet=ALPHABET, max_size=80))
def test_same_spans_as_one_alternation(entries: list[tuple[str, list[str]]], text: str) -> None:
    # Build texts that contain the forms, in either case, with and without endings.
    pieces = [text]
    for _, fs in entries:
        for f in fs:
            pieces += [f, f.upper(), f.lower(), f + "s", f + "’s", f.translate(ODD_CASE)]
    full = " ".join(pieces)
    got = found(entries, full)
    want = reference(entries, full)
    assert [(s, e) for s, e, _ in got] == [(s, e) for s, e, _ in want]


def test_a_form_whose_words_are_absent_is_not_matched_but_others_are() -> None:
    entries = [("cba", ["CBA"]), ("gs", ["general strike"]), ("kn", ["Knutson"])]
    text = "The CBAs hold. A General  Strike, said Kieran."
    assert [t for *_, t in found(entries, text)] == ["CBAs", "General  Strike"]
    assert found(entries, text) == reference(entries, text)


@pytest.mark.parametrize("text", ["A \u212aiss.", "A kiſs.", "The \u212aiſses."])
def test_letters_that_fold_to_ascii_still_match(text: str) -> None:
    # Ignore-case matching takes the Kelvin sign for k and the long s for s; the filter
    # must not rule the form out of a text that spells it only that way.
    entries = [("k", ["kiss"])]
    assert len(reference(entries, text)) == 1
    assert found(entries, text) == reference(entries, text)


plain_words = st.text(alphabet="abAB1", min_size=1, max_size=3)
plain_forms = st.lists(plain_words, min_size=1, max_size=3).map(" ".join)
plain_entries = st.lists(
    st.tuples(st.sampled_from(["x", "y", "z"]), st.lists(plain_forms, min_size=1, max_size=3)),
    min_size=1,
    max_size=5,
)
GLUE = [
    "",
    " ",
    "  ",
    "\n",
    "\n\n",
    "-",
    "_",
    "s",
    "es",
    "'s",
    "’s",
    "s'",
    "s’",
    "é",
    "ſ",
    ".",
    "1",
]


@settings(max_examples=1500, deadline=None)
@given(plain_entries, st.lists(st.tuples(st.sampled_from(GLUE), st.integers(0, 20)), max_size=25))
def test_plain_forms_found_by_hand_as_by_the_alternation(
    entries: list[tuple[str, list[str]]], layout: list[tuple[str, int]]
) -> None:
    # Forms of plain ASCII words are matched without a regular expression; glue the forms
    # (in either case) with the characters that decide a match: endings, hyphens, word
    # characters, line breaks and paragraph breaks.
    forms = [f for _, fs in entries for f in fs]
    pieces = []
    for glue, pick in layout:
        form = forms[pick % len(forms)]
        pieces += [glue, form.upper() if pick % 3 == 0 else form]
    text = "".join(pieces)
    assert found(entries, text) == reference(entries, text)
