"""The annotation layer as W3C Web Annotations (JSON-LD).

Every note, glossary term, question, textual note and person or organization becomes one
``Annotation`` whose targets are the passages it is anchored to: the reading's page on the
site as ``source``, with a ``TextQuoteSelector`` (exact, prefix, suffix) and a
``TextPositionSelector`` (start, end). Positions count Unicode code points in the reading's
verbatim text, the text the site shows. Teaching notes are for instructors and stay out.
"""

from __future__ import annotations

from typing import Any

from coursepack.model import Anchor
from coursepack.refs import Refs
from coursepack.refs.labels import term_title

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
#: Where the file is written, under build/ (the site offers it under downloads/).
FILE = "annotations.jsonld"

JsonObject = dict[str, Any]


def reading_url(refs: Refs, reading_id: str) -> str:
    """Return the URL of a reading's page on the site."""
    return refs.site.url(refs.site.reading(reading_id))


def anchor_target(refs: Refs, anchor: Anchor) -> JsonObject:
    """Return a SpecificResource target for an anchored span."""
    return {
        "type": "SpecificResource",
        "source": reading_url(refs, anchor.reading),
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": anchor.exact,
                "prefix": anchor.prefix,
                "suffix": anchor.suffix,
            },
            {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end},
        ],
    }


def _body(value: str, purpose: str, language: str, fmt: str = "text/markdown") -> JsonObject:
    return {
        "type": "TextualBody",
        "value": value,
        "format": fmt,
        "language": language,
        "purpose": purpose,
    }


def _annotation(
    ident: str, motivation: str, bodies: list[JsonObject], targets: list[JsonObject]
) -> JsonObject:
    return {
        "id": ident,
        "type": "Annotation",
        "motivation": motivation,
        "body": bodies[0] if len(bodies) == 1 else bodies,
        "target": targets[0] if len(targets) == 1 else targets,
    }


def web_annotations(refs: Refs) -> list[JsonObject]:
    """Return every annotation of a reader as a Web Annotation object, in a stable order."""
    reader, site = refs.reader, refs.site
    lang = reader.meta.language
    ident = f"{site.url(site.download_path(FILE))}#"
    out: list[JsonObject] = []
    for note in sorted(reader.notes, key=lambda n: n.id):
        if not note.anchors:
            continue
        page = {"id": site.url(site.note(note.id)), "type": "Text", "format": "text/html"}
        out.append(
            _annotation(
                f"{ident}note-{note.id}",
                "commenting",
                [_body(f"{note.title}\n\n{note.body}", "commenting", lang), page],
                [anchor_target(refs, a) for a in note.anchors],
            )
        )
    for term in sorted(reader.terms, key=lambda t: t.id):
        spans = term.occurrences or term.anchors
        if not spans:
            continue
        title = term_title(term)
        page = {"id": site.url(site.term(term.id)), "type": "Text", "format": "text/html"}
        out.append(
            _annotation(
                f"{ident}term-{term.id}",
                "describing",
                [_body(f"{title}: {term.definition}", "describing", lang), page],
                [anchor_target(refs, a) for a in spans],
            )
        )
    for question in sorted(reader.questions, key=lambda q: q.id):
        targets = [anchor_target(refs, a) for a in question.anchors] or [
            {"type": "SpecificResource", "source": reading_url(refs, r)} for r in question.readings
        ]
        out.append(
            _annotation(
                f"{ident}question-{question.id}",
                "questioning",
                [_body(question.text, "questioning", lang)],
                targets,
            )
        )
    for textual in sorted(reader.textual_notes, key=lambda t: t.id):
        text = textual.note
        if textual.correction:
            text += f"\n\nCorrect reading: {textual.correction}"
        target = (
            anchor_target(refs, textual.anchor)
            if textual.anchor
            else {"type": "SpecificResource", "source": reading_url(refs, textual.reading)}
        )
        bodies = [_body(text, "editing", lang)]
        bodies.append(_body(textual.kind, "tagging", lang, "text/plain"))
        out.append(_annotation(f"{ident}textual-{textual.id}", "editing", bodies, [target]))
    for entity in sorted(reader.entities, key=lambda e: e.id):
        if not entity.occurrences:
            continue
        text = f"{entity.name}: {entity.description}"
        out.append(
            _annotation(
                f"{ident}entity-{entity.id}",
                "identifying",
                [_body(text, "identifying", lang, "text/plain")],
                [anchor_target(refs, a) for a in entity.occurrences],
            )
        )
    return out


def annotation_collection(refs: Refs) -> JsonObject:
    """Return the annotations wrapped in an AnnotationCollection with one page."""
    items = web_annotations(refs)
    url = refs.site.url(refs.site.download_path(FILE))
    return {
        "@context": CONTEXT,
        "id": url,
        "type": "AnnotationCollection",
        "label": refs.reader.meta.title,
        "total": len(items),
        "first": {
            "id": f"{url}#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }
