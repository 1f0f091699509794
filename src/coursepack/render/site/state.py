"""What the extension knows during one Sphinx build, kept on Sphinx's environment.

The state holds the shared layer (:class:`~coursepack.refs.Refs`), the edition and the
files to offer for download. It lives on ``env`` (as sphinxcontrib-bibtex and
sphinx-autodoc2 keep theirs), inside a holder that pickles as empty: Sphinx pickles the
environment to disk after a build and for every batch of a parallel read, and the state is
made again from the reader when the next builder starts, so only a placeholder is stored.
Forked reading and writing processes inherit it as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx.environment import BuildEnvironment

from coursepack.outputs import Output
from coursepack.refs import Refs


@dataclass(frozen=True)
class Download:
    """A file offered on the downloads page.

    Its size is not part of it: a page shows the size the file has once written
    (:mod:`coursepack.render.site.sizes`), so that the pages need not wait for the PDFs,
    nor be read again when a file is a few bytes longer.
    """

    #: Path under build/ (and under the site's downloads folder), with ``/`` separators.
    path: str
    #: What the file is, for the link text.
    label: str
    #: Where it goes in the list: lower first.
    rank: int = 0
    #: What it is and what it prints, as its renderer said (:class:`Output`).
    role: str = ""
    readings: tuple[str, ...] = ()
    edition: str = ""


def downloads_of(
    outputs: list[Output], build_dir: Path, edition: str, coming: Collection[Path] = ()
) -> list[Download]:
    """Return what the site offers of the files written into build_dir, in list order.

    Only files there are offered, or coming (being written while the site is built); the
    instructor's files (its guide and the instructor edition's PDFs) only in that edition,
    which offers the student edition's too.
    """
    found = [
        Download(
            o.path.relative_to(build_dir).as_posix(),
            o.label,
            o.rank,
            o.role,
            o.readings,
            o.edition,
        )
        for o in outputs
        if (o.path in coming or o.path.is_file()) and (edition == "instructor" or not o.instructor)
    ]
    return sorted(found, key=lambda d: (d.rank, d.edition == "instructor"))


@dataclass(frozen=True)
class ReadingFiles:
    """The downloads that go with one reading: its handout, its volume of the reader, and
    the citation files."""

    handout: Download | None
    reader: Download | None
    cite: tuple[Download, ...]


def reading_files(
    downloads: Sequence[Download], reading_id: str, edition: str = "student"
) -> ReadingFiles:
    """Return the files a reading's page offers, of those the build recorded: its handout
    and the volume of the reader that prints it, in the site's edition where there is one
    (in the instructor edition, a reading without teaching notes has the student handout),
    and the citation files."""

    def pick(role: str) -> Download | None:
        found = [d for d in downloads if d.role == role and reading_id in d.readings]
        found.sort(key=lambda d: (d.edition or edition) != edition)
        return found[0] if found else None

    cite = tuple(d for d in downloads if d.role == "citations")
    return ReadingFiles(pick("handout"), pick("reader"), cite)


@dataclass
class SiteState:
    """The data the directives expand, set when the builder starts."""

    #: The shared layer of the reader; None when the reader has errors.
    refs: Refs | None
    #: "student" or "instructor".
    edition: str
    #: Files offered on the downloads page, in the order listed.
    downloads: tuple[Download, ...]
    #: Folder the downloads are copied from (the build folder: it holds pdf/ and cite/).
    build_dir: Path | None
    #: Readers with at most this many readings list them in the sidebar.
    sidebar_readings: int
    #: The sidebar of pages outside every toctree, rendered once per folder and options.
    sidebars: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = field(default_factory=dict)
    #: Docnames some toctree includes (taken when writing starts).
    included: frozenset[str] = frozenset()
    #: Docnames of the generated pages.
    generated: frozenset[str] = frozenset()
    #: Digest of what the extension's directives show on a hand-written page.
    pages_digest: str = ""
    _records: dict[str, dict[str, Any]] | None = None

    def record(self, key: str) -> dict[str, Any]:
        """Return the CSL record of a citation key (looked up once per build)."""
        if self._records is None:
            refs = self.refs
            self._records = {str(r["id"]): r for r in refs.records} if refs else {}
        return self._records[key]

    @property
    def instructor(self) -> bool:
        """Return whether teaching notes are shown."""
        return self.edition == "instructor"


class _Holder:
    """Carries the state on the environment; pickles as an empty holder."""

    def __init__(self, state: SiteState | None) -> None:
        self.state = state

    def __reduce__(self) -> tuple[type[_Holder], tuple[None]]:
        return (_Holder, (None,))


_ATTRIBUTE = "coursepack_state"


def set_state(env: BuildEnvironment, state: SiteState) -> None:
    """Record the state of the build that env belongs to."""
    setattr(env, _ATTRIBUTE, _Holder(state))


def get_state(env: BuildEnvironment) -> SiteState | None:
    """Return the state of the build that env belongs to (None before it starts)."""
    holder = getattr(env, _ATTRIBUTE, None)
    return holder.state if isinstance(holder, _Holder) else None


def _per_page(env: BuildEnvironment, name: str) -> dict[str, Any]:
    """Return a dict of the extension's, by docname, kept in the environment (purged and
    merged by the extension's event handlers)."""
    found: dict[str, Any] | None = getattr(env, name, None)
    if found is None:
        found = {}
        setattr(env, name, found)
    return found


def pages_read(env: BuildEnvironment) -> dict[str, str]:
    """Return the digest each hand-written page was read with (kept in the environment)."""
    return _per_page(env, "coursepack_pages")


def sized_pages(env: BuildEnvironment) -> dict[str, list[str]]:
    """Return the pages read that show a file's size, each with those files
    (:mod:`coursepack.render.site.sizes`)."""
    return _per_page(env, "coursepack_sized")


def note_page(env: BuildEnvironment) -> None:
    """Record that the document being read is a hand-written page showing the reader."""
    state = get_state(env)
    docname = env.current_document.docname
    if state is not None and docname not in state.generated:
        pages_read(env)[docname] = state.pages_digest
