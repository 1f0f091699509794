"""JSON Schemas for every file an editor writes.

The schemas are defined here once; ``coursepack schema --write DIR`` (and the test suite)
keeps the ``*.json`` files beside this module in step, so editors' tools can validate and
complete the files. The loader validates every file against its schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coursepack.diagnostics import WARNING_CODES
from coursepack.model import CONTEXT_KINDS, ENTITY_KINDS, LEVELS, READING_TYPES, TEXTUAL_KINDS

Schema = dict[str, Any]

#: An id: lower-case letters, digits and hyphens. The lookahead keeps a final line break
#: out, which ``$`` alone lets through in Python's regular expressions (in JavaScript's,
#: which JSON Schema names, it changes nothing).
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$(?!\n)"
DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
BASE = "https://coursepack.example/schemas/"

_ID: Schema = {
    "type": "string",
    "pattern": ID_PATTERN,
    "description": "Lower-case letters, digits and hyphens.",
}
_DATE: Schema = {
    "type": ["string", "integer"],
    "pattern": DATE_PATTERN,
    "minimum": 1000,
    "maximum": 9999,
    "description": "YYYY, YYYY-MM or YYYY-MM-DD (a bare year may be written unquoted).",
}
_MARKDOWN: Schema = {"type": "string", "minLength": 1, "description": "Markdown."}
_TEXT: Schema = {"type": "string", "minLength": 1}
_STRINGS: Schema = {"type": "array", "items": _TEXT}
_IDS: Schema = {"type": "array", "items": _ID, "uniqueItems": True}

_SOURCE: Schema = {
    "description": "A key in references.bib, or a key with a locator such as pages.",
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {"key": _TEXT, "locator": _TEXT},
            "required": ["key"],
            "additionalProperties": False,
        },
    ],
}
_SOURCES: Schema = {"type": "array", "items": _SOURCE}

_ANCHOR_PROPERTIES: Schema = {
    "quote": {
        "type": "string",
        "minLength": 1,
        "description": "The passage as it stands in the reading.",
    },
    "prefix": {"type": "string", "description": "Text just before the quote."},
    "suffix": {"type": "string", "description": "Text just after the quote."},
    "occurrence": {
        "type": "integer",
        "minimum": 1,
        "description": "Which match to take (from 1) when prefix and suffix are not enough.",
    },
}


def _anchor(*, with_reading: bool) -> Schema:
    properties = dict(_ANCHOR_PROPERTIES)
    if with_reading:
        properties = {"reading": _ID, **properties}
    return {
        "type": "object",
        "properties": properties,
        "required": ["quote"],
        "additionalProperties": False,
    }


def _doc(name: str, title: str, schema: Schema) -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE}{name}.json",
        "title": title,
        **schema,
    }


READER: Schema = _doc(
    "reader",
    "Reader metadata and reading order (annotations/reader.yaml)",
    {
        "type": "object",
        "properties": {
            "id": _ID,
            "title": _TEXT,
            "subtitle": _TEXT,
            "editors": {"type": "array", "items": _TEXT, "minItems": 1},
            "year": {"type": "integer", "minimum": 1000, "maximum": 9999},
            "publisher": _TEXT,
            "place": _TEXT,
            "url": {"type": "string", "pattern": r"^https?://"},
            "licence": _TEXT,
            "language": {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$"},
            "keywords": _STRINGS,
            "readings": {"type": "array", "items": _ID, "minItems": 1, "uniqueItems": True},
            "volume_readings": {"type": "integer", "minimum": 1},
            "citation_style": {
                **_TEXT,
                "description": "The citation style of the site and the PDFs: chicago-author-date "
                "(the default), chicago-note, apa, mla, another name of the CSL styles "
                "repository, or the path of a .csl file, relative to the reader's root.",
            },
            "hypothesis_user": {
                "type": "string",
                "pattern": r"^acct:[^@\s]+@[^@\s]+$",
                "description": "The Hypothesis account the annotations' import file names as "
                "their author (acct:username@hypothes.is), so that Hypothesis's Import tab "
                "selects them for that account; without it, a placeholder made of the "
                "reader's id (acct:<id>@coursepack.invalid).",
            },
            "introduction": _MARKDOWN,
            "silence": {
                "type": "array",
                "items": {"enum": [f"coursepack.{code}" for code in WARNING_CODES]},
                "uniqueItems": True,
                "description": "Codes of warnings not to report, as the warnings show them: "
                "coursepack.quality.note-sources, coursepack.quality.term-unused, "
                "coursepack.quality.no-questions, coursepack.file.unexpected, "
                "coursepack.file.bom.",
            },
            "sequence": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": _TEXT,
                        "readings": _IDS,
                        "notes": _IDS,
                        "questions": _IDS,
                        "plan": _MARKDOWN,
                    },
                    "required": ["title", "plan"],
                    "additionalProperties": False,
                },
            },
            "packets": {
                "type": "array",
                "description": "Printed selections for a class: each is one PDF with its "
                "readings and the notes, terms and questions they call on, numbered as in "
                "the whole reader (coursepack build --packet ID).",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": _ID,
                        "title": {
                            **_TEXT,
                            "description": "The packet's title (a session's packet: the "
                            "session's title, unless given).",
                        },
                        "readings": {**_IDS, "minItems": 1},
                        "session": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "A session of the sequence, 1 for the first: "
                            "its readings, notes and questions.",
                        },
                    },
                    "required": ["id"],
                    "additionalProperties": False,
                },
            },
        },
        "required": [
            "id",
            "title",
            "editors",
            "year",
            "publisher",
            "url",
            "licence",
            "language",
            "readings",
            "introduction",
        ],
        "additionalProperties": False,
    },
)

SEED: Schema = _doc(
    "seed",
    "Metadata of a source text (seeds/<reading>.yaml)",
    {
        "type": "object",
        "properties": {
            "title": _TEXT,
            "authors": {"type": "array", "items": _TEXT},
            "corporate_author": _TEXT,
            "outlet": _TEXT,
            "date": _DATE,
            "url": {"type": "string", "pattern": r"^(https?://.*)?$"},
            "genre": _TEXT,
            "type": {
                "enum": list(READING_TYPES),
                "description": "What kind of text it is, for its citations: "
                + ", ".join(READING_TYPES)
                + ". Without it, an article of the outlet when one is named.",
            },
            "language": {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$"},
            "original_filename": _TEXT,
            "sha256": {"type": "string", "pattern": r"^[0-9a-f]{64}$"},
            "front_blocks": {"type": "integer", "minimum": 0},
            "perspective": _TEXT,
            "key": {
                "type": "string",
                "pattern": "^[a-z][a-z0-9:-]*$",
                "description": "The reading's citation key, when the one made from its author, "
                "year and title is taken or should not change.",
            },
            "supplied": {
                "type": "array",
                "items": {
                    "enum": ["title", "authors", "corporate_author", "outlet", "date", "url"]
                },
                "uniqueItems": True,
            },
        },
        "required": [
            "title",
            "authors",
            "date",
            "url",
            "genre",
            "language",
            "original_filename",
            "sha256",
            "front_blocks",
            "supplied",
        ],
        "additionalProperties": False,
    },
)

_PERIOD: Schema = {
    "description": "A date, or a period with a start, an end and an optional label.",
    "oneOf": [
        _DATE,
        {
            "type": "object",
            "properties": {"start": _DATE, "end": _DATE, "label": _TEXT},
            "required": ["start"],
            "additionalProperties": False,
        },
    ],
}

NOTE: Schema = _doc(
    "note",
    "Front matter of a historical note (annotations/notes/<id>.md)",
    {
        "type": "object",
        "properties": {
            "title": _TEXT,
            "date": _PERIOD,
            "sources": {**_SOURCES, "minItems": 1},
            "anchors": {"type": "array", "items": _anchor(with_reading=True), "minItems": 1},
            "terms": _IDS,
            "entities": _IDS,
            "teaching": _MARKDOWN,
        },
        "required": ["title", "date", "sources", "anchors"],
        "additionalProperties": False,
    },
)

TERM: Schema = _doc(
    "term",
    "Front matter of a glossary term (annotations/glossary/<id>.md)",
    {
        "type": "object",
        "properties": {
            "term": _TEXT,
            "abbreviation": _TEXT,
            "aliases": _STRINGS,
            "see_also": _IDS,
            "sources": {**_SOURCES, "minItems": 1},
            "anchors": {"type": "array", "items": _anchor(with_reading=True)},
            "autolink": {"type": "boolean"},
        },
        "required": ["term", "sources"],
        "additionalProperties": False,
    },
)

QUESTIONS: Schema = _doc(
    "questions",
    "Discussion questions (annotations/questions/<reading>.yaml or comparative.yaml)",
    {
        "type": "object",
        "properties": {
            "reading": _ID,
            "questions": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": _ID,
                        "level": {"enum": list(LEVELS)},
                        "question": _MARKDOWN,
                        "readings": {**_IDS, "minItems": 1},
                        "anchors": {"type": "array", "items": _anchor(with_reading=True)},
                        "teaching_note": _MARKDOWN,
                    },
                    "required": ["id", "level", "question", "teaching_note"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["questions"],
        "additionalProperties": False,
    },
)

TEXTUAL: Schema = _doc(
    "textual",
    "Textual notes on one reading (annotations/textual/<reading>.yaml)",
    {
        "type": "object",
        "properties": {
            "reading": _ID,
            "notes": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": _ID,
                        "kind": {"enum": list(TEXTUAL_KINDS)},
                        "anchor": _anchor(with_reading=False),
                        "note": _MARKDOWN,
                        "correction": {"type": "string"},
                        "sources": _SOURCES,
                    },
                    "required": ["id", "kind", "note"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["reading", "notes"],
        "additionalProperties": False,
    },
)

ENTITIES: Schema = _doc(
    "entities",
    "People and organizations (annotations/entities.yaml)",
    {
        "type": "object",
        "properties": {
            "entities": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": _ID,
                        "name": _TEXT,
                        "sort_as": {
                            **_TEXT,
                            "description": "How an index writes and sorts the name, when "
                            "the last word is not the family name: 'Feliz Leon, Luis'.",
                        },
                        "kind": {"enum": list(ENTITY_KINDS)},
                        "description": _TEXT,
                        "aliases": _STRINGS,
                        "sources": _SOURCES,
                        "autolink": {"type": "boolean"},
                    },
                    "required": ["id", "name", "kind", "description"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["entities"],
        "additionalProperties": False,
    },
)

CHRONOLOGY: Schema = _doc(
    "chronology",
    "The chronology of the events the readings name (annotations/chronology.yaml)",
    {
        "type": "object",
        "properties": {
            "events": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": _ID,
                        "date": {
                            **_DATE,
                            "description": "When it happened: YYYY-MM-DD, or YYYY-MM (or "
                            "YYYY) when no day is known.",
                        },
                        "end": {
                            **_DATE,
                            "description": "The last day of a span of days: YYYY-MM-DD.",
                        },
                        "event": _MARKDOWN,
                        "sources": {**_SOURCES, "minItems": 1},
                        "notes": _IDS,
                    },
                    "required": ["id", "date", "event", "sources"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["events"],
        "additionalProperties": False,
    },
)

CONTEXT: Schema = _doc(
    "context",
    "Front matter of a context document (annotations/contexts/<id>.md)",
    {
        "type": "object",
        "properties": {
            "title": _TEXT,
            "kind": {"enum": list(CONTEXT_KINDS)},
            "source": {
                **_SOURCE,
                "description": "The work the text is reproduced from: a key in "
                "references.bib, or a key with a locator.",
            },
            "url": {"type": "string", "pattern": r"^https?://"},
            "provenance": _MARKDOWN,
            "headnote": _MARKDOWN,
            "readings": {**_IDS, "minItems": 1},
        },
        "required": ["title", "kind", "source", "url", "provenance", "headnote", "readings"],
        "additionalProperties": False,
    },
)

FURTHER_READING: Schema = _doc(
    "further-reading",
    "Annotated further reading (annotations/further-reading.yaml)",
    {
        "type": "object",
        "properties": {
            "works": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {**_TEXT, "description": "A key in references.bib."},
                        "annotation": _MARKDOWN,
                    },
                    "required": ["key", "annotation"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["works"],
        "additionalProperties": False,
    },
)

#: Every schema by file kind.
SCHEMAS: dict[str, Schema] = {
    "reader": READER,
    "seed": SEED,
    "note": NOTE,
    "term": TERM,
    "questions": QUESTIONS,
    "textual": TEXTUAL,
    "entities": ENTITIES,
    "chronology": CHRONOLOGY,
    "context": CONTEXT,
    "further-reading": FURTHER_READING,
}

HERE = Path(__file__).parent


def schema_json(name: str) -> str:
    """Return one schema as the JSON text written to ``<name>.json``."""
    return json.dumps(SCHEMAS[name], indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path = HERE) -> list[Path]:
    """Write every schema as ``<name>.json`` into a directory; return the paths."""
    paths = []
    for name in SCHEMAS:
        path = directory / f"{name}.json"
        path.write_text(schema_json(name), encoding="utf-8")
        paths.append(path)
    return paths
