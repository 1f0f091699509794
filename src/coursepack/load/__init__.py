"""Load: read a reader's files into records that remember where each value came from.

Loading never stops at the first problem. Every file is read, parsed and checked against
its schema; problems go to the :class:`~coursepack.diagnostics.Report`, and a file that
fails its schema is left out of the records so that resolve sees only well-formed input.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coursepack.diagnostics import Location, Report
from coursepack.load.bibtex import parse_references
from coursepack.load.cache import ParseCache
from coursepack.load.files import decode, read_text
from coursepack.load.validate import validate
from coursepack.load.yamlnodes import (
    FRONT_MATTER_OFFSET,
    Located,
    front_matter_parts,
    parse_front_matter,
    parse_yaml,
)
from coursepack.model import Reference

ANNOTATIONS = "annotations"
SEEDS = "seeds"


@dataclass
class MarkdownRecord:
    """A Markdown file with front matter: a historical note or a glossary term."""

    #: The file name without ``.md``.
    id: str
    front: Located
    #: The Markdown body.
    body: str
    #: Where the body starts.
    body_location: Location


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


@dataclass
class RawProject:
    """Everything read from a reader's root, before resolution."""

    root: Path
    reader: Located | None = None
    seeds: dict[str, SeedRecord] = field(default_factory=dict)
    notes: list[MarkdownRecord] = field(default_factory=list)
    terms: list[MarkdownRecord] = field(default_factory=list)
    questions: list[Located] = field(default_factory=list)
    textual: list[Located] = field(default_factory=list)
    entities: Located | None = None
    references: list[Reference] = field(default_factory=list)
    #: Ids declared in files that failed to load (note and term file names, entity ids,
    #: question ids, reference keys): references to them are not reported again.
    broken_ids: set[str] = field(default_factory=set)
    #: Kinds of which some file could not be read at all, so its ids are unknown.
    incomplete: set[str] = field(default_factory=set)
    #: Paths (relative to root) of every file read, for dependency tracking.
    files: list[str] = field(default_factory=list)
    #: What loading and resolving may reuse from earlier runs (saved by the caller).
    cache: ParseCache | None = None


def _files_under(root: Path, folder: str) -> list[str]:
    """Return the paths (relative to root, with /) of every file under a folder of root."""
    found = []
    for parent, _dirs, names in os.walk(root / folder):
        rel = Path(parent).relative_to(root).as_posix()
        found += [f"{rel}/{name}" for name in names if os.path.isfile(os.path.join(parent, name))]
    return found


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _checked(
    text: str,
    shown: str,
    kind: tuple[str, str, int],
    parse: Callable[[str, str, Report], Located | None],
    report: Report,
    cache: ParseCache,
) -> Located | None:
    """Return a document parsed and checked against its schema, from the cache if it can be.

    kind is (schema, what it is called in messages, its first line's offset in the file).
    """
    schema, what, offset = kind
    doc = cache.get(schema, text, offset, shown)
    if doc is not None:
        return doc
    before = len(report.diagnostics)
    doc = parse(text, shown, report)
    if doc is None or not validate(doc, schema, what, report):
        return None
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
    root: Path, path: Path, schema: str, what: str, report: Report, cache: ParseCache
) -> Located | None:
    shown = _shown(root, path)
    text = read_text(path, shown, report)
    if text is None:
        return None
    return _checked(text, shown, (schema, what, 0), _parse_document, report, cache)


def _load_markdown(
    root: Path, path: Path, schema: str, what: str, report: Report, cache: ParseCache
) -> MarkdownRecord | None:
    shown = _shown(root, path)
    text = read_text(path, shown, report)
    if text is None:
        return None
    parts = front_matter_parts(text, shown, report)
    if parts is None:
        return None
    front_text, body, body_line = parts
    kind = (schema, what, FRONT_MATTER_OFFSET)
    front = _checked(front_text, shown, kind, parse_front_matter, report, cache)
    if front is None:
        return None
    if not body.strip():
        report.error(
            "schema.required",
            f"{what} has no Markdown body after its front matter; write the text",
            Location(shown, body_line - 1, 1),
        )
        return None
    return MarkdownRecord(path.stem, front, body, Location(shown, body_line, 1))


