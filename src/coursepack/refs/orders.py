"""Canonical orders: the one order of each kind of item, and the one numbering of questions.

The site, every PDF and the citation files list notes, terms, people and questions in the
orders given here, so a question is 3.2 wherever it is printed and the notes follow one
chronology everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coursepack.model import Entity, Note, Question, Reader, Reading, Term
from coursepack.refs.names import entity_sort_key, sort_text


@dataclass(frozen=True)
class QuestionGroup:
    """The questions on one reading, or the comparative ones, as the reader numbers them."""

    #: The group's number (the 3 of question 3.2).
    number: int
    #: The reading the questions are on; None for the comparative questions.
    reading: Reading | None
    questions: tuple[Question, ...]


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
