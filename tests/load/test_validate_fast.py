"""The quick look at a document (fastjsonschema) agrees with jsonschema on every verdict."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from coursepack.diagnostics import Report
from coursepack.load.yamlnodes import parse_yaml
from coursepack.schemas import SCHEMAS

validate = sys.modules.get("coursepack.load.validate") or __import__(
    "coursepack.load.validate", fromlist=["_compiled"]
)
REPO = Path(__file__).parents[2]
DATA = Path(__file__).parents[1] / "data"


def _parsed(text: str, where: str) -> Any:
    """Return a document as the loader reads it (None when it does not parse)."""
    doc = parse_yaml(text, where, Report())
    return None if doc is None else doc.data


def documents() -> list[tuple[str, Any, str]]:
    """Return (schema, data, where) for every YAML document of the readers the tests use,
    and of the bad-input corpus, valid or not."""
    found: list[tuple[str, Any, str]] = []
    kinds = {"notes": "note", "glossary": "term", "questions": "questions", "textual": "textual"}
    roots = [REPO, DATA / "mini", *sorted((DATA / "bad").glob("*/overlay"))]
    for root in roots:
        ann = root / "annotations"
        for folder, schema in kinds.items():
            for path in sorted((ann / folder).glob("*")):
                text = path.read_text(encoding="utf-8", errors="replace")
                if path.suffix == ".md":
                    parts = text.split("---\n")
                    text = parts[1] if len(parts) > 2 else ""
                data = _parsed(text, str(path))
                if data is not None:
                    found.append((schema, data, str(path)))
        for name, schema in (("entities.yaml", "entities"), ("reader.yaml", "reader")):
            path = ann / name
            data = _parsed(path.read_text("utf-8"), str(path)) if path.is_file() else None
            if data is not None:
                found.append((schema, data, str(path)))
    return found


DOCUMENTS = documents()


def test_the_corpus_holds_valid_and_invalid_documents() -> None:
    verdicts = {validate._validator(s).is_valid(d) for s, d, _ in DOCUMENTS}
    assert verdicts == {True, False} and len(DOCUMENTS) > 100


@pytest.mark.parametrize(("schema", "data", "where"), DOCUMENTS, ids=lambda x: "")
def test_both_validators_give_one_verdict(schema: str, data: Any, where: str) -> None:
    import fastjsonschema

    assert schema in SCHEMAS
    expected = validate._validator(schema).is_valid(data)
    try:
        validate._compiled(schema)(data)
        quick = True
    except fastjsonschema.JsonSchemaException:
        quick = False
    assert quick == expected, where