def _load_seed(
    root: Path, seed_id: str, report: Report, where: Location, cache: ParseCache
) -> SeedRecord:
    text_path = root / SEEDS / f"{seed_id}.txt"
    meta_path = root / SEEDS / f"{seed_id}.yaml"
    record = SeedRecord(seed_id, _shown(root, text_path), _shown(root, meta_path), None, None, None)
    if not meta_path.exists():
        report.error(
            "seed.missing",
            f"reading '{seed_id}' has no metadata file {record.meta_path}; create it "
            "(see the editors' guide)",
            where,
        )
    else:
        record.meta = _load_yaml(root, meta_path, "seed", "seed metadata", report, cache)
    if not text_path.exists():
        report.error(
            "seed.missing",
            f"reading '{seed_id}' has no text {record.text_path}; add the seed text",
            where,
        )
        return record
    record.data = text_path.read_bytes()
    # Seeds are verbatim: a byte-order mark is part of the text, not something to fix.
    record.text = decode(record.data, record.text_path, report, allow_bom=False)
    return record


def load_project(root: Path, report: Report) -> RawProject:
    """Read every file of a reader, reporting all problems."""
    root = root.resolve()
    cache = ParseCache(root)
    raw = RawProject(root, cache=cache)
    ann = root / ANNOTATIONS
    reader_path = ann / "reader.yaml"
    if not reader_path.exists():
        report.error(
            "file.missing",
            f"no {ANNOTATIONS}/reader.yaml: a reader needs its metadata and reading order there",
            Location(_shown(root, reader_path), 1, 1),
        )
    else:
        raw.reader = _load_yaml(root, reader_path, "reader", "reader metadata", report, cache)

    if raw.reader is not None:
        for i, seed_id in enumerate(raw.reader.data["readings"]):
            raw.seeds[seed_id] = _load_seed(
                root, seed_id, report, raw.reader.at("readings", i), cache
            )
    else:
        for meta in sorted((root / SEEDS).glob("*.yaml")):
            raw.seeds[meta.stem] = _load_seed(
                root, meta.stem, report, Location(_shown(root, meta)), cache
            )

    for sub, schema, what, records in (
        ("notes", "note", "historical note", raw.notes),
        ("glossary", "term", "glossary term", raw.terms),
    ):
        for path in sorted((ann / sub).glob("*.md")):
            record = _load_markdown(root, path, schema, what, report, cache)
            if record is not None:
                records.append(record)
            else:
                raw.broken_ids.add(path.stem)
    for path in sorted((ann / "questions").glob("*.yaml")):
        doc = _load_yaml(root, path, "questions", "questions file", report, cache)
        if doc is not None:
            raw.questions.append(doc)
        else:
            raw.incomplete.add("questions")
    for path in sorted((ann / "textual").glob("*.yaml")):
        doc = _load_yaml(root, path, "textual", "textual notes file", report, cache)
        if doc is not None:
            raw.textual.append(doc)
    entities = ann / "entities.yaml"
    if entities.exists():
        raw.entities = _load_yaml(
            root, entities, "entities", "people and organizations", report, cache
        )
        if raw.entities is None:
            raw.incomplete.add("entities")
    bib_path = ann / "references.bib"
    if bib_path.exists():
        shown = _shown(root, bib_path)
        text = read_text(bib_path, shown, report)
        if text is not None:
            raw.references, failed = parse_references(text, shown, report)
            raw.broken_ids |= failed

    for sub, suffix in (
        ("notes", ".md"),
        ("glossary", ".md"),
        ("questions", ".yaml"),
        ("textual", ".yaml"),
    ):
        for path in sorted((ann / sub).glob("*")):
            if path.is_file() and path.suffix != suffix and not path.name.startswith("."):
                report.warning(
                    "file.unexpected",
                    f"{sub}/ holds only {suffix} files; this one is not read "
                    f"(rename it to end in {suffix}, or move it)",
                    Location(_shown(root, path), 1, 1),
                )
    raw.files = sorted(
        set(_files_under(root, ANNOTATIONS))
        | {s.text_path for s in raw.seeds.values()}
        | {s.meta_path for s in raw.seeds.values()}
    )
    return raw
