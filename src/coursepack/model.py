"""The resolved reader: frozen dataclasses with no I/O.

``load`` and ``resolve`` produce a :class:`Reader`; every renderer reads only this model.
Offsets are Unicode code points into :attr:`Reading.text`, the verbatim seed text; ends are
exclusive, as in the W3C TextPositionSelector. Markdown bodies stay Markdown source: the
renderers turn them into safe HTML (:mod:`coursepack.render.markup`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, NamedTuple, TypeVar

from coursepack.diagnostics import Location

Level = Literal["recall", "interpret", "compare", "evaluate"]
LEVELS: tuple[Level, ...] = ("recall", "interpret", "compare", "evaluate")

TextualKind = Literal[
    "sic",
    "error",
    "variant",
    "residue",
    "boilerplate",
    "missing-quote",
    "duplicated",
    "displaced",
    "metadata",
]
TEXTUAL_KINDS: tuple[TextualKind, ...] = (
    "sic",
    "error",
    "variant",
    "residue",
    "boilerplate",
    "missing-quote",
    "duplicated",
    "displaced",
    "metadata",
)

EntityKind = Literal[
    "person", "union", "federation", "party", "publication", "organization", "government"
]
ENTITY_KINDS: tuple[EntityKind, ...] = (
    "person",
    "union",
    "federation",
    "party",
    "publication",
    "organization",
    "government",
)

ReadingType = Literal[
    "newspaper",
    "magazine",
    "journal",
    "webpage",
    "blog",
    "speech",
    "chapter",
    "book",
    "letter",
    "report",
    "interview",
    "pamphlet",
    "manuscript",
]
#: What a reading can be, for its citations: an article of a newspaper, a magazine or a
#: journal, a web page, a blog post, a speech, a chapter of a book, a book, a letter, a
#: report, an interview, a pamphlet or a manuscript.
READING_TYPES: tuple[ReadingType, ...] = (
    "newspaper",
    "magazine",
    "journal",
    "webpage",
    "blog",
    "speech",
    "chapter",
    "book",
    "letter",
    "report",
    "interview",
    "pamphlet",
    "manuscript",
)

ContextKind = Literal["law", "contract", "statement"]
CONTEXT_KINDS: tuple[ContextKind, ...] = ("law", "contract", "statement")


class PersonName(str):
    """A personal name: the string is the name as displayed ("Luis Feliz Leon").

    Metadata writes a name "Given Family", or "Family, Given" when the family name has
    several words (``Feliz Leon, Luis``); :attr:`family` and :attr:`given` keep the parts.
    """

    family: str
    given: str

    def __new__(cls, written: str) -> PersonName:
        """Parse a name written "Given Family" or "Family, Given"."""
        written = " ".join(written.split())
        if "," in written:
            family, given = (p.strip() for p in written.split(",", 1))
        else:
            *first, last = written.split(" ") if written else [""]
            family, given = last, " ".join(first)
        self = super().__new__(cls, f"{given} {family}".strip())
        self.family = family
        self.given = given
        return self

    def __getnewargs__(self) -> tuple[str]:
        return (f"{self.family}, {self.given}" if self.given else self.family,)


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        """Return ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
        out = f"{self.year:04d}"
        if self.month is not None:
            out += f"-{self.month:02d}"
            if self.day is not None:
                out += f"-{self.day:02d}"
        return out

    def sort_key(self) -> tuple[int, int, int]:
        """Return a key that sorts a less precise date before a more precise one."""
        return (self.year, self.month or 0, self.day or 0)

    def __str__(self) -> str:
        return self.iso()


@dataclass(frozen=True)
class Period:
    """When a historical note's events happened, for the timeline."""

    start: PartialDate
    #: Last day of the period, or None for a single date.
    end: PartialDate | None = None
    #: How to show the period when the dates alone would mislead ("winter 1985–86").
    label: str | None = None


@dataclass(frozen=True)
class Source:
    """A citation of a reference, optionally pinpointed."""

    #: Key in references.bib.
    key: str
    #: Pages, chapter or section cited ("pp. 45–52"), as written.
    locator: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """A block of a reading: text between blank lines."""

    #: Paragraph number (¶), from 1; None for the front blocks (headline, byline).
    number: int | None
    #: Offset of the first character.
    start: int
    #: Offset just past the last character.
    end: int
    #: The block's verbatim text.
    text: str
    #: Whether a textual note marks the block as boilerplate (site furniture, sign-up
    #: prompts, captions). Boilerplate keeps its number so numbers never shift.
    boilerplate: bool = False


