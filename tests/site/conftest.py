"""Fixtures: the test roots of the site, built against the test reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sitebuild import Site, make_site


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
        cite = [outputs.Output(build / "cite" / name, label, rank=3) for name, label in FILES]
        jsonld = "The annotations as W3C Web Annotations (JSON-LD)"
        cite.append(outputs.Output(build / "annotations.jsonld", jsonld, rank=4))
        pdf = pdf_outputs(Refs(resolved), build / "pdf")
        outputs.save(build, {"cite": cite, "pdf": pdf})

    site = make_site(tmp_path_factory.mktemp("student"), "site-basic", downloads)
    site.build()
    return site
