"""What the extension knows during one Sphinx build, kept on Sphinx's environment.

The state holds the shared layer (:class:`~coursepack.refs.Refs`), the edition and the
files to offer for download. It lives on ``env`` (as sphinxcontrib-bibtex and
sphinx-autodoc2 keep theirs), inside a holder that pickles as empty: Sphinx pickles the
environment to disk after a build and for every batch of a parallel read, and the state is
made again from the reader when the next builder starts, so only a placeholder is stored.
Forked reading and writing processes inherit it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx.environment import BuildEnvironment

from coursepack.outputs import Output
from coursepack.refs import Refs


@dataclass(frozen=True)
class Download:
    """A file offered on the downloads page."""

    #: Path under build/ (and under the site's downloads folder), with ``/`` separators.
    path: str
    #: What the file is, for the link text.
    label: str
    #: Size in bytes.
    size: int
    #: Where it goes in the list: lower first.
    rank: int = 0


def downloads_of(outputs: list[Output], build_dir: Path, edition: str) -> list[Download]:
    """Return what the site offers of the files written into build_dir, in list order.

    Only files still there are offered; the instructor's files only in that edition.
    """
    found = [
        Download(o.path.relative_to(build_dir).as_posix(), o.label, o.path.stat().st_size, o.rank)
        for o in outputs
        if o.path.is_file() and (edition == "instructor" or not o.instructor)
    ]
    return sorted(found, key=lambda d: d.rank)


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
