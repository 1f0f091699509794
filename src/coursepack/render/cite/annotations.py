"""The annotation layer as W3C Web Annotations (JSON-LD).

Every note, glossary term, question, textual note and person or organization becomes one
``Annotation`` whose targets are the passages it is anchored to: the reading's page on the
site as ``source``, with a ``TextQuoteSelector`` (exact, prefix, suffix) and a
``TextPositionSelector`` (start, end). Positions count Unicode code points in the reading's
verbatim text, the text the site shows. Teaching notes are for instructors and stay out.
"""

from __future__ import annotations

from typing import Any

from coursepack.model import Anchor, Reader
from coursepack.render.cite.csl import term_title

CONTEXT = "http://www.w3.org/ns/anno.jsonld"

JsonObject = dict[str, Any]


def reading_url(reader: Reader, reading_id: str) -> str:
    """Return the URL of a reading's page on the site."""
    return f"{reader.meta.url}readings/{reading_id}.html"


def anchor_target(reader: Reader, anchor: Anchor) -> JsonObject:
    """Return a SpecificResource target for an anchored span."""
    return {
        "type": "SpecificResource",
        "source": reading_url(reader, anchor.reading),
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


def web_annotations(reader: Reader) -> list[JsonObject]:
    """Return every annotation of a reader as a Web Annotation object, in a stable order."""
    base = reader.meta.url
    lang = reader.meta.language
    ident = f"{base}annotations.jsonld#"
    out: list[JsonObject] = []
    for note in sorted(reader.notes, key=lambda n: n.id):
        if not note.anchors:
            continue
        page = {"id": f"{base}notes/{note.id}.html", "type": "Text", "format": "text/html"}
        out.append(
            _annotation(
                f"{ident}note-{note.id}",
                "commenting",
                [_body(f"{note.title}\n\n{note.body}", "commenting", lang), page],
                [anchor_target(reader, a) for a in note.anchors],
            )
        )
    for term in sorted(reader.terms, key=lambda t: t.id):
        spans = term.occurrences or term.anchors
        if not spans:
            continue
        title = term_title(term.term, term.abbreviation)
        page = {
            "id": f"{base}glossary.html#term-{term.id}",
            "type": "Text",
            "format": "text/html",
        }
        out.append(
            _annotation(
                f"{ident}term-{term.id}",
                "describing",
                [_body(f"{title}: {term.definition}", "describing", lang), page],
                [anchor_target(reader, a) for a in spans],
            )
        )
    for question in sorted(reader.questions, key=lambda q: q.id):
        targets = [anchor_target(reader, a) for a in question.anchors] or [
            {"type": "SpecificResource", "source": reading_url(reader, r)}
            for r in question.readings
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
            anchor_target(reader, textual.anchor)
            if textual.anchor
            else {"type": "SpecificResource", "source": reading_url(reader, textual.reading)}
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
                [anchor_target(reader, a) for a in entity.occurrences],
            )
        )
    return out


def annotation_collection(reader: Reader) -> JsonObject:
    """Return the annotations wrapped in an AnnotationCollection with one page."""
    items = web_annotations(reader)
    base = reader.meta.url
    return {
        "@context": CONTEXT,
        "id": f"{base}annotations.jsonld",
        "type": "AnnotationCollection",
        "label": reader.meta.title,
        "total": len(items),
        "first": {
            "id": f"{base}annotations.jsonld#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }
