"""Which files a load reads, warns about, and tracks."""

from __future__ import annotations

import shutil
from pathlib import Path

from coursepack.diagnostics import Report
from coursepack.load import load_project
from coursepack.pipeline import input_files

REPO = Path(__file__).resolve().parents[2]


def test_unexpected_files_are_named_and_every_file_is_tracked(tmp_path: Path) -> None:
    root = tmp_path / "reader"
    for part in ("seeds", "annotations"):
        shutil.copytree(REPO / part, root / part)
    ann = root / "annotations"
    (ann / "notes/readme.txt").write_text("not a note\n", encoding="utf-8")
    (ann / "notes/.editor-swap").write_text("hidden\n", encoding="utf-8")
    (ann / "textual/old.md").write_text("not textual notes\n", encoding="utf-8")
    (ann / "glossary/drafts").mkdir()
    (ann / "glossary/drafts/later.md").write_text("a draft\n", encoding="utf-8")
    report = Report()
    raw = load_project(root, report)
    assert report.ok
    unexpected = [str(d.location) for d in report.sorted() if d.code == "file.unexpected"]
    assert unexpected == ["annotations/notes/readme.txt:1:1", "annotations/textual/old.md:1:1"]
    # Notes and terms are read in name order; a folder inside is neither read nor warned of.
    notes = [n.id for n in raw.records["note"]]
    assert notes == sorted(p.stem for p in (ann / "notes").glob("*.md"))
    assert "later" not in {t.id for t in raw.records["term"]}
    files = input_files(root)
    assert files == sorted(files)
    for tracked in (
        "annotations/notes/readme.txt",
        "annotations/notes/.editor-swap",
        "annotations/glossary/drafts/later.md",
        "annotations/references.bib",
        "seeds/crosse-2026.txt",
    ):
        assert tracked in files
    on_disk = {p.relative_to(root).as_posix() for p in ann.rglob("*") if p.is_file()}
    assert on_disk <= set(files)
