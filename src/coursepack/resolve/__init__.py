"""Resolve: raw records into a fully resolved, immutable :class:`~coursepack.model.Reader`.

Resolution numbers paragraphs, anchors every quote, finds glossary and entity occurrences,
checks every cross-reference and seed hash, and reports every problem it finds.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursepack import background, styles
from coursepack.diagnostics import Location, Report
from coursepack.kinds import KINDS, REFERENCES, Kind
from coursepack.model import (
    Anchor,
    ChronologyEvent,
    ContextDocument,
    Entity,
    FurtherReading,
    Note,
    Packet,
    PartialDate,
    Period,
    PersonName,
    Question,
    Reader,
    ReaderMeta,
    Reading,
    Reference,
    Session,
    Source,
    Term,
    TextualNote,
    publication_id,
)
from coursepack.resolve.anchor import AnchorProblem, TextIndex
from coursepack.resolve.occurrences import OccurrenceFinder
from coursepack.resolve.text import paragraphs_of

if TYPE_CHECKING:  # loading parses BibTeX; resolving must not import a renderer library
    from coursepack.load import RawProject, Record, SeedRecord
    from coursepack.load.cache import ParseCache
    from coursepack.load.yamlnodes import Located


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_date(value: Any, where: Location, report: Report) -> PartialDate | None:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD (already shape-checked) into a real date."""
    parts = [int(p) for p in str(value).split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else None
    day = parts[2] if len(parts) > 2 else None
    try:
        datetime.date(year, month or 1, day or 1)
    except ValueError as exc:
        report.error("date.invalid", f"'{value}' is not a calendar date ({exc}); correct it", where)
        return None
    return PartialDate(year, month, day)


class _Resolver:
    def __init__(self, raw: RawProject, report: Report) -> None:
        self.raw = raw
        self.report = report
        self.indexes: dict[str, TextIndex] = {}
        self.reference_keys = {r.key for r in raw.references}
        #: The ids each kind's files declare, by kind name.
        self.declared = {
            kind.name: [i for rec in raw.records[kind.name] for i in rec.ids()] for kind in KINDS
        }
        #: Anchors written against each reading, for the changed-seed message.
        self.anchor_sites: dict[str, list[Location]] = {}
        self.failed_sites: dict[str, list[Location]] = {}
        #: A hash of each reading's text and front matter, keying what the cache keeps.
        self.digests: dict[str, str] = {}
        #: Each glossary entry's term and abbreviation: (form, field, entry id, entry's
        #: term, where the form is written).
        self.glossary_forms: list[tuple[str, str, str, str, Location]] = []

    # ---- readings -------------------------------------------------------------------

    def reading(self, seed: SeedRecord) -> Reading | None:
        if seed.meta is None or seed.text is None or seed.data is None:
            return None
        meta = seed.meta.data
        date = parse_date(meta["date"], seed.meta.at("date"), self.report)
        if date is None:
            return None
        front, paragraphs = paragraphs_of(seed.text, meta["front_blocks"])
        self.indexes[seed.id] = TextIndex(seed.id, seed.text, front + paragraphs)
        self.digests[seed.id] = _digest(str(len(front)), seed.text)
        return Reading(
            id=seed.id,
            title=meta["title"],
            authors=tuple(PersonName(a) for a in meta["authors"]),
            corporate_author=meta.get("corporate_author"),
            date=date,
            url=meta["url"],
            genre=meta["genre"],
            language=meta["language"],
            supplied=frozenset(meta["supplied"]),
            original_filename=meta["original_filename"],
            sha256=meta["sha256"],
            text=seed.text,
            front=front,
            paragraphs=paragraphs,
            text_path=seed.text_path,
            meta_path=seed.meta_path,
            key=meta.get("key"),
            outlet=meta.get("outlet", ""),
            perspective=" ".join(meta.get("perspective", "").split()),
            type=meta.get("type"),
        )

    def index_partial(self, seed: SeedRecord) -> None:
        """Make a reading whose metadata failed its schema searchable all the same, so that
        the quotes anchored in it are checked in the same round (its numbering from the
        metadata's front_blocks when that is valid)."""
        if seed.partial is None or seed.text is None or seed.id in self.indexes:
            return
        data = seed.partial.data if isinstance(seed.partial.data, dict) else {}
        given = data.get("front_blocks")
        front_blocks = given if isinstance(given, int) and not isinstance(given, bool) else 0
        front, paragraphs = paragraphs_of(seed.text, max(front_blocks, 0))
        self.indexes[seed.id] = TextIndex(seed.id, seed.text, front + paragraphs)
        self.digests[seed.id] = _digest(str(len(front)), seed.text)

    def check_seed_hashes(self) -> None:
        for seed in self.raw.seeds.values():
            meta = seed.meta
            if meta is None and seed.partial is not None:
                recorded = seed.partial.data.get("sha256") if _is_map(seed.partial.data) else None
                meta = (
                    seed.partial if isinstance(recorded, str) and _HEX.fullmatch(recorded) else None
                )
            if meta is None or seed.data is None:
                continue
            recorded = meta.data["sha256"]
            actual = hashlib.sha256(seed.data).hexdigest()
            if actual == recorded:
                continue
            failed = self.failed_sites.get(seed.id, [])
            if failed:
                broken = f"{len(failed)} anchor(s) no longer resolve: " + ", ".join(
                    str(loc) for loc in failed[:10]
                )
                if len(failed) > 10:
                    broken += f" and {len(failed) - 10} more"
            else:
                broken = "every anchor still resolves"
            self.report.error(
                "seed.changed",
                f"{seed.text_path} has changed: its sha256 is {actual[:12]}…, not the "
                f"{recorded[:12]}… recorded here; {broken}. Seeds are never edited: restore "
                "the text as received, or record the new sha256 if the new text is meant",
                meta.at("sha256"),
            )

    # ---- files that failed their schema -----------------------------------------------

    def salvage(self, rec: Record) -> None:
        """Check what can be checked of a file that failed its schema: each anchor, source,
        reading and id written in a part that has the right shape, as if the file were
        valid. Nothing of it becomes an entry; its schema errors are reported already."""
        data = rec.doc.data
        if not _is_map(data):
            return
        default = data.get("reading") if _valid(data.get("reading"), "id") else None
        self._salvage(rec.doc, (), data, default)

    def _salvage(self, doc: Located, path: tuple[str | int, ...], value: Any, default: Any) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                self._salvage(doc, (*path, i), item, default)
            return
        if not _is_map(value):
            return
        readings = value.get("readings")
        if isinstance(readings, list) and len(readings) == 1 and _valid(readings[0], "id"):
            default = readings[0]
        for key, item in value.items():
            here = (*path, key)
            if key == "anchors" and isinstance(item, list):
                for i, spec in enumerate(item):
                    reading = spec.get("reading", default) if _is_map(spec) else None
                    if (
                        _valid(spec, "anchor")
                        and isinstance(reading, str)
                        and _valid(reading, "id")
                        and self.check_reading(reading, doc.at(*here, i))
                    ):
                        self.anchor(doc, (*here, i), reading)
            elif key == "anchor" and _is_map(item):
                if (
                    _valid(item, "anchor")
                    and isinstance(default, str)
                    and default in self.raw.seeds
                ):
                    self.anchor(doc, here, default)
            elif key == "sources" and isinstance(item, list):
                for i, part in enumerate(item):
                    if _valid(part, "source"):
                        self.source(doc, (*here, i))
            elif key == "source" or (key == "key" and path and isinstance(item, str)):
                if _valid(item, "source"):
                    self.source(doc, here)
            elif key in _ID_LISTS and isinstance(item, list):
                kind = KIND[_ID_LISTS[key]]
                known = self.declared[kind.name]
                for i, ident in enumerate(item):
                    if not _valid(ident, "id") or ident in known:
                        continue
                    if not self.raw.unknown_is_expected(kind.name, ident):
                        self.report.error(
                            kind.ref_code or "schema.value",
                            f"unknown {kind.entry_word} '{ident}'{_did_you_mean(ident, known)}; "
                            "correct the id or create the entry",
                            doc.at(*here, i),
                        )
            elif key == "reading" and _valid(item, "id"):
                self.check_reading(item, doc.at(*here))
            elif key == "readings" and isinstance(item, list):
                for i, reading in enumerate(item):
                    if _valid(reading, "id"):
                        self.check_reading(reading, doc.at(*here, i))
            else:
                self._salvage(doc, here, item, default)

    # ---- anchors and references ------------------------------------------------------

    def anchor(self, doc: Located, path: tuple[str | int, ...], reading: str) -> Anchor | None:
        spec = doc.sub(*path).data
        where = doc.at(*path, "quote")
        index = self.indexes.get(reading)
        if index is None:
            return None  # the unknown reading is reported by the caller
        self.anchor_sites.setdefault(reading, []).append(where)
        args = (spec["quote"], spec.get("prefix"), spec.get("suffix"), spec.get("occurrence"))
        key = _digest(self.digests[reading], *map(repr, args))
        cache = self.raw.cache
        known = cache.recall("anchor", key) if cache else None
        if isinstance(known, list) and len(known) == 2:
            return index.anchor(known[0], known[1], where)
        result = index.resolve(*args)
        if cache and not isinstance(result, AnchorProblem):
            cache.remember("anchor", key, list(result))
        if isinstance(result, AnchorProblem):
            self.failed_sites.setdefault(reading, []).append(where)
            self.report.error(result.code, result.message, where)
            return None
        start, end = result
        return index.anchor(start, end, where)

    def check_reading(self, reading_id: str, where: Location) -> bool:
        if reading_id in self.raw.seeds:
            return True
        self.report.error(
            "ref.reading",
            f"unknown reading '{reading_id}'{_did_you_mean(reading_id, self.raw.seeds)}; "
            f"the readings are: {', '.join(self.raw.seeds)}",
            where,
        )
        return False

    def source(self, doc: Located, path: tuple[str | int, ...]) -> Source | None:
        """Return the source written at a path (a key, or a key and a locator); None, and
        reported, when references.bib has no such key."""
        item = doc.sub(*path).data
        key, locator = (item, None) if isinstance(item, str) else (item["key"], item.get("locator"))
        if self.raw.unknown_is_expected(REFERENCES.name, key):
            return None
        if key not in self.reference_keys:
            self.report.error(
                "ref.reference",
                f"unknown reference key '{key}'{_did_you_mean(key, self.reference_keys)}; "
                "add the work to annotations/references.bib or correct the key",
                doc.at(*path),
            )
            return None
        return Source(key, locator)

    def sources(self, doc: Located, path: tuple[str | int, ...]) -> tuple[Source, ...]:
        found = (
            self.source(doc, (*path, i))
            for i in range(len(doc.sub(*path).data if _has(doc, path) else []))
        )
        return tuple(source for source in found if source is not None)

    def ids(self, doc: Located, path: tuple[str | int, ...], kind: Kind) -> tuple[str, ...]:
        """Return the ids of a kind listed at a path, reporting those that do not exist."""
        known = self.declared[kind.name]
        out = []
        for i, value in enumerate(doc.sub(*path).data if _has(doc, path) else []):
            if value in known:
                out.append(value)
            elif not self.raw.unknown_is_expected(kind.name, value):
                self.report.error(
                    kind.ref_code or "schema.value",
                    f"unknown {kind.entry_word} '{value}'{_did_you_mean(value, known)}; "
                    "correct the id or create the entry",
                    doc.at(*path, i),
                )
        return tuple(out)

    def anchors(
        self, doc: Located, path: tuple[str | int, ...], default: str | None
    ) -> tuple[Anchor, ...]:
        out = []
        for i, spec in enumerate(doc.sub(*path).data if _has(doc, path) else []):
            reading = spec.get("reading", default)
            if reading is None:
                self.report.error(
                    "schema.required",
                    "this anchor needs a 'reading' (the reading id the quote is from)",
                    doc.at(*path, i),
                )
                continue
            if not self.check_reading(reading, doc.at(*path, i, "reading")):
                continue
            anchor = self.anchor(doc, (*path, i), reading)
            if anchor is not None:
                out.append(anchor)
        return tuple(out)

    # ---- annotation kinds -----------------------------------------------------------

    def span(
        self,
        doc: Located,
        start: tuple[str | int, ...],
        end: tuple[str | int, ...],
        label: str | None = None,
    ) -> Period | None:
        """Return the period from the date at one path to the date at another (which may
        be absent); None, and reported, when either is not a date or they are in the
        wrong order."""
        first = parse_date(doc.sub(*start).data, doc.at(*start), self.report)
        last = parse_date(doc.sub(*end).data, doc.at(*end), self.report) if _has(doc, end) else None
        if first is None or (last is None and _has(doc, end)):
            return None
        if last and last.sort_key() < first.sort_key():
            self.report.error(
                "date.order",
                f"period ends ({last}) before it starts ({first}); swap them",
                doc.at(*end),
            )
            return None
        return Period(first, last, label)

    def period(self, doc: Located) -> Period | None:
        value = doc.data["date"]
        if isinstance(value, dict):
            return self.span(doc, ("date", "start"), ("date", "end"), value.get("label"))
        start = parse_date(value, doc.at("date"), self.report)
        return Period(start) if start else None

    def notes(self, rec: Record) -> list[Note]:
        doc = rec.doc
        period = self.period(doc)
        note = Note(
            id=rec.id or "",
            title=doc.data["title"],
            body=rec.body,
            period=period or Period(PartialDate(1)),
            sources=self.sources(doc, ("sources",)),
            anchors=self.anchors(doc, ("anchors",), None),
            terms=self.ids(doc, ("terms",), KIND["term"]),
            entities=self.ids(doc, ("entities",), KIND["entity"]),
            teaching=doc.data.get("teaching"),
            location=doc.at(),
        )
        return [note] if period else []

    def terms(self, rec: Record) -> list[Term]:
        doc = rec.doc
        anchors = self.anchors(doc, ("anchors",), None)
        term = Term(
            id=rec.id or "",
            term=doc.data["term"],
            abbreviation=doc.data.get("abbreviation"),
            aliases=tuple(doc.data.get("aliases", ())),
            definition=rec.body,
            see_also=self.ids(doc, ("see_also",), KIND["term"]),
            sources=self.sources(doc, ("sources",)),
            anchors=anchors,
            occurrences=anchors,
            autolink=doc.data.get("autolink", True),
            location=doc.at(),
        )
        for field in ("term", "abbreviation"):
            if doc.data.get(field):
                form = (doc.data[field], field, term.id, term.term, doc.at(field))
                self.glossary_forms.append(form)
        return [term]

    def questions(self, rec: Record) -> list[Question]:
        doc = rec.doc
        default = doc.data.get("reading")
        if default is not None and not self.check_reading(default, doc.at("reading")):
            return []
        out = []
        for i, item in enumerate(doc.data["questions"]):
            readings = tuple(item.get("readings") or ([default] if default else []))
            if not readings:
                self.report.error(
                    "schema.required",
                    "question needs 'readings' (or the file a top-level 'reading')",
                    doc.at("questions", i),
                )
                continue
            known = [
                r
                for j, r in enumerate(readings)
                if "readings" not in item
                or self.check_reading(r, doc.at("questions", i, "readings", j))
            ]
            if len(known) != len(readings):
                continue
            only = readings[0] if len(readings) == 1 else None
            out.append(
                Question(
                    id=item["id"],
                    text=item["question"],
                    level=item["level"],
                    readings=readings,
                    anchors=self.anchors(doc, ("questions", i, "anchors"), only),
                    teaching_note=item.get("teaching_note"),
                    location=doc.at("questions", i),
                )
            )
        return out

    def textual_notes(self, rec: Record) -> list[TextualNote]:
        doc = rec.doc
        reading = doc.data["reading"]
        if not self.check_reading(reading, doc.at("reading")):
            return []
        out = []
        for i, item in enumerate(doc.data["notes"]):
            anchor = None
            if "anchor" in item:
                anchor = self.anchor(doc, ("notes", i, "anchor"), reading)
                if anchor is None:
                    continue
            elif item["kind"] != "metadata":
                self.report.error(
                    "schema.required",
                    f"a textual note of kind '{item['kind']}' needs an 'anchor' with the "
                    "quote it is about (only kind 'metadata' may go without)",
                    doc.at("notes", i),
                )
                continue
            out.append(
                TextualNote(
                    id=item["id"],
                    reading=reading,
                    kind=item["kind"],
                    anchor=anchor,
                    note=item["note"],
                    correction=item.get("correction"),
                    sources=self.sources(doc, ("notes", i, "sources")),
                    location=doc.at("notes", i),
                )
            )
        return out

    def chronology(self, rec: Record) -> list[ChronologyEvent]:
        doc = rec.doc
        publications = {publication_id(r): r for r in self.raw.seeds}
        out = []
        for i, item in enumerate(doc.data["events"]):
            if item["id"] in publications:
                self.report.error(
                    "id.duplicate",
                    f"chronology event id '{item['id']}' is the id the chronology gives the "
                    f"publication of reading '{publications[item['id']]}'; choose another id",
                    doc.at("events", i, "id"),
                )
            period = self.span(doc, ("events", i, "date"), ("events", i, "end"))
            sources = self.sources(doc, ("events", i, "sources"))
            notes = self.ids(doc, ("events", i, "notes"), KIND["note"])
            if period is None:
                continue
            out.append(
                ChronologyEvent(
                    id=item["id"],
                    period=period,
                    event=item["event"],
                    sources=sources,
                    notes=notes,
                    location=doc.at("events", i),
                )
            )
        return out

    def contexts(self, rec: Record) -> list[ContextDocument]:
        doc = rec.doc
        source = self.source(doc, ("source",))
        readings = tuple(
            r
            for i, r in enumerate(doc.data["readings"])
            if self.check_reading(r, doc.at("readings", i))
        )
        if source is None:
            return []
        context = ContextDocument(
            id=rec.id or "",
            title=doc.data["title"],
            kind=doc.data["kind"],
            source=source,
            url=doc.data["url"],
            provenance=doc.data["provenance"],
            headnote=doc.data["headnote"],
            readings=readings,
            text=rec.body,
            location=doc.at(),
        )
        return [context]

    def further_reading(self, rec: Record) -> list[FurtherReading]:
        doc = rec.doc
        listed: dict[str, Location] = {}
        out = []
        for i, item in enumerate(doc.data["works"]):
            key, where = item["key"], doc.at("works", i, "key")
            if key in listed:
                self.report.error(
                    "further-reading.duplicate",
                    f"the work '{key}' is already listed at {listed[key]}; list each work "
                    "once, with one annotation",
                    where,
                )
                continue
            listed[key] = where
            if self.source(doc, ("works", i, "key")) is not None:
                out.append(FurtherReading(key, item["annotation"], doc.at("works", i)))
        return out

    def entities(self, rec: Record) -> list[Entity]:
        doc = rec.doc
        return [
            Entity(
                id=item["id"],
                name=item["name"],
                sort_as=item.get("sort_as"),
                kind=item["kind"],
                description=" ".join(item["description"].split()),
                aliases=tuple(item.get("aliases", ())),
                sources=self.sources(doc, ("entities", i, "sources")),
                occurrences=(),
                autolink=item.get("autolink", True),
                location=doc.at("entities", i),
            )
            for i, item in enumerate(doc.data["entities"])
        ]


#: Fields that list ids of another kind, and that kind.
_ID_LISTS = {"terms": "term", "see_also": "term", "notes": "note"}
_HEX = re.compile(r"[0-9a-f]{64}")


def _is_map(value: Any) -> bool:
    return isinstance(value, dict)


@functools.cache
def _part_validator(part: str) -> Any:
    """Return a validator of one part of a document: an anchor, a source or an id."""
    from jsonschema import Draft202012Validator

    from coursepack import schemas

    schema = {
        "anchor": schemas._anchor(with_reading=True),
        "source": schemas._SOURCE,
        "id": schemas._ID,
    }[part]
    return Draft202012Validator(schema)


def _valid(value: Any, part: str) -> bool:
    """Return whether a value is a well-formed part (an anchor, a source or an id)."""
    return value is not None and bool(_part_validator(part).is_valid(value))


def _has(doc: Located, path: tuple[str | int, ...]) -> bool:
    data: Any = doc.data
    for part in path:
        if isinstance(part, str) and (not isinstance(data, dict) or part not in data):
            return False
        data = data[part]
    return True


#: The annotation kinds by name.
KIND = {kind.name: kind for kind in KINDS}


def _check_unique(items: Iterable[Any], kind: Kind, report: Report) -> None:
    seen: dict[str, Location] = {}
    for item in items:
        name = getattr(item, kind.id_field)
        if name in seen:
            report.error(
                "id.duplicate",
                f"{kind.entry_word} id '{name}' is already used at {seen[name]}; "
                "ids must be unique",
                item.location,
            )
        else:
            seen[name] = item.location


def _check_glossary_forms(forms: list[tuple[str, str, str, str, Location]], report: Report) -> None:
    """Report a term or abbreviation that an earlier glossary term already has (whatever the
    case): the site's glossary is keyed by both, and a reading's words could name either."""
    seen: dict[str, tuple[str, str, str, Location]] = {}
    for form, field, ident, term, where in forms:
        key = form.lower()
        if key not in seen:
            seen[key] = (field, ident, term, where)
            continue
        other_field, other_id, other_term, other_where = seen[key]
        entry = "this entry" if other_id == ident else f"the glossary entry '{other_term}'"
        report.error(
            "term.duplicate",
            f"the {field} '{form}' is already the {other_field} of {entry} ({other_where}), "
            "whatever the case; the glossary lists each term and abbreviation once: change "
            "this one or leave it out",
            where,
        )


def _packets(
    meta_doc: Located, known: list[str], sequence: list[Session], report: Report
) -> tuple[Packet, ...]:
    """Return the packets reader.yaml names; report what no packet can be made of.

    A packet's readings keep the reader's order, so that it prints them, and numbers their
    questions, as the whole reader does.
    """
    order = {r: i for i, r in enumerate(meta_doc.data.get("readings", []))}
    found: list[Packet] = []
    seen: set[str] = set()
    for i, p in enumerate(meta_doc.data.get("packets", [])):
        where = meta_doc.at("packets", i)
        ident = p.get("id", "")
        if ident in seen:
            report.error(
                "id.duplicate",
                f"a second packet '{ident}'; give it another id",
                meta_doc.at("packets", i, "id"),
            )
        seen.add(ident)
        chosen, number = p.get("readings"), p.get("session")
        if (chosen is None) == (number is None):
            report.error(
                "packet.content",
                f"packet '{ident}' names both 'readings' and 'session'; keep one"
                if chosen is not None
                else f"packet '{ident}' names no readings; give 'readings' (a list of reading "
                "ids) or 'session' (a session's number in the sequence)",
                where,
            )
            continue
        if chosen is not None:
            _check_ids(
                chosen,
                known,
                "ref.reading",
                "reading",
                meta_doc.at("packets", i, "readings"),
                report,
            )
            readings = [r for r in chosen if r in order]
            found.append(
                Packet(ident, p.get("title", ident), tuple(sorted(readings, key=order.__getitem__)))
            )
            continue
        if not 1 <= number <= len(sequence):
            report.error(
                "packet.session",
                f"packet '{ident}' prints session {number}, but the sequence has "
                f"{len(sequence)} session{'s' if len(sequence) != 1 else ''}; sessions count "
                "from 1",
                meta_doc.at("packets", i, "session"),
            )
            continue
        s = sequence[number - 1]
        readings = [r for r in s.readings if r in order]
        found.append(
            Packet(
                ident,
                p.get("title", s.title),
                tuple(sorted(readings, key=order.__getitem__)),
                number,
                s.notes,
                s.questions,
            )
        )
    return tuple(found)


def _check_ids(
    ids: Iterable[str], known: Iterable[str], code: str, what: str, where: Location, report: Report
) -> None:
    known = list(known)
    for value in ids:
        if value not in known:
            report.error(code, f"unknown {what} '{value}'{_did_you_mean(value, known)}", where)


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=20).hexdigest()


