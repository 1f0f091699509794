"""Anchor quotes to spans of a reading, W3C TextQuoteSelector style.

Matching goes in two steps. First the quote is looked for exactly as written; then quote
and text are both normalized and searched again, and a place found either way is a
candidate (so a quote never silently picks one place when, read tolerantly, it names
several). Normalizing: curly and straight quotation marks are made
alike, every run of whitespace (no-break spaces included) becomes one space, and markup
residue is dropped (``*`` and a backslash before punctuation, as in ``\\$``). ``prefix`` and
``suffix`` (compared the same tolerant way) then pick among several matches, and
``occurrence`` (from 1) picks when they cannot. A span never starts or ends on whitespace or
markup residue. Offsets are code points into the verbatim text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from string import punctuation
from typing import overload

from coursepack.diagnostics import Location
from coursepack.model import Anchor, Paragraph
from coursepack.resolve.text import ParagraphFinder

CONTEXT = 32
_QUOTES = {
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
}  # fmt: skip
_PUNCT = frozenset(punctuation)


def _ignorable(text: str, i: int) -> bool:
    ch = text[i]
    if ch == "*":
        return True
    return ch == "\\" and i + 1 < len(text) and text[i + 1] in _PUNCT


_RESIDUE = r"\*|\\(?=[" + re.escape(punctuation) + r"])"
#: What normalization changes: a whitespace run (with any markup residue inside it)
#: becomes one space; markup residue elsewhere is dropped. A single plain space between
#: words stays as it is, so it is not matched: most texts have few other changes.
_SPECIAL = re.compile(rf"(?P<space>(?: (?=\s|{_RESIDUE})|[^\S ])(?:\s|{_RESIDUE})*)|{_RESIDUE}")
#: White space other than a plain space: a pattern of one character class, which the
#: regular expression engine skips to without trying the others.
_NOT_SPACE_BREAK = re.compile(r"[^\S ]")


def _specials(text: str) -> list[re.Match[str]]:
    """Return what ``_SPECIAL.finditer(text)`` gives, trying the pattern only where it
    can match.

    A match starts at white space other than a plain space, at ``*`` or ``\\``, at two
    spaces, or at a space just before one of these; each is found at the speed of a
    search for one character, and the pattern is tried there alone, left to right, as
    finditer would. Trying it at every character was most of normalizing a reading.
    """
    starts = [m.start() for m in _NOT_SPACE_BREAK.finditer(text)]
    for mark in ("*", "\\", "  "):
        i = text.find(mark)
        while i != -1:
            starts.append(i)
            i = text.find(mark, i + 1)
    tries = set(starts)
    tries.update(i - 1 for i in starts if i and text[i - 1] == " ")
    found: list[re.Match[str]] = []
    end = 0
    for i in sorted(tries):
        if i >= end and (match := _SPECIAL.match(text, i)) is not None:
            found.append(match)
            end = match.end()
    return found


def _straighten(text: str) -> str:
    """Return text with curly quotation marks made straight (one character for one)."""
    for curly, straight in _QUOTES.items():
        if curly in text:
            text = text.replace(curly, straight)
    return text


class Offsets(Sequence[int]):
    """For each character of a normalized text, its offset in the original text.

    Normalizing copies nearly all of a text in long runs, each shifted by a constant, so the
    map is kept as the normalized offsets where a run starts and each run's shift; a
    look-up is a binary search. It reads like the list of every offset, which it replaces:
    for a whole reading that list was most of what normalizing cost.
    """

    __slots__ = ("_length", "_shifts", "_starts")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._shifts: list[int] = []
        self._length = 0

    def _add(self, origin: int, count: int) -> None:
        """Map the next count characters to origin, origin + 1, ..."""
        shift = origin - self._length
        if not self._shifts or self._shifts[-1] != shift:
            self._starts.append(self._length)
            self._shifts.append(shift)
        self._length += count

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("offset out of range")
        return index + self._shifts[bisect_right(self._starts, index) - 1]


def normalize(text: str) -> tuple[str, Offsets]:
    """Return the normalized text and, for each of its characters, the original offset."""
    out: list[str] = []
    origin = Offsets()
    kept = 0  # start of the run of ordinary characters not yet copied
    for match in _specials(text):
        start = match.start()
        if kept < start:
            out.append(text[kept:start])
            origin._add(kept, start - kept)
        if match.group("space") is not None:
            out.append(" ")
            origin._add(start, 1)
        kept = match.end()
    if kept < len(text):
        out.append(text[kept:])
        origin._add(kept, len(text) - kept)
    return _straighten("".join(out)), origin


def normalize_quote(quote: str) -> str:
    """Return a quote normalized for matching, without edge spaces."""
    return normalize(quote)[0].strip()


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span so that it neither starts nor ends on whitespace or markup residue."""
    while start < end and (text[start].isspace() or _ignorable(text, start)):
        start += 1
    while end > start and (
        text[end - 1].isspace() or text[end - 1] in "*\\" or _ignorable(text, end - 1)
    ):
        end -= 1
    return start, end


