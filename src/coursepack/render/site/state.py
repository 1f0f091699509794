"""What the extension knows during one build: the reader, the edition, the downloads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sphinx.environment import BuildEnvironment

from coursepack.model import Reader
from coursepack.render.site.generate import Download


@dataclass(frozen=True)
class SiteState:
    """The data the directives expand, set when the builder starts."""

    #: The resolved reader; None when it has errors.
    reader: Reader | None
    #: "student" or "instructor".
    edition: str
    #: Folder of the generated documents, relative to the source folder.
    generated: str
    #: Files offered on the downloads page.
    downloads: tuple[Download, ...]
    #: Folder the downloads are copied from (it holds pdf/ and cite/).
    build_dir: Path | None

    @property
    def instructor(self) -> bool:
        """Return whether teaching notes are shown."""
        return self.edition == "instructor"

    def doc(self, name: str) -> str:
        """Return the docname of a generated page."""
        return f"{self.generated}/{name}"

    def reading_doc(self, reading_id: str) -> str:
        """Return the docname of a reading's page."""
        return self.doc(f"readings/{reading_id}")

    def note_doc(self, note_id: str) -> str:
        """Return the docname of a historical note's page."""
        return self.doc(f"notes/{note_id}")


# Keyed by source folder. Set in the main process before reading starts, so the worker
# processes of a parallel build (forked) see it too; never changed while reading.
_STATES: dict[str, SiteState] = {}


def set_state(srcdir: Path | str, state: SiteState) -> None:
    """Record the state of a build."""
    _STATES[str(srcdir)] = state


def get_state(env: BuildEnvironment) -> SiteState | None:
    """Return the state of the build that env belongs to."""
    return _STATES.get(str(env.srcdir))
