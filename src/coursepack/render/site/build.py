"""Build the site with Sphinx from Python: the ``site`` target of ``coursepack build``.

The reader's own Sphinx project (``docs/conf.py`` under its root) is used when it has one;
otherwise a minimal project (a front page, furo) is made next to the output. The shared
layer the build made, and the list of files the other targets wrote, are handed to the
extension, so nothing is loaded or found twice; the edition and the base URL come from
the build options. Doctrees are kept next to the output, so a second build re-reads only
the pages whose data changed.

Sphinx's own messages are kept quiet; with ``options.progress`` a :class:`Progress` line
counts the documents Sphinx reads and the pages it writes (``site: done/total``).
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import re
from collections.abc import Callable, Collection, Set
from pathlib import Path
from typing import Any

from docutils.parsers.rst.states import RSTState
from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.util.docutils import docutils_namespace, patch_docutils
from sphinx.util.logging import NAMESPACE as SPHINX_LOGGER

from coursepack.model import Reader
from coursepack.options import BuildOptions, sphinx_fields
from coursepack.outputs import Output, edition_name
from coursepack.progress import Line, Progress
from coursepack.refs import Refs
from coursepack.refs.sitemap import PAGES
from coursepack.render.site import sizes
from coursepack.render.site.state import downloads_of
from coursepack.staging import unshare, unshare_keeping

#: The generated pages a reader's table of contents lists, in order.
GENERATED_PAGES = tuple(name for name, _ in PAGES)

_INDEX = """\
{title}
{rule}

.. coursepack-introduction::

.. coursepack-readings::
{sequence}
Cite this reader
{cite_rule}

.. coursepack-cite::

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


def _pages(reader: Reader) -> list[str]:
    """Return the generated pages the front page's table of contents lists, in order."""
    pages = list(GENERATED_PAGES)
    if reader.contexts:
        pages.insert(pages.index("timeline") + 1, "contexts/index")
    return pages