@dataclass(frozen=True)
class Anchor:
    """A resolved span of a reading."""

    reading: str
    #: Paragraph number where the span starts (None in a front block).
    paragraph: int | None
    start: int
    end: int
    #: The reading's text at [start, end).
    exact: str
    #: Up to 32 code points before the span.
    prefix: str
    #: Up to 32 code points after the span.
    suffix: str
    #: Where the anchor was written; None for occurrences found automatically.
    location: Location | None = None

    @property
    def explicit(self) -> bool:
        """Return whether an editor wrote this anchor (rather than it being found)."""
        return self.location is not None


#: The kinds of annotation that cover a span of a reading.
AnnotationKind = Literal["note", "textual", "question", "term", "entity"]


class Span(NamedTuple):
    """An annotation's span within a reading (:meth:`Reader.spans_in`)."""

    kind: AnnotationKind
    #: The annotation's id (note, textual note, question, term or entity id).
    id: str
    start: int
    end: int
    #: The textual note's kind, for textual notes.
    detail: str = ""


@dataclass(frozen=True)
class Reading:
    """A source text and its metadata."""

    #: Slug, the seed's file name without ``.txt``.
    id: str
    title: str
    #: Personal authors; each displays as "Given Family" and keeps its parts.
    authors: tuple[PersonName, ...]
    #: An organisation credited as author when no person is (an editorial).
    corporate_author: str | None
    date: PartialDate
    url: str
    genre: str
    language: str
    #: Fields the editors supplied because the text does not state them.
    supplied: frozenset[str]
    original_filename: str
    sha256: str
    #: The verbatim text of the seed.
    text: str
    #: Front blocks (headline, byline as received), not numbered.
    front: tuple[Paragraph, ...]
    #: Numbered paragraphs.
    paragraphs: tuple[Paragraph, ...]
    #: Path of the seed text, relative to the reader's root.
    text_path: str
    #: Path of the metadata file, relative to the reader's root.
    meta_path: str
    #: The citation key the editors fixed (``key:``), or None to make one.
    key: str | None = None
    #: The publication the text appeared in (a newspaper, a website, a book); "" when
    #: there is none, as for a speech or a letter.
    outlet: str = ""
    #: A one-line note on the outlet and its perspective; "" when none is given.
    perspective: str = ""
    #: What kind of text it is, for its citations (:data:`READING_TYPES`); None to go by
    #: the outlet: an article of a named outlet, else a web page or a manuscript.
    type: ReadingType | None = None

    def is_supplied(self, field_name: str) -> bool:
        """Return whether the editors supplied a metadata field."""
        return field_name in self.supplied

    def paragraph(self, number: int) -> Paragraph:
        """Return paragraph ¶number."""
        return self.paragraphs[number - 1]

    def paragraph_at(self, offset: int) -> Paragraph | None:
        """Return the block (front or numbered) that contains an offset."""
        for block in (*self.front, *self.paragraphs):
            if block.start <= offset < block.end:
                return block
        return None

    @property
    def author_label(self) -> str:
        """Return the author or authors as a short label ("Crosse", "Workers Vanguard")."""
        if self.authors:
            surnames = [a.family for a in self.authors]
            if len(surnames) > 2:
                return f"{surnames[0]} et al."
            return " and ".join(surnames)
        return self.corporate_author or self.outlet


@dataclass(frozen=True)
class Note:
    """A historical or contextual note."""

    id: str
    title: str
    #: Markdown.
    body: str
    period: Period
    sources: tuple[Source, ...]
    anchors: tuple[Anchor, ...]
    #: Ids of related glossary terms.
    terms: tuple[str, ...]
    #: Ids of people and organizations the note is about.
    entities: tuple[str, ...]
    #: Markdown shown only in the instructor edition.
    teaching: str | None
    location: Location


def term_forms(term: str, abbreviation: str | None, aliases: Iterable[str]) -> tuple[str, ...]:
    """Return every form of a glossary term that counts as an occurrence."""
    return (term, *([abbreviation] if abbreviation else []), *aliases)


@dataclass(frozen=True)
class Term:
    """A glossary entry."""

    id: str
    term: str
    abbreviation: str | None
    #: Other forms that occur in the texts.
    aliases: tuple[str, ...]
    #: Markdown.
    definition: str
    see_also: tuple[str, ...]
    sources: tuple[Source, ...]
    #: Anchors the editors wrote.
    anchors: tuple[Anchor, ...]
    #: Every occurrence in the readings, found automatically or anchored, in reading order.
    occurrences: tuple[Anchor, ...]
    #: Whether occurrences are looked for automatically.
    autolink: bool
    location: Location

    @property
    def forms(self) -> tuple[str, ...]:
        """Return every form that counts as an occurrence."""
        return term_forms(self.term, self.abbreviation, self.aliases)


