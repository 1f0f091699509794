"""Paragraphs of a reading, numbered once and for all.

The rule: a block is a run of lines that are not blank; blocks are separated by one or more
blank lines (lines of whitespace only, no-break spaces included). The first
``front_blocks`` blocks (headline, dek, byline as received) are front matter and get no
number; every later block is numbered from ¶1 in order, boilerplate included, so a number
never changes when an editor marks a block as boilerplate or adds any annotation. A block's
span runs from its first to its last non-whitespace character.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from coursepack.model import Paragraph

_BLOCK_LINES = re.compile(r"(?:^|\n)((?:[^\n]*\S[^\n]*)(?:\n[^\n]*\S[^\n]*)*)")


def split_blocks(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of the blocks of a text."""
    spans = []
    for match in _BLOCK_LINES.finditer(text):
        start, end = match.span(1)
        block = text[start:end]
        stripped_start = start + (len(block) - len(block.lstrip()))
        stripped_end = start + len(block.rstrip())
        spans.append((stripped_start, stripped_end))
    return spans


def paragraphs_of(
    text: str, front_blocks: int, boilerplate: frozenset[int] = frozenset()
) -> tuple[tuple[Paragraph, ...], tuple[Paragraph, ...]]:
    """Return (front blocks, numbered paragraphs) of a text."""
    front: list[Paragraph] = []
    body: list[Paragraph] = []
    for index, (start, end) in enumerate(split_blocks(text)):
        if index < front_blocks:
            front.append(Paragraph(None, start, end, text[start:end]))
        else:
            number = index - front_blocks + 1
            body.append(Paragraph(number, start, end, text[start:end], number in boilerplate))
    return tuple(front), tuple(body)


class ParagraphFinder:
    """Find the block that holds an offset, by bisection."""

    def __init__(self, blocks: tuple[Paragraph, ...]) -> None:
        self._blocks = blocks
        self._starts = [b.start for b in blocks]

    def at(self, offset: int) -> Paragraph | None:
        """Return the block whose span holds an offset, or the one before a gap."""
        i = bisect_right(self._starts, offset) - 1
        return self._blocks[i] if i >= 0 else None
