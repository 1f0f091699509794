"""Find broken lines in a PDF, from the words poppler reads off its pages.

A broken line is one a careful reader would stop at:

* ``one-word``: a line of the text column holding a single word or fragment while its
  sentence goes on in the next line ("halt‐ / ing / step / must"); a heading whose first
  line holds one word while the rest of it follows ("Union / bureaucracy seeks…");
* ``hyphenated``: a word of a reproduced text split at the end of a line with a hyphen the
  layout added ("famil‐ / ies"): the texts are printed as received, and such a hyphen reads
  as the text's own;
* ``stretched``: a justified line whose spaces are stretched far past a space's width
  ("ated      Transit      Union      Local");
* ``url-hyphen``: a web address split with a hyphen the layout added ("againstthecur‐ /
  rent.org"), so that a reader who types it types a wrong address.

Lines are rebuilt from ``pdftotext -bbox-layout``'s words by their baseline; the running
heads, folios and the paragraph numbers in the margin are set aside by where they stand.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

#: The hyphen WeasyPrint adds where it hyphenates a word.
HYPHEN = "\u2010"
#: Words whose boxes are this tall (points) or taller are set at least at the body size
#: of the reading texts (10.5 pt in the reader, 10 pt in handouts); footnotes, running
#: heads and the readings' metadata are smaller.
BODY_HEIGHT = 10.5
#: Words this tall are in a heading.
HEADING_HEIGHT = 14.5
#: A justified line is stretched when its spaces average more than this share of the
#: font's size (a space is about a quarter of it; 0.6 is well past what a reader accepts).
STRETCH = 0.6
#: A word box's height as a multiple of its font size (Linux Libertine, in poppler).
HEIGHT_PER_SIZE = 1.14
#: Running heads stand above this line, folios below the page's height less FOOT (points).
HEAD = 55.0
FOOT = 48.0


@dataclass(frozen=True)
class Word:
    """One word as poppler reads it, with its box (points, from the page's top left)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Line:
    """The words that share a baseline in the text column, left to right."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def height(self) -> float:
        return statistics.median(w.height for w in self.words)


@dataclass(frozen=True)
class Broken:
    """A broken line: its page (from 1), its kind and its words with the next line's."""

    page: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f"p. {self.page}: {self.kind}: {self.text}"


def words_by_page(pdf: Path) -> list[tuple[float, float, list[Word]]]:
    """Return the size and the words of each page of a PDF."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise RuntimeError("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        [tool, "-bbox-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True, huge_tree=True))
    pages: list[tuple[float, float, list[Word]]] = []
    for page in root.iter("{*}page"):
        words = [
            Word(
                w.text or "",
                float(w.get("xMin")),
                float(w.get("yMin")),
                float(w.get("xMax")),
                float(w.get("yMax")),
            )
            for w in page.iter("{*}word")
        ]
        pages.append((float(page.get("width")), float(page.get("height")), words))
    return pages


def lines_of(words: list[Word], height: float) -> list[Line]:
    """Return the lines of a page's text column, top to bottom (heads and folios aside)."""
    rows: dict[int, list[Word]] = {}
    for word in words:
        if word.y1 < HEAD or word.y0 > height - FOOT or not word.text.strip():
            continue
        key = round(word.y1)
        # Superscripts and small marks sit a little higher: join them to a line just below.
        for near in (key, key + 1, key - 1):
            if near in rows:
                key = near
                break
        rows.setdefault(key, []).append(word)
    return [Line(tuple(sorted(rows[k], key=lambda w: w.x0))) for k in sorted(rows)]


def _column(lines: list[Line]) -> tuple[float, float]:
    """Return the left and right edges of the page's text column (where most lines
    start and most full lines end)."""
    starts = Counter(round(line.x0) for line in lines if len(line.words) > 2)
    ends = Counter(round(line.x1) for line in lines if len(line.words) > 2)
    left = starts.most_common(1)[0][0] if starts else 0
    right = ends.most_common(1)[0][0] if ends else 0
    return float(left), float(right)


def _is_address(word: str) -> bool:
    """Return whether a word is (part of) a web address."""
    return (
        "/" in word
        or "://" in word
        or word.count("-") >= 3
        or bool(re.search(r"\w\.\w+\.\w", word))
    )


def _ends_sentence(word: str) -> bool:
    """Return whether a word ends a sentence or a paragraph."""
    return bool(re.search(r"[.?!:][”’\")\]]*$", word))


def _continues(word: str) -> bool:
    """Return whether a line's first word carries on a sentence (lower case)."""
    letters = re.sub(r"^[^\w]+", "", word)
    return bool(letters) and letters[0].islower()


def broken_lines(pdf: Path, reading_pages: set[int] | None = None) -> list[Broken]:
    """Return the broken lines of a PDF.

    reading_pages: the pages (from 1) that hold reproduced texts, where a hyphen the layout
    added is a broken line; None for none.
    """
    found: list[Broken] = []
    for number, (_width, height, words) in enumerate(words_by_page(pdf), start=1):
        lines = lines_of(words, height)
        if not lines:
            continue
        left, right = _column(lines)
        # The paragraph numbers stand in the margin, left of the column.
        lines = [
            Line(tuple(w for w in line.words if w.x1 > left - 1))
            for line in lines
            if any(w.x1 > left - 1 for w in line.words)
        ]
        for i, line in enumerate(lines):
            after = lines[i + 1] if i + 1 < len(lines) else None
            # The next line of the same paragraph: one line's pitch below (a paragraph's
            # margin puts the next paragraph further down), at the same size.
            close = (
                after is not None
                and after.y1 - line.y1 < 1.4 * max(line.height, after.height)
                and abs(after.height - line.height) < 1.5
            )
            shown = line.text + (f" / {after.text[:40]}" if after is not None else "")
            single = len(line.words) == 1
            heading = line.height >= HEADING_HEIGHT
            first = line.words[0].text
            last = line.words[-1].text
            if last.endswith(HYPHEN) and _is_address(last):
                found.append(Broken(number, "url-hyphen", shown))
            elif (
                single
                and close
                and after is not None
                and not _is_address(first)
                and not _ends_sentence(first)
                and (
                    _continues(after.words[0].text)
                    or first.endswith((HYPHEN, "-"))
                    or (heading and line.x1 - line.x0 < 0.5 * (right - left))
                )
            ):
                found.append(Broken(number, "one-word", shown))
            if (
                reading_pages is not None
                and number in reading_pages
                and line.height >= BODY_HEIGHT
                and last.endswith(HYPHEN)
                and not _is_address(last)
            ):
                found.append(Broken(number, "hyphenated", shown))
            if len(line.words) > 2 and close and abs(line.x1 - right) < 2 and line.x0 >= left - 1:
                gaps = [b.x0 - a.x1 for a, b in zip(line.words, line.words[1:], strict=False)]
                size = line.height / HEIGHT_PER_SIZE
                # The median: two columns side by side have one wide gap, a stretched line
                # has all of them wide.
                if statistics.median(gaps) > STRETCH * size:
                    found.append(Broken(number, "stretched", shown))
    return found
