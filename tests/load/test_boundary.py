"""Load reads files and nothing of resolve; the kinds table is data every stage can read."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coursepack import model
from coursepack.kinds import BY_NAME, KINDS
from coursepack.load import Record
from coursepack.resolve import _Resolver
from coursepack.schemas import SCHEMAS


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("coursepack.load", ("coursepack.resolve", "coursepack.background")),
        ("coursepack.kinds", ("coursepack.load", "coursepack.resolve", "yaml", "jsonschema")),
    ],
)
def test_stage_imports(module: str, forbidden: tuple[str, ...]) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({forbidden!r}))\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_every_kind_has_its_schema_resolver_and_reader_field() -> None:
    fields = set(model.Reader.__dataclass_fields__)
    for kind in KINDS:
        assert kind.schema in SCHEMAS, kind.name
        resolver = getattr(_Resolver, kind.resolver)
        assert resolver.__annotations__["rec"] in (Record, "Record"), kind.name
        assert kind.reader_field in fields, kind.name
        assert kind.place.startswith("annotations/"), kind.name
        if kind.entries is not None:
            assert kind.entries in SCHEMAS[kind.schema or ""]["properties"], kind.name
    annotated = {kind.reader_field for kind in KINDS}
    assert annotated == fields - {"meta", "readings", "references", "root"}
    for name, kind in BY_NAME.items():
        assert kind.name == name
        assert kind.schema is None or kind.schema in SCHEMAS