@dataclass(frozen=True)
class Question:
    """A discussion question."""

    id: str
    #: Markdown.
    text: str
    level: Level
    #: One reading, or several for a comparative question.
    readings: tuple[str, ...]
    anchors: tuple[Anchor, ...]
    #: Markdown for the instructor edition only.
    teaching_note: str | None
    location: Location

    @property
    def comparative(self) -> bool:
        """Return whether the question spans several readings."""
        return len(self.readings) > 1


@dataclass(frozen=True)
class TextualNote:
    """An editorial note on the text as received."""

    id: str
    reading: str
    kind: TextualKind
    #: The span concerned; None for a note on the whole text (missing metadata).
    anchor: Anchor | None
    #: Markdown.
    note: str
    #: The correct reading, where it can be established.
    correction: str | None
    sources: tuple[Source, ...]
    location: Location


@dataclass(frozen=True)
class Entity:
    """A person or organization named in the readings."""

    id: str
    name: str
    kind: EntityKind
    #: One line identifying the entity.
    description: str
    aliases: tuple[str, ...]
    sources: tuple[Source, ...]
    #: Every occurrence in the readings.
    occurrences: tuple[Anchor, ...]
    autolink: bool
    location: Location
    #: How an index writes and sorts the name ("Feliz Leon, Luis"), when the last word of
    #: a person's name is not the family name; None to derive it.
    sort_as: str | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        """Return every form that counts as an occurrence."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class ChronologyEvent:
    """An event the readings name, on the reader's chronology."""

    id: str
    #: When it happened: a day (or a month, when only the month is known), or a span of
    #: days from ``start`` to ``end``; never labelled, so every date is shown alike.
    period: Period
    #: Markdown: what happened, in a sentence or two.
    event: str
    #: The works that establish it (at least one).
    sources: tuple[Source, ...]
    #: Ids of the historical notes that tell more.
    notes: tuple[str, ...]
    location: Location


def publication_id(reading_id: str) -> str:
    """Return the id of a reading's publication as an entry of the chronology.

    The chronology lists each reading's publication among its events; no event may take
    this id.
    """
    return f"published-{reading_id}"


@dataclass(frozen=True)
class ContextDocument:
    """A text the readings argue about, reproduced with its provenance: a law, a contract's
    clause or a public statement; a document of the reader, with a page and a citation."""

    id: str
    title: str
    kind: ContextKind
    #: The work the text is reproduced from (a key in references.bib, maybe pinpointed).
    source: Source
    #: Where the text as reproduced can be read.
    url: str
    #: Markdown: where the text was taken from, what it was checked against, what is left
    #: out, and why it may be reproduced.
    provenance: str
    #: Markdown: what the text is and why it matters to the readings.
    headnote: str
    #: Ids of the readings that argue about it, as the editors list them.
    readings: tuple[str, ...]
    #: Markdown: the text reproduced (quotations as block quotes, omissions marked […]).
    text: str
    location: Location


@dataclass(frozen=True)
class FurtherReading:
    """A scholarly work recommended for further reading, with what it offers."""

    #: Key in references.bib.
    key: str
    #: Markdown: one sentence on what the work offers a student of the readings.
    annotation: str
    location: Location


@dataclass(frozen=True)
class Reference:
    """A bibliography entry from references.bib, fields as plain Unicode text."""

    key: str
    #: BibTeX entry type, lower case ("book", "article", "online").
    entry_type: str
    #: Field name (lower case) to value, LaTeX decoded.
    fields: dict[str, str] = field(hash=False, compare=False)
    location: Location | None = None

    def get(self, name: str, default: str = "") -> str:
        """Return a field's value."""
        return self.fields.get(name, default)


@dataclass(frozen=True)
class Session:
    """One class meeting in the suggested sequence of the instructor guide."""

    title: str
    readings: tuple[str, ...]
    notes: tuple[str, ...]
    questions: tuple[str, ...]
    #: Markdown.
    plan: str


