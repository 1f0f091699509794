"""Find where glossary terms and named entities occur in a reading.

Each entry has forms (term, abbreviation, aliases; or name and aliases). A form written all
in lower case matches without regard to case; a form with any capital matches exactly
("CBA" does not match "cba"). Matches respect word boundaries, let whitespace runs and
curly or straight quotation marks vary, and take plural and possessive endings ("CBAs",
"union's", "unions'"). Where forms overlap, the longest match wins. Only numbered paragraphs
are searched; the front matter (headline, byline) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from coursepack.model import Paragraph

_SUFFIX = r"(?:es|s|['’]s|s['’])?"
_QUOTE_CLASS = {"'": "['’‘]", "’": "['’‘]", "‘": "['’‘]", '"': '["“”]', "“": '["“”]', "”": '["“”]'}


_WORD = re.compile(r"\w+")
#: Letters outside ASCII that ignore-case matching takes for ASCII ones and that lower
#: case does not turn into them (str.lower already maps the Kelvin sign to k).
_FOLD_TO_ASCII = {"ı": "i", "İ": "i", "ſ": "s"}


def _token_key(text: str) -> str:
    """Return text as the filter compares words: ASCII-folded, lower case."""
    for odd, ascii_letter in _FOLD_TO_ASCII.items():
        if odd in text:
            text = text.replace(odd, ascii_letter)
    return text.lower()


@lru_cache(maxsize=512)
def _words_of(text: str) -> frozenset[str]:
    """Return the words of a text as the filter compares them (kept for the next finder)."""
    return frozenset(_WORD.findall(_token_key(text)))


def _required_tokens(form: str) -> list[set[str]]:
    """Return the words a text must contain for the form to match it: one of each set.

    Each run of word characters in a form is a whole word of any text it matches: the
    pattern forbids a word character before the form and after its ending, and inside the
    form a run is bounded by characters that are not word characters (spaces, hyphens,
    quotation marks). Only the last run may grow, by a plural ending ("CBAs"). Runs that
    are not plain ASCII are left out: case-insensitive matching has more equivalences there
    than lower case shows. An empty list rules nothing out.
    """
    runs = _WORD.findall(form)
    out = []
    for i, run in enumerate(runs):
        if not run.isascii():
            continue
        word = run.lower()
        out.append({word, word + "s", word + "es"} if i == len(runs) - 1 else {word})
    return out


def _key(form: str, sensitive: bool) -> str:
    text = " ".join(form.split())
    for ch, cls in _QUOTE_CLASS.items():
        text = text.replace(ch, cls[2])
    return text if sensitive else text.casefold()


def _pattern(form: str) -> str:
    out = []
    for word in form.split():
        out.append("".join(_QUOTE_CLASS.get(ch) or re.escape(ch) for ch in word))
    body = r"\s+".join(out)
    return body if any(c.isupper() for c in form) else f"(?i:{body})"


class OccurrenceFinder:
    """One compiled matcher for a set of entries (all glossary terms, or all entities)."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        forms: set[str] = set()
        for entry_id, entry_forms in entries:
            for form in entry_forms:
                form = form.strip()
                if not form:
                    continue
                sensitive = any(c.isupper() for c in form)
                table = self._exact if sensitive else self._folded
                table.setdefault(_key(form, sensitive), entry_id)
                forms.add(form)
        #: Every form, longest first: the order of the alternatives, so the longest wins.
        self._ordered = sorted(forms, key=lambda f: (-len(f), f))
        #: Each form with the words a text needs for it (see :func:`_required_tokens`).
        needs = {form: _required_tokens(form) for form in self._ordered}
        self._rank = {form: i for i, form in enumerate(self._ordered)}
        #: Word -> the forms whose first needed word it is, with all they need.
        self._by_word: dict[str, list[tuple[str, list[set[str]]]]] = {}
        #: Forms that nothing rules out.
        self._always = [form for form, need in needs.items() if not need]
        for form, need in needs.items():
            for word in sorted(need[0]) if need else ():
                self._by_word.setdefault(word, []).append((form, need))
        self._compiled: dict[tuple[str, ...], re.Pattern[str] | None] = {}

    def _entry(self, matched: str) -> str | None:
        return self._exact.get(_key(matched, True)) or self._folded.get(_key(matched, False))

    def _regex_for(self, text: str) -> re.Pattern[str] | None:
        """Return the matcher of the forms that can occur in a text.

        A single alternation of thousands of forms is tried at every position of the
        text, which makes a large glossary slow. A form one of whose words is not in the
        text cannot match there, so leaving it out of the alternation changes no result:
        the forms kept stay in the same order, longest first.
        """
        tokens = _words_of(text)
        wanted = set(self._always)
        for token in tokens:
            for form, need in self._by_word.get(token, ()):
                if all(not tokens.isdisjoint(words) for words in need[1:]):
                    wanted.add(form)
        forms = tuple(sorted(wanted, key=self._rank.__getitem__))
        if forms not in self._compiled:
            self._compiled[forms] = (
                re.compile(
                    r"(?<![\w-])("
                    + "|".join(_pattern(f) for f in forms)
                    + ")"
                    + _SUFFIX
                    + r"(?![\w-])"
                )
                if forms
                else None
            )
        return self._compiled[forms]

    def find(self, paragraphs: Iterable[Paragraph], text: str) -> list[tuple[str, int, int]]:
        """Return (entry id, start, end) for every occurrence in the paragraphs."""
        if not self._ordered:
            return []
        regex = self._regex_for(text)
        if regex is None:
            return []
        found = []
        for para in paragraphs:
            for match in regex.finditer(text, para.start, para.end):
                entry = self._entry(match.group(1))
                if entry is not None:
                    found.append((entry, match.start(), match.end()))
        return found
