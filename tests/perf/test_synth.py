"""The synthetic reader generator: reproducible, valid, and as large as asked."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

import yaml

from coursepack.cli import main
from coursepack.model import Reader
from coursepack.pipeline import read_reader


def files_of(root: Path) -> dict[str, bytes]:
    """Return every file under root, by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def resolved(root: Path) -> Reader:
    reader, report = read_reader(root)
    assert report.diagnostics == [], report.format()
    assert reader is not None
    return reader


def test_same_seed_gives_byte_identical_files(
    tmp_path: Path, synth: ModuleType, three: Path
) -> None:
    again = tmp_path / "again"
    synth.generate(again, 3, 40, 1)
    assert files_of(again) == files_of(three)


def test_another_seed_gives_another_reader(tmp_path: Path, synth: ModuleType, three: Path) -> None:
    other = tmp_path / "other"
    synth.generate(other, 3, 40, 2)
    first, second = files_of(three), files_of(other)
    assert first.keys() != second.keys() or first != second
    assert first["seeds/reading-001.txt"] != second["seeds/reading-001.txt"]


def test_a_generated_reader_passes_check(three: Path, capsys: object) -> None:
    assert main(["--root", str(three), "check"]) == 0
    resolved(three)


def test_annotation_counts_per_kind_are_as_asked(synth: ModuleType, three: Path) -> None:
    reader = resolved(three)
    per = synth.plan(40)
    assert sum(per.values()) == 40
    assert all(n > 0 for n in per.values()), per
    assert len(reader.readings) == 3
    assert len(reader.notes) == 3 * per["notes"]
    assert len(reader.terms) == 3 * per["terms"]
    assert len(reader.textual_notes) == 3 * per["textual"]
    assert len(reader.entities) == 3 * per["entities"]
    comparative = synth.comparative_count(3)
    assert comparative >= 1
    assert len(reader.comparative_questions) == comparative
    assert len(reader.questions) == 3 * per["questions"] + comparative
    for reading in reader.readings:
        assert len(reader.questions_for(reading.id)) == per["questions"]


def test_every_kind_is_anchored_and_every_form_occurs(three: Path) -> None:
    reader = resolved(three)
    assert all(n.anchors for n in reader.notes)
    assert all(t.occurrences for t in reader.terms), "a term that no text uses"
    assert all(e.occurrences for e in reader.entities), "an entity no text names"
    assert any(q.anchors for q in reader.questions)
    kinds = {t.kind for t in reader.textual_notes}
    assert {"boilerplate", "residue", "duplicated", "sic"} <= kinds
    assert all(t.anchor is not None for t in reader.textual_notes if t.kind != "metadata")
    # The duplicated sentence occurs twice, so its anchor needed a prefix or occurrence.
    for t in reader.textual_notes:
        if t.kind == "duplicated" and t.anchor is not None:
            text = reader.reading(t.reading).text
            assert text.count(t.anchor.exact) == 2
            assert text.index(t.anchor.exact) < t.anchor.start
    assert any(p.boilerplate for r in reader.readings for p in r.paragraphs)


def test_texts_have_realistic_length_and_true_hashes(three: Path) -> None:
    reader = resolved(three)
    for reading in reader.readings:
        assert 1500 <= len(reading.text.split()) <= 3000, reading.id
        assert 20 <= len(reading.paragraphs) <= 42, reading.id
        meta = yaml.safe_load((three / reading.meta_path).read_text(encoding="utf-8"))
        data = (three / reading.text_path).read_bytes()
        assert meta["sha256"] == hashlib.sha256(data).hexdigest()
