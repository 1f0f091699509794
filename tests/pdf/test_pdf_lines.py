"""No broken lines: every PDF is read back line by line (linecheck) for lines a reader
stops at: a single word whose sentence goes on, a heading split after its first word, a
word of a reproduced text hyphenated by the layout, a justified line stretched too far, a
web address split with a hyphen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from linecheck import broken_lines
from pdfcheck import Rendered, destinations


def reading_pages(path: Path) -> set[int]:
    """Return the pages (from 1) of a PDF that hold the readings: from the first reading's
    heading to the first part of the apparatus after the readings. (The context documents
    are reproduced without hyphenation too, but share their pages with the editors' prose,
    which may be hyphenated.)"""
    dests = destinations(path)
    starts = [p for name, p in dests.items() if re.fullmatch(r"r-[\w-]+", name)]
    if not starts:
        return set()
    first = min(starts)
    parts = ("contexts", "notes", "glossary", "chronology", "questions", "cite")
    after = [dests[n] for n in parts if n in dests and dests[n] > first]
    end = min(after) if after else max(dests.values()) + 1
    return set(range(first, end))


def check_lines(rendered: Rendered) -> int:
    """Assert that no PDF of a build has a broken line; return how many PDFs were read."""
    paths = sorted(rendered.out.rglob("*.pdf"))
    found = [
        f"{path.relative_to(rendered.out)} {line}"
        for path in paths
        for line in broken_lines(path, reading_pages(path))
    ]
    assert found == []
    return len(paths)


def test_mini_reader_has_no_broken_lines(mini_pdfs: Rendered) -> None:
    assert check_lines(mini_pdfs) >= 4


@pytest.mark.slow
def test_repository_reader_has_no_broken_lines_in_letter(repo_pdfs: Rendered) -> None:
    assert check_lines(repo_pdfs) >= 6


@pytest.mark.slow
def test_repository_reader_has_no_broken_lines_in_a4(repo_pdfs_a4: Rendered) -> None:
    assert check_lines(repo_pdfs_a4) >= 6


@pytest.mark.slow
def test_synthetic_reader_has_no_broken_lines(synth_pdfs: Rendered) -> None:
    assert check_lines(synth_pdfs) >= 5
