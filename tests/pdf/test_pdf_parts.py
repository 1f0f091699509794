"""The reader in parts: stitched from parts, reused or laid out anew, it says what the
reader laid out whole says (text of every page, page labels, links and destinations,
bookmarks, the index's page numbers, the structure tree; see samepdf.meaning)."""

from __future__ import annotations

import dataclasses
import fcntl
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pdfcheck import REPO, load, render
from samepdf import differences, meaning

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.render.pdf import engine, parts, plan_jobs

#: A paragraph long enough to push the historical notes onto another page.
LONG = " ".join(["The strike went on, and the drivers held the market district."] * 90)


def laid_out_whole(
    reader: Reader, path: Path, document: str = "reader.pdf", **options: object
) -> Path:
    """Write a reader's PDF (or a volume's: document) from one layout of the whole (the
    index apart), as WeasyPrint writes it, without parts."""
    jobs = plan_jobs(Refs(reader), path.parent / "plan", BuildOptions(**options))  # type: ignore[arg-type]
    job = next(j for j in jobs if j.target.name == document)
    engine.write_pdf(engine.build_pdf(job), path, job.digest)
    return path


def with_note_body(reader: Reader, extra: str) -> Reader:
    """Return the reader with words added to its first historical note."""
    first, *rest = reader.notes
    return dataclasses.replace(
        reader, notes=(dataclasses.replace(first, body=first.body + extra), *rest)
    )


def parts_laid_out(layouts: list[str]) -> list[str]:
    """Return what each layout of a reader was: the first heading's id ("front" for none)."""
    found = []
    for html in layouts:
        if '<body class="reader"' not in html:
            continue
        heading = re.search(r'<h1 id="([^"]+)"', html)
        found.append(heading.group(1) if heading else parts.FRONT)
    return found


@contextmanager
def submissions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Record every task handed to the workers: the thread that handed it, and what it runs."""
    from coursepack.render import pdf

    found: list[tuple[str, str]] = []
    submit = pdf._submit

    def recorded(pool: object, function: object, *args: object) -> object:
        found.append((threading.current_thread().name, getattr(function, "__name__", "")))
        return submit(pool, function, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(pdf, "_submit", recorded)
        yield found


def assert_same(stitched: Path, whole: Path) -> None:
    found = differences(meaning(whole), meaning(stitched))
    assert found == [], "\n".join(found)


@pytest.fixture(scope="module")
def built(mini_reader: Reader, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder of the mini reader's PDFs, built once (laid out whole, kept in parts)."""
    out = tmp_path_factory.mktemp("parts") / "pdf"
    render(mini_reader, out)
    return out


def test_a_reader_laid_out_whole_is_written_in_parts_and_says_the_same(
    mini_reader: Reader, built: Path, tmp_path: Path
) -> None:
    job = plan_jobs(Refs(mini_reader), built, BuildOptions())[0]
    assert job.cache is not None
    kept = parts.previous_layouts(job, job.cache)
    assert kept is not None
    assert [layout.name for layout in kept] == parts.part_names(job.context)
    assert_same(built / "reader.pdf", laid_out_whole(mini_reader, tmp_path / "whole.pdf"))


