"""render_site: the site target of `coursepack build`, and the flagship's own Sphinx project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sitebuild import READER
from sphinx.application import Sphinx
from sphinx.util import logging

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.outputs import Output
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.render.site.build import render_site

REPO = Path(__file__).parents[2]


def reader_and_bibtex(tmp_path: Path) -> tuple[Reader, Path]:
    """Return the test reader (a copy without docs/) and a citation file a build made."""
    root = tmp_path / "reader"
    shutil.copytree(READER, root)
    reader, report = read_reader(root)
    assert reader is not None, report.format()
    (tmp_path / "build" / "cite").mkdir(parents=True)
    bib = tmp_path / "build" / "cite" / "coursepack.bib"
    bib.write_text("@misc{x, title={X}}\n")
    return reader, bib


def shown(page: Path) -> str:
    """Return the text a page shows."""
    return BeautifulSoup(page.read_text("utf-8"), "html.parser").get_text()


def test_render_site_without_docs_uses_a_default_project(tmp_path: Path) -> None:
    reader, bib = reader_and_bibtex(tmp_path)
    offered = [Output(bib, "BibTeX"), Output(tmp_path / "build" / "gone.pdf", "Gone")]
    options = BuildOptions(edition="instructor", jobs=1)
    warnings = render_site(Refs(reader), tmp_path / "build" / "site", options, outputs=offered)
    assert warnings == []
    # The instructor edition goes beside the student edition's folder, never into it.
    assert not (tmp_path / "build" / "site").exists()
    out = tmp_path / "build" / "site-instructor"
    index = BeautifulSoup((out / "index.html").read_text("utf-8"), "html.parser")
    assert index.title is not None and "A Test Reader" in index.title.get_text()
    links = [a["href"] for a in index.select("a.cp-readings-title, .cp-readings a")]
    assert "readings/alpha-2026.html" in links
    reading = (out / "readings/alpha-2026.html").read_text("utf-8")
    assert "TEACHING-SECRET" in reading  # the edition comes from the options
    # The file offered is the build's own, linked rather than copied.
    assert os.path.samefile(out / "downloads/cite/coursepack.bib", bib)
    assert not (out / "downloads/gone.pdf").exists()  # described, never written
    assert (tmp_path / "build" / ".site-doctrees-instructor").is_dir()
    # A second build with nothing changed gives the same pages.
    again = render_site(Refs(reader), out, options, outputs=offered)
    assert again == []
    assert (out / "readings/alpha-2026.html").read_text("utf-8") == reading


def test_render_site_warnings_are_plain_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sphinx colours its warnings (ANSI escapes) whatever it writes them to; coursepack
    # prints them, with paths of its own, into logs and the preview's overlay.
    reader, _ = reader_and_bibtex(tmp_path)
    build = Sphinx.build

    def warn_then_build(app: Sphinx, *args: Any, **kwargs: Any) -> None:
        logging.getLogger("coursepack.test").warning("a warning of Sphinx's own kind")
        build(app, *args, **kwargs)

    monkeypatch.setattr(Sphinx, "build", warn_then_build)
    warnings = render_site(Refs(reader), tmp_path / "build" / "site", BuildOptions(jobs=1))
    assert any("a warning of Sphinx's own kind" in w for w in warnings), warnings
    assert not any("\x1b" in w for w in warnings), warnings


@pytest.mark.slow
def test_flagship_docs_build_cleanly_with_nitpicky_warnings_as_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-n", "-W", "-b", "html", "-d",
         str(tmp_path / "doctrees"), str(REPO / "docs"), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    page = BeautifulSoup(
        (tmp_path / "html/readings/crosse-2026.html").read_text("utf-8"), "html.parser"
    )
    assert page.select_one("#p14 a.cp-pnum") is not None
    assert page.find("meta", attrs={"name": "citation_author"})["content"] == "Crosse, Jacob"  # type: ignore[index]


def test_nothing_keeps_the_reader_once_the_site_is_built(tmp_path: Path) -> None:
    # The preview builds again and again in one process: docutils' cache of state
    # machines, and Sphinx's logger, kept the last builds' applications, environments and
    # readers (two of each at 200 readings: a million objects its collector walked).
    import gc
    import weakref

    from sphinx.environment import BuildEnvironment

    reader, _ = reader_and_bibtex(tmp_path)
    refs = Refs(reader)
    left = weakref.ref(refs)
    environments: list[weakref.ref[BuildEnvironment]] = []
    setup = BuildEnvironment.setup

    def noted(env: BuildEnvironment, app: Sphinx) -> None:
        environments.append(weakref.ref(env))
        setup(env, app)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(BuildEnvironment, "setup", noted)
        assert render_site(refs, tmp_path / "build" / "site", BuildOptions(jobs=1)) == []
    del refs, reader
    gc.collect()
    assert environments and all(env() is None for env in environments)
    assert left() is None


def test_the_reader_is_not_pickled_with_sphinx_environment(tmp_path: Path) -> None:
    root = tmp_path / "reader"
    shutil.copytree(READER, root)
    reader, report = read_reader(root)
    assert reader is not None, report.format()
    out = tmp_path / "build" / "site"
    assert render_site(Refs(reader), out, BuildOptions(jobs=2)) == []
    saved = (tmp_path / "build" / ".site-doctrees" / "environment.pickle").read_bytes()
    # Sphinx saves (and in parallel builds, sends back per batch) its whole environment.
    assert b"coursepack.model" not in saved
    assert b"coursepack_root" in saved  # the configuration itself is there


def test_a_change_of_code_writes_every_page_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coursepack.render.site as site
    from coursepack.render.site.directives import pages

    reader, bib = reader_and_bibtex(tmp_path)
    offered = [Output(bib, "BibTeX")]
    out = tmp_path / "build" / "site"
    options = BuildOptions(jobs=1)
    assert render_site(Refs(reader), out, options, outputs=offered) == []
    assert "(20\u00a0bytes)" in shown(out / "downloads.html")
    # A new version lists the files otherwise: the pages' data is the same, their code
    # is not.
    monkeypatch.setattr(
        pages, "downloads_list", lambda refs, files, size: pages.text("Listed anew.", "p")
    )
    assert render_site(Refs(reader), out, options, outputs=offered) == []
    assert "(20\u00a0bytes)" in shown(out / "downloads.html")  # same code
    monkeypatch.setattr(site, "code_fingerprint", lambda: "a later version")
    assert render_site(Refs(reader), out, options, outputs=offered) == []
    assert "Listed anew." in (out / "downloads.html").read_text("utf-8")


def test_files_still_being_written_are_offered_with_their_sizes_once_written(
    tmp_path: Path,
) -> None:
    # coursepack build builds the site while the PDFs are laid out: the pages offer them
    # at once, and show their sizes, and the downloads hold them, once they are written.
    from coursepack.render.site.build import finish_site

    reader, bib = reader_and_bibtex(tmp_path)
    build = tmp_path / "build"
    pdf = build / "pdf" / "reader.pdf"
    ids = tuple(r.id for r in reader.readings)
    offered = [Output(bib, "BibTeX"), Output(pdf, "The reader (PDF)", role="reader", readings=ids)]
    out = build / "site"
    options = BuildOptions(jobs=1)
    assert render_site(Refs(reader), out, options, outputs=offered, coming={pdf}) == []
    reading = out / "readings" / f"{ids[0]}.html"

    def files(page: Path) -> dict[str, str]:
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        return {str(a["href"]): a.get_text() for a in soup.select(".cp-files a, .cp-downloads a")}

    assert files(reading)["../downloads/pdf/reader.pdf"] == "Course reader (PDF, )"
    assert not (out / "downloads" / "pdf").exists()  # nothing offered before it is there
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-" + b"x" * 1995)
    finish_site(out, options)
    assert files(reading)["../downloads/pdf/reader.pdf"] == "Course reader (PDF, 2\u00a0KB)"
    listed = BeautifulSoup((out / "downloads.html").read_text("utf-8"), "html.parser")
    assert "The reader (PDF) (2\u00a0KB)" in [
        li.get_text() for li in listed.select(".cp-downloads li")
    ]
    assert os.path.samefile(out / "downloads/pdf/reader.pdf", pdf)
    # A later PDF of another size: its pages show it, no other page is touched, and no
    # page is written in place (the last build's may share it, hard-linked).
    index = (out / "index.html").stat()
    before = reading.stat()
    pdf.unlink()
    pdf.write_bytes(b"%PDF-" + b"x" * 4000)
    finish_site(out, options)
    assert files(reading)["../downloads/pdf/reader.pdf"] == "Course reader (PDF, 4\u00a0KB)"
    assert reading.stat().st_ino != before.st_ino
    assert (out / "index.html").stat().st_mtime_ns == index.st_mtime_ns
    assert os.path.samefile(out / "downloads/pdf/reader.pdf", pdf)
    # Built again as it was, with the PDF there: nothing is read, the size stays shown.
    doctree = build / ".site-doctrees" / "readings" / f"{ids[0]}.doctree"
    read = doctree.stat().st_mtime_ns
    assert render_site(Refs(reader), out, options, outputs=offered) == []
    assert doctree.stat().st_mtime_ns == read
    assert files(reading)["../downloads/pdf/reader.pdf"] == "Course reader (PDF, 4\u00a0KB)"
