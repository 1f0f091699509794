"""YAML values keep the line and column where they were written."""

from __future__ import annotations

from coursepack.diagnostics import Location, Report
from coursepack.load.yamlnodes import parse_yaml, split_front_matter


def test_values_keep_positions() -> None:
    report = Report()
    doc = parse_yaml("a: 1\nlist:\n  - x: hello\n    y: [1, 2]\n", "f.yaml", report)
    assert doc is not None and report.ok
    assert doc.at("a") == Location("f.yaml", 1, 4)
    assert doc.at("list", 0, "x") == Location("f.yaml", 3, 8)
    assert doc.at("list", 0, "y", 1) == Location("f.yaml", 4, 12)
    assert doc.key_at("list", 0, "y") == Location("f.yaml", 4, 5)
    # A path that does not exist points at its nearest written parent.
    assert doc.at("list", 0, "missing") == Location("f.yaml", 3, 5)


def test_dates_stay_strings() -> None:
    doc = parse_yaml("date: 2026-01-21\nyear: 2026\n", "f.yaml", Report())
    assert doc is not None
    assert doc.data == {"date": "2026-01-21", "year": 2026}


def test_front_matter_lines_are_file_lines() -> None:
    report = Report()
    front, body, body_line = split_front_matter(
        "---\ntitle: T\nsources:\n  - a\n---\n\nBody text.\n", "n.md", report
    )
    assert front is not None and report.ok
    assert front.at("title") == Location("n.md", 2, 8)
    assert front.at("sources", 0) == Location("n.md", 4, 5)
    assert body == "Body text."
    assert body_line == 6


def test_duplicate_key_is_reported_at_the_second() -> None:
    report = Report()
    parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml", report)
    (d,) = report.diagnostics
    assert d.code == "yaml.duplicate-key"
    assert d.location == Location("f.yaml", 3, 1)
    assert "line 1" in d.message
