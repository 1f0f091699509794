"""Fixtures for the PDF tests: the mini reader rendered once, and the repository's reader."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from pdfcheck import MINI, PLANTED, REPO, Rendered, load, render

from coursepack.model import Reader
from coursepack.render.pdf import parts

#: Where builds keep their laid-out parts and pages: in the reader's build cache.
KEPT_IN = parts.kept_in


@pytest.fixture(scope="session", autouse=True)
def parts_beside_the_pdfs() -> Iterator[None]:
    """Keep each build's laid-out parts and pages beside its PDFs, as with the build cache
    off: the tests build the same readers into many folders, and a test that copies a
    build folder, or counts the layouts of a build into a new one, means that folder's
    parts and no other's. The tests of the build cache ask for it (:func:`build_cache`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "kept_in", lambda out, root: out / parts.CACHE)
        yield


@pytest.fixture
def build_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep parts and pages in a build cache of this test's own, as a build does; return
    the folder of laid-out documents in it."""
    folder = tmp_path_factory.mktemp("build-cache")
    monkeypatch.setattr(parts, "kept_in", KEPT_IN)
    monkeypatch.setattr(parts, "CACHE_FOLDER", str(folder))
    return folder / parts.KEPT


@pytest.fixture(scope="session")
def mini_reader() -> Reader:
    """Return the mini test reader, resolved."""
    return load(MINI)


@pytest.fixture(scope="session")
def mini_pdfs(mini_reader: Reader, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Render the mini reader once for the session."""
    out = tmp_path_factory.mktemp("mini-pdf")
    return Rendered(mini_reader, out, *render(mini_reader, out))


@pytest.fixture(scope="session")
def planted_reader(mini_reader: Reader) -> Reader:
    """Return the mini reader with hostile Markdown and HTML in every kind of body."""
    r = mini_reader
    return dataclasses.replace(
        r,
        notes=tuple(dataclasses.replace(n, body=PLANTED) for n in r.notes),
        terms=tuple(dataclasses.replace(t, definition=PLANTED) for t in r.terms),
        textual_notes=tuple(dataclasses.replace(t, note=PLANTED) for t in r.textual_notes),
        questions=tuple(dataclasses.replace(q, text=PLANTED) for q in r.questions),
    )


@pytest.fixture(scope="session")
def repo_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    """Render the repository's own reader once for the session."""
    reader = load(REPO)
    out = tmp_path_factory.mktemp("repo-pdf")
    yield Rendered(reader, out, *render(reader, out))


@pytest.fixture(scope="session")
def repo_pdfs_a4(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    """Render the repository's own reader in A4 once for the session."""
    reader = load(REPO)
    out = tmp_path_factory.mktemp("repo-pdf-a4")
    yield Rendered(reader, out, *render(reader, out, paper="a4"))


@pytest.fixture(scope="session")
def synth_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Render a synthetic reader (scripts/synth.py: three readings, 40 annotations each)."""
    import importlib.util
    import sys

    name = "coursepack_synth"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "synth.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    root = tmp_path_factory.mktemp("synth") / "three"
    module.generate(root, 3, 40, 1)
    reader = load(root)
    out = tmp_path_factory.mktemp("synth-pdf")
    return Rendered(reader, out, *render(reader, out))
