"""The files a site offers, put in place once they are written, and their sizes shown.

A page that offers a file shows its size ("Handout (PDF, 224 KB)"). The size is known
only once the file is written, and every edit makes the reader's PDF a few bytes longer
or shorter, so no page is read by Sphinx for it: the page holds the size in a marked span
(``<span class="cp-size" data-file="pdf/reader.pdf">``), which the HTML writer fills when
the file is there, and :func:`finish` fills again, in every page that holds one, once
every file is in place. So the site can be read and written while the PDFs are laid out
(``coursepack build`` builds it beside them and calls :func:`finish` after), and a size
that changed costs no page read again, only a few pages' text replaced.

Which pages hold a size is recorded as they are read (in Sphinx's environment:
:func:`~coursepack.render.site.state.sized_pages`) and written, with the files offered
and their places in the site, beside the doctrees (:data:`RECORD`) when Sphinx ends, so
that :func:`finish` needs no Sphinx.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from coursepack.staging import link_or_copy, write_atomic

#: Beside the doctrees: the pages that show a size, and the files offered.
RECORD = "coursepack-files.json"
#: The span a page shows a file's size in (as :func:`span` writes it).
SIZE_SPAN = re.compile(r'<span class="cp-size" data-file="([^"<>]*)">([^<]*)</span>')


def file_size(n: int) -> str:
    """Return a file size as a reader reads it ("84 KB"), the number and its unit joined
    by a no-break space, so that a narrow screen never puts the unit on a line alone."""
    if n < 1024:
        return f"{n}\u00a0bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f}\u00a0KB"
    return f"{n / (1024 * 1024):.1f}\u00a0MB"


def size_of(build_dir: Path | None, path: str) -> str:
    """Return the size of the file at path under build_dir as a page shows it, or "" while
    it is not there."""
    if build_dir is None:
        return ""
    try:
        return file_size((build_dir / path).stat().st_size)
    except OSError:
        return ""


def span(path: str, size: str) -> str:
    """Return the HTML of a file's size on a page."""
    quoted = html.escape(path, quote=True)
    return f'<span class="cp-size" data-file="{quoted}">{html.escape(size)}</span>'


def record(
    doctrees: Path, pages: Iterable[str], downloads: Iterable[tuple[str, str]], folder: str
) -> None:
    """Keep, beside the doctrees, the pages (paths under the site's folder) that show a
    size, and the files the site offers: each its path under the build folder and its
    place in the site, in the downloads folder (the site map's addresses)."""
    data = {"pages": sorted(pages), "downloads": [list(d) for d in downloads], "folder": folder}
    write_atomic(doctrees / RECORD, json.dumps(data, ensure_ascii=False, indent=1))


def finish(site: Path, doctrees: Path, build_dir: Path) -> None:
    """Put the files offered into the site's downloads folder and show their sizes.

    The folder is made anew, each file a hard link to the build's own where the file
    system allows (a long reader's PDFs come to a hundred megabytes), else a copy; no file
    in it is ever written in place, so no link can change a file of another build. Each
    page that shows a size is given the file's size now, and replaced (never written in
    place: the page may be shared with the last build) when that changed.
    """
    path = doctrees / RECORD
    if not path.is_file():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    target = site / data["folder"]
    if target.exists():
        shutil.rmtree(target)
    for name, offered in data["downloads"]:
        source = build_dir / name
        if source.is_file():
            dest = site / offered
            dest.parent.mkdir(parents=True, exist_ok=True)
            link_or_copy(source, dest)
    sizes: dict[str, str] = {}

    def current(match: re.Match[str]) -> str:
        name = html.unescape(match.group(1))
        if name not in sizes:
            sizes[name] = size_of(build_dir, name)
        return span(name, sizes[name])

    for page in data["pages"]:
        file = site / page
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        shown = SIZE_SPAN.sub(current, text)
        if shown != text:
            write_atomic(file, shown)
