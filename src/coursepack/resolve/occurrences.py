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
from bisect import bisect_right
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
def _folded(text: str) -> str:
    """Return :func:`_token_key` of a text (kept for the next finder, which folds it too)."""
    return _token_key(text)


@lru_cache(maxsize=512)
def _words_of(text: str) -> frozenset[str]:
    """Return the words of a text as the filter compares them (kept for the next finder)."""
    return frozenset(_WORD.findall(_folded(text)))


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
        self._compiled: dict[tuple[str, ...], re.Pattern[str]] = {}

    def _entry(self, matched: str) -> str | None:
        return self._exact.get(_key(matched, True)) or self._folded.get(_key(matched, False))

    def _candidates(self, text: str) -> list[str]:
        """Return the forms that can occur in a text, in the order of the alternation.

        A form one of whose words is not in the text cannot match there, so leaving it
        out changes no result.
        """
        tokens = _words_of(text)
        wanted = set(self._always)
        for token in tokens & self._by_word.keys():
            for form, need in self._by_word[token]:
                if all(not tokens.isdisjoint(words) for words in need[1:]):
                    wanted.add(form)
        return sorted(wanted, key=self._rank.__getitem__)

    def _regex(self, forms: tuple[str, ...]) -> re.Pattern[str]:
        """Return the alternation of some forms, each in its own group (to tell its rank)."""
        if forms not in self._compiled:
            self._compiled[forms] = re.compile(
                r"(?<![\w-])(?:"
                + "|".join(f"({_pattern(f)})" for f in forms)
                + ")"
                + _SUFFIX
                + r"(?![\w-])"
            )
        return self._compiled[forms]

    def find(self, paragraphs: Iterable[Paragraph], text: str) -> list[tuple[str, int, int]]:
        """Return (entry id, start, end) for every occurrence in the paragraphs.

        The result is what one alternation of every form, longest first, finds scanning
        each paragraph left to right: at each place the first form (in that order) that
        matches there wins, and the scan goes on after it. A large glossary makes such an
        alternation slow to compile and to run, so only the forms that can occur in the
        text are tried; forms of plain ASCII words are looked for with ``str.find`` and
        checked by hand (:func:`_plain_match`), the others with a regular expression; the
        places each finds are then merged by those same rules.
        """
        if not self._ordered:
            return []
        paragraphs = list(paragraphs)
        if not paragraphs:
            return []
        folded = _folded(text)
        aligned = len(folded) == len(text)
        plain: list[str] = []
        other: list[str] = []
        for form in self._candidates(text):
            (plain if aligned and _PLAIN.fullmatch(form) else other).append(form)
        lo, hi = paragraphs[0].start, paragraphs[-1].end
        # Start -> every (rank, end of the form, end of the match) of a plain form there.
        # All are kept: one that runs into the next paragraph does not count, and the
        # next form in order may then win.
        plain_at: dict[int, list[tuple[int, int, int]]] = {}
        for form in plain:
            rank = self._rank[form]
            for start, form_end, end in _plain_matches(form, text, folded, lo, hi):
                plain_at.setdefault(start, []).append((rank, form_end, end))
        # Each paragraph's plain matches: start -> (rank, end of the form, end of the
        # match) of the first form that ends within it. Paragraphs come in text order, so
        # the one that holds a start is found by bisection.
        starts = [para.start for para in paragraphs]
        plain_in: dict[int, dict[int, tuple[int, int, int]]] = {}
        for start, values in plain_at.items():
            n = bisect_right(starts, start) - 1
            if n >= 0 and start < paragraphs[n].end:
                fitting = [v for v in values if v[2] <= paragraphs[n].end]
                if fitting:
                    plain_in.setdefault(n, {})[start] = min(fitting)
        regex = self._regex(tuple(other)) if other else None
        found = []
        for n, para in enumerate(paragraphs):
            # Start -> (rank, end of the form, end of the match): the first form wins.
            here = plain_in.get(n, {})
            if regex is not None:
                at = para.start
                while (match := regex.search(text, at, para.end)) is not None:
                    index = match.lastindex or 1
                    value = (self._rank[other[index - 1]], match.end(index), match.end())
                    if match.start() not in here or value[0] < here[match.start()][0]:
                        here[match.start()] = value
                    at = match.start() + 1
            cursor = para.start
            for start in sorted(here):
                if start < cursor:
                    continue
                _, form_end, end = here[start]
                entry = self._entry(text[start:form_end])
                if entry is not None:
                    found.append((entry, start, end))
                cursor = end
        return found


#: A form of plain ASCII words separated by spaces: found without a regular expression.
_PLAIN = re.compile(r"[A-Za-z0-9]+(?:\s+[A-Za-z0-9]+)*")
#: The endings _SUFFIX allows, in the order the regular expression tries them.
_ENDINGS = ("es", "s", "'s", "’s", "s'", "s’", "")


def _is_word(ch: str) -> bool:
    """Return whether a character is one that ``\\w`` matches."""
    return ch.isalnum() or ch == "_"


def _plain_matches(
    form: str, text: str, folded: str, lo: int, hi: int
) -> list[tuple[int, int, int]]:
    """Return (start, end of the form, end with its ending) of a plain form in text[lo:hi].

    The same as the form's pattern: no word character or hyphen before; the words, with
    runs of whitespace between; then the first ending that no word character or hyphen
    follows. A form with a capital matches exactly, else without regard to case (folded
    is the text lower-cased the way the filter does it, character for character).
    """
    words = form.split()
    sensitive = any(c.isupper() for c in form)
    hay = text if sensitive else folded
    if not sensitive:
        words = [w.lower() for w in words]
    out = []
    i = hay.find(words[0], lo, hi)
    while i != -1:
        match = _plain_at(words, hay, text, i, hi)
        if match is not None:
            out.append((i, *match))
        i = hay.find(words[0], i + 1, hi)
    return out


def _plain_at(words: list[str], hay: str, text: str, i: int, hi: int) -> tuple[int, int] | None:
    if i > 0 and (_is_word(text[i - 1]) or text[i - 1] == "-"):
        return None
    end = i + len(words[0])
    for word in words[1:]:
        j = end
        while j < hi and text[j].isspace():
            j += 1
        if j == end or not hay.startswith(word, j) or j + len(word) > hi:
            return None
        end = j + len(word)
    for ending in _ENDINGS:
        stop = end + len(ending)
        if (
            stop <= hi
            and text.startswith(ending, end)
            and (stop == hi or not (_is_word(text[stop]) or text[stop] == "-"))
        ):
            return end, stop
    return None
