"""The model, load and resolve stages import no renderer library; schemas stay in step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coursepack.schemas import SCHEMAS, schema_json

RENDERERS = ("sphinx", "jinja2", "weasyprint", "bibtexparser", "citeproc", "docutils")


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("coursepack.model", RENDERERS),
        ("coursepack.resolve", RENDERERS),
        ("coursepack.pipeline", ("sphinx", "jinja2", "weasyprint", "citeproc", "docutils")),
    ],
)
def test_stage_imports(module: str, forbidden: tuple[str, ...]) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_schema_files_are_in_step() -> None:
    here = Path(__file__).parents[1] / "src/coursepack/schemas"
    for name in SCHEMAS:
        assert (here / f"{name}.json").read_text(encoding="utf-8") == schema_json(name), (
            f"run: coursepack schema --write src/coursepack/schemas ({name}.json is stale)"
        )
