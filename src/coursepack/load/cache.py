"""A cache of parsed and checked YAML documents and of resolved anchors, keyed by content.

Parsing YAML with positions and checking it against its schema is most of what loading
costs, and an editor changes one file at a time. A document that parsed and passed its
schema without a single diagnostic is kept in ``.coursepack-cache/`` under the reader's
root, keyed by a hash of its schema, its text and where it starts in its file; the next
load takes its values and positions from there. Documents with any problem are never
kept, so every diagnostic comes from parsing and checking anew. The resolver keeps what
it found the same way (:meth:`ParseCache.recall` and :meth:`ParseCache.remember`): where a
quote lands in a text, and the glossary and name occurrences of a text, keyed by the text
and everything else that decides the answer; failures are never kept.

The cache holds JSON only (never anything that could run code when read): one entry a
line, its key, a tab and its value as JSON, so that the entries are written and read as
they are, without escaping one JSON text inside another. It is written atomically, and
is dropped as a whole when it cannot be read, when coursepack's loader or schemas change
(its file name carries their fingerprint), or when ``COURSEPACK_NO_CACHE`` is set. It
keeps only the entries the last load used.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

from coursepack.load.yamlnodes import Located, PathKey, Position

#: The cache folder under a reader's root.
FOLDER = ".coursepack-cache"
#: Set (to anything but an empty string) to load without the cache.
DISABLE = "COURSEPACK_NO_CACHE"
_HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def _version() -> str:
    """Return a fingerprint of the code that loads and resolves: loader, schemas, the
    table of kinds, PyYAML."""
    import yaml

    h = hashlib.sha256(str(getattr(yaml, "__version__", "")).encode())
    paths = [_HERE.parent / "kinds.py"]
    for folder in (_HERE, _HERE.parent / "schemas", _HERE.parent / "resolve"):
        paths += sorted(folder.glob("*.py")) + sorted(folder.glob("*.json"))
    for path in paths:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _key(schema: str, text: str, line_offset: int) -> str:
    return hashlib.blake2b(f"{schema}\0{line_offset}\0{text}".encode(), digest_size=20).hexdigest()


#: Every value as JSON on one line (a line break in a text is written \n), compactly.
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
#: Where a YAML tag (``!!omap``, ``!x``) can stand but at the start: after white space or
#: the characters that a value may follow directly (``[!!str a]``, ``{"a":!!str b}``).
_AFTER_TAG = re.compile(r"[\s\[{,:]!")


def _flat(table: dict[PathKey, Position]) -> list[int]:
    """Return a position table as its lines and columns alone, in the table's order."""
    return list(chain.from_iterable(table.values()))


def _paths(data: Any) -> tuple[list[PathKey], list[PathKey]]:
    """Return the paths of every value and of every mapping key in a document's data.

    They come in the order the YAML loader records positions (a value before what it
    holds, each key just before its value), so a table kept as :func:`_flat` numbers can
    be rebuilt by pairing them with these paths.
    """
    values: list[PathKey] = []
    keys: list[PathKey] = []

    def walk(node: Any, at: PathKey) -> None:
        values.append(at)
        if isinstance(node, dict):
            for key, item in node.items():
                path = (*at, key)
                keys.append(path)
                walk(item, path)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, (*at, i))

    walk(data, ())
    return values, keys


def _table(paths: list[PathKey], flat: list[int]) -> dict[PathKey, Position]:
    if len(flat) != 2 * len(paths):
        raise ValueError("positions do not match the document")
    numbers = iter(flat)
    return dict(zip(paths, zip(numbers, numbers, strict=True), strict=True))


def _read_plain_file(path: Path) -> str:
    """Return the text of a regular file that is no link; raise OSError for anything else
    (a named pipe would block, a link could lead anywhere)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        return handle.read().decode("utf-8")


def _entries(text: str) -> dict[str, str]:
    """Return the entries of a cache file by key; raise ValueError if a line is damaged."""
    entries = {}
    for line in text.removesuffix("\n").split("\n") if text else ():
        key, tab, entry = line.partition("\t")
        if not tab:
            raise ValueError("a line of the cache is damaged")
        entries[key] = entry
    return entries


class ParseCache:
    """The parsed documents of one reader, read once per load and saved after it."""

    def __init__(self, root: Path) -> None:
        self.enabled = not os.environ.get(DISABLE)
        self.folder = root / FOLDER
        self.path = self.folder / f"parsed-{_version()}.txt" if self.enabled else self.folder
        #: Each entry is kept as its JSON text, so what is saved is what was read.
        self.entries: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.changed = False
        #: The last document looked up, with its key: put() follows get() for the same one.
        self._last: tuple[str, str, int, str] = ("", "", -1, "")
        if self.enabled:
            try:
                self.entries = _entries(_read_plain_file(self.path))
            except (OSError, ValueError):
                self.entries = {}

    def _key(self, schema: str, text: str, line_offset: int) -> str:
        last_schema, last_text, last_offset, key = self._last
        if text is last_text and schema == last_schema and line_offset == last_offset:
            return key
        key = _key(schema, text, line_offset)
        self._last = (schema, text, line_offset, key)
        return key

    def get(self, schema: str, text: str, line_offset: int, path: str) -> Located | None:
        """Return the document if it was parsed and found valid before, else None."""
        if not self.enabled:
            return None
        key = self._key(schema, text, line_offset)
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            data, values, keys = json.loads(entry)
            value_paths, key_paths = _paths(data)
            located = Located(data, path, _table(value_paths, values), _table(key_paths, keys))
        except (TypeError, ValueError):
            return None
        self.used[key] = entry
        return located

    def put(self, schema: str, text: str, line_offset: int, doc: Located) -> None:
        """Keep a document that parsed and passed its schema with no diagnostic."""
        if not self.enabled:
            return
        if doc.base:
            return  # only whole documents are kept
        # Positions are kept as numbers alone; their paths follow from the data.
        entry = [doc.data, _flat(doc.values), _flat(doc.keys)]
        try:
            encoded = _encode(entry)
        except (TypeError, ValueError):
            return  # a value JSON cannot hold (bytes, a set, an infinity): not cached
        # Without an explicit tag (!!omap, !!pairs...) YAML gives only values JSON keeps
        # as they are; with one, a tuple would come back as a list, so compare.
        tagged = "!" in text and (text.startswith("!") or _AFTER_TAG.search(text))
        if tagged and json.loads(encoded) != entry:
            return
        key = self._key(schema, text, line_offset)
        self.used[key] = encoded
        self.changed = True

    def knows(self, section: str, key: str) -> bool:
        """Return whether a value is remembered under a section and key."""
        return self.enabled and f"{section}:{key}" in self.entries

    def recall(self, section: str, key: str) -> Any:
        """Return the value remembered under a section and key, or None."""
        if not self.enabled:
            return None
        full = f"{section}:{key}"
        entry = self.entries.get(full)
        if entry is None:
            return None
        self.used[full] = entry
        try:
            return json.loads(entry)
        except ValueError:
            return None

    def remember(self, section: str, key: str, value: Any) -> None:
        """Keep a JSON value under a section and key."""
        if self.enabled:
            self.used[f"{section}:{key}"] = _encode(value)
            self.changed = True

    def save(self) -> None:
        """Write the entries this load used, if they differ from what was read."""
        if not self.enabled or not (self.changed or len(self.used) != len(self.entries)):
            return
        try:
            self.folder.mkdir(exist_ok=True)
            for stale in self.folder.glob("parsed-*"):
                if stale != self.path:
                    stale.unlink()
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("".join(f"{key}\t{entry}\n" for key, entry in self.used.items()))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only reader loads without the cache
