"""Load: read a reader's files into records that remember where each value came from.

Loading never stops at the first problem. Every file is read, parsed and checked against
its schema; problems go to the :class:`~coursepack.diagnostics.Report`, and a file that
fails its schema is left out of the records so that resolve sees only well-formed input.
Which files there are, and what shape each has, comes from :mod:`coursepack.kinds`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coursepack.diagnostics import Location, Report
from coursepack.kinds import KINDS, READER, REFERENCES, SEED_META, SEED_TEXT, FileKind, Kind
from coursepack.load.bibtex import parse_references
from coursepack.load.cache import ParseCache
from coursepack.load.files import Files, decode
from coursepack.load.validate import validate
from coursepack.load.yamlnodes import (
    FRONT_MATTER_OFFSET,
    Located,
    PathKey,
    control_character,
    dotted,
    front_matter_parts,
    parse_front_matter,
    parse_yaml,
)
from coursepack.model import Reference

ANNOTATIONS = "annotations"
SEEDS = "seeds"
#: What a file name must be when it gives an entry's id (the schemas' id pattern).
_ID_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass
class Record:
    """One file of an annotation kind, parsed and checked against the kind's schema."""

    kind: Kind
    #: The file's YAML: the whole file, or a Markdown file's front matter.
    doc: Located
    #: The entry's id, for a kind whose files are one entry each (the file name without
    #: its suffix); None for a file that lists its entries.
    id: str | None = None
    #: A Markdown file's body.
    body: str = ""
    #: Where the body starts.
    body_location: Location | None = None

    def ids(self) -> list[str]:
        """Return the ids of the entries the file declares."""
        if self.kind.entries is None:
            return [self.id] if self.id is not None else []
        return [item[self.kind.id_field] for item in self.doc.data[self.kind.entries]]


@dataclass
class SeedRecord:
    """A seed text and its metadata."""

    id: str
    text_path: str
    meta_path: str
    meta: Located | None
    #: The seed's bytes, exactly as on disk.
    data: bytes | None
    #: The decoded text, or None if it could not be decoded.
    text: str | None
    #: The metadata as parsed when it failed its schema (meta is then None): resolve
    #: still anchors the reader's quotes in the text and checks its sha256 where it can.
    partial: Located | None = None


@dataclass
class RawProject:
    """Everything read from a reader's root, before resolution."""

    root: Path
    reader: Located | None = None
    seeds: dict[str, SeedRecord] = field(default_factory=dict)
    #: The records of each annotation kind, by kind name, files in name order.
    records: dict[str, list[Record]] = field(
        default_factory=lambda: {kind.name: [] for kind in KINDS}
    )
    references: list[Reference] = field(default_factory=list)
    #: Ids declared in files that failed to load, by kind name ("references" for the keys
    #: of BibTeX entries that could not be parsed): references to them are not reported
    #: again as unknown.
    broken: dict[str, set[str]] = field(default_factory=dict)
    #: Kinds of which some file could not be read at all, so that their ids are unknown
    #: (and references to them are not checked).
    incomplete: set[str] = field(default_factory=set)
    #: What loading and resolving may reuse from earlier runs (saved by the caller).
    cache: ParseCache | None = None
    #: Files of each kind that parsed but failed their schema, by kind name: resolve
    #: checks what it can of them (anchors, sources, ids), so that one round of check
    #: reports a file's every problem; they never become entries.
    invalid: dict[str, list[Record]] = field(default_factory=dict)

    def input_files(self) -> list[str]:
        """Return the paths (relative to root, with /) of every input file, sorted: the
        regular files under annotations/ and each reading's two files."""
        return sorted(
            set(_files_under(self.root, ANNOTATIONS))
            | {s.text_path for s in self.seeds.values()}
            | {s.meta_path for s in self.seeds.values()}
        )

    def failed(self, kind: str, *ids: str) -> None:
        """Note a file of a kind that could not be used, with the ids it declares."""
        self.broken.setdefault(kind, set()).update(ids)

    def unknown_is_expected(self, kind: str, value: str) -> bool:
        """Return whether an id of a kind may be missing because a file could not be read."""
        return kind in self.incomplete or value in self.broken.get(kind, ())


def _listing(folder: Path) -> list[os.DirEntry[str]]:
    """Return what a folder holds, by name; nothing if it cannot be listed.

    (A directory entry knows whether it is a file without asking the system again, and
    names sort much faster than paths: for the 3,400 files of 200 readings this matters.)
    """
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []


def _files_under(root: Path, folder: str) -> list[str]:
    """Return the paths (relative to root, with /) of the regular files under a folder."""
    found = []
    for entry in _listing(root / folder):
        if entry.is_dir(follow_symlinks=False):
            found += _files_under(root, f"{folder}/{entry.name}")
        elif entry.is_file(follow_symlinks=False):
            found.append(f"{folder}/{entry.name}")
    return found


#: A line break or a tab, with the spaces and breaks around it.
_BREAKS = re.compile(r"[ \t]*[\t\n][ \t\n]*")


def _one_line(doc: Located, kind: FileKind, report: Report) -> None:
    """Read the line breaks and tabs of one-line fields as spaces (see FileKind.multiline)."""
    for path in doc.broken:
        name = next((p for p in reversed(path) if isinstance(p, str)), "")
        if name in kind.multiline:
            continue
        parent = doc.data
        for part in path[:-1]:
            parent = parent[part]
        joined = _BREAKS.sub(" ", parent[path[-1]]).strip(" \t\n")
        if not joined:
            report.error(
                "schema.value",
                f"'{dotted(path)}' holds only line breaks and spaces; write its text",
                doc.at(*path),
            )
        parent[path[-1]] = joined


def _checked(
    text: str,
    shown: str,
    kind: FileKind,
    offset: int,
    parse: Callable[[str, str, Report], Located | None],
    report: Report,
    cache: ParseCache,
    invalid: list[Located] | None = None,
) -> Located | None:
    """Return a document parsed and checked against its kind's schema, from the cache if
    it can be; offset is where its first line is in its file. A document that parses but
    fails its schema is added to invalid, when given, and None is returned."""
    schema = kind.schema or ""
    doc = cache.get(schema, text, offset, shown)
    if doc is not None:
        return doc
    before = len(report.diagnostics)
    doc = parse(text, shown, report)
    if doc is None:
        return None
    if not validate(doc, schema, kind.file_word, report):
        if invalid is not None:
            invalid.append(doc)
        return None
    _one_line(doc, kind, report)
    if len(report.diagnostics) == before:
        cache.put(schema, text, offset, doc)
    return doc


def _parse_document(text: str, shown: str, report: Report) -> Located | None:
    """Parse a YAML file, which must hold something."""
    doc = parse_yaml(text, shown, report)
    if doc is not None and doc.data is None:
        report.error("file.empty", "file has no YAML content; write it or delete it", doc.at())
        return None
    return doc


def _load_yaml(
    files: Files,
    path: Path,
    kind: FileKind,
    report: Report,
    cache: ParseCache,
    invalid: list[Located] | None = None,
) -> Located | None:
    """Read, parse and check a YAML file; None if it cannot be used (reported)."""
    shown = files.shown(path)
    text = files.read_text(path, shown, report, kind.max_bytes)
    if text is None:
        return None
    return _checked(text, shown, kind, 0, _parse_document, report, cache, invalid)


def _load_markdown(
    files: Files,
    path: Path,
    kind: Kind,
    report: Report,
    cache: ParseCache,
    invalid: list[Located] | None = None,
) -> Record | None:
    """Read a Markdown file: its front matter checked, and a body; None if unusable."""
    shown = files.shown(path)
    text = files.read_text(path, shown, report, kind.max_bytes)
    if text is None:
        return None
    parts = front_matter_parts(text, shown, report)
    if parts is None:
        return None
    front_text, body, body_line = parts
    front = _checked(
        front_text, shown, kind, FRONT_MATTER_OFFSET, parse_front_matter, report, cache, invalid
    )
    if not body.strip():
        report.error(
            "schema.required",
            f"{kind.file_word} has no Markdown body after its front matter; write the text",
            Location(shown, body_line - 1, 1),
        )
        return None
    control = control_character(body)
    if control is not None:
        offset, char = control
        line = body_line + body.count("\n", 0, offset)
        col = offset - (body.rfind("\n", 0, offset) + 1) + 1
        report.error(
            "text.control",
            f"the text holds the control character {char}; delete it (it is often "
            "invisible: retype the text around it)",
            Location(shown, line, col),
        )
        return None
    if front is None:
        return None
    return Record(kind, front, path.stem, body, Location(shown, body_line, 1))