def test_an_edit_lays_out_only_its_part_and_the_stitched_reader_says_the_same(
    mini_reader: Reader, built: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    edited = with_note_body(mini_reader, " A few more words about the strike.")
    _, layouts = render(edited, out)
    # The historical notes alone: no other part shows the note's body, and its pages
    # are as many as before, so no other part's page numbers moved.
    assert parts_laid_out(layouts) == ["notes"]
    assert_same(out / "reader.pdf", laid_out_whole(edited, tmp_path / "whole.pdf"))


def test_a_part_that_grows_renumbers_those_after_it(
    mini_reader: Reader, built: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    before = len(meaning(built / "reader.pdf")["texts"])
    edited = with_note_body(mini_reader, "\n\n" + LONG)
    _, layouts = render(edited, out)
    stitched = meaning(out / "reader.pdf")
    assert len(stitched["texts"]) > before
    laid = parts_laid_out(layouts)
    # Every part after the notes starts on a later page; the introduction does not move.
    assert {"notes", "glossary", "index"} <= set(laid) and "introduction" not in laid
    assert_same(out / "reader.pdf", laid_out_whole(edited, tmp_path / "whole.pdf"))


def test_a_reader_in_parts_reuses_its_parts_in_a_build_with_workers(
    mini_reader: Reader, built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursepack.render.pdf import render_pdfs

    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    edited = with_note_body(mini_reader, " Other words.")
    with submissions(monkeypatch) as handed:
        render_pdfs(Refs(edited), out, BuildOptions(jobs=2))
    assert_same(out / "reader.pdf", laid_out_whole(edited, tmp_path / "whole.pdf"))
    # The stitcher's parts were handed over by the thread that started the workers (a
    # worker dies with the thread that started it, and a stitcher's thread ends first).
    assert ("MainThread", "run_part") in handed
    assert {thread for thread, _ in handed} == {"MainThread"}


@pytest.fixture(scope="module")
def in_volumes(
    mini_reader: Reader, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Reader, Path]:
    """Return the mini reader in volumes of one reading, and a folder of its PDFs."""
    reader = dataclasses.replace(
        mini_reader, meta=dataclasses.replace(mini_reader.meta, volume_readings=1)
    )
    out = tmp_path_factory.mktemp("volume-parts") / "pdf"
    render(reader, out)
    return reader, out


VOLUMES = ("reader-volume-1.pdf", "reader-volume-2.pdf")


def test_a_reader_in_volumes_is_written_in_parts_and_an_edit_lays_out_only_its_part(
    in_volumes: tuple[Reader, Path], tmp_path: Path
) -> None:
    reader, built = in_volumes
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    for name in VOLUMES:
        assert_same(built / name, laid_out_whole(reader, tmp_path / f"first-{name}", name))
    edited = with_note_body(reader, " A few more words about the strike.")
    _, layouts = render(edited, out)
    # The note is printed in the second volume alone: its historical notes are laid out
    # again, and nothing of the first volume.
    assert parts_laid_out(layouts) == ["notes"]
    for name in VOLUMES:
        assert_same(out / name, laid_out_whole(edited, tmp_path / f"whole-{name}", name))


def test_a_reader_in_volumes_is_stitched_by_workers_handed_its_parts_by_one_thread(
    in_volumes: tuple[Reader, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursepack.render.pdf import render_pdfs

    reader, built = in_volumes
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    edited = with_note_body(reader, "\n\n" + LONG)
    with submissions(monkeypatch) as handed:
        render_pdfs(Refs(edited), out, BuildOptions(jobs=2))
    assert ("MainThread", "run_part") in handed
    assert {thread for thread, _ in handed} == {"MainThread"}
    for name in VOLUMES:
        assert_same(out / name, laid_out_whole(edited, tmp_path / f"whole-{name}", name))


def test_parts_no_reader_uses_are_removed(mini_reader: Reader, built: Path, tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    render(with_note_body(mini_reader, " Again."), out)
    job = plan_jobs(Refs(mini_reader), out, BuildOptions())[0]
    assert job.cache is not None
    listed = set(parts.manifest_path(job, job.cache).read_text(encoding="utf-8").split('"'))
    kept = {p.stem for p in job.cache.glob("*.part")}
    assert kept and kept <= listed


def test_a_handout_laid_out_with_its_last_pages_says_what_one_laid_out_alone_says(
    mini_reader: Reader, built: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    edited = with_note_body(mini_reader, " A few more words about the strike.")
    _, layouts = render(edited, out)
    handouts = [html for html in layouts if '<body class="handout"' in html]
    # Laid out once each, printing the pages of their places from their last layout.
    assert handouts and all('data-page="' in html for html in handouts)
    for job in plan_jobs(Refs(edited), out, BuildOptions()):
        if job.template != "handout.html":
            continue
        alone = tmp_path / f"alone-{job.target.name}"
        plain = dataclasses.replace(job, cache=None)
        engine.write_pdf(engine.build_pdf(plain), alone, job.digest)
        assert_same(job.target, alone)


def test_a_handout_whose_places_moved_is_laid_out_as_if_new(
    mini_reader: Reader, built: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pdf"
    shutil.copytree(built, out)
    job = next(
        j for j in plan_jobs(Refs(mini_reader), out, BuildOptions()) if j.template == "handout.html"
    )
    assert job.cache is not None
    kept = parts.previous_pages(job, job.cache)
    assert kept
    # Pages from elsewhere: every place a page later than it is.
    parts.save_pages(job, job.cache, {anchor: page + 1 for anchor, page in kept.items()})
    job.target.unlink()
    _, layouts = render(mini_reader, out)
    handouts = [html for html in layouts if '<body class="handout"' in html]
    assert len(handouts) == 2 and 'data-page="' in handouts[0] and 'data-page="' not in handouts[1]
    alone = tmp_path / "alone.pdf"
    engine.write_pdf(engine.build_pdf(dataclasses.replace(job, cache=None)), alone, job.digest)
    assert_same(job.target, alone)
    assert parts.previous_pages(job, job.cache) == kept


def test_a_build_into_a_new_folder_takes_what_the_last_laid_out_from_the_build_cache(
    mini_reader: Reader, tmp_path: Path, build_cache: Path
) -> None:
    first, layouts = tmp_path / "first", render(mini_reader, tmp_path / "first")[1]
    assert "index" in parts_laid_out(layouts)  # (laid out whole: the index apart)
    assert not (first / parts.CACHE).exists()
    assert (build_cache / "reader" / "parts.json").is_file()
    assert list(build_cache.glob("handouts__*/pages.json"))
    # The build folder gone (as after rm -rf build, or in the preview's own folder): the
    # PDFs of the same inputs are those kept, nothing laid out.
    again, layouts = tmp_path / "again", render(mini_reader, tmp_path / "again")[1]
    assert layouts == []
    written = sorted(p.relative_to(first) for p in first.rglob("*.pdf"))
    assert written == sorted(p.relative_to(again) for p in again.rglob("*.pdf"))
    assert all((again / p).read_bytes() == (first / p).read_bytes() for p in written)
    # (The cache holds no second copy: on one file system, a link to the same file.)
    assert (again / "reader.pdf").samefile(next((build_cache / "reader").glob("*.pdf")))
    # After an edit, into a new folder: the reader is stitched from the parts laid out
    # before, its notes laid out again, and each handout of the edited reading is laid out
    # once, printing the pages of its last layout.
    edited = with_note_body(mini_reader, " A few more words about the strike.")
    out = tmp_path / "pdf"
    _, layouts = render(edited, out)
    assert parts_laid_out(layouts) == ["notes"]
    assert_same(out / "reader.pdf", laid_out_whole(edited, tmp_path / "whole.pdf"))
    handouts = [html for html in layouts if '<body class="handout"' in html]
    assert handouts and all('data-page="' in html for html in handouts)
    for job in plan_jobs(Refs(edited), out, BuildOptions()):
        if job.template == "handout.html":
            alone = tmp_path / f"alone-{job.target.name}"
            plain = dataclasses.replace(job, cache=None)
            engine.write_pdf(engine.build_pdf(plain), alone, job.digest)
            assert_same(job.target, alone)
            # One copy of the finished PDF kept: of the last inputs.
            assert job.finished is not None
            assert list(job.finished.parent.glob("*.pdf")) == [job.finished]
    # A second build of the reader at once (the cache held) keeps its parts beside its
    # PDFs, laid out as new, and prunes nothing of the other's.
    with (build_cache / ".lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        _, layouts = render(mini_reader, tmp_path / "beside")
    assert "index" in parts_laid_out(layouts)
    assert (tmp_path / "beside" / parts.CACHE / "reader" / "parts.json").is_file()
    # A build with the cache free again uses it, and removes the parts left beside.
    _, layouts = render(with_note_body(mini_reader, " Again."), tmp_path / "beside")
    assert parts_laid_out(layouts) == ["notes"]
    assert not (tmp_path / "beside" / parts.CACHE).exists()


def test_with_the_build_cache_off_a_new_folder_is_laid_out_as_new(
    mini_reader: Reader, tmp_path: Path, build_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render(mini_reader, tmp_path / "first")
    monkeypatch.setenv("COURSEPACK_NO_CACHE", "1")
    _, layouts = render(mini_reader, tmp_path / "uncached")
    assert "index" in parts_laid_out(layouts)
    assert not any('data-page="' in h for h in layouts if '<body class="handout"' in h)
    assert (tmp_path / "uncached" / parts.CACHE / "reader" / "parts.json").is_file()


@pytest.mark.slow
def test_the_repository_reader_stitched_after_an_edit_says_what_it_says_whole(
    tmp_path: Path,
) -> None:
    reader = load(REPO)
    out = tmp_path / "pdf"
    render(reader, out)
    assert_same(out / "reader.pdf", laid_out_whole(reader, tmp_path / "whole.pdf"))
    edited = with_note_body(reader, " The benchmark changed this sentence.")
    _, layouts = render(edited, out)
    assert "notes" in parts_laid_out(layouts)
    assert_same(out / "reader.pdf", laid_out_whole(edited, tmp_path / "whole-edited.pdf"))
