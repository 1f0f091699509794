"""Fixtures: the test roots of the site, built against the test reader."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sitebuild import Built, Site, make_site


@pytest.fixture
def site_factory(tmp_path: Path) -> Callable[..., Site]:
    """Return a function that builds a test root once and returns it."""

    def factory(root: str, prepare: Callable[[Path], None] | None = None, **overrides: Any) -> Site:
        site = make_site(tmp_path, root, prepare)
        site.build(**overrides)
        return site

    return factory


@pytest.fixture(scope="session")
def student_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The student edition of the test reader, with PDFs and citations to offer, built once."""

    def downloads(reader: Path) -> None:
        # Files as `coursepack build` would leave them, with its record of what it wrote
        # (the labels are the renderers' own); two of the described files are missing.
        from coursepack import outputs
        from coursepack.pipeline import read_reader
        from coursepack.refs import Refs
        from coursepack.render.cite import FILES
        from coursepack.render.pdf import outputs as pdf_outputs

        build = reader / "build"
        (build / "pdf/handouts").mkdir(parents=True)
        (build / "cite").mkdir(parents=True)
        (build / "pdf/reader.pdf").write_bytes(b"%PDF-1.7 reader")
        (build / "pdf/handouts/alpha-2026.pdf").write_bytes(b"%PDF-1.7 handout")
        (build / "pdf/instructor-guide.pdf").write_bytes(b"%PDF-1.7 guide")
        (build / "cite/coursepack.bib").write_text("@book{x, title={X}}\n")
        (build / "cite/coursepack.ris").write_text("TY  - BOOK\nER  - \n")
        (build / "annotations.jsonld").write_text("{}\n")
        resolved, _ = read_reader(reader)
        assert resolved is not None
        cite = [
            outputs.Output(build / "cite" / name, label, rank=3, role="citations")
            for name, label in FILES
        ]
        jsonld = "The annotations as W3C Web Annotations (JSON-LD)"
        cite.append(outputs.Output(build / "annotations.jsonld", jsonld, rank=4))
        pdf = pdf_outputs(Refs(resolved), build / "pdf")
        outputs.save(build, {"cite": cite, "pdf": pdf})

    site = make_site(tmp_path_factory.mktemp("student"), "site-basic", downloads)
    site.build()
    return site


#: The flagship reader: the repository's own seeds, annotations and docs.
REPO = Path(__file__).parents[2]


@pytest.fixture(scope="session")
def flagship(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The flagship's site and citation files (no PDFs), built once."""
    from coursepack.cli import main

    root = tmp_path_factory.mktemp("flagship")
    for name in ("seeds", "annotations", "docs"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("_build"))
    out = root / "build"
    assert main(["--root", str(root), "build", "--only", "cite,site", "--out", str(out), "-q"]) == 0
    return Built(root, out / "site")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Say nothing of a browser that stopped reading a page (a search it moved on from)."""


def serve(folder: Path) -> Iterator[str]:
    """Serve a folder over HTTP on a free port; yield its address."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def base_url(student_site: Site) -> Iterator[str]:
    """The test reader's site, served."""
    yield from serve(student_site.out)


@pytest.fixture(scope="session")
def flagship_url(flagship: Built) -> Iterator[str]:
    """The flagship's site, served."""
    yield from serve(flagship.out)


@pytest.fixture
def errors() -> list[str]:
    """The errors a page logs to its console (a test expects none)."""
    return []
