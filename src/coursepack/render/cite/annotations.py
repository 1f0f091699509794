"""The annotation layer as W3C Web Annotations (JSON-LD), and for Hypothesis's import.

Every note, glossary term, question, textual note and person or organization becomes one
``Annotation`` whose targets are the passages it is anchored to. A target's ``source`` is
the reading's text as received, which the site publishes in plain text
(``downloads/texts/<id>.txt``), and its ``scope`` the reading's page: the
``TextQuoteSelector`` (exact, prefix, suffix) and the ``TextPositionSelector`` (start, end,
in Unicode code points) match that text exactly, character for character, where the page
also holds paragraph numbers and note calls. Teaching notes are for instructors and stay
out.

:func:`hypothesis_export` writes the same annotations in the file Hypothesis's client
imports (its own export format): an ``annotations`` array, each with the page's ``uri``,
``text``, ``tags`` and one ``target`` with a quote selector, which Hypothesis anchors on the
page by its quote.
"""

from __future__ import annotations

from typing import Any

from coursepack.model import Anchor
from coursepack.refs import Refs
from coursepack.refs.labels import term_title

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
#: Where the file is written, under build/ (the site offers it under downloads/).
FILE = "annotations.jsonld"
#: The file for Hypothesis's import, beside it.
HYPOTHESIS = "annotations-hypothesis.json"

JsonObject = dict[str, Any]


def reading_url(refs: Refs, reading_id: str) -> str:
    """Return the URL of a reading's page on the site."""
    return refs.site.url(refs.site.reading(reading_id))


def text_url(refs: Refs, reading_id: str) -> str:
    """Return the URL of a reading's text as received, in plain text, on the site."""
    return refs.site.url(refs.site.text(reading_id))


def whole_reading(refs: Refs, reading_id: str) -> JsonObject:
    """Return a target for a reading as a whole."""
    return {
        "type": "SpecificResource",
        "source": text_url(refs, reading_id),
        "scope": reading_url(refs, reading_id),
    }


def anchor_target(refs: Refs, anchor: Anchor) -> JsonObject:
    """Return a SpecificResource target for an anchored span of a reading's text."""
    return {
        "type": "SpecificResource",
        "source": text_url(refs, anchor.reading),
        "scope": reading_url(refs, anchor.reading),
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
            whole_reading(refs, r) for r in question.readings
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
            else whole_reading(refs, textual.reading)
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


#: The authority of the placeholder account the Hypothesis file names when the reader names
#: none (a reserved domain: no one has an account there).
PLACEHOLDER_AUTHORITY = "coursepack.invalid"


def hypothesis_user(refs: Refs) -> str:
    """Return the account the Hypothesis file names as the annotations' author: the
    reader's ``hypothesis_user``, else ``acct:<reader id>@coursepack.invalid``."""
    meta = refs.reader.meta
    return meta.hypothesis_user or f"acct:{meta.id}@{PLACEHOLDER_AUTHORITY}"


def hypothesis_export(refs: Refs, created: str) -> JsonObject:
    """Return the annotations as a file Hypothesis's client imports.

    One Hypothesis annotation per passage: the reading's page as ``uri``, the annotation's
    text (Markdown, which Hypothesis shows as such) with its title, and the kind and id as
    tags, so a class can load the editors' apparatus into its own Hypothesis group. Each
    names one ``user`` (and the editors as ``user_info.display_name``): the client's Import
    tab lists a file's annotations by user and imports those of the user chosen, as new
    annotations of whoever imports them.
    """
    items: list[JsonObject] = []
    meta = refs.reader.meta
    user = hypothesis_user(refs)
    author = {"display_name": ", ".join(meta.editors)}
    for annotation in web_annotations(refs):
        bodies = (
            annotation["body"] if isinstance(annotation["body"], list) else [annotation["body"]]
        )
        texts = [b["value"] for b in bodies if b.get("type") == "TextualBody"]
        kind, _, ident = annotation["id"].rpartition("#")[2].partition("-")
        targets = (
            annotation["target"]
            if isinstance(annotation["target"], list)
            else [annotation["target"]]
        )
        for target in targets:
            quotes = [s for s in target.get("selector", []) if s["type"] == "TextQuoteSelector"]
            if not quotes:
                continue
            page = target["scope"]
            items.append(
                {
                    "uri": page,
                    "user": user,
                    "user_info": author,
                    "text": texts[0],
                    "tags": [kind, ident, *texts[1:2]] if kind == "textual" else [kind, ident],
                    "target": [{"source": page, "selector": quotes}],
                    "document": {"title": [refs.reader.meta.title]},
                }
            )
    return {
        "export_date": created,
        "export_userid": user,
        "client_version": "",
        "annotations": items,
    }
