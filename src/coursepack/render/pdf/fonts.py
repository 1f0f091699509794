"""The PDFs' fonts: bundled with the package, subset by HarfBuzz, never the machine's.

Every face the print CSS names is a file in ``fonts/`` (Linux Libertine, its mono face
included), loaded with ``@font-face``; the CSS names no face of the system. Every
character the documents print is in those faces (the tests check it), so fontconfig never
has a glyph to find elsewhere, and the same commit gives the same PDF bytes on any machine.

WeasyPrint subsets the embedded fonts with HarfBuzz when libharfbuzz-subset is present,
and with fontTools otherwise, and the two give different bytes: the renderer refuses to
run without HarfBuzz's subsetter rather than write PDFs that differ by machine.

WeasyPrint copies the faces a document loads into a temporary folder of its own (some 1.8
MB a document), which it removes when the document is freed; a process that ends with a
document still alive (a build, a worker that leaves without freeing its objects, one that
is killed) would leave it behind, one a build. :func:`keep_font_files` puts those folders
in one of each process's own (``coursepack-fonts-<pid>`` in the system's temporary
folder), removed when the process ends, and removes those of processes that ended
without removing theirs.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

#: The bundled font files.
FONTS_DIR = Path(__file__).parent / "fonts"


class MissingSubsetter(RuntimeError):
    """libharfbuzz-subset is not installed: the PDFs would differ by machine."""


@lru_cache(maxsize=1)
def require_subsetter() -> None:
    """Raise MissingSubsetter unless WeasyPrint has HarfBuzz's font subsetter."""
    from weasyprint.text import ffi

    if getattr(ffi, "harfbuzz_subset", None) is None:
        raise MissingSubsetter(
            "libharfbuzz-subset is not installed, and without it the PDFs' fonts are "
            "subset differently on every machine: run scripts/system-deps build "
            "(Debian: apt-get install libharfbuzz-subset0)"
        )


def font_files() -> list[Path]:
    """Return the bundled font files."""
    return sorted(p for p in FONTS_DIR.iterdir() if p.suffix in {".otf", ".ttf"})


#: The name of a process's folder of font files, in the system's temporary folder.
FOLDER_PREFIX = "coursepack-fonts-"


def own_folder() -> Path:
    """Return this process's folder of font files (not made here)."""
    return Path(tempfile.gettempdir()) / f"{FOLDER_PREFIX}{os.getpid()}"


@lru_cache(maxsize=1)
def keep_font_files() -> None:
    """Have WeasyPrint copy the faces each document loads into this process's folder,
    removed when the process ends; remove the folders of processes that have ended."""
    from weasyprint.text import fonts as weasy_fonts

    weasy_fonts.mkdtemp = _make_folder  # its one use: a folder for a document's faces
    # Exit handlers run last registered first: this one before a worker's quick exit.
    atexit.register(remove_own_folder)
    remove_stale_folders()


def _make_folder(prefix: str | None = None) -> str:
    """Make a document's folder of faces (as tempfile.mkdtemp) inside this process's own."""
    folder = own_folder()
    folder.mkdir(mode=0o700, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=folder)


def remove_own_folder() -> None:
    """Remove this process's folder of font files, with whatever it still holds."""
    shutil.rmtree(own_folder(), ignore_errors=True)


def remove_stale_folders() -> None:
    """Remove the folders of font files of this user's processes that have ended."""
    with contextlib.suppress(OSError):
        for found in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
            pid = found.name.removeprefix(FOLDER_PREFIX)
            if pid.isdigit() and found.lstat().st_uid == os.getuid() and not _alive(int(pid)):
                shutil.rmtree(found, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Return whether a process of that number runs (a process number may be used again)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's
    return True
