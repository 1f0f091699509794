"""The kinds of file a reader is made of, and of annotation: one table that load and resolve read.

Each annotation kind says where its files are and what shape they have, which schema
checks them, what messages call it, which model class it becomes, which resolver makes
that class, and where the :class:`~coursepack.model.Reader` keeps the result. Load reads
every kind's files by this table and resolve resolves them by it, so a new kind is a
schema (:mod:`coursepack.schemas`), a row here, a model class and a Reader field
(:mod:`coursepack.model`), one resolver method (:mod:`coursepack.resolve`), its section of
the editors' guide, and a way for each output to show it: :attr:`Kind.shown` names where
each output does, so that adding a kind starts from the places its neighbours use.

This module holds data only; it imports the model and nothing that reads a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from coursepack.model import (
    ChronologyEvent,
    ContextDocument,
    Entity,
    FurtherReading,
    Note,
    Question,
    Term,
    TextualNote,
)

#: How a file is written: a Markdown file with YAML front matter, a YAML file, BibTeX, or
#: a plain text kept byte for byte.
Shape = Literal["markdown", "yaml", "bibtex", "text"]

#: The largest file coursepack reads, of any kind: no annotation file or seed text comes
#: near it, and a larger one is refused before it is read.
MAX_BYTES = 2 * 1024 * 1024

#: Fields that keep their line breaks in every kind: an anchor's quote and the text around
#: it are matched against the reading, whose lines they may span.
QUOTE_FIELDS = frozenset({"quote", "prefix", "suffix"})


@dataclass(frozen=True)
class FileKind:
    """A kind of input file: where it is, how it is written, how large it may be."""

    #: The kind's name.
    name: str
    #: Where its files are, from the reader's root: a folder (ending in ``/``) holding one
    #: file per entry or per reading, or one file.
    place: str
    shape: Shape
    #: What one of its files is called in messages ("historical note", "questions file").
    file_word: str
    #: The JSON Schema its YAML is checked against (:data:`coursepack.schemas.SCHEMAS`);
    #: None for files that hold no YAML.
    schema: str | None = None
    #: The YAML fields whose values keep their line breaks (Markdown, and quoted text);
    #: in every other field a line break or a tab, with the spaces around it, is read as
    #: one space, and spaces at either end are dropped.
    multiline: frozenset[str] = frozenset()
    #: The largest file of this kind that is read, in bytes.
    max_bytes: int = MAX_BYTES

    @property
    def in_folder(self) -> bool:
        """Return whether the kind's files are the files of a folder (or one file)."""
        return self.place.endswith("/")

    @property
    def suffix(self) -> str:
        """Return the ending of the kind's file names."""
        return {"markdown": ".md", "yaml": ".yaml", "bibtex": ".bib", "text": ".txt"}[self.shape]


@dataclass(frozen=True)
class Kind(FileKind):
    """A kind of annotation: its files, and what resolve makes of them."""

    #: What one entry is called in messages ("glossary term", "person or organization").
    entry_word: str = ""
    #: The field of a YAML file that lists its entries, each with an ``id``; None when
    #: each file is one entry, whose id is the file name without its suffix.
    entries: str | None = None
    #: The field of each listed entry that names it, and the model's attribute that
    #: holds it: ``id``, or ``key`` for a work of further reading.
    id_field: str = "id"
    #: The model class of a resolved entry.
    model: type = object
    #: The method of :mod:`coursepack.resolve`'s resolver that turns one file's record
    #: into entries of :attr:`model` (a test checks that it exists).
    resolver: str = ""
    #: The :class:`~coursepack.model.Reader` field that holds the resolved entries.
    reader_field: str = ""
    #: The diagnostic code of a reference to an id of this kind that does not exist; None
    #: when nothing refers to its entries by id.
    ref_code: str | None = None
    #: Whether the entries' forms are also found in the texts (glossary terms, names).
    autolink: bool = False
    #: The order the Reader lists the entries in (a sort key); None: as read, file by
    #: file in name order.
    order: Callable[[Any], Any] | None = None
    #: Where each output shows the kind's entries, by output (``site``, ``pdf``, ``epub``,
    #: ``cite``): ``module:qualified.name`` of the code that does, which a test imports.
    #: Load and resolve never read it; it tells a reader of the code where to look.
    shown: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


READER = FileKind(
    "reader",
    "annotations/reader.yaml",
    "yaml",
    "reader metadata",
    schema="reader",
    multiline=frozenset({"introduction", "plan"}),
)
SEED_META = FileKind("seed", "seeds/", "yaml", "seed metadata", schema="seed")
#: A seed text is read byte for byte and never changed, line breaks and all.
SEED_TEXT = FileKind("seed-text", "seeds/", "text", "seed text")
REFERENCES = FileKind("references", "annotations/references.bib", "bibtex", "references.bib")


