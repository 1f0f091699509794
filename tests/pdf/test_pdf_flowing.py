"""The flowing chapters (the historical notes, the glossary) cut into parts where the last
layout put a page break between two entries: stitched, reused or laid out again, the
reader says what it says laid out whole (samepdf.meaning, and the bookmarks' counts), and
a cut whose page break is gone after an edit is dropped."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pdfcheck import load
from samepdf import differences, meaning

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.render import pdf
from coursepack.render.pdf import engine, parts, plan_jobs
from tools import load_synth


def reader_job(reader: Reader, out: Path) -> Any:
    jobs = plan_jobs(Refs(reader), out, BuildOptions())
    return next(j for j in jobs if j.target.name == "reader.pdf")


def build_reader(reader: Reader, out: Path) -> list[str]:
    """Lay out the reader as a build does (whole the first time, then from its parts);
    return the names of the parts laid out."""
    job = reader_job(reader, out)
    previous = pdf._previous(job)
    if previous is None or not job.target.exists():
        engine.run_job(job)
        return []
    laid: list[str] = []

    def lay_out(todo: list[parts.Part]) -> None:
        laid.extend(p.name for p in todo)
        pdf._lay_out_here(todo)

    pdf._stitch(job, previous, lay_out, pdf._run_here)
    return laid


def laid_out_whole(reader: Reader, path: Path) -> Path:
    job = reader_job(reader, path.parent / "plan")
    engine.write_pdf(engine.build_pdf(job), path, job.digest)
    return path


def kept_names(reader: Reader, out: Path) -> list[str]:
    job = reader_job(reader, out)
    found = parts.previous_layouts(job, job.cache)
    assert found is not None
    return [layout.name for layout in found]


def counts(path: Path) -> list[tuple[str, int]]:
    """Return each bookmark's title and count (how many it shows open), in order."""
    found: list[tuple[str, int]] = []
    with pikepdf.open(path) as document:
        outlines = document.Root.Outlines
        found.append(("", int(outlines.Count)))

        def walk(item: Any) -> None:
            while True:
                found.append((str(item.Title), int(item.get("/Count", 0))))
                if "/First" in item:
                    walk(item.First)
                if "/Next" not in item:
                    return
                item = item.Next

        walk(outlines.First)
    return found


def assert_same(stitched: Path, whole: Path) -> None:
    found = differences(meaning(whole), meaning(stitched))
    assert found == [], "\n".join(found)
    assert counts(stitched) == counts(whole)


def with_body(reader: Reader, note_id: str, body: str) -> Reader:
    notes = tuple(dataclasses.replace(n, body=body) if n.id == note_id else n for n in reader.notes)
    return dataclasses.replace(reader, notes=notes)


def note(reader: Reader, note_id: str) -> Any:
    return next(n for n in reader.notes if n.id == note_id)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    """Return a synthetic reader of four readings whose historical notes run over pages
    broken between two notes in two places (and within notes elsewhere)."""
    root = tmp_path_factory.mktemp("flowing") / "reader"
    load_synth().generate(root, 4, 40, 1)
    return load(root)


@pytest.fixture(scope="module")
def cut_short() -> Iterator[None]:
    """Cut wherever a page break falls between two notes (a reader cuts after 12 pages)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "CUT_PAGES", 1)
        yield


@pytest.fixture(scope="module")
def built(synthetic: Reader, cut_short: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder with the synthetic reader's PDF, laid out whole and kept in parts."""
    out = tmp_path_factory.mktemp("flowing-pdf")
    assert build_reader(synthetic, out) == []
    return out


def chunks(synthetic: Reader, built: Path, chapter: str = "notes") -> list[list[str]]:
    """Return the ids of the entries of each part of a flowing chapter, in order."""
    names = kept_names(synthetic, built)
    job = reader_job(synthetic, built)
    found = parts.chunks(names, job.context)
    entries = parts.entry_ids(job.context, chapter)
    prefix = parts.FLOWING[chapter][1]
    own = [n for n in names if n == chapter or parts.chapter_of(n) == chapter]
    return [[e.removeprefix(prefix) for e in entries[found[n][0] : found[n][1]]] for n in own]


def edited_build(
    reader: Reader, built: Path, tmp_path: Path, note_id: str, body: str
) -> tuple[list[str], list[str]]:
    """Build the reader again, with a note's body changed, from a copy of the first build;
    check that it says what the edited reader laid out whole says; return the parts laid
    out and the parts it is now kept in."""
    return rebuilt(with_body(reader, note_id, body), built, tmp_path)


def rebuilt(edited: Reader, built: Path, tmp_path: Path) -> tuple[list[str], list[str]]:
    """Build an edited reader from a copy of the first build, as edited_build does."""
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    laid = build_reader(edited, out)
    assert_same(out / "reader.pdf", laid_out_whole(edited, tmp_path / "whole.pdf"))
    return laid, kept_names(edited, out)


