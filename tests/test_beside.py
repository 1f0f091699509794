"""The site built while the PDFs are laid out: what it offers, and a failure on either side."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sphinx.builders import Builder as SphinxBuilder

from coursepack import build as build_module
from coursepack.options import BuildOptions
from coursepack.render import pdf as pdf_module
from coursepack.render.site import build as site_build
from coursepack.render.site.sizes import RECORD, file_size

OPTIONS = BuildOptions(jobs=2)
TARGETS = ["cite", "pdf", "epub", "site"]


def shown_sizes(out: Path) -> dict[str, set[str]]:
    """Return every size the site's pages show, by the file they show it for."""
    record = json.loads((out / ".site-doctrees" / RECORD).read_text("utf-8"))
    found: dict[str, set[str]] = {}
    for page in record["pages"]:
        soup = BeautifulSoup((out / "site" / page).read_text("utf-8"), "html.parser")
        for span in soup.select("span.cp-size"):
            found.setdefault(str(span["data-file"]), set()).add(span.get_text())
    return found


def test_the_site_built_beside_the_pdfs_offers_them_as_written(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "build"
    render = site_build.render_site
    coming: list[set[Path]] = []

    def spied(*args: Any, **kwargs: Any) -> list[str]:
        coming.append(set(kwargs.get("coming", ())))
        return render(*args, **kwargs)

    monkeypatch.setattr(site_build, "render_site", spied)
    for edit in (None, ("notes/strike-1934.md", "three times", "thrice")):
        if edit is not None:
            path = mini / "annotations" / edit[0]
            path.write_text(path.read_text("utf-8").replace(edit[1], edit[2]), "utf-8")
        assert build_module.build(mini, out, TARGETS, OPTIONS) == 0
        # Handed the PDFs still being laid out, and the files of the targets built after
        # it (by their place in the staging folder).
        assert {p.name for p in coming[-1]} >= {
            "reader.pdf", "instructor-guide.pdf", "coursepack.bib", "alpha.txt", "reader.epub"
        }  # fmt: skip
        sizes = shown_sizes(out)
        assert {"pdf/reader.pdf", "pdf/handouts/alpha.pdf", "cite/coursepack.bib"} <= set(sizes)
        assert "epub/reader.epub" in sizes
        for name, shown in sizes.items():
            assert shown == {file_size((out / name).stat().st_size)}, name
        offered = out / "site" / "downloads"
        for name in ("pdf/reader.pdf", "pdf/handouts/alpha.pdf"):
            assert os.path.samefile(offered / name, out / name)
        assert not (offered / "pdf/instructor-guide.pdf").exists()  # the instructor's only
    assert build_module.build(mini, out, TARGETS, OPTIONS) == 0
    assert len(coming) == 2  # the third build found everything up to date


def test_in_one_process_the_site_waits_for_the_pdfs(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert build_module.build(mini, out, ["pdf", "site"], BuildOptions(jobs=1)) == 0
    sizes = shown_sizes(out)
    assert sizes["pdf/reader.pdf"] == {file_size((out / "pdf/reader.pdf").stat().st_size)}


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Return the processes of the PDF workers the builds start (filled as they start)."""
    found: list[Any] = []
    start = pdf_module.start_workers

    def started(options: BuildOptions) -> Any:
        pool = start(options)
        found.extend(getattr(pool, "_processes", {}).values())
        return pool

    monkeypatch.setattr(pdf_module, "start_workers", started)
    return found


def _all_ended(processes: list[Any]) -> bool:
    """Return whether every process has ended, within a moment."""
    deadline = time.monotonic() + 5
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(processes) and not any(p.is_alive() for p in processes)


class Failed(Exception):
    """A renderer's own failure, with its warnings."""

    def __init__(self, message: str, warnings: list[str]) -> None:
        super().__init__(message)
        self.warnings = warnings


@pytest.mark.parametrize("side", ["site", "pdf"])
def test_a_failure_on_either_side_stops_the_other_and_is_told_as_its_own(
    mini: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workers: list[Any],
    side: str,
) -> None:
    out = tmp_path / "build"
    stopped: list[bool] = []
    abandon = pdf_module.abandon

    def site_fails(*args: Any, **kwargs: Any) -> list[str]:
        raise Failed("Sphinx could not build the site", ["index.rst: bad"])

    def pdfs_fail(*args: Any, **kwargs: Any) -> list[Any]:
        kwargs["free"].set()
        raise Failed("the reader could not be laid out", ["reader.html: no room"])

    def spied(pool: Any) -> None:
        stopped.append(True)
        abandon(pool)

    if side == "site":
        monkeypatch.setattr(site_build, "render_site", site_fails)
    else:
        monkeypatch.setattr(pdf_module, "render_pdfs", pdfs_fail)
    monkeypatch.setattr(pdf_module, "abandon", spied)
    assert build_module.build(mini, out, ["pdf", "site"], OPTIONS) == 1
    err = capsys.readouterr().err
    said = "index.rst: bad" if side == "site" else "reader.html: no room"
    assert f"{side}: warning: {said}" in err
    assert f"{side}: error: " in err and f"; {out}/ is unchanged" in err
    # A failing site kills the workers laying out the PDFs at once.
    assert stopped == ([True] if side == "site" else [])
    assert not out.exists() and not (tmp_path / ".build.staging" / "next").exists()
    assert _all_ended(workers)


@pytest.mark.parametrize("pdfs_done", [True, False], ids=["pdfs-done", "pdfs-laid-out"])
def test_sphinx_forks_only_once_the_pdfs_are_done(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pdfs_done: bool
) -> None:
    # While the PDFs are laid out, their workers have the cores and this process has a
    # thread that hands them documents: Sphinx reads every page of a first build here.
    # Once they are done, it reads them in its forked readers, as after the PDFs.
    site_done = threading.Event()
    read_in_workers: list[int] = []
    read_parallel = SphinxBuilder._read_parallel

    def counted(self: SphinxBuilder, docnames: list[str], **kwargs: Any) -> None:
        read_in_workers.append(len(docnames))
        read_parallel(self, docnames, **kwargs)

    def pdfs(*args: Any, **kwargs: Any) -> list[Any]:
        kwargs["free"].set()
        if not pdfs_done:
            assert site_done.wait(timeout=120)
        return []

    render = site_build.render_site

    def site(*args: Any, **kwargs: Any) -> list[str]:
        if pdfs_done:
            for thread in threading.enumerate():
                if thread.name == "pdfs":
                    thread.join()
        try:
            return render(*args, **kwargs)
        finally:
            site_done.set()

    monkeypatch.setattr(SphinxBuilder, "_read_parallel", counted)
    monkeypatch.setattr(pdf_module, "render_pdfs", pdfs)
    monkeypatch.setattr(site_build, "render_site", site)
    assert build_module.build(mini, tmp_path / "build", ["pdf", "site"], OPTIONS) == 0
    assert bool(read_in_workers) == pdfs_done


def test_the_site_waits_for_a_free_worker_only_when_none_is(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first build lays out more documents than it has workers: the site starts once a
    # worker is free. A first build of one packet lays out one: the site starts at once.
    laid_out: list[object] = []
    started: list[int] = []
    done = pdf_module._Scheduler._done
    render = site_build.render_site

    def counted(self: Any, item: Any, future: Any) -> None:
        laid_out.append(item)
        done(self, item, future)

    def site(*args: Any, **kwargs: Any) -> list[str]:
        started.append(len(laid_out))
        return render(*args, **kwargs)

    monkeypatch.setattr(pdf_module._Scheduler, "_done", counted)
    monkeypatch.setattr(site_build, "render_site", site)
    meta = mini / "annotations" / "reader.yaml"
    packet = "packets:\n  - id: alpha-only\n    title: Alpha\n    readings: [alpha]\n"
    meta.write_text(meta.read_text("utf-8") + packet, "utf-8")
    one = BuildOptions(jobs=2, packet="alpha-only")
    assert build_module.build(mini, tmp_path / "one", ["pdf", "site"], one) == 0
    assert (tmp_path / "one" / "pdf" / "packets").is_dir()
    laid_out.clear()
    assert build_module.build(mini, tmp_path / "all", ["pdf", "site"], OPTIONS) == 0
    assert started[0] == 0  # one document for two workers: at once
    assert started[1] >= 1  # once a document is done
