"""The files render_cite writes: BibTeX, biblatex, CSL-JSON, RIS and JSON-LD."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import RemoveEnclosingMiddleware
from cite_tex import check_biber, check_bibtex
from pylatexenc.latex2text import LatexNodes2Text

from coursepack.model import Reader, Reference
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.refs.bibtex import escape_latex, write_bib
from coursepack.refs.keys import KeyTable
from coursepack.render.cite import cite_command, render_cite

FILES = (
    "coursepack.bib",
    "coursepack-biblatex.bib",
    "coursepack.dbx",
    "coursepack.json",
    "coursepack.ris",
)


def build(reader: Reader, tmp_path: Path) -> Path:
    """Render the citation files and return the cite folder."""
    out = tmp_path / "build" / "cite"
    render_cite(Refs(reader), out, BuildOptions())
    return out


def parse(path: Path) -> bibtexparser.Library:
    """Parse a written file the way a user's tools would."""
    text = path.read_text(encoding="utf-8")
    return bibtexparser.parse_string(text, parse_stack=[RemoveEnclosingMiddleware(True)])


def to_text(latex: str) -> str:
    """Return the plain text of a LaTeX value."""
    return " ".join(LatexNodes2Text().latex_to_text(latex).split())


def hostile(reader: Reader) -> Reader:
    """Return the reader with a reference full of characters BibTeX treats specially."""
    odd = Reference(
        "odd2020",
        "online",
        {
            "author": "O'Brien, Seán and {Local 7520 & Co.}",
            "title": "50% of $ for #1: under_score {braces} ~tilde^ back\\slash",
            "organization": "AT&T",
            "url": "https://example.org/a_b?x=1&y=%20#frag~",
            "urldate": "2026-01-02",
            "date": "2020-05-01",
        },
    )
    return dataclasses.replace(reader, references=(*reader.references, odd))


def test_writes_every_file(reader: Reader, tmp_path: Path) -> None:
    out = build(reader, tmp_path)
    for name in FILES:
        assert (out / name).read_text(encoding="utf-8").strip(), name
    assert (out.parent / "annotations.jsonld").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files


@pytest.mark.parametrize("name", ["coursepack.bib", "coursepack-biblatex.bib"])
def test_round_trip(reader: Reader, tmp_path: Path, name: str) -> None:
    bad = hostile(reader)
    out = build(bad, tmp_path)
    library = parse(out / name)
    assert not library.failed_blocks
    flavour = "bibtex" if name == "coursepack.bib" else "biblatex"
    expected = {e.key: e for e in Refs(bad).bib_entries(flavour)}
    assert (
        {e.key for e in library.entries} == set(expected) == {c.key for c in KeyTable(bad).sorted()}
    )
    for entry in library.entries:
        want = expected[entry.key]
        assert entry.entry_type == want.entry_type
        got = {f.key: str(f.value) for f in entry.fields}
        assert got == dict(want.fields), entry.key


def test_latex_escaping_keeps_the_text(reader: Reader, tmp_path: Path) -> None:
    out = build(hostile(reader), tmp_path)
    entry = next(e for e in parse(out / "coursepack-biblatex.bib").entries if e.key == "odd2020")
    fields = {f.key: str(f.value) for f in entry.fields}
    assert fields["url"] == "https://example.org/a_b?x=1&y=%20#frag~"  # not escaped
    # pylatexenc spells \textasciicircum as the modifier letter circumflex.
    title = to_text(fields["title"]).replace("ˆ", "^")
    assert title == "50% of $ for #1: under_score {braces} ~tilde^ back\\slash"
    assert to_text(fields["organization"]) == "AT&T"
    assert "{Local 7520 \\& Co.}" in fields["author"]
    assert escape_latex("a&b%c") == "a\\&b\\%c"


def test_supplied_fields_in_brackets_and_protected(reader: Reader) -> None:
    text = Refs(reader).bibtex("workers-vanguard-2026")
    entry = bibtexparser.parse_string(text, parse_stack=[RemoveEnclosingMiddleware(True)])
    fields = {f.key: str(f.value) for f in entry.entries[0].fields}
    assert fields["title"] == "[{Union} leaders endorse the {January} 23 stay-away]"
    assert fields["author"] == "{[Workers Vanguard]}"
    assert fields["month"] == "jan"
    assert "month = jan," in text  # the BibTeX month macro, not a string


def test_parts_link_to_their_place_on_the_site(reader: Reader) -> None:
    note = Refs(reader).bibtex("teamsters-1934", "biblatex")
    # An unsigned entry in the reader, labelled by its title (docs/citations.md).
    assert note.startswith("@inreference{daytruth2026:note:teamsters-1934,")
    assert "options = {useeditor=false}" in note and "author =" not in note
    assert "url = {https://example.org/reader/notes/teamsters-1934.html}" in note
    term = Refs(reader).bibtex("term:cba", "biblatex")
    assert term.startswith("@inreference{daytruth2026:term:cba,")
    assert "https://example.org/reader/glossary.html#cba" in term
    assert "booktitle = {The {Day} of {Truth} and {Freedom}}" in term