@dataclass(frozen=True)
class Packet:
    """A printed selection of readings for one class: chosen readings or one session."""

    id: str
    title: str
    #: Its readings, in the reader's order (numbers stay those of the whole reader).
    readings: tuple[str, ...]
    #: The session it prints (1 for the first of the sequence), or None for chosen readings.
    session: int | None = None
    #: Historical notes and questions the session lists besides its readings' own (the
    #: comparative questions it discusses, notes anchored in other readings).
    notes: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReaderMeta:
    """The reader's own metadata, from annotations/reader.yaml."""

    id: str
    title: str
    subtitle: str | None
    editors: tuple[str, ...]
    year: int
    publisher: str
    place: str | None
    #: Base URL of the published site ("https://example.org/reader/"), ends with "/".
    url: str
    licence: str
    language: str
    #: Markdown.
    introduction: str
    sequence: tuple[Session, ...]
    keywords: tuple[str, ...]
    #: At most this many readings go into one printed volume of the course reader.
    volume_readings: int = 25
    #: The citation style of the site and the PDFs (a style name or a .csl path), or None
    #: for Chicago author-date.
    citation_style: str | None = None
    #: The packets the reader names, in its order.
    packets: tuple[Packet, ...] = ()
    #: The Hypothesis account (``acct:username@authority``) named as the author of the
    #: annotations in their Hypothesis import file, or None for a placeholder.
    hypothesis_user: str | None = None


