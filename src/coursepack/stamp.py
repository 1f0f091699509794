"""Build stamps: tell, without loading the reader, that a target's outputs are up to date.

A stamp records, for each target built into a folder, a fingerprint of everything the
target's outputs depend on (every input file's bytes, coursepack's own code, the versions of
the libraries that render, the options and ``SOURCE_DATE_EPOCH``) and a manifest of the files
it wrote (path, size, modification time). When the fingerprint is the same and every file of
the manifest is still there unchanged, building the target again would write the same files,
so the build skips it: a no-op build costs hashing the inputs, not loading, resolving and
rendering them. Anything else (an edited file, a deleted output, a new coursepack) falls
back to the normal build, whose targets are themselves incremental.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from coursepack.options import BuildOptions
from coursepack.refs.sitemap import GENERATED_HEADER

#: The stamp file, in the build folder.
STAMP = ".coursepack-stamp.json"
#: Folders of a reader whose files are inputs, and parts of docs/ that are outputs.
INPUT_DIRS = ("seeds", "annotations", "docs")
SKIPPED_DIRS = frozenset({"_build", "__pycache__"})
#: How the pages the site generates into docs/ start (they are outputs, not inputs).
GENERATED = GENERATED_HEADER.encode("utf-8")
#: Distributions whose version changes what the targets write.
LIBRARIES = (
    "sphinx",
    "furo",
    "myst-parser",
    "markdown-it-py",
    "docutils",
    "jinja2",
    "weasyprint",
    "pydyf",
    "citeproc-py",
    "bibtexparser",
    "pyyaml",
)
PACKAGE_DIR = Path(__file__).parent


def _walk(folder: Path) -> Iterator[Path]:
    """Yield the files under folder, sorted, leaving out hidden and generated folders."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in SKIPPED_DIRS:
                yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


def _hash_tree(h: Any, root: Path, folders: Iterable[str]) -> None:
    for name in folders:
        for path in _walk(root / name):
            data = path.read_bytes()
            if data.startswith(GENERATED):
                continue  # a page the site generates into docs/: an output, not an input
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(data)
            h.update(b"\0")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Return a hash of coursepack's own files and the versions of the rendering libraries."""
    h = hashlib.sha256()
    _hash_tree(h, PACKAGE_DIR.parent, [PACKAGE_DIR.name])
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}={version}\0".encode())
    return h.hexdigest()


def input_fingerprint(root: Path) -> str:
    """Return a hash of every input file of the reader at root, with names and bytes."""
    h = hashlib.sha256()
    _hash_tree(h, root, INPUT_DIRS)
    return h.hexdigest()


def target_key(inputs: str, target: str, options: BuildOptions, out: Path) -> str:
    """Return the fingerprint of one target: inputs, code, options, and what it reads of out."""
    h = hashlib.sha256()
    for part in (
        inputs,
        code_fingerprint(),
        target,
        options.paper,
        options.edition,
        os.environ.get("SOURCE_DATE_EPOCH", ""),
    ):
        h.update(part.encode() + b"\0")
    if target == "site":
        # The site offers the citation files and PDFs as downloads.
        h.update(json.dumps(manifest(out, outputs(out, "cite") + outputs(out, "pdf"))).encode())
    return h.hexdigest()


def outputs(out: Path, target: str) -> list[Path]:
    """Return the files a target owns in the build folder out."""
    files = list(_walk(out / target))
    if target == "cite" and (out / "annotations.jsonld").is_file():
        files.append(out / "annotations.jsonld")
    return files


def manifest(out: Path, files: Iterable[Path]) -> dict[str, list[int]]:
    """Return each file's path under out with its size and modification time."""
    entries: dict[str, list[int]] = {}
    for path in files:
        st = path.stat()
        entries[path.relative_to(out).as_posix()] = [st.st_size, st.st_mtime_ns]
    return entries


class Stamps:
    """The stamps of one build folder: read once, updated per target, written atomically."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / STAMP
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    @property
    def report(self) -> str:
        """Return the check's warnings as printed by the last build that loaded the reader."""
        return str(self.data.get("report", ""))

    @report.setter
    def report(self, text: str) -> None:
        self.data["report"] = text

    def fresh(self, target: str, key: str) -> bool:
        """Return whether target was built with this key and its outputs are untouched."""
        entry = self.data.get(target)
        if target == "report" or not isinstance(entry, dict) or entry.get("key") != key:
            return False
        recorded = entry.get("files")
        if not isinstance(recorded, dict) or not recorded:
            return False
        try:
            return manifest(self.out, outputs(self.out, target)) == recorded
        except OSError:
            return False

    def warnings(self, target: str) -> list[str]:
        """Return the warnings target printed when it was built."""
        entry = self.data.get(target, {})
        found = entry.get("warnings", []) if isinstance(entry, dict) else []
        return [str(w) for w in found]

    def record(self, target: str, key: str, warnings: list[str]) -> None:
        """Record that target was built with key, and the files it now has."""
        files = manifest(self.out, outputs(self.out, target))
        self.data[target] = {"key": key, "files": files, "warnings": warnings}
        self._save()

    def forget(self, target: str) -> None:
        """Drop a target's stamp (before building it, so a failure leaves none)."""
        if self.data.pop(target, None) is not None:
            self._save()

    def _save(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.out)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, sort_keys=True)
        os.replace(tmp, self.path)
