"""Formatted citations kept between runs: what citeproc-py wrote for each record, by style.

citeproc-py takes some 4 to 8 ms a record (1.3 s for the flagship's 363), and a build
formats every citable item, though an edit to a note or a text changes none of them. So
what citeproc-py writes for a record (its bibliography entry and its in-text citation, as
:func:`coursepack.refs.csl._render_records` has it) is kept in ``.coursepack-cache/``
under the reader's root, beside the load cache, where removing ``build/`` leaves it.

What citeproc-py writes for one record depends on nothing but the record, the style and
the code that formats it, which is what each entry is keyed by:

* the record, as canonical JSON (keys sorted), less the key, which citeproc-py never sees;
* the style as citeproc-py reads it (a digest of the adapted CSL, which names the locale),
  and the output format;
* the code: citeproc-py (and its locale files), lxml, Python, and coursepack's own modules
  that prepare a record and a style for it (the file's name carries their digest, so a new
  version starts a new file).

Not on the other records: each record is cited once, so every citation is a first one;
a citation that reads like another's is formatted again with CSL's ``disambiguate``
condition holding, and kept under a key of its own; and each bibliography entry is
rendered on its own. The
one exception is a style that prints ``citation-number``, a record's place in the list:
such a style is never cached. What depends on all the records together (year suffixes,
the bibliography's order, works entered twice) is worked out after citeproc-py, anew on
every run (60 ms for the flagship), unless nothing that decides it changed: the last
results of that work are kept too, keyed by a digest of every record, their keys' kinds,
the works entered twice and the style (:func:`coursepack.refs.csl._decided_by`). An edit
to a note's text or a reading's changes no record, and a 200-reading reader's 6,000
records then cost a read of the file, not 5 s of tidying and sanitizing.
``tests/cite/test_citation_cache.py`` holds this: citations formatted from the cache
equal fresh ones, in every style, with the cache filled in another order, and so do
those kept whole.

The file is JSON only, written under a temporary name and renamed into place. One that
cannot be read, or is not what this module writes, is ignored as a whole (and replaced at
the next save); ``COURSEPACK_NO_CACHE`` turns the cache off; removing the folder clears it.
It keeps the entries the last run of each style used, for the four styles used last.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import stat
import sys
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeGuard

from coursepack import styles
from coursepack.load.cache import DISABLE, FOLDER

__all__ = ["CitationCache"]

#: Styles kept in the file, the most recently used first.
STYLES_KEPT = 4
_HERE = Path(__file__).parent
#: Raw citeproc-py output of one record: [bibliography entry, in-text citation].
Rendered = list[str]
#: The citations of every record as JSON values, once tidied (what
#: :func:`coursepack.refs.csl._format_all` returns, in the form it reads back).
Finished = dict[str, Any]


@lru_cache(maxsize=1)
def _version() -> str:
    """Return a digest of the code that decides what citeproc-py writes for a record."""
    import citeproc
    from lxml import etree

    h = hashlib.sha256()
    for part in (
        str(getattr(citeproc, "__version__", "")),
        ".".join(map(str, etree.LXML_VERSION)),
        "{}.{}".format(*sys.version_info[:2]),
    ):
        h.update(part.encode() + b"\0")
    for path in (
        _HERE / "cache.py",
        _HERE / "csl.py",
        _HERE / "citeproc_patch.py",
        _HERE.parent / "styles.py",
    ):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def _canonical(record: dict[str, Any]) -> str:
    """Return a record as canonical JSON, without its key (citeproc-py is given another)."""
    plain = {k: v for k, v in record.items() if k not in ("id", "citation-key")}
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _read(path: Path) -> tuple[dict[str, dict[str, Rendered]], dict[str, Finished]]:
    """Return the styles' entries a cache file holds, and the finished citations; empty
    for anything else (a regular file only, never through a link: a named pipe would
    block)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return {}, {}
            data = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}, {}
    found = data.get("styles") if isinstance(data, dict) else None
    if not isinstance(found, dict):
        return {}, {}
    finished = data.get("finished")
    return (
        {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, dict)},
        {k: v for k, v in finished.items() if isinstance(v, dict)}
        if isinstance(finished, dict)
        else {},
    )


