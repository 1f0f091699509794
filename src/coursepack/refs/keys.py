"""Readable, stable BibTeX keys for everything a reader makes citable.

The scheme (documented for users in ``docs/citations.md``):

* the reader: the first two significant words of its title, its year and ``reader``
  (``daytruth2026reader``);
* a reading: the first author's surname, else the corporate author, else the outlet when the
  text names it, else ``anon``; then the year and the first significant word of the title
  (``crosse2026union``, ``workersvanguard2026union``, ``anon2026something``);
* a historical note, glossary term or person or organization entry, a part of the
  reader: the reader's stem, the kind and the id (``daytruth2026:note:teamsters-1934``,
  ``daytruth2026:term:cba``, ``daytruth2026:entity:jacob-crosse``);
* a context document (a law, a contract or a statement reproduced in the reader): the
  same, of kind ``context`` (``daytruth2026:context:nlra-sections-7-13``);
* a reference keeps the key it has in ``references.bib``.

Keys are lower-case ASCII (letters transliterated, marks dropped). Each key depends only on
its own item (and the reader's title and year), or on the ``key:`` its seed metadata fixes:
adding, removing or editing anything else never changes it. Two works never share a key
and no key is ever moved to make room: when a reading's key is already a reference's, or
another reading's, ``coursepack check`` says so (:func:`problems`), and the editor fixes
one of them. (So that a build can never run with such a clash, the table itself still
tells them apart, with ``-`` and four hex digits of the SHA-1 of the reading's id.)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from coursepack.model import (
    ContextDocument,
    Entity,
    Note,
    PersonName,
    Reader,
    ReaderMeta,
    Reading,
    Reference,
    Term,
)

Kind = Literal["reader", "reading", "note", "term", "entity", "context", "reference"]

#: Words skipped when looking for the first significant word of a title.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "as",
        "into",
        "onto",
        "upon",
        "about",
        "over",
        "under",
        "after",
        "before",
        "some",
        "do",
        "does",
        "is",
        "are",
        "was",
        "were",
        "be",
    ]
)

#: Letters that Unicode decomposition leaves alone, spelled in ASCII.
_TRANSLITERATIONS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


@dataclass(frozen=True)
class Citable:
    """One citable item and its key."""

    key: str
    kind: Kind
    #: The item's id in the model (the reader's id, a reading id, a note or term id, the
    #: reference key).
    id: str


def ascii_fold(text: str) -> str:
    """Return text transliterated to ASCII (diacritics dropped)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode("ascii")
    )


def slug_word(text: str) -> str:
    """Return text as one lower-case ASCII word (letters and digits only)."""
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text).lower())


def _words(text: str) -> list[str]:
    return [w for w in (slug_word(p) for p in re.split(r"[\s\-–—/]+", text)) if w]


def significant_words(title: str) -> list[str]:
    """Return the words of a title that are not articles, prepositions or the like."""
    words = _words(title)
    found = [w for w in words if w not in STOPWORDS]
    return found or words


def family_name(name: str) -> str:
    """Return the family name of a personal name written "First Last" or "Last, First"."""
    if isinstance(name, PersonName):
        return name.family
    if "," in name:
        return name.split(",", 1)[0].strip()
    parts = name.split()
    return parts[-1] if parts else name


def reader_stem(meta: ReaderMeta) -> str:
    """Return the prefix shared by the reader's own keys (``daytruth2026``)."""
    words = significant_words(meta.title)[:2] or [slug_word(meta.id)]
    return "".join(words) + str(meta.year)


def reader_key(meta: ReaderMeta) -> str:
    """Return the key of the reader as a whole."""
    return reader_stem(meta) + "reader"


def reading_base_key(reading: Reading) -> str:
    """Return a reading's key before any collision suffix."""
    if reading.authors:
        who = slug_word(family_name(reading.authors[0]))
    elif reading.corporate_author:
        who = slug_word(reading.corporate_author)
    elif reading.outlet and not reading.is_supplied("outlet"):
        who = slug_word(reading.outlet)
    else:
        who = "anon"
    title = significant_words(reading.title)
    return f"{who or 'anon'}{reading.date.year}{title[0] if title else ''}"


def reading_key(reading: Reading) -> str:
    """Return the key a reading asks for: the one its metadata fixes, else its base key."""
    return reading.key or reading_base_key(reading)


@dataclass(frozen=True)
class KeyProblem:
    """Two works that would share a citation key."""

    key: str
    #: The reading that asks for the key.
    reading: str
    #: What already has it: a reference's key, or another reading's id.
    holder: str
    holder_kind: Literal["reference", "reading"]

    def message(self, meta_path: str) -> str:
        """Return what is wrong and how to fix it."""
        what = (
            f"the key of reference '{self.holder}' in annotations/references.bib"
            if self.holder_kind == "reference"
            else f"the key of reading '{self.holder}' too"
        )
        return (
            f"reading '{self.reading}' would be cited as '{self.key}', which is {what}; "
            f"keys never move, so set another one with key: in {meta_path} "
            f"(for instance key: {self.key}-{slug_word(self.reading)[:12]})"
            + (", or rename the reference" if self.holder_kind == "reference" else "")
        )


