"""Importing texts: pandoc's plain text, the metadata found, supplied fields, reader.yaml kept."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pytest
import yaml

from coursepack.importer import (
    ImportError_,
    append_readings,
    import_files,
    parse_date,
    prepare,
)
from coursepack.pipeline import read_reader
from coursepack.scaffold import init_reader


def options(**given: object) -> argparse.Namespace:
    names = ("reading_id", "title", "authors", "outlet", "date", "url", "genre",
             "reading_type", "language", "front_blocks")  # fmt: skip
    return argparse.Namespace(**{n: given.get(n) for n in names})


@pytest.fixture
def reader(tmp_path: Path) -> Path:
    return init_reader(tmp_path / "reader", title="Test Reader", editors=("A. Teacher",))


def write_docx(path: Path, markdown: str) -> Path:
    import pypandoc

    source = path.with_suffix(".md")
    source.write_text(markdown, encoding="utf-8")
    pypandoc.convert_file(str(source), "docx", format="markdown", outputfile=str(path))
    source.unlink()
    return path


def test_append_keeps_comments_and_layout() -> None:
    flow = "# top\nreadings: [a, b]  # the order\nintroduction: x\n"
    assert (
        append_readings(flow, ["c"]) == "# top\nreadings: [a, b, c]  # the order\nintroduction: x\n"
    )
    block = "readings:\n  # first\n  - a\n  - b\nintroduction: x\n"
    assert append_readings(block, ["c", "d"]) == (
        "readings:\n  # first\n  - a\n  - b\n  - c\n  - d\nintroduction: x\n"
    )
    assert append_readings("id: x\nreadings: []\n", ["c"]) == "id: x\nreadings: [c]\n"
    assert (
        append_readings("id: x\nreadings:\nintro: y\n", ["c"]) == "id: x\nreadings: [c]\nintro: y\n"
    )
    assert yaml.safe_load(append_readings("id: x\n", ["c"])) == {"id": "x", "readings": ["c"]}


def test_dates_are_read_in_common_forms() -> None:
    assert parse_date("2024-03-05T10:00:00Z") == "2024-03-05"
    assert parse_date("March 5, 2024") == "2024-03-05"
    assert parse_date("5 Mar 2024") == "2024-03-05"
    assert parse_date("1863") == "1863"
    assert parse_date("2024-02-30") is None
    assert parse_date("sometime") is None


def test_a_text_file_is_kept_byte_for_byte(reader: Path, tmp_path: Path) -> None:
    text = "The Strike\n\nBy Jane Roe\n\nMarch 5, 2024\n\nWorkers walked out.\n\nThey held.\n"
    source = tmp_path / "strike.txt"
    source.write_bytes(text.encode())
    (item,) = import_files(reader, [source], options())
    assert item.id == "roe-2024"
    assert (reader / "seeds/roe-2024.txt").read_bytes() == text.encode()
    meta = yaml.safe_load((reader / "seeds/roe-2024.yaml").read_text())
    assert meta["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert meta["original_filename"] == "strike.txt"
    assert (meta["title"], meta["authors"], str(meta["date"])) == (
        "The Strike",
        ["Jane Roe"],
        "2024-03-05",
    )
    assert meta["front_blocks"] == 3  # headline, byline, date
    assert meta["supplied"] == []  # the text states all of them
    assert (
        "roe-2024" in yaml.safe_load((reader / "annotations/reader.yaml").read_text())["readings"]
    )


def test_metadata_the_text_does_not_state_is_supplied(reader: Path, tmp_path: Path) -> None:
    source = tmp_path / "unions.md"
    source.write_text(
        "---\ntitle: On Unions\nauthor: [John Doe]\ndate: 2023-04-01\n---\n\n"
        'Unions matter, they say "solidarity".\n\nA second paragraph.\n',
        encoding="utf-8",
    )
    (item,) = import_files(reader, [source], options(genre="speech"))
    meta = item.meta
    assert (meta["title"], meta["authors"], meta["date"]) == (
        "On Unions",
        ["John Doe"],
        "2023-04-01",
    )
    assert meta["supplied"] == ["title", "authors", "date"]
    assert (meta["genre"], meta["type"]) == ("speech", "speech")
    # Straight quotation marks stay straight: no "smart" punctuation.
    assert '"solidarity"' in (reader / f"seeds/{item.id}.txt").read_text()


def test_html_and_docx_become_paragraphs(reader: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>A Web Page</title><meta name='author' content='Ann Author'>"
        "</head><body><h1>A Web Page</h1><p>Published 2 February 2022</p><p>One &amp; "
        "two.</p><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    doc = write_docx(
        tmp_path / "letter.docx",
        "---\ntitle: A Letter\nauthor: Sam Writer\ndate: 1901-05-06\n---\n\nDear friend,\n\n"
        "Yours, Sam Writer\n",
    )
    html_item, docx_item = import_files(reader, [page, doc], options())
    text = (reader / f"seeds/{html_item.id}.txt").read_text()
    assert text == "A Web Page\n\nPublished 2 February 2022\n\nOne & two.\n"
    assert html_item.meta["type"] == "webpage"
    assert html_item.meta["supplied"] == ["authors"]  # the date and title are in the text
    assert (
        reader / f"seeds/{docx_item.id}.txt"
    ).read_text() == "Dear friend,\n\nYours, Sam Writer\n"
    assert docx_item.meta["supplied"] == ["title", "date"]
    reader_obj, report = read_reader(reader)
    assert reader_obj is not None, report.format()
    assert [r.id for r in reader_obj.readings] == ["gettysburg-1863", "author-2022", "writer-1901"]


def test_every_problem_and_nothing_written(reader: Path, tmp_path: Path) -> None:
    undated = tmp_path / "undated.txt"
    undated.write_text("Just words.\n", encoding="utf-8")
    odd = tmp_path / "slides.pptx"
    odd.write_bytes(b"x")
    before = (reader / "annotations/reader.yaml").read_text()
    with pytest.raises(ImportError_) as caught:
        import_files(reader, [undated, odd], options())
    codes = [d.code for d in caught.value.report.sorted()]
    assert sorted(codes) == ["import.date", "import.format"]
    assert "--date" in caught.value.format()
    assert (reader / "annotations/reader.yaml").read_text() == before
    assert not (reader / "seeds/undated.txt").exists()


def test_an_id_in_use_is_refused_or_avoided(reader: Path, tmp_path: Path) -> None:
    source = tmp_path / "x.txt"
    source.write_text("Title\n\nText.\n", encoding="utf-8")
    with pytest.raises(ImportError_):
        prepare(reader, [source], options(reading_id="gettysburg-1863", date="1863"), set())
    (item,) = prepare(reader, [source], options(date="1863"), {"title-1863"})
    assert item.id == "title-1863-2"
