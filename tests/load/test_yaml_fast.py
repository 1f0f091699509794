"""libyaml and the pure-Python parser give the same values, positions and diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

import coursepack.load.yamlnodes as yamlnodes
from coursepack.diagnostics import Report
from coursepack.load.yamlnodes import Located, parse_yaml

REPO = Path(__file__).parents[2]

DOCS = [
    "a: 1\nlist:\n  - x: “curly” — dash\n    y: [1, 2]\n",
    "emoji: 'a 😀 b'\nafter: [é, 😀, x]\nnext: value\n",
    "text: |\n  line one\n  line two\nfolded: >-\n  a\n  b\nz: 3\n",
    "date: 2026-01-21\nyear: 2026\nempty:\nflag: true\n",
    "anchor: &a {k: v}\nalias: *a\n",
    "a: 1\nb: 2\na: 3\n",
    "a: [1, 2\nb: 3\n",
    "a:\n\t- tab\n",
    'a: "unclosed\n',
    "- just\n- a list\n",
    "",
    # Refused the same way by both: aliases (a bomb among them), merge keys, tags, keys
    # that are not text, nesting too deep, control characters; line breaks recorded.
    "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",
    "a: &x one\nb: *x\n",
    "base: &base {a: 1}\nx:\n  <<: *base\n",
    "x:\n  <<: {a: 1}\n  b: 2\n",
    "a: !!int abc\nb: !!binary aGVsbG8=\nc: !shout x\nd: !!python/name:os.system\n",
    "? [a, b]\n: c\nd: e\n",
    "a: " + "[" * 150 + "]" * 150 + "\n",
    "a: " + "[" * 2000 + "]" * 2000 + "\n",
    'a: "bell \\a here"\nb: "two\\nlines"\nc: |\n  x\n  y\n',
]


def parse_both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    if yamlnodes._FastLoader is None:
        pytest.skip("PyYAML is built without libyaml here")

    def run() -> tuple[Located | None, str]:
        report = Report()
        doc = parse_yaml(text, "f.yaml", report, line_offset=1)
        return doc, report.format()

    fast = run()
    with monkeypatch.context() as m:
        m.setattr(yamlnodes, "_FastLoader", None)
        slow = run()
    return fast, slow


def summary(result: tuple[Located | None, str]) -> object:
    doc, diagnostics = result
    if doc is None:
        return (None, diagnostics)
    return (doc.data, doc.values, doc.keys, doc.broken, diagnostics)


@pytest.mark.parametrize("text", DOCS)
def test_same_result_either_way(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = parse_both(text, monkeypatch)
    assert summary(fast) == summary(slow)  # type: ignore[arg-type]


def test_columns_count_characters_not_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, _ = parse_both("emoji: 'a 😀 b'\nafter: [é, 😀, x]\n", monkeypatch)
    doc = fast[0]  # type: ignore[index]
    assert doc is not None
    assert doc.at("after", 2).col == 15


def test_every_file_of_the_flagship_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted((REPO / "annotations").rglob("*.yaml")) + sorted((REPO / "seeds").glob("*.yaml"))
    assert len(paths) > 5
    for path in paths:
        fast, slow = parse_both(path.read_text(encoding="utf-8"), monkeypatch)
        assert summary(fast) == summary(slow), path  # type: ignore[arg-type]
