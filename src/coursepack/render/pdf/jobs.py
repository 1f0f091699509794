"""What a PDF worker is handed, and its entry points, importing nothing heavy.

The build starts its PDF workers before it loads the reader; this module is all the
process that hands them work needs of the PDF renderer's side: the jobs, and functions
that a worker runs, which import WeasyPrint there (:mod:`coursepack.render.pdf.engine`),
never in the process that plans.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursepack import processes
from coursepack.render.pdf.context import Context

PACKAGE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Job:
    """One PDF to render: everything a worker process needs, and nothing else."""

    #: Template file name ("reader.html", "handout.html", "guide.html").
    template: str
    #: Template context (plain data).
    context: Context
    #: Where to write the PDF.
    target: Path
    #: Content hash of the inputs; also the PDF's file identifier.
    digest: str
    #: Whether the document ends with an index, laid out on its own with real page numbers.
    index: bool = False
    #: The size of the inputs, in characters: the longest documents are laid out first.
    size: int = 0
    #: A hash of everything besides the context that shapes a PDF (templates, CSS, fonts,
    #: code, WeasyPrint's version): part of the digest of each of a reader's parts.
    assets: str = ""
    #: The folder of laid-out parts a reader (a volume, a packet) is stitched from, where
    #: each document also keeps the pages of its places: in the build cache, or beside the
    #: PDFs (``parts.kept_in``). None: nothing is kept.
    cache: Path | None = None
    #: Where the build cache keeps a copy of the finished PDF, named by the hash of its
    #: inputs, for a build elsewhere of the same inputs (None: not kept, as with the cache
    #: off, where the build folder holds the PDF already).
    finished: Path | None = None


def warm_up() -> None:
    """Get a worker process ready to lay out: import WeasyPrint and amend it."""
    from coursepack.render.pdf import engine

    engine.warm_up()


def run_jobs(jobs: tuple[Job, ...]) -> list[tuple[str, int]]:
    """Render and write some jobs one after another (worker entry point)."""
    from coursepack.render.pdf import engine

    return engine.run_jobs(jobs)


def run_part(part: Any) -> int:
    """Lay out and write one part of a reader; return its page count (worker entry point)."""
    from coursepack.render.pdf import engine

    return engine.run_part(part)


def file_mode() -> int:
    """Return the mode a new file gets under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def written_whole(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside target to write a file in; when the block ends without
    an error, give the file the usual mode and rename it over target, so the folder never
    holds it half written. In a worker whose build has ended meanwhile, the file is thrown
    away, not put in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, file_mode())
        if processes.orphaned():
            raise SystemExit(1)  # the build that wanted this file is gone
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def hash_files(paths: list[Path], extra: Any = "") -> str:
    """Return a sha256 over some files' names and bytes."""
    h = hashlib.sha256(repr(extra).encode())
    for path in sorted(paths):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
