"""Canonical orders: the one order of each kind of item, and the one numbering of questions.

The site, every PDF and the citation files list notes, terms, people, questions, the
chronology, the context documents and further reading in the orders given here, so a
question is 3.2 wherever it is printed, the notes follow one timeline and the events one
chronology everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from coursepack.model import (
    CONTEXT_KINDS,
    ChronologyEvent,
    ContextDocument,
    Entity,
    FurtherReading,
    Note,
    Period,
    Question,
    Reader,
    Reading,
    Term,
    publication_id,
)
from coursepack.refs.names import entity_sort_key, sort_text


@dataclass(frozen=True)
class QuestionGroup:
    """The questions on one reading, or the comparative ones, as the reader numbers them."""

    #: The group's number (the 3 of question 3.2).
    number: int
    #: The reading the questions are on; None for the comparative questions.
    reading: Reading | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class ChronologyEntry:
    """One entry of the chronology: an event the readings name, or a reading's publication.

    The editors write the events (:class:`~coursepack.model.ChronologyEvent`); the
    publications come from the readings' own dates, so no output adds them itself.
    """

    #: ``event`` for an event, ``publication`` for a reading's publication.
    kind: Literal["event", "publication"]
    #: The event's id, or :func:`~coursepack.model.publication_id` of the reading: the
    #: entry's place on the timeline (:meth:`~coursepack.refs.sitemap.SiteMap.chronology`).
    id: str
    #: When: the event's day or span, or the reading's date.
    period: Period
    #: The event, for an entry of kind ``event``; else None.
    event: ChronologyEvent | None = None
    #: The reading, for an entry of kind ``publication``; else None.
    reading: Reading | None = None


def chronology(reader: Reader) -> tuple[ChronologyEntry, ...]:
    """Return the reader's chronology: its events with each reading's publication among them.

    Entries go by date, then by end (a single day ends when it starts), then the events
    of a day before the readings published that day, events by id and readings in the
    reader's order. A date known to the month goes before the days of that month. A
    reader without events has no chronology, not a list of its readings' dates.
    """
    if not reader.chronology:
        return ()
    entries = [ChronologyEntry("event", e.id, e.period, event=e) for e in reader.chronology]
    entries += [
        ChronologyEntry("publication", publication_id(r.id), Period(r.date), reading=r)
        for r in reader.readings
    ]
    position = {r.id: i for i, r in enumerate(reader.readings)}

    def key(entry: ChronologyEntry) -> tuple[object, ...]:
        start = entry.period.start
        end = entry.period.end or start
        if entry.reading is not None:
            return (start.sort_key(), end.sort_key(), 1, position[entry.reading.id], entry.id)
        return (start.sort_key(), end.sort_key(), 0, 0, entry.id)

    return tuple(sorted(entries, key=key))


def context_sort_key(context: ContextDocument) -> tuple[object, ...]:
    """Return where a context document goes: laws, contracts, statements, each by title."""
    return (CONTEXT_KINDS.index(context.kind), sort_text(context.title), context.id)


def note_sort_key(note: Note) -> tuple[object, ...]:
    """Return where a note goes in the chronology: by its start, end, then title."""
    end = note.period.end or note.period.start
    return (note.period.start.sort_key(), end.sort_key(), sort_text(note.title), note.id)


def term_sort_key(term: Term) -> tuple[str, str]:
    """Return where a term goes in the glossary: by its headword, letter by letter."""
    return (sort_text(term.term), term.id)


class Orders:
    """The canonical order of each kind of item of one reader."""

    def __init__(self, reader: Reader) -> None:
        #: Readings in the reader's order.
        self.readings: tuple[Reading, ...] = reader.readings
        #: Historical notes in date order (the timeline's order).
        self.notes: tuple[Note, ...] = tuple(sorted(reader.notes, key=note_sort_key))
        #: Glossary terms alphabetically.
        self.terms: tuple[Term, ...] = tuple(sorted(reader.terms, key=term_sort_key))
        #: People by surname, organizations by name (a leading "The" set aside).
        self.entities: tuple[Entity, ...] = tuple(sorted(reader.entities, key=entity_sort_key))
        #: The chronology: events and the readings' publications, by date
        #: (:func:`chronology`); empty for a reader without events.
        self.chronology: tuple[ChronologyEntry, ...] = chronology(reader)
        #: Context documents: laws, then contracts, then statements, each kind by title.
        self.contexts: tuple[ContextDocument, ...] = tuple(
            sorted(reader.contexts, key=context_sort_key)
        )
        #: Works of further reading, in the order the editors list them.
        self.further_reading: tuple[FurtherReading, ...] = reader.further_reading
        groups: list[QuestionGroup] = []
        for reading in reader.readings:
            questions = tuple(reader.questions_for(reading.id))
            if questions:
                groups.append(QuestionGroup(len(groups) + 1, reading, questions))
        if reader.comparative_questions:
            groups.append(QuestionGroup(len(groups) + 1, None, tuple(reader.comparative_questions)))
        #: Questions by reading in the reader's order, then the comparative ones.
        self.question_groups: tuple[QuestionGroup, ...] = tuple(groups)
        #: Each question's number, "group.question" ("3.2").
        self.question_numbers: dict[str, str] = {
            q.id: f"{g.number}.{i}" for g in groups for i, q in enumerate(g.questions, start=1)
        }
        self._note_rank = {n.id: i for i, n in enumerate(self.notes)}

    def question_number(self, question: Question | str) -> str:
        """Return a question's number ("3.2")."""
        return self.question_numbers[question if isinstance(question, str) else question.id]

    def notes_in_order(self, note_ids: Iterable[str]) -> list[str]:
        """Return note ids in the chronology's order, each once."""
        ids = dict.fromkeys(note_ids)
        return sorted(ids, key=lambda n: self._note_rank.get(n, len(self._note_rank)))