def _shown(places: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(places)


#: The annotation kinds, in the order resolve takes them: glossary terms and names first,
#: since the other kinds refer to them and their occurrences are searched for while the
#: others resolve.
KINDS: tuple[Kind, ...] = (
    Kind(
        "term",
        "annotations/glossary/",
        "markdown",
        "glossary term",
        schema="term",
        multiline=QUOTE_FIELDS,
        entry_word="glossary term",
        model=Term,
        resolver="terms",
        shown=_shown(
            {
                "site": "coursepack.render.site.directives.apparatus:TermDirective",
                "pdf": "coursepack.render.pdf.context:_Builder.term",
                "epub": "coursepack.render.epub.book:Book.term",
                "cite": "coursepack.refs.keys:term_key",
            }
        ),
        reader_field="terms",
        ref_code="ref.term",
        autolink=True,
        order=lambda term: term.term.casefold(),
    ),
    Kind(
        "entity",
        "annotations/entities.yaml",
        "yaml",
        "people and organizations",
        schema="entities",
        entry_word="person or organization",
        entries="entities",
        model=Entity,
        resolver="entities",
        shown=_shown(
            {
                "site": "coursepack.render.site.directives.apparatus:EntitiesDirective",
                "pdf": "coursepack.render.pdf.context:_Builder.index",
                "epub": "coursepack.render.epub.book:Book.index",
                "cite": "coursepack.refs.keys:entity_key",
            }
        ),
        reader_field="entities",
        ref_code="ref.entity",
        autolink=True,
        order=lambda entity: entity.name.casefold(),
    ),
    Kind(
        "note",
        "annotations/notes/",
        "markdown",
        "historical note",
        schema="note",
        multiline=QUOTE_FIELDS | {"teaching"},
        entry_word="historical note",
        model=Note,
        resolver="notes",
        shown=_shown(
            {
                "site": "coursepack.render.site.directives.apparatus:NoteDirective",
                "pdf": "coursepack.render.pdf.context:_Builder.note",
                "epub": "coursepack.render.epub.book:Book.note",
                "cite": "coursepack.refs.keys:note_key",
            }
        ),
        reader_field="notes",
        ref_code="ref.note",
        order=lambda note: (note.period.start.sort_key(), note.id),
    ),
    Kind(
        "question",
        "annotations/questions/",
        "yaml",
        "questions file",
        schema="questions",
        multiline=QUOTE_FIELDS | {"question", "teaching_note"},
        entry_word="question",
        entries="questions",
        model=Question,
        resolver="questions",
        shown=_shown(
            {
                "site": "coursepack.render.site.directives.reading:QuestionsDirective",
                "pdf": "coursepack.render.pdf.context:_Builder.question",
                "epub": "coursepack.render.epub.book:Book.questions",
            }
        ),
        reader_field="questions",
        ref_code="ref.question",
    ),
    Kind(
        "textual",
        "annotations/textual/",
        "yaml",
        "textual notes file",
        schema="textual",
        multiline=QUOTE_FIELDS | {"note"},
        entry_word="textual note",
        entries="notes",
        model=TextualNote,
        resolver="textual_notes",
        shown=_shown(
            {
                "site": "coursepack.render.site.directives.reading:ReadingTextDirective",
                "pdf": "coursepack.render.pdf.context:_Builder.textual",
                "epub": "coursepack.render.epub.book:Book.textual",
            }
        ),
        reader_field="textual_notes",
    ),
    Kind(
        "chronology",
        "annotations/chronology.yaml",
        "yaml",
        "chronology",
        schema="chronology",
        multiline=frozenset({"event"}),
        entry_word="chronology event",
        entries="events",
        model=ChronologyEvent,
        resolver="chronology",
        shown=_shown(
            {
                "site": "coursepack.render.site.directives.apparatus:ChronologyDirective",
                "pdf": "coursepack.render.pdf.context:_Builder.chronology",
                "epub": "coursepack.render.epub.book:Book.chronology",
            }
        ),
        reader_field="chronology",
        order=lambda event: (
            event.period.start.sort_key(),
            (event.period.end or event.period.start).sort_key(),
            event.id,
        ),
    ),
    Kind(
        "context",
        "annotations/contexts/",
        "markdown",
        "context document",
        schema="context",
        multiline=frozenset({"provenance", "headnote"}),
        entry_word="context document",
        model=ContextDocument,
        resolver="contexts",
        shown=_shown(
            {
                "site": "coursepack.render.site.directives.documents:ContextDirective",
                "pdf": "coursepack.render.pdf.context:_Builder.context_document",
                "epub": "coursepack.render.epub.book:Book.contexts",
                "cite": "coursepack.refs.keys:context_key",
            }
        ),
        reader_field="contexts",
    ),
    Kind(
        "further-reading",
        "annotations/further-reading.yaml",
        "yaml",
        "further reading",
        schema="further-reading",
        multiline=frozenset({"annotation"}),
        entry_word="work of further reading",
        entries="works",
        id_field="key",
        model=FurtherReading,
        resolver="further_reading",
        shown=_shown(
            {
                "site": "coursepack.render.site.directives.pages:BibliographyDirective",
                "pdf": "coursepack.render.pdf.context:_Builder.further_reading",
                "epub": "coursepack.render.epub:render_epub",
            }
        ),
        reader_field="further_reading",
    ),
)

#: Every kind by name.
BY_NAME: dict[str, FileKind] = {k.name: k for k in (READER, SEED_META, SEED_TEXT, REFERENCES)}
BY_NAME.update((k.name, k) for k in KINDS)