#: Texts of at least this many characters in all, not searched before, are searched for
#: occurrences in a forked child while the rest of the reader resolves (some 30 readings);
#: for fewer, a fork costs more than it saves.
BACKGROUND_CHARS = 500_000

#: Where each entry of a group occurs: entry id -> its occurrences, in reading order.
Hits = dict[str, list[Anchor]]


def _search_key(forms: str, front: int, text: str) -> str:
    """Return the key of one text's occurrences of one group (forms: their digest)."""
    return _digest(forms, str(front), text)


def _occurrences(
    groups: list[list[Any]],
    readings: list[Reading],
    index_of: Callable[[Reading], TextIndex],
    cache: ParseCache | None,
) -> Callable[[], list[Hits]]:
    """Start finding where the entries of each group occur; return what collects them.

    A group is all glossary terms, or all entities, each searched with one
    :class:`OccurrenceFinder`. A text searched before with the same forms is answered from
    the cache; the others are searched in a forked child when there is enough of them
    (:data:`BACKGROUND_CHARS`), so that the caller can resolve the other annotations
    meanwhile, and otherwise here, when the answer is collected.
    """
    linked = [[(i.id, i.forms) for i in items if i.autolink] for items in groups]
    known: dict[tuple[int, int], Any] = {}
    todo: list[tuple[int, int, str]] = []  # (group, reading, cache key) to search
    for g in range(len(groups)):
        forms = _digest(repr(linked[g]))
        for n, reading in enumerate(readings):
            key = _search_key(forms, len(reading.front), reading.text)
            hits = cache.recall("occurrences", key) if cache else None
            if isinstance(hits, list):
                known[g, n] = hits
            else:
                todo.append((g, n, key))

    def search(todo: list[tuple[int, int, str]]) -> list[list[tuple[str, int, int]]]:
        finders: dict[int, OccurrenceFinder] = {}  # made only for groups searched here
        out = []
        for g, n, _ in todo:
            if g not in finders:
                finders[g] = OccurrenceFinder(linked[g])
            out.append(finders[g].find(readings[n].paragraphs, readings[n].text))
        return out

    size = sum(len(readings[n].text) for _, n, _ in todo)
    fork = bool(todo) and size >= BACKGROUND_CHARS
    pending = background.start(lambda: search(todo), fork=fork)

    def collect() -> list[Hits]:
        results = pending.result()
        for (g, n, key), hits_here in zip(todo, results, strict=True):
            known[g, n] = hits_here
            if cache:
                cache.remember("occurrences", key, hits_here)
        indexes = [index_of(x) for x in readings]
        out: list[Hits] = []
        for g, items in enumerate(groups):
            found: Hits = {i.id: [] for i in items}
            for n, index in enumerate(indexes):
                for entry, start, end in known[g, n]:
                    found[entry].append(index.anchor(start, end))
            out.append(found)
        return out

    return collect