def test_online_is_misc_for_bibtex(reader: Reader) -> None:
    classic = Refs(reader).bibtex("mnopedia-teamsters-1934")
    assert classic.startswith("@misc{")
    # The organisation is the work's corporate author; the URL is printed once.
    assert "author = {{MNopedia, Minnesota Historical Society}}" in classic
    assert "howpublished = {\\url{http://" in classic and "  url = " not in classic
    assert "note = {Accessed November 1, 2026}" in classic
    modern = Refs(reader).bibtex("mnopedia-teamsters-1934", "biblatex")
    assert modern.startswith("@online{") and "urldate = {2026-11-01}" in modern


def test_output_is_deterministic(reader: Reader, tmp_path: Path) -> None:
    first = build(reader, tmp_path / "a")
    second = build(hostile(reader), tmp_path / "b")
    second = build(reader, tmp_path / "b")
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    jsonld = "annotations.jsonld"
    assert (first.parent / jsonld).read_bytes() == (second.parent / jsonld).read_bytes()


@pytest.mark.bibtex
def test_bibtex_accepts_the_file(reader: Reader, tmp_path: Path) -> None:
    bad = hostile(reader)
    out = build(bad, tmp_path)
    keys = [c.key for c in KeyTable(bad).sorted()]
    bbl = check_bibtex((out / "coursepack.bib").read_text("utf-8"), keys, tmp_path / "tex")
    assert all(f"\\bibitem{{{key}}}" in bbl for key in keys)


@pytest.mark.bibtex
def test_biber_accepts_the_biblatex_file(reader: Reader, tmp_path: Path) -> None:
    bad = hostile(reader)
    out = build(bad, tmp_path)
    keys = [c.key for c in KeyTable(bad).sorted()]
    check_biber((out / "coursepack-biblatex.bib").read_text("utf-8"), keys, tmp_path / "tex")


@pytest.mark.bibtex
def test_generated_entries_fit_the_biblatex_data_model(reader: Reader, tmp_path: Path) -> None:
    references = {r.key for r in reader.references}
    generated = [e for e in Refs(reader).bib_entries("biblatex") if e.key not in references]
    keys = [e.key for e in generated]
    warnings = check_biber(write_bib(generated), keys, tmp_path / "tex", validate=True)
    # The one datamodel notice left, by design: unsigned entries in the reader.
    parts = {k for k in keys if ":" in k}
    assert warnings == sorted(f"{k}: author" for k in parts)
    # None with the data model written beside the file.
    datamodel = build(reader, tmp_path) / "coursepack.dbx"
    again = check_biber(
        write_bib(generated), keys, tmp_path / "dm", validate=True, datamodel=datamodel
    )
    assert again == []


def test_csl_json_and_ris(reader: Reader, tmp_path: Path) -> None:
    out = build(reader, tmp_path)
    records = json.loads((out / "coursepack.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == sorted(c.key for c in KeyTable(reader).sorted())
    crosse = next(r for r in records if r["id"] == "crosse2026union")
    assert crosse["issued"] == {"date-parts": [[2026, 1, 21]]}
    ris = (out / "coursepack.ris").read_text(encoding="utf-8")
    blocks = [b for b in ris.split("ER  - ") if b.strip()]
    assert len(blocks) == len(records)
    assert "TY  - NEWS\nID  - crosse2026union\nAU  - Crosse, Jacob\n" in ris
    assert "TY  - BOOK\nID  - walker1937\nAU  - Walker, Charles Rumford\n" in ris


def test_cite_command(reader: Reader) -> None:
    # An article read online has no volume or pages: classic BibTeX's @misc.
    assert cite_command(Refs(reader), "crosse-2026", "bibtex").startswith("@misc{crosse2026union,")
    assert "journaltitle" in cite_command(Refs(reader), "crosse-2026", "biblatex")
    assert json.loads(cite_command(Refs(reader), "cba", "csl-json"))[0]["id"].endswith(":term:cba")
    assert cite_command(Refs(reader), "walker1937", "ris").startswith("TY  - BOOK")
    text = cite_command(Refs(reader), "walker1937", "text")
    assert text.startswith("Walker, Charles Rumford. 1937. American City") and "<" not in text
    with pytest.raises(KeyError, match="did you mean"):
        cite_command(Refs(reader), "walker1938", "text")


def test_bare_id_of_a_note_and_a_term_with_the_same_id(reader: Reader) -> None:
    twin = dataclasses.replace(reader.term("cba"), id="teamsters-1934")
    both = dataclasses.replace(reader, terms=(*reader.terms, twin))
    with pytest.raises(KeyError, match="note:teamsters-1934 or term:teamsters-1934"):
        cite_command(Refs(both), "teamsters-1934", "bibtex")
    assert ":term:teamsters-1934" in cite_command(Refs(both), "term:teamsters-1934", "bibtex")
