"""The editors' guide documents every field of every format and every diagnostic code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from coursepack.diagnostics import CODES
from coursepack.schemas import SCHEMAS

GUIDE = (Path(__file__).parents[1] / "docs" / "editors-guide.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"`([a-z0-9_]+)`", GUIDE))


def fields(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        found |= set(schema.get("properties", {}))
        for value in schema.values():
            found |= fields(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= fields(value)
    return found


def test_every_field_is_documented() -> None:
    for name, schema in SCHEMAS.items():
        missing = fields(schema) - DOCUMENTED
        assert not missing, f"{name}: fields missing from the editors' guide: {sorted(missing)}"


def test_every_code_is_listed() -> None:
    listed = set(re.findall(r"`coursepack\.([a-z-]+\.[a-z-]+)`", GUIDE))
    assert listed == set(CODES)