def _merge(
    auto: list[Anchor], explicit: tuple[Anchor, ...], rank: dict[str, int]
) -> tuple[Anchor, ...]:
    spans = {(a.reading, a.start, a.end): a for a in auto}
    for a in explicit:
        spans[(a.reading, a.start, a.end)] = a
    return tuple(sorted(spans.values(), key=lambda a: (rank.get(a.reading, 0), a.start)))


def resolve(raw: RawProject, report: Report) -> Reader | None:
    """Resolve loaded records into a Reader; None when any error was reported."""
    r = _Resolver(raw, report)
    if raw.reader is None:
        return None
    readings = [x for x in (r.reading(s) for s in raw.seeds.values()) if x is not None]
    for seed in raw.seeds.values():
        r.index_partial(seed)
    order = [x.id for x in readings]

    def resolved(kind: Kind) -> list[Any]:
        make = getattr(r, kind.resolver)
        out = [entry for rec in raw.records[kind.name] for entry in make(rec)]
        if kind.entries is None:  # a file whose entry did not resolve counts as broken
            raw.failed(kind.name, *(set(r.declared[kind.name]) - {x.id for x in out}))
        return out

    found = [kind for kind in KINDS if kind.autolink]
    entries = {kind.name: resolved(kind) for kind in found}
    # Occurrences depend only on the texts and the forms: they are searched for (in the
    # background, for a large reader) while the other annotations resolve.
    occurrences = _occurrences(
        [entries[kind.name] for kind in found], readings, lambda x: r.indexes[x.id], raw.cache
    )
    for kind in KINDS:
        if kind.name not in entries:
            entries[kind.name] = resolved(kind)
    for kind in KINDS:
        for rec in raw.invalid.get(kind.name, []):
            r.salvage(rec)
    r.check_seed_hashes()
    for kind in KINDS:
        _check_unique(entries[kind.name], kind, report)
    _check_glossary_forms(r.glossary_forms, report)

    meta_doc = raw.reader
    sequence = []
    for i, s in enumerate(meta_doc.data.get("sequence", [])):
        where = meta_doc.at("sequence", i)
        # Against the readings the reader lists: one whose files could not be read is
        # reported there, not again here.
        _check_ids(s.get("readings", []), raw.seeds, "ref.reading", "reading", where, report)
        for kind, listed in ((KIND["note"], "notes"), (KIND["question"], "questions")):
            _check_ids(
                [x for x in s.get(listed, []) if not raw.unknown_is_expected(kind.name, x)],
                [x.id for x in entries[kind.name]],
                kind.ref_code or "schema.value",
                kind.entry_word,
                where,
                report,
            )
        sequence.append(
            Session(
                s["title"],
                tuple(s.get("readings", ())),
                tuple(s.get("notes", ())),
                tuple(s.get("questions", ())),
                s["plan"],
            )
        )

    packets = _packets(meta_doc, list(raw.seeds), sequence, report)

    textual: list[TextualNote] = entries["textual"]
    boilerplate: dict[str, set[int]] = {}
    by_id = {x.id: x for x in readings}
    for t in textual:
        # A reading whose metadata failed its schema has an index but no Reading.
        if t.kind == "boilerplate" and t.anchor and t.anchor.paragraph and t.reading in by_id:
            reading = by_id[t.reading]
            for p in reading.paragraphs:
                if p.start < t.anchor.end and t.anchor.start < p.end:
                    boilerplate.setdefault(t.reading, set()).add(p.number or 0)
    readings = [
        dataclasses.replace(
            x,
            paragraphs=tuple(
                dataclasses.replace(p, boilerplate=True) if p.number in marked else p
                for p in x.paragraphs
            ),
        )
        if (marked := boilerplate.get(x.id))
        else x
        for x in readings
    ]

    rank = {r: i for i, r in enumerate(order)}
    for kind, hits in zip(found, occurrences(), strict=True):
        entries[kind.name] = [
            dataclasses.replace(x, occurrences=_merge(hits[x.id], getattr(x, "anchors", ()), rank))
            for x in entries[kind.name]
        ]

    citation_style = _citation_style(meta_doc, raw.root, report)
    if not report.ok:
        return None
    m = meta_doc.data
    meta = ReaderMeta(
        id=m["id"],
        title=m["title"],
        subtitle=m.get("subtitle"),
        editors=tuple(m["editors"]),
        year=m["year"],
        publisher=m["publisher"],
        place=m.get("place"),
        url=m["url"] if m["url"].endswith("/") else m["url"] + "/",
        licence=" ".join(m["licence"].split()),
        language=m["language"],
        introduction=m["introduction"],
        sequence=tuple(sequence),
        keywords=tuple(m.get("keywords", ())),
        volume_readings=m.get("volume_readings", ReaderMeta.volume_readings),
        citation_style=citation_style,
        packets=packets,
        hypothesis_user=m.get("hypothesis_user"),
    )
    annotations = {
        kind.reader_field: tuple(
            sorted(entries[kind.name], key=kind.order) if kind.order else entries[kind.name]
        )
        for kind in KINDS
    }
    return Reader(
        meta=meta,
        readings=tuple(readings),
        references=tuple(sorted(raw.references, key=lambda ref: ref.key)),
        root=str(raw.root),
        **annotations,
    )


__all__ = ["Reference", "parse_date", "resolve"]


def _citation_style(meta_doc: Located, root: Path, report: Report) -> str | None:
    """Return the reader's citation style (a path made absolute), reporting one that is
    neither a style name nor a CSL file."""
    value = meta_doc.data.get("citation_style")
    if value is None:
        return None
    if value.endswith(".csl") or "/" in value:
        value = str((root / value).resolve())
    try:
        styles.style_path(value)
    except styles.UnknownStyle as exc:
        report.error("reader.style", f"{exc}", meta_doc.at("citation_style"))
        return None
    return str(value)