@dataclass(frozen=True)
class Reader:
    """A fully resolved reader: renderers read nothing else."""

    meta: ReaderMeta
    readings: tuple[Reading, ...]
    notes: tuple[Note, ...]
    terms: tuple[Term, ...]
    questions: tuple[Question, ...]
    textual_notes: tuple[TextualNote, ...]
    entities: tuple[Entity, ...]
    references: tuple[Reference, ...]
    #: Absolute path of the reader's root directory.
    root: str
    #: The chronology's events, by date, then end, then id (the readings' own publication
    #: dates are added by the shared layer: :attr:`coursepack.refs.orders.Orders.chronology`).
    chronology: tuple[ChronologyEvent, ...] = ()
    #: The context documents, by id.
    contexts: tuple[ContextDocument, ...] = ()
    #: The works of further reading, as the editors list them, each once.
    further_reading: tuple[FurtherReading, ...] = ()

    @cached_property
    def _readings(self) -> dict[str, Reading]:
        return {r.id: r for r in self.readings}

    @cached_property
    def _notes(self) -> dict[str, Note]:
        return {n.id: n for n in self.notes}

    @cached_property
    def _terms(self) -> dict[str, Term]:
        return {t.id: t for t in self.terms}

    @cached_property
    def _entities(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    @cached_property
    def _references(self) -> dict[str, Reference]:
        return {r.key: r for r in self.references}

    @cached_property
    def _contexts(self) -> dict[str, ContextDocument]:
        return {c.id: c for c in self.contexts}

    @cached_property
    def _events(self) -> dict[str, ChronologyEvent]:
        return {e.id: e for e in self.chronology}

    @property
    def annotation_count(self) -> int:
        """Return how many annotations of every kind the reader holds."""
        return (
            len(self.notes)
            + len(self.terms)
            + len(self.questions)
            + len(self.textual_notes)
            + len(self.entities)
            + len(self.chronology)
            + len(self.contexts)
            + len(self.further_reading)
        )

    @cached_property
    def volumes(self) -> tuple[tuple[str, ...], ...]:
        """Return the reading ids of each printed volume, in reading order.

        A reader of at most ``meta.volume_readings`` readings is one volume. A longer one
        is cut between sessions of the class sequence where it can be: consecutive readings
        of one session stay together unless the session alone is longer than a volume.
        """
        size = max(1, self.meta.volume_readings)
        ids = [r.id for r in self.readings]
        if len(ids) <= size:
            return (tuple(ids),)
        session: dict[str, int] = {}
        for number, s in enumerate(self.meta.sequence):
            for reading_id in s.readings:
                session.setdefault(reading_id, number)
        runs: list[list[str]] = []
        for reading_id in ids:
            key = session.get(reading_id)
            if runs and key is not None and session.get(runs[-1][-1]) == key:
                runs[-1].append(reading_id)
            else:
                runs.append([reading_id])
        volumes: list[list[str]] = [[]]
        for run in runs:
            for start in range(0, len(run), size):
                piece = run[start : start + size]
                if volumes[-1] and len(volumes[-1]) + len(piece) > size:
                    volumes.append([])
                volumes[-1].extend(piece)
        return tuple(tuple(v) for v in volumes)

    def reading(self, reading_id: str) -> Reading:
        """Return a reading by id."""
        return self._readings[reading_id]

    def note(self, note_id: str) -> Note:
        """Return a historical note by id."""
        return self._notes[note_id]

    def term(self, term_id: str) -> Term:
        """Return a glossary term by id."""
        return self._terms[term_id]

    def entity(self, entity_id: str) -> Entity:
        """Return a person or organization by id."""
        return self._entities[entity_id]

    def reference(self, key: str) -> Reference:
        """Return a reference by key."""
        return self._references[key]

    def context(self, context_id: str) -> ContextDocument:
        """Return a context document by id."""
        return self._contexts[context_id]

    def event(self, event_id: str) -> ChronologyEvent:
        """Return an event of the chronology by id."""
        return self._events[event_id]

    def contexts_for(self, reading_id: str) -> list[ContextDocument]:
        """Return the context documents a reading argues about, by id."""
        return [c for c in self.contexts if reading_id in c.readings]

    def notes_for(self, reading_id: str) -> list[tuple[Note, Anchor]]:
        """Return (note, anchor) pairs anchored in a reading, in text order."""
        return list(self._notes_by_reading.get(reading_id, ()))

    def textual_notes_for(self, reading_id: str) -> list[TextualNote]:
        """Return a reading's textual notes, in text order (whole-text notes first)."""
        return list(self._textual_by_reading.get(reading_id, ()))

    def questions_for(self, reading_id: str) -> list[Question]:
        """Return the questions on one reading only (not the comparative ones)."""
        return list(self._questions_by_reading.get(reading_id, ()))

    @property
    def comparative_questions(self) -> list[Question]:
        """Return the questions that span several readings."""
        return list(self._comparative)

    def spans_in(self, reading_id: str) -> list[Span]:
        """Return the span of every annotation in a reading (notes, textual notes,
        questions, terms, entities, in that order; each kind in the reader's order)."""
        return list(self._spans_by_reading.get(reading_id, ()))

    # Each lookup by reading is made once, in one pass over the annotations: a reader of
    # hundreds of readings looked up for each would go over every annotation each time.

    @cached_property
    def _notes_by_reading(self) -> dict[str, list[tuple[Note, Anchor]]]:
        found: dict[str, list[tuple[Note, Anchor]]] = {}
        for n in self.notes:
            for a in n.anchors:
                found.setdefault(a.reading, []).append((n, a))
        for pairs in found.values():
            pairs.sort(key=lambda p: (p[1].start, p[0].id))
        return found

    @cached_property
    def _textual_by_reading(self) -> dict[str, list[TextualNote]]:
        found: dict[str, list[TextualNote]] = {}
        for t in self.textual_notes:
            found.setdefault(t.reading, []).append(t)
        for notes in found.values():
            notes.sort(key=lambda t: (t.anchor.start if t.anchor else -1, t.id))
        return found

    @cached_property
    def _questions_by_reading(self) -> dict[str, list[Question]]:
        found: dict[str, list[Question]] = {}
        for q in self.questions:
            if len(q.readings) == 1:
                found.setdefault(q.readings[0], []).append(q)
        return found

    @cached_property
    def _comparative(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.comparative)

    @cached_property
    def _spans_by_reading(self) -> dict[str, list[Span]]:
        found: dict[str, list[Span]] = {}

        def add(reading: str, span: Span) -> None:
            found.setdefault(reading, []).append(span)

        for n in self.notes:
            for a in n.anchors:
                add(a.reading, Span("note", n.id, a.start, a.end))
        for t in self.textual_notes:
            if t.anchor is not None:
                add(t.reading, Span("textual", t.id, t.anchor.start, t.anchor.end, t.kind))
        for q in self.questions:
            for a in q.anchors:
                add(a.reading, Span("question", q.id, a.start, a.end))
        for term in self.terms:
            for o in term.occurrences:
                add(o.reading, Span("term", term.id, o.start, o.end))
        for entity in self.entities:
            for o in entity.occurrences:
                add(o.reading, Span("entity", entity.id, o.start, o.end))
        return found

    @cached_property
    def _terms_by_reading(self) -> dict[str, list[Term]]:
        return _by_reading(sorted(self.terms, key=lambda t: t.term.casefold()))

    @cached_property
    def _entities_by_reading(self) -> dict[str, list[Entity]]:
        return _by_reading(sorted(self.entities, key=lambda e: e.name.casefold()))

    def terms_in(self, reading_id: str) -> list[Term]:
        """Return the glossary terms that occur in a reading, alphabetically."""
        return list(self._terms_by_reading.get(reading_id, ()))

    def entities_in(self, reading_id: str) -> list[Entity]:
        """Return the people and organizations that occur in a reading."""
        return list(self._entities_by_reading.get(reading_id, ()))


_Found = TypeVar("_Found", Term, Entity)


def _by_reading(items: list[_Found]) -> dict[str, list[_Found]]:
    """Return the items that occur in each reading, each once, in the order given."""
    found: dict[str, list[_Found]] = {}
    for item in items:
        for reading in dict.fromkeys(o.reading for o in item.occurrences):
            found.setdefault(reading, []).append(item)
    return found
