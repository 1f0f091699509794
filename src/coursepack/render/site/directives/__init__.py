"""The extension's directives, by page family, and the names they are registered under."""

from __future__ import annotations

from coursepack.render.site.directives.apparatus import (
    ChronologyDirective,
    EntitiesDirective,
    EntitiesIntroDirective,
    GlossaryIntroDirective,
    NoteDirective,
    NotePassagesDirective,
    NotesDirective,
    NoteSourcesDirective,
    TermDirective,
    TimelineDirective,
)
from coursepack.render.site.directives.base import ReaderDirective
from coursepack.render.site.directives.cite import CiteDirective
from coursepack.render.site.directives.documents import (
    ContextDirective,
    ContextsDirective,
    ContextSourceDirective,
    ContextTextDirective,
)
from coursepack.render.site.directives.pages import (
    BibliographyDirective,
    DownloadsDirective,
    IntroductionDirective,
    PagerDirective,
    QuestionsIntroDirective,
    ReadingsDirective,
    SequenceDirective,
)
from coursepack.render.site.directives.reading import (
    QuestionsDirective,
    ReadingHeaderDirective,
    ReadingTextDirective,
)

DIRECTIVES: dict[str, type[ReaderDirective]] = {
    "coursepack-readings": ReadingsDirective,
    "coursepack-introduction": IntroductionDirective,
    "coursepack-reading-header": ReadingHeaderDirective,
    "coursepack-reading-text": ReadingTextDirective,
    "coursepack-questions": QuestionsDirective,
    "coursepack-cite": CiteDirective,
    "coursepack-glossary-intro": GlossaryIntroDirective,
    "coursepack-term": TermDirective,
    "coursepack-notes": NotesDirective,
    "coursepack-note": NoteDirective,
    "coursepack-note-passages": NotePassagesDirective,
    "coursepack-note-sources": NoteSourcesDirective,
    "coursepack-timeline": TimelineDirective,
    "coursepack-entities-intro": EntitiesIntroDirective,
    "coursepack-entities": EntitiesDirective,
    "coursepack-questions-intro": QuestionsIntroDirective,
    "coursepack-bibliography": BibliographyDirective,
    "coursepack-downloads": DownloadsDirective,
    "coursepack-pager": PagerDirective,
    "coursepack-sequence": SequenceDirective,
    "coursepack-contexts": ContextsDirective,
    "coursepack-context": ContextDirective,
    "coursepack-context-text": ContextTextDirective,
    "coursepack-context-source": ContextSourceDirective,
    "coursepack-chronology": ChronologyDirective,
}

__all__ = ["DIRECTIVES", "ReaderDirective"]
