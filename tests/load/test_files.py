"""What load reads, and how: regular files under the root, one-line fields on one line."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from corpus import materialize
from hypothesis import given, settings
from hypothesis import strategies as st

from coursepack.diagnostics import Report
from coursepack.load import load_project
from coursepack.load.bibtex import parse_references
from coursepack.load.files import shown_path
from coursepack.pipeline import read_reader


def _note(root: Path) -> Path:
    return root / "annotations/notes/strike-1934.md"


def test_line_breaks_in_one_line_fields_are_spaces(tmp_path: Path) -> None:
    root = materialize("title-line-break", tmp_path / "reader")
    reader, report = read_reader(root)
    assert reader is not None and report.ok
    (note,) = reader.notes
    assert note.title == "The 1934 Minneapolis Teamsters strikes"


def test_markdown_and_quotes_keep_their_line_breaks(tmp_path: Path) -> None:
    root = materialize("title-line-break", tmp_path / "reader")
    text = _note(root).read_text(encoding="utf-8")
    text = text.replace(
        "entities: [knutson]\n", "entities: [knutson]\nteaching: |\n  One.\n  Two.\n"
    )
    _note(root).write_text(text, encoding="utf-8")
    reader, report = read_reader(root)
    assert reader is not None and report.ok, report.format()
    assert reader.notes[0].teaching == "One.\nTwo."


def test_a_link_inside_the_root_is_read(tmp_path: Path) -> None:
    root = materialize("title-line-break", tmp_path / "reader")
    kept = root / "kept-notes"
    kept.mkdir()
    _note(root).rename(kept / "strike-1934.md")
    os.symlink("../../kept-notes/strike-1934.md", _note(root))
    raw = load_project(root, report := Report())
    assert report.ok, report.format()
    assert [r.id for r in raw.records["note"]] == ["strike-1934"]


def test_the_bibtex_parser_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    text = "@book{a,\n  title = {A},\n  year = {1937,\n}\n\n@book{b,\n  title = {B},\n}\n"
    report = Report()
    _, failed, _ = parse_references(text, "references.bib", report)
    assert failed == {"a"}
    assert [d.location.line for d in report.diagnostics] == [3, 6]
    assert caplog.records == []
    # and the logger is as it was
    assert logging.getLogger("bibtexparser").propagate


def pathlib_shown(root: Path, path: Path) -> str:
    """Return a path as shown_path shows it, by pathlib alone."""
    try:
        text = path.relative_to(root).as_posix()
    except ValueError:
        text = path.as_posix()
    return (
        text
        if text.isprintable()
        else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    )


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["r", "s", "r2", ".", "..", "a\nb", "é"]), min_size=0, max_size=3),
    st.lists(st.sampled_from(["r", "s", "r2", ".", "..", "x.md", "a\nb", ""]), max_size=5),
)
def test_shown_path_is_what_pathlib_gives(root_parts: list[str], path_parts: list[str]) -> None:
    root = Path("/", *root_parts)
    for path in (Path("/", *path_parts), Path(root, *path_parts)):
        assert shown_path(root, path) == pathlib_shown(root, path)
