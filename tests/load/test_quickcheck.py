"""The quick schema check says "valid" only where jsonschema agrees, and says it for real files."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from coursepack.load.quickcheck import compiled, quick_check
from coursepack.schemas import SCHEMAS

ROOT = Path(__file__).parents[2]
MINI = ROOT / "tests" / "data" / "mini"


def front(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("\n---", 1)[0][4:])


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def examples() -> list[tuple[str, Any]]:
    """Return (schema, document) for every file of the mini and flagship readers."""
    out: list[tuple[str, Any]] = []
    for root in (MINI, ROOT):
        ann = root / "annotations"
        out.append(("reader", load(ann / "reader.yaml")))
        out += [("seed", load(p)) for p in sorted((root / "seeds").glob("*.yaml"))]
        out += [("note", front(p)) for p in sorted((ann / "notes").glob("*.md"))]
        out += [("term", front(p)) for p in sorted((ann / "glossary").glob("*.md"))]
        out += [("questions", load(p)) for p in sorted((ann / "questions").glob("*.yaml"))]
        out += [("textual", load(p)) for p in sorted((ann / "textual").glob("*.yaml"))]
        out.append(("entities", load(ann / "entities.yaml")))
    return [(name, _dates_as_text(doc)) for name, doc in out]


def _dates_as_text(value: Any) -> Any:
    """Turn the dates PyYAML made into the strings coursepack's loader keeps."""
    if isinstance(value, dict):
        return {str(k): _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


EXAMPLES = examples()


def valid(name: str, value: Any) -> bool:
    return Draft202012Validator(SCHEMAS[name]).is_valid(value)


def test_every_schema_has_a_quick_check() -> None:
    assert all(compiled(name) is not None for name in SCHEMAS)


def test_real_files_pass_quickly() -> None:
    assert len(EXAMPLES) > 20
    for name, doc in EXAMPLES:
        assert valid(name, doc), (name, doc)
        assert quick_check(name, doc), (name, doc)


def paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*at, i))
    return out


ODD_VALUES = [None, True, False, 0, 1, 1.0, 2.5, 10000, "", "x", "Bad Id", "2026-13-99",
              "2026", [], {}, ["a", "a"], [1, True], [1, 1.0], {"key": "k"}, {"x": 1}]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    name, doc = draw(st.sampled_from(EXAMPLES))
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(doc)))
        if not where:
            continue
        parent = doc
        for part in where[:-1]:
            parent = parent[part]
        last = where[-1]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            key = draw(st.sampled_from(["extra", "quote", "id", "reading", "kind"]))
            parent[key] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        else:
            parent[last] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
    return name, doc


@settings(max_examples=1500, deadline=None)
@given(mutated())
def test_quick_yes_means_jsonschema_yes(case: tuple[str, Any]) -> None:
    name, doc = case
    if quick_check(name, doc):
        assert valid(name, doc), (name, doc)


@settings(max_examples=300, deadline=None)
@given(mutated())
def test_quick_no_on_a_valid_document_is_rare_corner(case: tuple[str, Any]) -> None:
    # Where jsonschema says valid, the quick check says so too unless a float or a list of
    # non-strings is involved (it gives up on those, and jsonschema decides).
    name, doc = case
    if valid(name, doc) and not quick_check(name, doc):
        text = repr(doc)
        assert "1.0" in text or "2.5" in text or "[1, " in text, (name, doc)