def _valid(value: object) -> TypeGuard[Rendered]:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)


class CitationCache:
    """What citeproc-py wrote for each record in one style, kept between runs."""

    def __init__(self, folder: Path | None, style: str, fmt: str) -> None:
        adapted = styles.adapted(style)
        #: Whether anything is read or kept: not when turned off, nor for a style that
        #: numbers the records (``citation-number`` depends on the others).
        self.enabled = folder is not None and not os.environ.get(DISABLE)
        self.enabled = self.enabled and b"citation-number" not in adapted
        self.folder = folder or Path()
        self.path = self.folder / f"citations-{_version()}.json"
        self.style = _digest(f"{fmt}\0{hashlib.sha256(adapted).hexdigest()}")
        self._styles: dict[str, dict[str, Rendered]] = {}
        self._found: dict[str, Rendered] = {}
        #: The entries this run used or made, by key.
        self.used: dict[str, Rendered] = {}
        #: The finished citations of the last runs, by what decides them (most recent
        #: first), and whether this run added some.
        self._finished: dict[str, Finished] = {}
        self._finished_new = False
        if self.enabled:
            self._styles, self._finished = _read(self.path)
            self._found = self._styles.get(self.style, {})

    @classmethod
    def for_reader(cls, root: str | Path, style: str, fmt: str) -> CitationCache:
        """Return the cache of the reader at root."""
        return cls(Path(root) / FOLDER, style, fmt)

    def keys(self, records: Sequence[dict[str, Any]], variant: str = "") -> list[str]:
        """Return each record's key; variant: how it is formatted ("disambiguate" for a
        citation formatted again to tell it from another, or "" for the first time)."""
        return [
            _digest(f"{variant}\0{_canonical(r)}" if variant else _canonical(r)) for r in records
        ]

    def get(self, key: str) -> Rendered | None:
        """Return what citeproc-py wrote for the record of a key, or None."""
        if not self.enabled:
            return None
        found = self._found.get(key)
        if not _valid(found):
            return None
        self.used[key] = found
        return found

    def put(self, key: str, rendered: Rendered) -> None:
        """Keep what citeproc-py wrote for the record of a key."""
        if self.enabled:
            self.used[key] = list(rendered)

    def finished(self, decided: str) -> Finished | None:
        """Return the finished citations kept under a digest of what decides them, or
        None (the reader checks the form)."""
        return self._finished.get(decided) if self.enabled else None

    def keep_finished(self, decided: str, finished: Finished) -> None:
        """Keep the finished citations under a digest of what decides them."""
        if self.enabled:
            self._finished = {decided: finished} | {
                k: v for k, v in self._finished.items() if k != decided
            }
            self._finished_new = True

    def save(self) -> None:
        """Write the entries this run used, beside those of the styles used before it.

        Nothing is written when the entries are those that were read.
        """
        if not self.enabled or (self.used == self._found and not self._finished_new):
            return
        kept = {self.style: self.used}
        for style, entries in self._styles.items():
            if len(kept) < STYLES_KEPT and style != self.style:
                kept[style] = entries
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for stale in self.folder.glob("citations-*.json"):
                if stale != self.path:
                    stale.unlink()
            fd, tmp = tempfile.mkstemp(prefix=".tmp-citations-", dir=self.folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    finished = dict(itertools.islice(self._finished.items(), STYLES_KEPT))
                    data = {"styles": kept, "finished": finished}
                    # dumps, not dump: only a whole-document dump has the C encoder.
                    handle.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a reader that cannot be written is formatted without the cache
        self._found = self.used
        self._finished_new = False
