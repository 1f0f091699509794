"""Load: read a reader's files into records that remember where each value came from.

Loading never stops at the first problem. Every file is read, parsed and checked against
its schema; problems go to the :class:`~coursepack.diagnostics.Report`, and a file that
fails its schema is left out of the records so that resolve sees only well-formed input.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursepack import background
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
    #: The child that parsed ahead, when it goes on to search the texts for glossary terms
    #: and names (see :func:`load_project`): its next result is what it found.
    ahead: background.Pending | None = None


def _files_under(root: Path, folder: str) -> list[str]:
    """Return the paths (relative to root, with /) of every file under a folder of root."""
    found = []
    for entry in _listing(root / folder):
        if entry.is_dir(follow_symlinks=False):
            found += _files_under(root, f"{folder}/{entry.name}")
        elif entry.is_file():
            found.append(f"{folder}/{entry.name}")
    return found


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


def _named(listing: list[os.DirEntry[str]], suffix: str) -> list[Path]:
    """Return the paths of the entries whose name ends in suffix (a glob's ``*suffix``)."""
    return [Path(entry.path) for entry in listing if entry.name.endswith(suffix)]


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


@dataclass
class _Source:
    """A file read, with the YAML document in it still to be parsed and checked."""

    path: Path
    shown: str
    schema: str
    #: What the file is called in messages.
    what: str
    #: The YAML: the whole file, or a Markdown file's front matter.
    yaml: str
    #: A Markdown file's body and the line it starts on; None for a YAML file.
    body: tuple[str, int] | None = None

    @property
    def offset(self) -> int:
        return FRONT_MATTER_OFFSET if self.body is not None else 0

    def parse(self, report: Report, cache: ParseCache) -> Located | None:
        """Return the document parsed and checked against its schema (or from the cache)."""
        parse = parse_front_matter if self.body is not None else _parse_document
        kind = (self.schema, self.what, self.offset)
        return _checked(self.yaml, self.shown, kind, parse, report, cache)


def _read(
    root: Path, path: Path, schema: str, what: str, report: Report, *, markdown: bool = False
) -> _Source | None:
    """Read a YAML file, or a Markdown file with front matter; None if it cannot be used."""
    shown = _shown(root, path)
    text = read_text(path, shown, report)
    if text is None:
        return None
    if not markdown:
        return _Source(path, shown, schema, what, text)
    parts = front_matter_parts(text, shown, report)
    if parts is None:
        return None
    front, body, body_line = parts
    return _Source(path, shown, schema, what, front, (body, body_line))


def _load_yaml(
    root: Path, path: Path, schema: str, what: str, report: Report, cache: ParseCache
) -> Located | None:
    source = _read(root, path, schema, what, report)
    return source.parse(report, cache) if source is not None else None


def _markdown_record(source: _Source, front: Located, report: Report) -> MarkdownRecord | None:
    assert source.body is not None
    body, body_line = source.body
    if not body.strip():
        report.error(
            "schema.required",
            f"{source.what} has no Markdown body after its front matter; write the text",
            Location(source.shown, body_line - 1, 1),
        )
        return None
    return MarkdownRecord(source.path.stem, front, body, Location(source.shown, body_line, 1))


#: Parse in a forked child the later documents that the cache does not hold, when parsing
#: them all would cost at least this much (see _cost: a reader of some 80 readings, parsed
#: for the first time); for less, the fork and the sending cost about what they save.
PARALLEL_COST = 1_500_000
#: The share of that cost the child takes: the best measured at 200 readings, where it
#: then searches for occurrences while the parent resolves, and still waits for the parent
#: (sending its documents back costs the child more than the references cost the parent).
CHILD_SHARE = 0.42
#: What parsing and checking a document costs beyond its characters, in characters
#: (measured: 1,600 notes' front matter of 450,000 characters took as long as 1.1 million
#: characters of questions in 200 files).
DOCUMENT_COST = 400


def _cost(source: _Source) -> int:
    """Return about what parsing and checking a document costs, in characters of YAML."""
    return len(source.yaml) + DOCUMENT_COST


#: What a child that parsed ahead may search the texts for next: given the seeds, the
#: glossary terms, the names file and the cache, it returns what resolve would find.
Search = Callable[[dict[str, SeedRecord], list[MarkdownRecord], Located | None, ParseCache], Any]


def _parse_ahead(
    sources: list[_Source], cache: ParseCache, seeds: dict[str, SeedRecord], search: Search | None
) -> tuple[int, background.Pending | None]:
    """Start parsing the later documents not in the cache in a forked child.

    Return the index of the first document the child parses (len(sources) when none) and
    the pending results (None when none). The first is the documents the child parsed,
    with their cache entries, to be taken before that document is loaded
    (:meth:`ParseCache.take`), so that its load finds them. Documents with any problem are
    not kept by the child: the parent parses them again and reports them. With a search,
    the child then runs it on the seeds, the glossary terms and the names (parsing those
    of them that were not its share) and sends what it found as the second result.
    """
    todo = [i for i, s in enumerate(sources) if not cache.holds(s.schema, s.yaml, s.offset)]
    total = sum(_cost(sources[i]) for i in todo)
    split, share = len(sources), 0
    if cache.enabled and total >= PARALLEL_COST:
        for i in reversed(todo):
            share += _cost(sources[i])
            if share > total * CHILD_SHARE:
                break
            split = i
    theirs = [sources[i] for i in todo if i >= split]
    if not theirs:
        return split, None

    def parse_theirs() -> Iterator[Any]:
        cache.added = {}
        parsed = {source.path: source.parse(Report(), cache) for source in theirs}
        yield cache.parsed()
        if search is None:
            return
        terms, entities = [], None
        for source in sources:
            if source.schema not in ("term", "entities"):
                continue
            doc = parsed[source.path] if source.path in parsed else source.parse(Report(), cache)
            if doc is None:
                continue
            if source.schema == "entities":
                entities = doc
            elif (record := _markdown_record(source, doc, Report())) is not None:
                terms.append(record)
        yield search(seeds, terms, entities, cache)

    # Pickled: the positions' tuples come back as they are, without being found again.
    fallbacks = [dict, dict] if search else [dict]
    return split, background.start_parts(parse_theirs, fallbacks, pickled=True)


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


def load_project(root: Path, report: Report, *, search: Search | None = None) -> RawProject:
    """Read every file of a reader, reporting all problems.

    search: when a child parses ahead (a large reader, parsed for the first time), it goes
    on to run this search, whose result is the next of :attr:`RawProject.ahead`.
    """
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

    listings = {sub: _listing(ann / sub) for sub in ("notes", "glossary", "questions", "textual")}
    sources: list[_Source] = []
    # The glossary and the names come last: they are the child's share when one parses
    # ahead, and what it needs to search the texts.
    for sub, schema, what in (
        ("notes", "note", "historical note"),
        ("questions", "questions", "questions file"),
        ("textual", "textual", "textual notes file"),
        ("glossary", "term", "glossary term"),
    ):
        markdown = sub in ("notes", "glossary")
        for path in _named(listings[sub], ".md" if markdown else ".yaml"):
            source = _read(root, path, schema, what, report, markdown=markdown)
            if source is not None:
                sources.append(source)
            elif markdown:
                raw.broken_ids.add(path.stem)
            elif schema == "questions":
                raw.incomplete.add("questions")
    entities = ann / "entities.yaml"
    if entities.exists():
        source = _read(root, entities, "entities", "people and organizations", report)
        if source is not None:
            sources.append(source)
        else:
            raw.incomplete.add("entities")

    split, theirs = _parse_ahead(sources, cache, raw.seeds, search)
    # The references are parsed while the child parses its part (if there is one).
    bib_path = ann / "references.bib"
    if bib_path.exists():
        shown = _shown(root, bib_path)
        text = read_text(bib_path, shown, report)
        if text is not None:
            raw.references, failed = parse_references(text, shown, report)
            raw.broken_ids |= failed
    for i, source in enumerate(sources):
        if i == split and theirs is not None:
            cache.take(theirs.result())
            raw.ahead = theirs if search else None
        doc = source.parse(report, cache)
        if source.body is not None:
            record = _markdown_record(source, doc, report) if doc is not None else None
            if record is not None:
                (raw.notes if source.schema == "note" else raw.terms).append(record)
            else:
                raw.broken_ids.add(source.path.stem)
        elif doc is None:
            if source.schema in ("questions", "entities"):
                raw.incomplete.add(source.schema)
        elif source.schema == "questions":
            raw.questions.append(doc)
        elif source.schema == "textual":
            raw.textual.append(doc)
        else:
            raw.entities = doc

    for sub, suffix in (
        ("notes", ".md"),
        ("glossary", ".md"),
        ("questions", ".yaml"),
        ("textual", ".yaml"),
    ):
        for entry in listings[sub]:
            name = entry.name
            if entry.is_file() and os.path.splitext(name)[1] != suffix and name[0] != ".":
                report.warning(
                    "file.unexpected",
                    f"{sub}/ holds only {suffix} files; this one is not read "
                    f"(rename it to end in {suffix}, or move it)",
                    Location(f"{ANNOTATIONS}/{sub}/{name}", 1, 1),
                )
    raw.files = sorted(
        set(_files_under(root, ANNOTATIONS))
        | {s.text_path for s in raw.seeds.values()}
        | {s.meta_path for s in raw.seeds.values()}
    )
    return raw
