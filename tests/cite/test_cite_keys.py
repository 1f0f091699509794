"""BibTeX keys: readable, unique, and independent of unrelated items."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from cite_builders import CROSSE_TEXT, anchor, make_reading

from coursepack.diagnostics import Location
from coursepack.model import Note, PartialDate, Period, Reader, Term
from coursepack.pipeline import read_reader
from coursepack.refs import keys
from coursepack.refs.keys import KeyTable

KEY_CHARS = re.compile(r"^[a-z0-9:\-]+$")


def test_keys_follow_the_scheme(reader: Reader) -> None:
    table = KeyTable(reader)
    assert table.reader == "daytruth2026reader"
    assert table.readings == {
        "crosse-2026": "crosse2026union",
        "workers-vanguard-2026": "workersvanguard2026union",
    }
    assert table.notes == {"teamsters-1934": "daytruth2026:note:teamsters-1934"}
    assert table.terms["cba"] == "daytruth2026:term:cba"
    assert {"walker1937", "smith1999", "nlra-1935"} <= set(table.items)


def test_citation_key_accepts_objects_ids_and_keys(reader: Reader) -> None:
    crosse = reader.reading("crosse-2026")
    assert KeyTable(reader).key_of(crosse) == "crosse2026union"
    assert KeyTable(reader).key_of("crosse-2026") == "crosse2026union"
    assert KeyTable(reader).key_of("crosse2026union") == "crosse2026union"
    assert KeyTable(reader).key_of(reader) == "daytruth2026reader"
    assert KeyTable(reader).key_of(reader.note("teamsters-1934")).endswith(":teamsters-1934")
    assert KeyTable(reader).key_of("term:cba") == "daytruth2026:term:cba"
    assert KeyTable(reader).key_of(reader.reference("walker1937")) == "walker1937"


def test_unknown_key_suggests_close_ones(reader: Reader) -> None:
    with pytest.raises(KeyError, match=r"did you mean.*crosse2026union"):
        KeyTable(reader).key_of("crosse2026unoin")


def test_generated_keys_are_lower_case_ascii(reader: Reader) -> None:
    for item in KeyTable(reader).sorted():
        if item.kind != "reference":
            assert KEY_CHARS.match(item.key), item.key


def test_transliteration() -> None:
    reading = make_reading(
        "muller",
        CROSSE_TEXT,
        title="Über die Straße: Łódź",
        authors=("José Müller-Łukasz",),
    )
    assert keys.reading_base_key(reading) == "mullerlukasz2026uber"


def test_anonymous_reading_with_a_described_outlet() -> None:
    reading = make_reading(
        "labor-ranks-2026",
        CROSSE_TEXT,
        title="Something major is happening in the ranks of Minnesota labor",
        outlet="unidentified socialist publication",
        supplied=frozenset({"title", "authors", "outlet"}),
    )
    assert keys.reading_base_key(reading) == "anon2026something"


def test_family_name_forms() -> None:
    assert keys.family_name("Luis Feliz Leon") == "Leon"
    assert keys.family_name("Feliz Leon, Luis") == "Feliz Leon"


def test_colliding_readings_get_id_based_suffixes(reader: Reader) -> None:
    twin = dataclasses.replace(reader.reading("crosse-2026"), id="crosse-2026b")
    other = dataclasses.replace(reader.reading("crosse-2026"), id="crosse-2026c")
    bigger = dataclasses.replace(reader, readings=(*reader.readings, twin, other))
    table = KeyTable(bigger)
    assert table.readings["crosse-2026"] == "crosse2026union"
    suffixed = {table.readings["crosse-2026b"], table.readings["crosse-2026c"]}
    assert len(suffixed) == 2
    assert all(re.fullmatch(r"crosse2026union-[0-9a-f]{4}", k) for k in suffixed)
    # The suffix depends only on the reading's own id: dropping the third keeps the second.
    smaller = dataclasses.replace(reader, readings=(*reader.readings, twin))
    assert KeyTable(smaller).readings["crosse-2026b"] == table.readings["crosse-2026b"]
    assert len({k.casefold() for k in table.items}) == len(table.items)


def test_keys_unchanged_by_an_unrelated_note_or_term(reader: Reader) -> None:
    before = {(c.kind, c.id): c.key for c in KeyTable(reader).sorted()}
    crosse = reader.reading("crosse-2026")
    note = Note(
        id="aaa-first",
        title="A note that sorts first",
        body="Text.",
        period=Period(PartialDate(2022)),
        sources=(),
        anchors=(anchor(crosse, "Local 7520"),),
        terms=(),
        entities=(),
        teaching=None,
        location=Location("annotations/notes/aaa-first.md", 1, 1),
    )
    term = dataclasses.replace(reader.term("cba"), id="aaa", term="aaa")
    assert isinstance(term, Term)
    grown = dataclasses.replace(reader, notes=(note, *reader.notes), terms=(term, *reader.terms))
    after = {(c.kind, c.id): c.key for c in KeyTable(grown).sorted()}
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) == len(before) + 2


def test_a_key_taken_by_another_work_is_a_problem_not_a_move(reader: Reader) -> None:
    # A reference added with a reading's key: check reports it; the key is not reassigned.
    clash = dataclasses.replace(reader.references[0], key="crosse2026union")
    grown = dataclasses.replace(reader, references=(*reader.references, clash))
    (problem,) = keys.problems(grown)
    assert (problem.reading, problem.key, problem.holder_kind) == (
        "crosse-2026",
        "crosse2026union",
        "reference",
    )
    message = problem.message("seeds/crosse-2026.yaml")
    assert "key: in seeds/crosse-2026.yaml" in message and "rename the reference" in message
    # The fix the message gives: the reading keeps the key its metadata fixes.
    fixed = dataclasses.replace(reader.reading("crosse-2026"), key="crosse2026wsws")
    mended = dataclasses.replace(
        grown, readings=tuple(fixed if r.id == fixed.id else r for r in grown.readings)
    )
    assert keys.problems(mended) == []
    assert KeyTable(mended).readings["crosse-2026"] == "crosse2026wsws"
    assert KeyTable(mended).items["crosse2026union"].kind == "reference"


def test_two_readings_asking_for_one_key_are_a_problem(reader: Reader) -> None:
    twin = dataclasses.replace(reader.reading("crosse-2026"), id="crosse-2026b")
    (problem,) = keys.problems(dataclasses.replace(reader, readings=(*reader.readings, twin)))
    assert (problem.reading, problem.holder, problem.holder_kind) == (
        "crosse-2026b",
        "crosse-2026",
        "reading",
    )


def test_check_reports_a_taken_key_at_the_seed(tmp_path: Path) -> None:
    import shutil

    from coursepack.cli import main

    root = tmp_path / "reader"
    shutil.copytree(Path(__file__).parents[1] / "data" / "mini", root)
    reader, _ = read_reader(root)
    assert reader is not None
    reading = reader.readings[0]
    key = KeyTable(reader).readings[reading.id]
    bib = root / "annotations" / "references.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8")
        + f"\n@book{{{key},\n  author = {{Other, Ann}},\n  title = {{Other}},\n"
        + "  year = {2001},\n}\n",
        encoding="utf-8",
    )
    again, report = read_reader(root)
    assert again is None
    (problem,) = [d for d in report.diagnostics if d.code == "cite.key-taken"]
    # At the title the key is made from (not a fallback at the start of the file).
    assert problem.location.path == reading.meta_path and problem.location.col > 1
    assert main(["--root", str(root), "check"]) == 1
