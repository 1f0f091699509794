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
        (reader / "build/pdf/handouts").mkdir(parents=True)
        (reader / "build/cite").mkdir(parents=True)
        (reader / "build/pdf/reader.pdf").write_bytes(b"%PDF-1.7 reader")
        (reader / "build/pdf/handouts/alpha-2026.pdf").write_bytes(b"%PDF-1.7 handout")
        (reader / "build/pdf/instructor-guide.pdf").write_bytes(b"%PDF-1.7 guide")
        (reader / "build/cite/coursepack.bib").write_text("@book{x, title={X}}\n")
        (reader / "build/cite/coursepack.ris").write_text("TY  - BOOK\nER  - \n")
        (reader / "build/annotations.jsonld").write_text("{}\n")

    site = make_site(tmp_path_factory.mktemp("student"), "site-basic", downloads)
    site.build()
    return site
