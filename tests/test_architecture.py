"""The pipeline's boundaries hold: model, load and resolve import no renderer library, load
imports nothing from resolve, the shared layer no renderer, and no renderer another; the
schemas stay in step."""

from __future__ import annotations

import ast
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
        ("coursepack.refs", ("sphinx", "jinja2", "weasyprint", "docutils")),
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


SRC = Path(__file__).parents[1] / "src" / "coursepack"


def imports_of(package: str) -> dict[str, set[str]]:
    """Return, for each module file of a package, the coursepack modules it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        found[path.relative_to(SRC).as_posix()] = {n for n in names if n.startswith("coursepack")}
    return found


def test_load_imports_nothing_from_resolve() -> None:
    bad = {
        f: sorted(n for n in ns if n.startswith("coursepack.resolve"))
        for f, ns in imports_of("load").items()
    }
    assert not {f: n for f, n in bad.items() if n}


def test_the_shared_layer_imports_no_renderer() -> None:
    bad = {
        f: sorted(n for n in ns if n.startswith("coursepack.render"))
        for f, ns in imports_of("refs").items()
    }
    assert not {f: n for f, n in bad.items() if n}


@pytest.mark.parametrize("renderer", ["cite", "pdf", "epub", "site"])
def test_no_renderer_imports_another(renderer: str) -> None:
    others = tuple(
        f"coursepack.render.{o}" for o in ("cite", "pdf", "epub", "site") if o != renderer
    )
    found = imports_of(f"render/{renderer}")
    assert found, renderer
    bad = {f: sorted(n for n in ns if n.startswith(others)) for f, ns in found.items()}
    assert not {f: n for f, n in bad.items() if n}


def test_every_kind_says_where_each_output_shows_it() -> None:
    """The table of kinds names, for each output, the code that shows the kind: each name
    is real, so the table cannot drift from the renderers unnoticed."""
    import importlib

    from coursepack.kinds import KINDS

    for kind in KINDS:
        assert {"site", "pdf", "epub"} <= set(kind.shown), kind.name
        for output, place in kind.shown.items():
            module_name, _, qualified = place.partition(":")
            assert module_name.startswith(f"coursepack.render.{output}") or (
                output == "cite" and module_name.startswith("coursepack.refs")
            ), f"{kind.name}: {output} names {module_name}"
            found: object = importlib.import_module(module_name)
            for part in qualified.split("."):
                found = getattr(found, part)
            assert callable(found), f"{kind.name}: {place}"