def problems(reader: Reader) -> list[KeyProblem]:
    """Return every reading whose key another work already has (references first, then
    the readings in id order: the first to ask keeps nothing it does not already have)."""
    taken: dict[str, tuple[str, Literal["reference", "reading"]]] = {
        ref.key.casefold(): (ref.key, "reference") for ref in reader.references
    }
    found = []
    for reading in sorted(reader.readings, key=lambda r: r.id):
        key = reading_key(reading)
        holder = taken.get(key.casefold())
        if holder is not None:
            found.append(KeyProblem(key, reading.id, holder[0], holder[1]))
        else:
            taken[key.casefold()] = (reading.id, "reading")
    return found


def note_key(meta: ReaderMeta, note: Note | str) -> str:
    """Return the key of a historical note."""
    return f"{reader_stem(meta)}:note:{note if isinstance(note, str) else note.id}"


def term_key(meta: ReaderMeta, term: Term | str) -> str:
    """Return the key of a glossary term."""
    return f"{reader_stem(meta)}:term:{term if isinstance(term, str) else term.id}"


def entity_key(meta: ReaderMeta, entity: Entity | str) -> str:
    """Return the key of a person's or organization's entry."""
    return f"{reader_stem(meta)}:entity:{entity if isinstance(entity, str) else entity.id}"


def context_key(meta: ReaderMeta, context: ContextDocument | str) -> str:
    """Return the key of a context document."""
    return f"{reader_stem(meta)}:context:{context if isinstance(context, str) else context.id}"


def _suffix(item_id: str) -> str:
    return hashlib.sha1(item_id.encode("utf-8")).hexdigest()[:4]


class KeyTable:
    """Every citable key of one reader, in both directions."""

    def __init__(self, reader: Reader) -> None:
        meta = reader.meta
        self.items: dict[str, Citable] = {}
        taken: set[str] = set()

        def add(key: str, kind: Kind, item_id: str) -> str:
            while key.casefold() in taken:
                # Only reachable for a generated key; the suffix depends on the item's id.
                key = f"{key}-{_suffix(kind + ':' + item_id)}"
            taken.add(key.casefold())
            self.items[key] = Citable(key, kind, item_id)
            return key

        for ref in reader.references:
            add(ref.key, "reference", ref.key)
        self.reader = add(reader_key(meta), "reader", meta.id)
        self.readings: dict[str, str] = {}
        for reading in sorted(reader.readings, key=lambda r: r.id):
            wanted = reading_key(reading)
            self.readings[reading.id] = add(wanted, "reading", reading.id)
        self.notes = {n.id: add(note_key(meta, n), "note", n.id) for n in reader.notes}
        self.terms = {t.id: add(term_key(meta, t), "term", t.id) for t in reader.terms}
        self.entities = {e.id: add(entity_key(meta, e), "entity", e.id) for e in reader.entities}
        self.contexts = {c.id: add(context_key(meta, c), "context", c.id) for c in reader.contexts}
        self._folded = {k.casefold(): k for k in self.items}

    def __iter__(self) -> Iterator[Citable]:
        return iter(self.items.values())

    def key_of(
        self, item: Reader | Reading | Note | Term | Entity | ContextDocument | Reference | str
    ) -> str:
        """Return the key of the reader, a reading, a note, a term, an entity, a context
        document or a reference.

        A string is looked up as a key, a reading id, ``note:<id>``, ``term:<id>``,
        ``entity:<id>`` or ``context:<id>``.
        """
        if isinstance(item, Reader):
            return self.reader
        if isinstance(item, Reading):
            return self.readings[item.id]
        if isinstance(item, Note):
            return self.notes[item.id]
        if isinstance(item, Term):
            return self.terms[item.id]
        if isinstance(item, Entity):
            return self.entities[item.id]
        if isinstance(item, ContextDocument):
            return self.contexts[item.id]
        if isinstance(item, Reference):
            return item.key
        return self.lookup(item).key

    def sorted(self) -> list[Citable]:
        """Return every citable item, sorted by key."""
        return sorted(self.items.values(), key=lambda c: c.key)

    def lookup(self, key: str) -> Citable:
        """Return the item for a key, a reading id, a note or term id (or ``note:<id>``)."""
        if key in self.items:
            return self.items[key]
        if key in self.readings:
            return self.items[self.readings[key]]
        kind, _, item_id = key.partition(":")
        if kind == "note" and item_id in self.notes:
            return self.items[self.notes[item_id]]
        if kind == "term" and item_id in self.terms:
            return self.items[self.terms[item_id]]
        if kind == "entity" and item_id in self.entities:
            return self.items[self.entities[item_id]]
        if kind == "context" and item_id in self.contexts:
            return self.items[self.contexts[item_id]]
        if key in self.notes and key in self.terms:
            raise KeyError(
                f"{key!r} is both a note and a glossary term; write note:{key} or term:{key}"
            )
        if key in self.notes:
            return self.items[self.notes[key]]
        if key in self.terms:
            return self.items[self.terms[key]]
        if key.casefold() in self._folded:
            return self.items[self._folded[key.casefold()]]
        known = [
            *self.items,
            *self.readings,
            *self.notes,
            *self.terms,
            *self.entities,
            *self.contexts,
        ]
        raise KeyError(unknown_key_message(key, known))


def unknown_key_message(key: str, known: list[str]) -> str:
    """Return "unknown citation key" with the closest known keys."""
    import difflib

    close = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown citation key {key!r}{hint}"
