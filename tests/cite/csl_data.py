"""CSL-JSON items as the Citation Style Language 1.0.2 specification defines them.

A JSON Schema written from the specification's lists of item types and variables
(https://docs.citationstyles.org/en/stable/specification.html, appendices III and IV):
every variable of an item must be one CSL defines, of the kind it defines (a name list, a
date, a number or a string), and the type one of CSL's. The CSL project's own schema
(``csl-schema/csl-data.json``, vendored with its licence) holds the same lists but lets an
item carry variables CSL does not define; the tests validate against both.
"""

from __future__ import annotations

from typing import Any

TYPES = [
    "article",
    "article-journal",
    "article-magazine",
    "article-newspaper",
    "bill",
    "book",
    "broadcast",
    "chapter",
    "classic",
    "collection",
    "dataset",
    "document",
    "entry",
    "entry-dictionary",
    "entry-encyclopedia",
    "event",
    "figure",
    "graphic",
    "hearing",
    "interview",
    "legal_case",
    "legislation",
    "manuscript",
    "map",
    "motion_picture",
    "musical_score",
    "pamphlet",
    "paper-conference",
    "patent",
    "performance",
    "periodical",
    "personal_communication",
    "post",
    "post-weblog",
    "regulation",
    "report",
    "review",
    "review-book",
    "software",
    "song",
    "speech",
    "standard",
    "thesis",
    "treaty",
    "webpage",
]

NAMES = [
    "author",
    "chair",
    "collection-editor",
    "compiler",
    "composer",
    "container-author",
    "contributor",
    "curator",
    "director",
    "editor",
    "editorial-director",
    "editor-translator",
    "executive-producer",
    "guest",
    "host",
    "illustrator",
    "interviewer",
    "narrator",
    "organizer",
    "original-author",
    "performer",
    "producer",
    "recipient",
    "reviewed-author",
    "script-writer",
    "series-creator",
    "translator",
]

DATES = ["accessed", "available-date", "event-date", "issued", "original-date", "submitted"]

STANDARD = [
    "abstract",
    "annote",
    "archive",
    "archive_collection",
    "archive_location",
    "archive-place",
    "authority",
    "call-number",
    "chapter-number",
    "citation-key",
    "citation-label",
    "citation-number",
    "collection-number",
    "collection-title",
    "container-title",
    "container-title-short",
    "dimensions",
    "division",
    "DOI",
    "edition",
    "event",
    "event-title",
    "event-place",
    "first-reference-note-number",
    "genre",
    "ISBN",
    "ISSN",
    "issue",
    "jurisdiction",
    "keyword",
    "language",
    "license",
    "locator",
    "medium",
    "note",
    "number",
    "number-of-pages",
    "number-of-volumes",
    "original-publisher",
    "original-publisher-place",
    "original-title",
    "page",
    "page-first",
    "part-number",
    "part-title",
    "PMCID",
    "PMID",
    "printing-number",
    "publisher",
    "publisher-place",
    "references",
    "reviewed-genre",
    "reviewed-title",
    "scale",
    "section",
    "source",
    "status",
    "supplement-number",
    "title",
    "title-short",
    "URL",
    "version",
    "volume",
    "volume-title",
    "volume-title-short",
    "year-suffix",
]

_NAME: dict[str, Any] = {
    "type": "object",
    "properties": {
        key: {"type": "string"}
        for key in (
            ["family", "given", "dropping-particle", "non-dropping-particle", "suffix", "literal"]
        )
    }
    | {"comma-suffix": {}, "static-ordering": {}, "parse-names": {}},
    "additionalProperties": False,
}
_DATE: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {
                "date-parts": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 2,
                    "items": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 3,
                        "items": {"type": ["string", "number"]},
                    },
                },
                "season": {},
                "circa": {},
                "literal": {"type": "string"},
                "raw": {"type": "string"},
            },
            "additionalProperties": False,
        },
    ]
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": ["string", "number"]},
            "type": {"enum": TYPES},
            "categories": {"type": "array", "items": {"type": "string"}},
            "custom": {"type": "object"},
            **{name: {"type": "array", "items": _NAME} for name in NAMES},
            **{date: _DATE for date in DATES},
            **{var: {"type": ["string", "number"]} for var in STANDARD},
        },
        "required": ["id", "type"],
        "additionalProperties": False,
    },
}
