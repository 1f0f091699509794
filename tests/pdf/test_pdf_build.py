"""Building the PDFs: reproducible bytes, skipped when unchanged, paper sizes, handouts, guide."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pdfcheck import Rendered, flat, page_texts, render
from pypdf import PdfReader

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.render import markup
from coursepack.render.pdf import HASHES, created_date, render_pdfs

EPOCH = 1769126400  # 2026-01-23T00:00:00Z


def snapshot(out: Path) -> dict[str, bytes]:
    """Return every PDF under out by relative path."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.pdf"))}


def mtimes(out: Path) -> dict[str, int]:
    """Return the modification time of every PDF under out."""
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.pdf")}


@pytest.mark.slow
def test_builds_are_byte_identical_and_skip_unchanged_pdfs(
    mini_reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    first, second = tmp_path / "one", tmp_path / "two"
    render(mini_reader, first)
    render(mini_reader, second)
    assert snapshot(first) == snapshot(second)

    pdf = PdfReader(first / "reader.pdf")
    assert pdf.metadata is not None
    assert pdf.metadata.creation_date is not None
    assert pdf.metadata.creation_date.timestamp() == EPOCH
    identifier = pdf.trailer["/ID"]
    assert identifier == PdfReader(second / "reader.pdf").trailer["/ID"]
    assert identifier != PdfReader(first / "instructor-guide.pdf").trailer["/ID"]

    before = mtimes(first)
    render(mini_reader, first)
    assert mtimes(first) == before

    hashes = json.loads((first / HASHES).read_text(encoding="utf-8"))
    assert sorted(hashes) == sorted(before)

    render(mini_reader, first, paper="a4")
    after = mtimes(first)
    assert all(after[name] != before[name] for name in before)
    page = PdfReader(first / "reader.pdf").pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_creation_date_follows_source_date_epoch(
    mini_reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert created_date(mini_reader) == "2026-01-23T00:00:00Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert created_date(mini_reader) == f"{mini_reader.meta.year}-01-01T00:00:00Z"


@pytest.mark.slow
def test_parallel_build_matches_serial_build(mini_reader: Reader, tmp_path: Path) -> None:
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    render_pdfs(Refs(mini_reader), serial, BuildOptions(jobs=1))
    render_pdfs(Refs(mini_reader), parallel, BuildOptions(jobs=2))
    assert snapshot(serial) == snapshot(parallel)


def test_stale_handouts_are_removed(mini_reader: Reader, tmp_path: Path) -> None:
    stale = tmp_path / "handouts" / "gone.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-1.7\n")
    render(mini_reader, tmp_path)
    assert not stale.exists()


def test_handout_has_its_reading_terms_notes_questions_and_citation(mini_pdfs: Rendered) -> None:
    reader = mini_pdfs.reader
    path = mini_pdfs.out / "handouts" / "alpha.pdf"
    text = flat("\n".join(page_texts(path)))
    assert len(PdfReader(path).pages) <= 2
    alpha = reader.reading("alpha")
    assert alpha.title in text
    used = {t.id for t in reader.terms_in("alpha")}
    for term in reader.terms:
        definition = markup.markdown_to_text(term.definition)
        assert (definition in text) == (term.id in used), term.id
    for question in reader.questions_for("alpha"):
        assert markup.markdown_to_text(question.text) in text
    for question in reader.questions:
        if question.teaching_note:
            assert markup.markdown_to_text(question.teaching_note) not in text
    assert "How to cite" in text
    assert reader.reading("beta").title not in text.split("How to cite")[0].split("Discussion")[0]


def test_instructor_guide_has_teaching_notes_timeline_and_sequence(mini_pdfs: Rendered) -> None:
    reader = mini_pdfs.reader
    text = flat("\n".join(page_texts(mini_pdfs.out / "instructor-guide.pdf")))
    for question in reader.questions:
        assert markup.markdown_to_text(question.text) in text
        if question.teaching_note:
            assert markup.markdown_to_text(question.teaching_note) in text
    for note in reader.notes:
        assert note.title in text
    for session in reader.meta.sequence:
        assert session.title in text
        assert markup.markdown_to_text(session.plan) in text