def test_the_notes_are_cut_where_a_page_break_falls_between_two_and_stitched_as_whole(
    synthetic: Reader, built: Path, cut_short: None, tmp_path: Path
) -> None:
    names = kept_names(synthetic, built)
    cuts = [n for n in names if parts.chapter_of(n) == "notes"]
    assert len(cuts) >= 2
    # Each cut is a note that begins a page in the reader laid out whole.
    job = reader_job(synthetic, built)
    document = engine.build_pdf(job)
    entries = parts.entry_ids(job.context, "notes")
    assert set(cuts) <= set(engine.page_starts(engine.entry_spans(document, entries), entries))
    # The parts follow the chapter's part, in the chapter's order.
    at = names.index("notes")
    assert names[at + 1 : at + 1 + len(cuts)] == sorted(cuts, key=entries.index)
    assert_same(built / "reader.pdf", laid_out_whole(synthetic, tmp_path / "whole.pdf"))


def test_an_edit_in_one_part_of_the_notes_lays_out_that_part_alone(
    synthetic: Reader, built: Path, cut_short: None, tmp_path: Path
) -> None:
    middle = chunks(synthetic, built)[1]
    edited_id = middle[1]  # not the first: the part before is laid out with that one
    body = note(synthetic, edited_id).body + " Again."
    laid, _ = edited_build(synthetic, built, tmp_path, edited_id, body)
    assert laid == [f"n-{middle[0]}"]


def test_a_cut_whose_page_break_is_gone_is_dropped_and_the_two_parts_laid_out_as_one(
    synthetic: Reader, built: Path, cut_short: None, tmp_path: Path
) -> None:
    first, second, *_ = chunks(synthetic, built)
    # The last note before the first cut shrinks to a line: the note after it, which
    # began a page, now follows it on the same page.
    laid, names = edited_build(synthetic, built, tmp_path, first[-1], "A line.")
    assert "notes" in laid
    assert f"n-{second[0]}" not in names


def joined_at(reader: Reader, out: Path, cut: str) -> None:
    """Keep the reader's parts as a build leaves them after an edit took the page break
    away from a cut: the part before it and the part it begins laid out as one (its PDF
    not there, as for any part whose HTML is new), the two parts no longer kept."""
    job = reader_job(reader, out)
    layouts = parts.previous_layouts(job, job.cache)
    assert layouts is not None
    at = [layout.name for layout in layouts].index(cut)
    layouts[at - 1] = dataclasses.replace(layouts[at - 1], natural=False)
    joined = parts.join_broken(layouts)
    assert joined is not None
    planned = parts.plan_parts(job, job.cache, joined)
    for part, layout in zip(planned, joined, strict=True):
        part.save_layout(layout)
    parts.save_manifest(job, job.cache, planned, [])
    folders = list(job.cache.parent.iterdir())
    parts.prune(job.cache.parent, folders, [job.cache])


def test_two_parts_laid_out_as_one_are_cut_again_where_the_whole_is_cut(
    synthetic: Reader, built: Path, cut_short: None, tmp_path: Path
) -> None:
    # (In this small reader an edit that takes a page break away renumbers most parts,
    # and it is laid out whole; in a long one, the two parts stay laid out as one.)
    first, second, *_ = chunks(synthetic, built)
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    joined_at(synthetic, out, f"n-{second[0]}")
    assert chunks(synthetic, out)[0] == first + second
    # Laid out alone, the part finds the page break again, and is cut there, its pieces
    # written from its pages: nothing else is laid out, and the reader stitched from the
    # pieces says what the whole says.
    assert build_reader(synthetic, out) == ["notes"]
    assert chunks(synthetic, out)[:2] == [first, second]
    assert not list(reader_job(synthetic, out).cache.glob("*.piece"))
    assert_same(out / "reader.pdf", laid_out_whole(synthetic, tmp_path / "whole.pdf"))
    # The next edit in the second piece lays out that piece alone.
    edited = with_body(synthetic, second[1], note(synthetic, second[1]).body + " Again.")
    assert build_reader(edited, out) == [f"n-{second[0]}"]
    assert_same(out / "reader.pdf", laid_out_whole(edited, tmp_path / "edited.pdf"))


def test_the_glossary_is_cut_too_and_an_edited_term_lays_out_its_part_alone(
    synthetic: Reader, built: Path, cut_short: None, tmp_path: Path
) -> None:
    pieces = chunks(synthetic, built, "glossary")
    assert len(pieces) >= 3
    # The first build's parts, stitched, equal the whole (checked in the first test);
    # a term's definition edited in a middle part lays out that part alone.
    edited_id = pieces[1][-1] if len(pieces[1]) > 1 else pieces[1][0]
    terms = tuple(
        dataclasses.replace(t, definition=t.definition + " Again.") if t.id == edited_id else t
        for t in synthetic.terms
    )
    laid, _ = rebuilt(dataclasses.replace(synthetic, terms=terms), built, tmp_path)
    assert laid == [f"g-{pieces[1][0]}"]