@dataclass(frozen=True)
class Candidate:
    """A place where a quote matches."""

    start: int
    end: int
    paragraph: int | None


@dataclass(frozen=True)
class AnchorProblem:
    """Why a quote could not be anchored: not found, ambiguous, or empty."""

    #: ``anchor.not-found``, ``anchor.ambiguous`` or ``anchor.empty``.
    code: str
    message: str
    candidates: tuple[Candidate, ...] = ()


class TextIndex:
    """A reading's text, ready for quote look-ups."""

    def __init__(self, reading_id: str, text: str, blocks: tuple[Paragraph, ...]) -> None:
        self.reading_id = reading_id
        self.text = text
        self._finder = ParagraphFinder(blocks)
        self._norm: tuple[str, Offsets] | None = None

    @property
    def norm(self) -> tuple[str, Offsets]:
        """Return the normalized text and its offset map (computed on first use)."""
        if self._norm is None:
            self._norm = normalize(self.text)
        return self._norm

    def paragraph_number(self, offset: int) -> int | None:
        """Return the ¶ number of the block that holds an offset."""
        block = self._finder.at(offset)
        return block.number if block else None

    def _exact(self, quote: str) -> list[tuple[int, int]]:
        found = []
        i = self.text.find(quote)
        while i != -1:
            found.append((i, i + len(quote)))
            i = self.text.find(quote, i + 1)
        return found

    def _tolerant(self, nquote: str) -> list[tuple[int, int]]:
        norm, origin = self.norm
        found = []
        i = norm.find(nquote)
        while i != -1:
            found.append((origin[i], origin[i + len(nquote) - 1] + 1))
            i = norm.find(nquote, i + 1)
        return found

    def _spans(self, quote: str, nquote: str) -> list[tuple[int, int]]:
        """Return the places a quote matches, exactly or tolerantly, in text order.

        Exact matches count, and tolerant matches elsewhere too, so that a quote never
        silently picks one place when, read tolerantly, it names several. A quote that
        normalizing leaves as it is (most: no line break, double space, curly quotation
        mark or markup) is found tolerantly wherever it stands exactly, at the same span,
        so it is looked for once. The exception is a final backslash, which the text may
        follow with punctuation and so make markup residue.
        """
        if quote == nquote and not quote.endswith("\\"):
            found = self._tolerant(nquote)
        else:
            found = [*self._exact(quote), *self._tolerant(nquote)]
        return sorted({trim_span(self.text, s, e) for s, e in found})

    def _context_fits(self, start: int, end: int, prefix: str | None, suffix: str | None) -> bool:
        if prefix:
            want = normalize_quote(prefix)
            window = self.text[max(0, start - 4 * len(prefix) - 16) : start]
            if not normalize(window)[0].rstrip().endswith(want):
                return False
        if suffix:
            want = normalize_quote(suffix)
            window = self.text[end : end + 4 * len(suffix) + 16]
            if not normalize(window)[0].lstrip().startswith(want):
                return False
        return True

    def candidate(self, start: int, end: int) -> Candidate:
        """Return a span as a candidate with its ¶ number."""
        return Candidate(start, end, self.paragraph_number(start))

    def anchor(self, start: int, end: int, location: Location | None = None) -> Anchor:
        """Return the Anchor for a span, with where it was written (None if found)."""
        return Anchor(
            reading=self.reading_id,
            paragraph=self.paragraph_number(start),
            start=start,
            end=end,
            exact=self.text[start:end],
            prefix=self.text[max(0, start - CONTEXT) : start],
            suffix=self.text[end : end + CONTEXT],
            location=location,
        )

    def _describe(self, spans: list[tuple[int, int]]) -> str:
        parts = []
        for start, end in spans[:8]:
            number = self.paragraph_number(start)
            where = f"¶{number}" if number else "front matter"
            before = " ".join(self.text[max(0, start - 20) : start].split())
            after = " ".join(self.text[end : end + 20].split())
            parts.append(f"{where} ('…{before}[…]{after}…')")
        more = f" and {len(spans) - 8} more" if len(spans) > 8 else ""
        return "; ".join(parts) + more

    def _near_miss(self, nquote: str) -> str:
        norm, origin = self.norm
        lo, hi = 0, len(nquote)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if norm.find(nquote[:mid]) != -1:
                lo = mid
            else:
                hi = mid - 1
        if lo < 8:
            return "check that the quote is copied from this reading"
        i = norm.find(nquote[:lo])
        number = self.paragraph_number(origin[i])
        where = f"¶{number}" if number else "the front matter"
        return (
            f"the text agrees up to '{nquote[:lo][-40:]}' in {where}, then reads "
            f"'{norm[i + lo : i + lo + 30]}' where the quote has '{nquote[lo : lo + 30]}'"
        )

    def resolve(
        self,
        quote: str,
        prefix: str | None = None,
        suffix: str | None = None,
        occurrence: int | None = None,
    ) -> tuple[int, int] | AnchorProblem:
        """Return the span a quote selects, or the problem that stops it."""
        nquote = normalize_quote(quote)
        if not nquote:
            return AnchorProblem(
                "anchor.empty",
                "quote is empty once whitespace and markup are ignored; quote some words",
            )
        spans = self._spans(quote, nquote)
        if not spans:
            return AnchorProblem(
                "anchor.not-found",
                f"quote not found in {self.reading_id}: {self._near_miss(nquote)}; copy the "
                "passage from the seed text (curly or straight quotes, line breaks and "
                "markup like * or \\$ do not matter)",
            )
        fitting = [s for s in spans if self._context_fits(*s, prefix, suffix)]
        if not fitting:
            return AnchorProblem(
                "anchor.not-found",
                f"quote matches {len(spans)} place{'s' if len(spans) > 1 else ''} in "
                f"{self.reading_id} ({self._describe(spans)}) but none has the given "
                "prefix/suffix; correct them to the words just before/after the quote",
                tuple(self.candidate(*s) for s in spans),
            )
        if occurrence is not None:
            if occurrence > len(fitting):
                return AnchorProblem(
                    "anchor.not-found",
                    f"occurrence {occurrence} asked for, but the quote matches only "
                    f"{len(fitting)} place{'s' if len(fitting) > 1 else ''} in "
                    f"{self.reading_id} ({self._describe(fitting)})",
                    tuple(self.candidate(*s) for s in fitting),
                )
            return fitting[occurrence - 1]
        if len(fitting) > 1:
            return AnchorProblem(
                "anchor.ambiguous",
                f"quote matches {len(fitting)} places in {self.reading_id}: "
                f"{self._describe(fitting)}; add a prefix or suffix (the words just before "
                "or after the quote), or occurrence: N",
                tuple(self.candidate(*s) for s in fitting),
            )
        return fitting[0]
