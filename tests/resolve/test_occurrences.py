"""Glossary occurrences: word boundaries, case rules, plurals, possessives, longest match."""

from __future__ import annotations

from coursepack.resolve.occurrences import OccurrenceFinder
from coursepack.resolve.text import paragraphs_of


def find(text: str, entries: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    _, body = paragraphs_of(text, 0)
    return [(e, text[s:t]) for e, s, t in OccurrenceFinder(entries).find(body, text)]


def test_plural_and_possessive_forms() -> None:
    hits = find("The CBAs and the CBA’s terms; a CBA.", [("cba", ["CBA"])])
    assert hits == [("cba", "CBAs"), ("cba", "CBA’s"), ("cba", "CBA")]


def test_capitalised_form_is_case_sensitive() -> None:
    assert find("ice on the road; ICE agents", [("ice", ["ICE"])]) == [("ice", "ICE")]


def test_lower_case_form_ignores_case() -> None:
    hits = find("General strike! a general  strike", [("gs", ["general strike"])])
    assert hits == [("gs", "General strike"), ("gs", "general  strike")]


def test_word_boundaries() -> None:
    assert find("strikebreaker, no-strike", [("s", ["strike"])]) == []


def test_longest_form_wins() -> None:
    entries = [("nsc", ["no-strike clause"]), ("clause", ["clause"])]
    assert find("a no-strike clause", entries) == [("nsc", "no-strike clause")]


def test_quotes_in_forms_match_either_style() -> None:
    hits = find('the "no-strike" clause', [("nsc", ["“no-strike” clause"])])
    assert hits == [("nsc", '"no-strike" clause')]
