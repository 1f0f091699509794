"""Build the site with Sphinx from Python: the ``site`` target of ``coursepack build``.

The reader's own Sphinx project (``docs/conf.py`` under its root) is used when it has one;
otherwise a minimal project (a front page, furo) is made next to the output. The reader
already loaded by the build is handed to the extension, so nothing is read twice, and the
edition comes from the build options. Doctrees are kept next to the output, so a second
build re-reads only the pages whose data changed.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

from coursepack.model import Reader
from coursepack.options import BuildOptions

#: The generated pages a reader's table of contents lists, in order.
GENERATED_PAGES = (
    "_generated/readings/index",
    "_generated/glossary",
    "_generated/notes/index",
    "_generated/timeline",
    "_generated/people",
    "_generated/questions",
    "_generated/bibliography",
    "_generated/downloads",
)

_INDEX = """\
{title}
{rule}

.. coursepack-introduction::

.. coursepack-readings::

.. toctree::
   :caption: The reader
   :maxdepth: 1

{pages}
"""


class SiteBuildError(Exception):
    """Raised when Sphinx fails to build the site; carries its warnings."""

    def __init__(self, message: str, warnings: list[str]) -> None:
        super().__init__(message)
        self.warnings = warnings


def _default_project(reader: Reader, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Write a minimal source folder for a reader without docs/; return it and its config."""
    folder.mkdir(parents=True, exist_ok=True)
    title = reader.meta.title.replace("\n", " ")
    escaped = "".join("\\" + c if not c.isalnum() and c != " " else c for c in title)
    index = _INDEX.format(
        title=escaped,
        rule="=" * (2 * len(escaped) + 2),
        pages="\n".join(f"   {page}" for page in GENERATED_PAGES),
    )
    path = folder / "index.rst"
    if not path.is_file() or path.read_text(encoding="utf-8") != index:
        path.write_text(index, encoding="utf-8")
    config: dict[str, Any] = {
        "extensions": ["coursepack.sphinx"],
        "project": reader.meta.title,
        "author": ", ".join(reader.meta.editors),
        "language": reader.meta.language,
        "html_theme": "furo",
        "html_title": reader.meta.title,
        "html_copy_source": False,
        "html_show_sourcelink": False,
    }
    return folder, config


def render_site(reader: Reader, out: Path, options: BuildOptions) -> list[str]:
    """Build the HTML site of reader into out; return Sphinx's warnings (empty when clean)."""
    out = Path(out)
    docs = Path(reader.root) / "docs"
    overrides: dict[str, Any] = {}
    if (docs / "conf.py").is_file():
        srcdir, confdir = docs, docs
    else:
        srcdir, overrides = _default_project(reader, out.parent / ".site-src")
        confdir = None
    overrides.update(
        coursepack_reader=reader,
        coursepack_edition=options.edition,
        coursepack_build_dir=str(out.parent.resolve()),
    )
    warnings = io.StringIO()
    status = sys.stdout if options.progress else io.StringIO()
    with patch_docutils(confdir), docutils_namespace():
        app = Sphinx(
            srcdir=srcdir,
            confdir=confdir,
            outdir=out,
            doctreedir=out.parent / ".site-doctrees",
            buildername="html",
            confoverrides=overrides,
            status=status,
            warning=warnings,
            freshenv=False,
            parallel=options.workers,
        )
        app.build()
    lines = [line for line in warnings.getvalue().splitlines() if line.strip()]
    if app.statuscode != 0:
        raise SiteBuildError("Sphinx could not build the site", lines)
    return lines
