"""The EPUB: built from the same model and shared layer, valid for epubcheck, and accessible."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.render.epub import FILE, FONT_FILES, render_epub

TESTS = Path(__file__).parents[1]
MINI = TESTS / "data" / "mini"
REPO = TESTS.parent
NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def load(root: Path) -> Reader:
    reader, report = read_reader(root)
    if reader is None:
        pytest.fail(str(report), pytrace=False)
    return reader


@pytest.fixture(scope="module", params=["mini", "repo"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Reader, Path]:
    """Return a reader and its EPUB."""
    reader = load(MINI if request.param == "mini" else REPO)
    out = tmp_path_factory.mktemp(f"epub-{request.param}")
    (output,) = render_epub(Refs(reader), out, BuildOptions())
    assert output.path == out / FILE
    return reader, output.path


def documents(path: Path) -> dict[str, etree._Element]:
    """Return every XHTML document of a book, parsed as XML."""
    with zipfile.ZipFile(path) as book:
        return {
            name.removeprefix("OEBPS/"): etree.fromstring(book.read(name))
            for name in book.namelist()
            if name.endswith(".xhtml")
        }


def epubcheck() -> list[str]:
    """Return the command that runs epubcheck (Debian's is a jar: run it with java when
    the system does not run jars itself)."""
    from tools import require_tool

    path = require_tool("epubcheck")
    jar = Path("/usr/share/java/epubcheck.jar")
    java = shutil.which("java")
    if jar.exists() and java is not None:
        return [java, "-jar", str(jar)]
    return [path]


def test_the_container_is_an_epub(built: tuple[Reader, Path]) -> None:
    _, path = built
    with zipfile.ZipFile(path) as book:
        first = book.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert book.read("mimetype") == b"application/epub+zip"
        assert "META-INF/container.xml" in book.namelist()
        for font in FONT_FILES:
            assert f"OEBPS/fonts/{font}" in book.namelist()


def test_epubcheck_reports_no_error_and_no_warning(built: tuple[Reader, Path]) -> None:
    _, path = built
    done = subprocess.run(
        [*epubcheck(), str(path)], capture_output=True, text=True, check=False, timeout=600
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in report, report


def test_accessibility_metadata(built: tuple[Reader, Path]) -> None:
    _, path = built
    with zipfile.ZipFile(path) as book:
        opf = etree.fromstring(book.read("OEBPS/package.opf"))
    metas = {(m.get("property"), m.text) for m in opf.iterfind(".//opf:metadata/opf:meta", NS)}
    for prop, value in [
        ("schema:accessMode", "textual"),
        ("schema:accessModeSufficient", "textual"),
        ("schema:accessibilityFeature", "tableOfContents"),
        ("schema:accessibilityFeature", "index"),
        ("schema:accessibilityFeature", "structuralNavigation"),
        ("schema:accessibilityHazard", "none"),
    ]:
        assert (prop, value) in metas
    assert any(p == "schema:accessibilitySummary" and v for p, v in metas)


def test_paragraph_numbers_are_the_readers(built: tuple[Reader, Path]) -> None:
    reader, path = built
    docs = documents(path)
    for reading in reader.readings:
        doc = docs[f"reading-{reading.id}.xhtml"]
        numbers = [
            int(p.get("id").rsplit("-p", 1)[1])
            for p in doc.iterfind(".//x:p[@class]", NS)
            if p.get("id", "").startswith(f"r-{reading.id}-p")
        ]
        assert numbers == [p.number for p in reading.paragraphs]
        shown = [s.text for s in doc.iterfind(".//x:span[@class='pn']", NS)]
        assert shown == [str(n) for n in numbers]


def test_notes_are_popup_footnotes_linked_both_ways(built: tuple[Reader, Path]) -> None:
    reader, path = built
    docs = documents(path)
    count = 0
    for reading in reader.readings:
        doc = docs[f"reading-{reading.id}.xhtml"]
        refs = [a for a in doc.iter("{*}a") if a.get(EPUB_TYPE) == "noteref"]
        notes = {n.get("id"): n for n in doc.iter("{*}aside") if n.get(EPUB_TYPE) == "footnote"}
        assert len(refs) == len(notes)
        for ref in refs:
            target = ref.get("href").removeprefix("#")
            back = notes[target].find(".//x:a", NS)
            assert back is not None and back.get("href") == f"#{ref.get('id')}"
        count += len(refs)
    expected = sum(1 for n in reader.notes for a in n.anchors) + sum(
        1 for t in reader.textual_notes if t.anchor is not None
    )
    assert count == expected


def test_every_link_inside_the_book_lands_on_an_id(built: tuple[Reader, Path]) -> None:
    _, path = built
    docs = documents(path)
    ids = {name: {e.get("id") for e in doc.iter() if e.get("id")} for name, doc in docs.items()}
    checked = 0
    for name, doc in docs.items():
        for a in doc.iter("{*}a"):
            href = a.get("href", "")
            if re.match(r"^[a-z]+:", href):
                continue
            file, _, fragment = href.partition("#")
            file = file or name
            assert file in ids, (name, href)
            if fragment:
                assert fragment in ids[file], (name, href)
            checked += 1
    assert checked > 20


def test_glossary_and_index_link_every_entry(built: tuple[Reader, Path]) -> None:
    reader, path = built
    docs = documents(path)
    glossary = docs["glossary.xhtml"]
    assert {d.get("id") for d in glossary.iter("{*}dt")} == {f"g-{t.id}" for t in reader.terms}
    index = docs["index.xhtml"]
    assert any(s.get(EPUB_TYPE) == "index" for s in index.iter("{*}section"))
    entries = list(index.iterfind(".//x:ul[@class='index']/x:li", NS))
    with_places = [e for e in reader.entities if e.occurrences]
    with_places += [t for t in reader.terms if t.occurrences]
    assert len(entries) == len(with_places)
    for entry in entries:
        assert entry.find("x:a", NS) is not None


def test_the_same_input_gives_the_same_bytes(built: tuple[Reader, Path], tmp_path: Path) -> None:
    reader, path = built
    (again,) = render_epub(Refs(reader), tmp_path, BuildOptions())
    assert again.path.read_bytes() == path.read_bytes()
