"""The staging folder: a copy that shares nothing written in place, one swap, and repair."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sphinx.builders import Builder as SphinxBuilder

from coursepack import build as build_module
from coursepack import staging as staging_module
from coursepack.options import BuildOptions
from coursepack.staging import Staging, StagingError, exchange


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def live(tmp_path: Path) -> Path:
    out = tmp_path / "build"
    for rel, text in {
        "pdf/reader.pdf": "old reader",
        "pdf/.hashes.json": "{}",
        "site/index.html": "old index",
        "cite/coursepack.bib": "old bib",
    }.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    return out


def test_the_copy_keeps_times_and_links_only_what_it_is_told(live: Path) -> None:
    stage = Staging(live)
    old = os.stat(live / "site/index.html").st_mtime_ns - 10**9
    os.utime(live / "site/index.html", ns=(old, old))
    copy = stage.prepare(lambda path: path.startswith("pdf/"))
    assert _tree(copy) == _tree(live)
    assert os.stat(copy / "site/index.html").st_mtime_ns == old
    assert os.path.samefile(copy / "pdf/reader.pdf", live / "pdf/reader.pdf")
    assert not os.path.samefile(copy / "site/index.html", live / "site/index.html")
    # Written in place in the copy, a page of the live build stays as it was.
    with open(copy / "site/index.html", "w", encoding="utf-8") as page:
        page.write("new index")
    assert (live / "site/index.html").read_text(encoding="utf-8") == "old index"


def test_a_build_shares_what_is_never_written_in_place(live: Path) -> None:
    offered = live / "site/downloads/pdf/reader.pdf"
    offered.parent.mkdir(parents=True)
    os.link(live / "pdf/reader.pdf", offered)
    for rel in (
        ".site-doctrees/index.doctree",
        ".site-doctrees/images/photo.png",
        "site/notes/strike.html",
        "site/notes/strike.txt",
    ):
        (live / rel).parent.mkdir(parents=True, exist_ok=True)
        (live / rel).write_bytes(b"old")
    # Every target built: the PDFs (written whole) and the site's downloads (removed and
    # linked afresh) are shared; its pages and the citations, written in place, copied.
    copy = Staging(live).prepare(build_module._linked({"cite", "pdf", "epub", "site"}))
    assert os.path.samefile(copy / "site/downloads/pdf/reader.pdf", offered)
    assert os.path.samefile(copy / "pdf/reader.pdf", live / "pdf/reader.pdf")
    # Doctrees and the generated pages' HTML, which the site unlinks before it writes
    # them, are shared; not the images Sphinx downloads beside the doctrees.
    assert os.path.samefile(
        copy / ".site-doctrees/index.doctree", live / ".site-doctrees/index.doctree"
    )
    assert os.path.samefile(copy / "site/notes/strike.html", live / "site/notes/strike.html")
    for rel in (
        "site/index.html",
        "site/notes/strike.txt",
        "cite/coursepack.bib",
        ".site-doctrees/images/photo.png",
    ):
        assert not os.path.samefile(copy / rel, live / rel)


def _reword(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")


@pytest.mark.parametrize("parallel", [False, True], ids=["one-note-here", "all-pages-in-workers"])
def test_the_site_writes_no_doctree_or_page_it_shares_with_the_previous_build(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    out = tmp_path / "build"
    options = BuildOptions(jobs=2)
    assert build_module.build(mini, out, ["site"], options) == 0
    doctrees = out / ".site-doctrees"
    pages = [p for folder in ("readings", "notes") for p in (out / "site" / folder).glob("*.html")]
    # Hold on to every file of the previous build's doctrees, and every generated page's
    # HTML, with what it says.
    held = tmp_path / "held"
    before = {}
    for path in sorted([*(p for p in doctrees.rglob("*") if p.is_file()), *pages]):
        rel = path.relative_to(out)
        (held / rel).parent.mkdir(parents=True, exist_ok=True)
        os.link(path, held / rel)
        before[rel] = path.read_bytes()
    read_in_workers: list[int] = []
    read_parallel = SphinxBuilder._read_parallel

    def counted(self: SphinxBuilder, docnames: list[str], **kwargs: object) -> None:
        read_in_workers.append(len(docnames))
        read_parallel(self, docnames, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SphinxBuilder, "_read_parallel", counted)
    if parallel:  # every page read again, by Sphinx's forked readers
        _reword(mini / "annotations" / "reader.yaml", "Mini", "Small")
    else:  # two pages, read in the build's process
        _reword(mini / "annotations" / "notes" / "strike-1934.md", "three times", "thrice")
    assert build_module.build(mini, out, ["site"], options) == 0
    assert bool(read_in_workers) == parallel
    # What the previous build's files say is untouched: each write made a new file.
    assert {rel: (held / rel).read_bytes() for rel in before} == before
    after = {rel: out / rel for rel in before}
    rewritten = {rel for rel in before if not os.path.samefile(after[rel], held / rel)}
    note_tree = Path(".site-doctrees/strike-1934.doctree")
    note_tree = next(rel for rel in before if rel.name == note_tree.name)
    note_page = Path("site/notes/strike-1934.html")
    assert {note_tree, note_page, Path(".site-doctrees/environment.pickle")} <= rewritten
    assert after[note_page].read_bytes() != before[note_page]
    shared_pages = {rel for rel in before if rel.parts[0] == "site"} - rewritten
    if parallel:
        assert rewritten == set(before)
    else:  # the others shared with the previous build
        assert b"thrice" in after[note_tree].read_bytes()
        assert b"thrice" in after[note_page].read_bytes()
        assert len(rewritten) < len(before) / 2
        assert shared_pages  # the pages that do not show the note


def test_the_system_can_exchange_two_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x").write_text("a", encoding="utf-8")
    if not exchange(tmp_path / "a", tmp_path / "b"):
        pytest.fail("renameat2(RENAME_EXCHANGE) is missing: the swap would take two renames")
    assert (tmp_path / "b" / "x").read_text(encoding="utf-8") == "a"
    assert not (tmp_path / "a" / "x").exists()


@pytest.mark.parametrize("atomic", [True, False], ids=["exchange", "two-renames"])
def test_commit_swaps_the_new_build_in_and_removes_the_old(
    live: Path, monkeypatch: pytest.MonkeyPatch, atomic: bool
) -> None:
    if not atomic:
        monkeypatch.setattr(staging_module, "exchange", lambda a, b: False)
    stage = Staging(live)
    copy = stage.prepare(lambda path: False)
    (copy / "site/index.html").write_text("new index", encoding="utf-8")
    stage.commit()
    assert stage.committed
    assert (live / "site/index.html").read_text(encoding="utf-8") == "new index"
    assert (live / "pdf/reader.pdf").read_text(encoding="utf-8") == "old reader"
    assert sorted(p.name for p in stage.area.iterdir()) == []


def test_a_first_build_is_renamed_into_place(tmp_path: Path) -> None:
    stage = Staging(tmp_path / "build")
    copy = stage.prepare(lambda path: False)
    (copy / "cite").mkdir()
    stage.commit()
    assert (tmp_path / "build" / "cite").is_dir()


class Crash(Exception):
    """Stands in for the process being killed between two system calls."""


def _crash_on_rename(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """Make os.rename, as the staging module calls it, fail once `after` calls are done."""
    real = os.rename
    calls = 0

    def rename(a: Path, b: Path) -> None:
        nonlocal calls
        calls += 1
        if calls > after:
            raise Crash
        real(a, b)

    monkeypatch.setattr(staging_module.os, "rename", rename)


@pytest.mark.parametrize("after", [0, 1], ids=["before-renames", "between-renames"])
def test_a_swap_cut_short_is_finished_by_the_next_build(
    live: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    monkeypatch.setattr(staging_module, "exchange", lambda a, b: False)
    stage = Staging(live)
    copy = stage.prepare(lambda path: False)
    (copy / "site/index.html").write_text("new index", encoding="utf-8")
    _crash_on_rename(monkeypatch, after)
    with pytest.raises(Crash):
        stage.commit()
    assert stage.journal.exists()
    assert live.exists() == (after == 0)
    monkeypatch.undo()
    assert Staging(live).repair().startswith("finished swapping")
    assert (live / "site/index.html").read_text(encoding="utf-8") == "new index"
    assert sorted(p.name for p in stage.area.iterdir()) == []


def test_what_an_interrupted_build_left_is_removed(live: Path) -> None:
    stage = Staging(live)
    copy = stage.prepare(lambda path: False)
    (copy / "site/index.html").write_text("half written", encoding="utf-8")
    stage.previous.mkdir()
    before = _tree(live)
    assert Staging(live).repair() == "removed what an interrupted build left"
    assert _tree(live) == before
    assert not stage.next.exists() and not stage.previous.exists()
    assert Staging(live).repair() == ""


def test_two_builds_of_one_folder_wait_for_each_other(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = Staging(live)
    first.lock()
    try:
        with pytest.raises(StagingError, match="another coursepack build is writing"):
            Staging(live).lock(wait=1.2)
    finally:
        first.unlock()
    assert capsys.readouterr().err == f"waiting for another build of {live}/ to end\n"
    Staging(live).lock(wait=0.2)


def _fail_after_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the PDF target write a file into its folder, then fail."""
    real = build_module._renderer

    def renderer(target: str) -> object:
        if target != "pdf":
            return real(target)

        def render(reader: object, folder: Path, options: object, **_: object) -> None:
            (folder / "reader.pdf").write_bytes(b"%PDF- half of a new build")
            raise RuntimeError("layout failed")

        return render

    monkeypatch.setattr(build_module, "_renderer", renderer)