def _default_project(reader: Reader, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Write a minimal source folder for a reader without docs/; return it and its config."""
    folder.mkdir(parents=True, exist_ok=True)
    title = reader.meta.title.replace("\n", " ")
    escaped = "".join("\\" + c if not c.isalnum() and c != " " else c for c in title)
    sequence = (
        "\nThe suggested sequence\n" + "-" * 22 + "\n\n.. coursepack-sequence::\n"
        if reader.meta.sequence
        else ""
    )
    index = _INDEX.format(
        title=escaped,
        rule="=" * (2 * len(escaped) + 2),
        sequence=sequence,
        cite_rule="-" * 16,
        pages="\n".join(f"   {page}" for page in _pages(reader)),
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


class _SiteProgress:
    """Count documents read and pages written by Sphinx, in every process of the build.

    Sphinx reads and writes in forked worker processes when it runs in parallel; they share
    one counter, and each process redraws the progress line from it. The total is the
    documents to read plus, once reading is over, the pages to write (until then, an equal
    number is assumed, as in a full build).
    """

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        # Shared memory: forked workers see and add to the same number.
        self._done = multiprocessing.Value("q", 0)
        self._read = 0

    def connect(self, app: Sphinx) -> None:
        """Follow the build of app."""
        app.connect("env-before-read-docs", self._before_read)
        app.connect("source-read", self._one)
        app.connect("html-page-context", self._one)
        app.connect("env-merge-info", self._sync)
        app.connect("write-started", self._write_started)

    def _before_read(self, app: Sphinx, env: Any, docnames: list[str]) -> None:
        self._read = len(docnames)
        self.progress.start("site", total=2 * self._read)

    def _one(self, app: Sphinx, *args: Any) -> None:
        with self._done.get_lock():
            self._done.value += 1
        self._sync()

    def _sync(self, *args: Any) -> None:
        """Bring this process's line up to the shared count."""
        done = self._done.value
        if self.progress.total:
            done = min(done, self.progress.total)
        behind = done - self.progress.count
        if behind > 0:
            self.progress.advance(behind)

    def _write_started(self, app: Sphinx, builder: Any) -> None:
        # The pages to write are known only when the builder writes them: see its total.
        write: Callable[[Set[str]], None] = builder.write_documents

        def write_documents(docnames: Set[str]) -> None:
            self._retotal(self._read + len(docnames))
            write(docnames)

        setattr(builder, "write_documents", write_documents)  # noqa: B010 (an instance method)

    def _retotal(self, total: int) -> None:
        self._sync()
        self.progress.retotal(total)

    def done(self) -> None:
        """Draw the final count and end the line."""
        self._sync()
        self.progress.done()


def _write_own_files(app: Sphinx) -> None:
    """Have Sphinx give each doctree, its environment and each HTML page a file of its own
    before it writes one in place (:func:`coursepack.staging.unshare`).

    A build's staging copy shares these files with the previous build (hard links), which
    saves copying them (78 MB for 200 readings) at every build; this keeps Sphinx's writes
    out of the previous build. Sphinx writes them in two places only: ``write_doctree``
    (in its parallel readers too, which are forks of this process) and, after reading,
    the environment's pickle, after ``env-updated``.
    """
    builder = app.builder
    write: Callable[..., None] = builder.write_doctree
    folder = Path(app.doctreedir)

    def write_doctree(docname: str, doctree: Any, *, _cache: bool = True) -> None:
        unshare(folder / f"{docname}.doctree")
        write(docname, doctree, _cache=_cache)

    # The HTML pages too: handle_page writes each in place, in the build's own process or
    # in a parallel writer (a fork of it).
    html = builder if isinstance(builder, StandaloneHTMLBuilder) else None
    handle: Callable[..., None] | None = html.handle_page if html is not None else None

    def handle_page(pagename: str, *args: Any, **kwargs: Any) -> None:
        assert html is not None and handle is not None
        outfilename = kwargs.get("outfilename")
        unshare(outfilename if outfilename else html.get_output_path(pagename))
        handle(pagename, *args, **kwargs)

    def environment_written(app: Sphinx, env: Any) -> list[str]:
        # Sphinx writes its environment after this event only when it read a page (or a
        # page depends on what changed): kept, not removed, for a build that reads none.
        unshare_keeping(folder / ENV_PICKLE_FILENAME)
        return []

    setattr(builder, "write_doctree", write_doctree)  # noqa: B010 (an instance method)
    if html is not None:
        setattr(html, "handle_page", handle_page)  # noqa: B010 (an instance method)
        copy_extra: Callable[[], None] = html.copy_extra_files

        def copy_extra_files() -> None:
            # A project's html_extra_path is copied over the output (in place), wherever
            # its files say: the names it will write are given files of their own first.
            out = Path(html.outdir)
            for extra in html.config.html_extra_path:
                source = Path(html.confdir) / extra
                if source.is_file():
                    unshare(out / source.name)
                for path in source.rglob("*") if source.is_dir() else ():
                    if path.is_file():
                        unshare(out / path.relative_to(source))
            copy_extra()

        setattr(html, "copy_extra_files", copy_extra_files)  # noqa: B010 (an instance method)
    app.connect("env-updated", environment_written)


#: Documents per worker below which Sphinx reads, or writes, in the build's own process:
#: forking a worker and sending the environment back costs more than it saves on a few
#: pages, as after one note's edit (two pages to read, five to write for the flagship).
PAGES_PER_WORKER = 4
#: The terminal's colour codes, which Sphinx puts round its warnings (CSI sequences).
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _fit_workers(app: Sphinx, may_fork: Callable[[], bool] | None = None) -> None:
    """Have Sphinx read and write in this process when there are only a few pages to do,
    or when may_fork says no (the build's PDFs are being laid out beside it: their workers
    have the cores, and this process has threads)."""
    workers = app.parallel
    if workers < 2:
        return
    few = PAGES_PER_WORKER * workers

    def forks(docnames: Collection[str]) -> bool:
        return len(docnames) >= few and (may_fork is None or may_fork())

    def before_read(app: Sphinx, env: Any, docnames: list[str]) -> None:
        # Sphinx looks at the number of workers right after this event, and only then.
        app.parallel = workers if forks(docnames) else 1

    def read_done(app: Sphinx, env: Any) -> list[str]:
        app.parallel = workers
        return []

    def write_started(app: Sphinx, builder: Any) -> None:
        # Whether to write in parallel was settled before reading: settle it by the pages.
        write: Callable[[Set[str]], None] = builder.write_documents

        def write_documents(docnames: Set[str]) -> None:
            if not forks(docnames):
                builder.parallel_ok = False
            write(docnames)

        setattr(builder, "write_documents", write_documents)  # noqa: B010 (an instance method)

    app.connect("env-before-read-docs", before_read)
    app.connect("env-updated", read_done)
    app.connect("write-started", write_started)


def render_site(
    refs: Refs,
    out: Path,
    options: BuildOptions,
    *,
    outputs: list[Output] | None = None,
    coming: Collection[Path] = (),
    line: Line | None = None,
    may_fork: Callable[[], bool] | None = None,
) -> list[str]:
    """Build the HTML site of each edition the options ask for; return Sphinx's warnings
    (empty when clean).

    The student edition goes into out, the instructor edition beside it, into out's name
    in that edition (``site-instructor``, :func:`~coursepack.outputs.edition_name`), each
    with its own doctrees: building one never touches the other. outputs: the files the
    other targets of this build wrote into out's parent, which the downloads page offers.
    coming: those of them still being written: the caller puts them in place in the site,
    with their sizes, once they are (:func:`finish_site`). line: the progress line shared
    with other targets. may_fork: whether Sphinx may read or write in forked processes
    now (asked when it starts to; by default it may).
    """
    out = Path(out).resolve()
    warnings: list[str] = []
    for edition in options.editions:
        folder = out.parent / edition_name(out.name, edition)
        warnings += _render_edition(
            refs, folder, options.for_edition(edition), outputs, coming, line, may_fork
        )
    return warnings


def finish_site(out: Path, options: BuildOptions) -> None:
    """Put the files each edition's site offers in place, and show their sizes, once
    they are written (after :func:`render_site` with files still coming)."""
    out = Path(out).resolve()
    for edition in options.editions:
        folder = out.parent / edition_name(out.name, edition)
        sizes.finish(folder, _doctrees(out.parent, edition), out.parent)


def _doctrees(build_dir: Path, edition: str) -> Path:
    """Return the folder of an edition's doctrees."""
    return build_dir / edition_name(".site-doctrees", edition)


def _render_edition(
    refs: Refs,
    out: Path,
    options: BuildOptions,
    outputs: list[Output] | None,
    coming: Collection[Path],
    line: Line | None,
    may_fork: Callable[[], bool] | None = None,
) -> list[str]:
    """Build one edition's site into out; return Sphinx's warnings."""
    build_dir = out.parent
    docs = Path(refs.reader.root) / "docs"
    overrides: dict[str, Any] = {}
    if (docs / "conf.py").is_file():
        srcdir, confdir = docs, docs
    else:
        srcdir, overrides = _default_project(refs.reader, build_dir / ".site-src")
        confdir = None
    overrides.update(
        {f"coursepack_{f.name}": getattr(options, f.name) for f in sphinx_fields()},
        coursepack_refs=refs,
        coursepack_downloads=downloads_of(outputs or [], build_dir, options.edition, coming),
        coursepack_files_coming=bool(coming),
        coursepack_build_dir=str(build_dir),
    )
    warnings = io.StringIO()
    progress = _SiteProgress(Progress(enabled=options.progress, line=line))
    with patch_docutils(confdir), docutils_namespace():
        app = Sphinx(
            srcdir=srcdir,
            confdir=confdir,
            outdir=out,
            doctreedir=_doctrees(build_dir, options.edition),
            buildername="html",
            confoverrides=overrides,
            status=io.StringIO(),
            warning=warnings,
            freshenv=False,
            parallel=options.workers,
        )
        _write_own_files(app)
        _fit_workers(app, may_fork)
        if options.progress:
            progress.connect(app)
        try:
            app.build()
        finally:
            progress.done()
            _let_go()
    # Sphinx colours its warnings whatever they are written to; coursepack prints them
    # with its own prefix, into logs and the preview's overlay as often as a terminal.
    said = ANSI_ESCAPE.sub("", warnings.getvalue())
    lines = [line for line in said.splitlines() if line.strip()]
    if app.statuscode != 0:
        raise SiteBuildError("Sphinx could not build the site", lines)
    return lines


def _let_go() -> None:
    """Drop what docutils and Sphinx keep of a build once it is over.

    Docutils keeps the state machines of its nested parses for the next parse
    (``RSTState.nested_sm_cache``), each holding the last document it parsed, and through
    its settings Sphinx's environment, the shared layer and the reader; Sphinx's logger
    keeps its handlers, which hold the application, until the next application's set-up
    removes them, as this does now. A process that builds again and again (the preview's)
    would otherwise keep the last two builds' applications, environments and readers, and
    its collector walk them after every save.
    """
    RSTState.nested_sm_cache.clear()
    logger = logging.getLogger(SPHINX_LOGGER)
    for handler in logger.handlers[:]:
        logger.removeHandler(handler)
