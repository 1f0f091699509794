"""The citation target on the repository's own reader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import RemoveEnclosingMiddleware
from bs4 import BeautifulSoup

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.refs.csl import same_work
from coursepack.refs.keys import KeyTable
from coursepack.render.cite import render_cite

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real() -> Reader:
    """Return the repository's reader."""
    reader, report = read_reader(ROOT)
    assert reader is not None, report.format()
    return reader


@pytest.fixture(scope="module")
def built(real: Reader, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Render the citation files of the repository's reader once."""
    out = tmp_path_factory.mktemp("build") / "cite"
    render_cite(Refs(real), out, BuildOptions())
    return out


def test_every_reading_has_a_readable_key(real: Reader) -> None:
    keys = {c.id: c.key for c in KeyTable(real).sorted() if c.kind == "reading"}
    assert set(keys) == {r.id for r in real.readings}
    assert keys["crosse-2026"] == "crosse2026union"
    assert all(re.fullmatch(r"[a-z]+20\d\d[a-z0-9]+", k) for k in keys.values()), keys
    assert Refs(real).cite("crosse-2026", "14") == "Crosse 2026, ¶14"


def test_bib_files_parse_without_failures(real: Reader, built: Path) -> None:
    for name in ("coursepack.bib", "coursepack-biblatex.bib"):
        text = (built / name).read_text(encoding="utf-8")
        library = bibtexparser.parse_string(text, parse_stack=[RemoveEnclosingMiddleware(True)])
        assert not library.failed_blocks
        # Each work once: a key that names the same work as another is not exported.
        copies = Refs(real).copies
        assert {e.key for e in library.entries} == {
            c.key for c in KeyTable(real).sorted() if c.key not in copies
        }


def test_jsonld_selectors_match_the_texts(real: Reader, built: Path) -> None:
    data = json.loads((built.parent / "annotations.jsonld").read_text(encoding="utf-8"))
    checked = 0
    for annotation in data["first"]["items"]:
        targets = annotation["target"]
        for target in targets if isinstance(targets, list) else [targets]:
            if "selector" not in target:
                continue
            # Against the text the source names: the plain text published beside the page.
            name = target["source"].rsplit("/", 1)[1]
            quote, position = target["selector"]
            text = (built.parent / "texts" / name).read_text(encoding="utf-8")
            start, end = position["start"], position["end"]
            assert quote["exact"] == text[start:end]
            assert text[:start].endswith(quote["prefix"]) and text[end:].startswith(quote["suffix"])
            checked += 1
    assert checked > 50


def test_bibliography_entries_are_clean_html(real: Reader) -> None:
    refs = Refs(real)
    entries = refs.citations.bibliography()
    keys = [k for k, _ in entries]
    assert len(keys) == len(set(keys))
    listed = set(keys)
    assert {c.key for c in KeyTable(real).sorted() if c.kind == "reading"} <= listed
    copies = same_work(refs.keys, refs.records)
    for ref in real.references:
        assert (ref.key in listed) != (ref.key in copies), ref.key
    for key, fragment in entries:
        soup = BeautifulSoup(fragment, "html.parser")
        assert {tag.name for tag in soup.find_all(True)} <= {"i"}, key
        text = soup.get_text()
        assert "“.”" not in text and "Https://" not in text, key
        assert not re.search(r"\b(\d{4}|n\.d\.)\. \1\b", text), key