def test_a_failed_target_leaves_the_build_folder_as_it_was(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "build"
    assert build_module.build(mini, out, ["cite"], BuildOptions()) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    meta = mini / "annotations" / "reader.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("Mini", "Small"), "utf-8")
    _fail_after_writing(monkeypatch)
    with pytest.raises(RuntimeError, match="layout failed"):
        build_module.build(mini, out, ["cite", "pdf"], BuildOptions())
    # The new citation files were written, and the half-made PDFs, but not into build/.
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not Staging(out).next.exists()


def test_the_output_folder_cannot_be_the_reader(mini: Path, tmp_path: Path) -> None:
    for out in (mini, mini.parent, mini / "annotations" / "build"):
        assert build_module.build(mini, out, ["cite"], BuildOptions()) == 2
    assert not (mini / "annotations" / "build").exists()


def test_a_mount_point_is_refused_before_anything_is_built(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    out.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == out or real(path))
    assert build_module.build(mini, out, ["cite"], BuildOptions()) == 1
    assert capsys.readouterr().err == (
        f"coursepack build: error: {out}/ is a mount point, and a build replaces its folder "
        "whole; build into a folder inside it with --out\n"
    )
    assert list(out.iterdir()) == []


def test_a_projects_extra_files_are_not_written_through_the_last_build(
    mini: Path, tmp_path: Path
) -> None:
    # A page folder's HTML is shared with the last build; a project's html_extra_path may
    # put a file there too, which Sphinx copies over the output in place.
    docs = mini / "docs"
    (docs / "extra" / "notes").mkdir(parents=True)
    (docs / "conf.py").write_text(
        'extensions = ["coursepack.sphinx"]\nhtml_theme = "furo"\n'
        'html_extra_path = ["extra"]\nexclude_patterns = ["extra"]\n',
        "utf-8",
    )
    (docs / "index.rst").write_text(
        "Mini\n====\n\n.. toctree::\n\n   readings/index\n   notes/index\n", "utf-8"
    )
    extra = docs / "extra" / "notes" / "map.html"
    extra.write_text("<p>the first map</p>\n", "utf-8")
    out = tmp_path / "build"
    options = BuildOptions(jobs=1)
    assert build_module.build(mini, out, ["site"], options) == 0
    page = out / "site" / "notes" / "map.html"
    assert page.read_text("utf-8") == "<p>the first map</p>\n"
    held = tmp_path / "held.html"
    os.link(page, held)
    extra.write_text("<p>the second map</p>\n", "utf-8")
    assert build_module.build(mini, out, ["site"], options) == 0
    assert page.read_text("utf-8") == "<p>the second map</p>\n"
    assert held.read_text("utf-8") == "<p>the first map</p>\n"


def test_a_site_build_that_reads_no_page_keeps_sphinx_environment(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sphinx writes its environment only after reading a page. A site build that reads
    # none (the preview's, once the PDFs are made and their sizes show the same) must
    # leave it, or the next build reads every page again.
    out = tmp_path / "build"
    options = BuildOptions(jobs=1)
    assert build_module.build(mini, out, ["cite", "site"], options) == 0
    environment = out / ".site-doctrees" / "environment.pickle"
    saved = environment.read_bytes()
    read: list[str] = []
    reading = SphinxBuilder.read

    def counted(self: SphinxBuilder) -> list[str]:
        docnames = reading(self)
        read.extend(docnames)
        return docnames

    monkeypatch.setattr(SphinxBuilder, "read", counted)
    # A file the site offers is written again, the same: the site is built, reads nothing.
    bib = next((out / "cite").glob("*.bib"))
    stamp = bib.stat().st_mtime_ns + 10**9
    os.utime(bib, ns=(stamp, stamp))
    assert build_module.build(mini, out, ["site"], options) == 0
    assert read == []
    assert environment.read_bytes() == saved
    # The next edit reads its few pages, not all of them.
    _reword(mini / "annotations" / "notes" / "strike-1934.md", "three times", "thrice")
    assert build_module.build(mini, out, ["site"], options) == 0
    every = len(list((out / ".site-doctrees").rglob("*.doctree")))
    assert 0 < len(read) < every / 2, (read, every)
