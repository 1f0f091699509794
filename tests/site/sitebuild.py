"""Build Sphinx test roots (tests/roots/test-site-*) against the test reader."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

TESTS = Path(__file__).parent.parent
ROOTS = TESTS / "roots"
READER = Path(__file__).parent / "reader"


@dataclass
class Site:
    """A built test root."""

    src: Path
    out: Path
    reader: Path
    warnings: str
    #: Docnames read by each build, in order.
    reads: list[list[str]] = field(default_factory=list)

    def page(self, docname: str) -> BeautifulSoup:
        """Return a built page, parsed."""
        return BeautifulSoup((self.out / f"{docname}.html").read_text("utf-8"), "html.parser")

    def build(self, parallel: int = 1, builder: str = "html", **overrides: Any) -> str:
        """Build (again) and return the warnings of this build."""
        return build_into(self, parallel, builder, **overrides)


def build_into(site: Site, parallel: int = 1, builder: str = "html", **overrides: Any) -> str:
    """Run Sphinx on site.src into site.out."""
    warnings = io.StringIO()
    read: list[str] = []

    def record(app: Sphinx, env: Any, docnames: list[str]) -> None:
        read.extend(sorted(docnames))

    with patch_docutils(site.src), docutils_namespace():
        app = Sphinx(
            srcdir=site.src,
            confdir=site.src,
            outdir=site.out,
            doctreedir=site.out.parent / "doctrees",
            buildername=builder,
            confoverrides=overrides,
            status=io.StringIO(),
            warning=warnings,
            freshenv=False,
            parallel=parallel,
        )
        app.connect("env-before-read-docs", record)
        app.build()
    site.reads.append(read)
    site.warnings = warnings.getvalue()
    return site.warnings


def make_site(tmp: Path, root: str, prepare: Callable[[Path], None] | None = None) -> Site:
    """Copy a test root and the test reader into tmp; return the unbuilt site."""
    src = tmp / "src"
    shutil.copytree(ROOTS / f"test-{root}", src)
    reader = tmp / "reader"
    shutil.copytree(READER, reader)
    if prepare is not None:
        prepare(reader)
    return Site(src=src, out=tmp / "out", reader=reader, warnings="")


@dataclass
class Built:
    """The flagship reader's site, built by ``coursepack build`` as a user builds it."""

    root: Path
    out: Path

    def page(self, path: str) -> BeautifulSoup:
        """Return a built page (a path under the site, with ``.html``), parsed."""
        return BeautifulSoup((self.out / path).read_text("utf-8"), "html.parser")

    def pages(self) -> list[str]:
        """Return every page of the site, as paths from its root."""
        return sorted(
            p.relative_to(self.out).as_posix()
            for p in self.out.rglob("*.html")
            if not p.relative_to(self.out).parts[0].startswith("_")
        )
