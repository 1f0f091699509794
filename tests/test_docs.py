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


ARCHITECTURE = Path(__file__).parents[1] / "docs" / "architecture.md"
PACKAGE = Path(__file__).parents[1] / "src" / "coursepack"


def _named_in_architecture() -> tuple[set[str], set[str]]:
    """Return the source files and the dotted modules docs/architecture.md names."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    files = set(re.findall(r"`((?:refs|render|load|resolve)/[a-z_/]+\.py)`", text))
    modules = set(re.findall(r"`coursepack\.([a-z_.]+)`", text))
    return files, modules


def test_architecture_names_only_what_exists() -> None:
    files, modules = _named_in_architecture()
    for name in files:
        # A directive module is named by its folder ("directives/cite.py") under the site.
        candidates = [PACKAGE / name, PACKAGE / "render" / "site" / name]
        assert any(p.is_file() for p in candidates), f"docs/architecture.md names {name}"
    for dotted in modules - {"bib", "dbx", "json", "ris"}:  # file names: coursepack.bib
        parts = dotted.split(".")
        found = False
        for cut in range(len(parts), 0, -1):  # a module, or a name inside one
            path = PACKAGE.joinpath(*parts[:cut])
            if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
                found = True
                break
        assert found, f"docs/architecture.md names coursepack.{dotted}"


def test_architecture_names_every_shared_and_site_module() -> None:
    """The shared layer and the site's directives are where a change starts: each module
    of them is in the map."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for folder in (PACKAGE / "refs", PACKAGE / "render" / "site" / "directives"):
        for module in sorted(folder.glob("*.py")):
            if module.name in ("__init__.py", "citeproc_patch.py"):
                continue
            assert module.name in text, f"docs/architecture.md does not name {module.name}"