def _load_kind(
    files: Files, kind: Kind, raw: RawProject, report: Report, cache: ParseCache
) -> list[Path]:
    """Load every file of an annotation kind into raw; return the folder's listing's
    paths of other files (for the warning about files that are not read)."""
    place = raw.root / kind.place
    others: list[Path] = []
    if kind.in_folder and not files.inside(os.path.realpath(place)):
        report.error(
            "file.outside",
            "this folder is a symbolic link to a folder outside the reader's folder, "
            "which coursepack never reads; put the folder itself here instead of a link",
            Location(files.shown(place), 1, 1),
        )
        raw.incomplete.add(kind.name)
        return others
    if kind.in_folder:
        paths = []
        for entry in _listing(place):
            if entry.name.endswith(kind.suffix):
                paths.append(Path(entry.path))
            elif not entry.name.startswith(".") and not entry.is_dir():
                others.append(Path(entry.path))
    else:
        paths = [place] if os.path.lexists(place) else []
    for path in paths:
        stem = path.name[: -len(kind.suffix)]
        if kind.entries is None and not _ID_NAME.fullmatch(stem):
            shown = files.shown(path)
            report.error(
                "file.name",
                f"the file name '{shown.rsplit('/', 1)[-1]}' does not make an id: a "
                f"{kind.entry_word}'s id is its file name without {kind.suffix}, and ids "
                "are lower-case letters, digits and hyphens; rename the file "
                f"(for example '{_slug(stem)}{kind.suffix}')",
                Location(shown, 1, 1),
            )
            continue
        invalid: list[Located] = []
        if kind.shape == "markdown":
            record = _load_markdown(files, path, kind, report, cache, invalid)
        else:
            doc = _load_yaml(files, path, kind, report, cache, invalid)
            record = Record(kind, doc) if doc is not None else None
        if record is None and invalid:
            failed = Record(kind, invalid[0], stem if kind.entries is None else None)
            raw.invalid.setdefault(kind.name, []).append(failed)
        if record is not None:
            raw.records[kind.name].append(record)
        elif kind.entries is None:
            raw.failed(kind.name, stem)
        else:
            raw.incomplete.add(kind.name)
    return others


def _slug(name: str) -> str:
    """Return a name made into an id: lower case, runs of anything else as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "name"


def _load_seed(
    files: Files, seed_id: str, report: Report, where: Location, cache: ParseCache
) -> SeedRecord:
    text_path = Path(files.root, SEEDS, f"{seed_id}.txt")
    meta_path = Path(files.root, SEEDS, f"{seed_id}.yaml")
    record = SeedRecord(seed_id, files.shown(text_path), files.shown(meta_path), None, None, None)
    if not os.path.lexists(meta_path):
        report.error(
            "seed.missing",
            f"reading '{seed_id}' has no metadata file {record.meta_path}; create it "
            "(see the editors' guide)",
            where,
        )
    else:
        invalid: list[Located] = []
        record.meta = _load_yaml(files, meta_path, SEED_META, report, cache, invalid)
        record.partial = invalid[0] if invalid else None
    if not os.path.lexists(text_path):
        report.error(
            "seed.missing",
            f"reading '{seed_id}' has no text {record.text_path}; add the seed text",
            where,
        )
        return record
    record.data = files.read_bytes(text_path, record.text_path, report, SEED_TEXT.max_bytes)
    if record.data is not None:
        # Seeds are verbatim: a byte-order mark is part of the text, not something to fix.
        record.text = decode(record.data, record.text_path, report, allow_bom=False)
    return record


def _load_references(files: Files, raw: RawProject, report: Report) -> None:
    path = raw.root / REFERENCES.place
    shown = files.shown(path)
    if not os.path.lexists(path):
        report.error(
            "file.missing",
            f"no {REFERENCES.place}: every historical note and glossary term cites its "
            "sources there; create it",
            Location(shown, 1, 1),
        )
        raw.incomplete.add(REFERENCES.name)
        return
    text = files.read_text(path, shown, report, REFERENCES.max_bytes)
    if text is None:
        raw.incomplete.add(REFERENCES.name)
        return
    references, failed, complete = parse_references(text, shown, report)
    raw.references = references
    raw.failed(REFERENCES.name, *failed)
    if not complete:
        raw.incomplete.add(REFERENCES.name)


def load_project(root: Path, report: Report) -> RawProject:
    """Read every file of a reader, reporting all problems."""
    root = root.resolve()
    cache = ParseCache(root)
    raw = RawProject(root, cache=cache)
    files = Files(root)
    reader_path = root / READER.place
    if not os.path.lexists(reader_path):
        report.error(
            "file.missing",
            f"no {READER.place}: a reader needs its metadata and reading order there",
            Location(files.shown(reader_path), 1, 1),
        )
    else:
        raw.reader = _load_yaml(files, reader_path, READER, report, cache)

    if raw.reader is not None:
        for i, seed_id in enumerate(raw.reader.data["readings"]):
            raw.seeds[seed_id] = _load_seed(
                files, seed_id, report, raw.reader.at("readings", i), cache
            )
    else:
        for entry in _listing(root / SEEDS):
            if entry.name.endswith(".yaml") and _ID_NAME.fullmatch(entry.name[:-5]):
                where = Location(files.shown(Path(entry.path)))
                raw.seeds[entry.name[:-5]] = _load_seed(
                    files, entry.name[:-5], report, where, cache
                )

    for kind in KINDS:
        for path in _load_kind(files, kind, raw, report, cache):
            report.warning(
                "file.unexpected",
                f"{kind.place.removeprefix(ANNOTATIONS + '/')} holds only {kind.suffix} "
                f"files; this one is not read (rename it to end in {kind.suffix}, or move it)",
                Location(files.shown(path), 1, 1),
            )
    _load_references(files, raw, report)

    return raw


__all__ = ["PathKey", "RawProject", "Record", "SeedRecord", "load_project"]
