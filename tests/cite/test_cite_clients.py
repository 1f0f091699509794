"""The flagship's citation files in the clients scholars use: every one accepts them, and
they agree with one another.

The files are written once for the module; each client runs on them for real (the TeX
programs, biber, pandoc, citeproc-js under Node.js, a RIS reader). Under CI a missing
client fails the test instead of skipping it.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from clients import STYLES, bibtex_style, citeproc_js, pandoc_render
from csl_data import SCHEMA

from coursepack.cli import main
from coursepack.model import Reference
from coursepack.options import BuildOptions
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.render.cite import cite_command, render_cite
from coursepack.styles import style_path

REPO = Path(__file__).parents[2]
STYLE = style_path("chicago-author-date")  # the CSL styles repository's file
LOCALE = Path(str(resources.files("citeproc").joinpath("data/locales/locales-en-US.xml")))


@pytest.fixture(scope="module")
def refs() -> Refs:
    reader, report = read_reader(REPO)
    assert reader is not None, report.format()
    return Refs(reader)


@pytest.fixture(scope="module")
def cite(refs: Refs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clients") / "cite"
    render_cite(refs, out, BuildOptions())
    return out


def exported(cite: Path) -> list[str]:
    return [str(r["id"]) for r in json.loads((cite / "coursepack.json").read_text("utf-8"))]


@pytest.mark.bibtex
@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_classic_style_typesets_every_entry_cleanly(
    style: str, cite: Path, tmp_path: Path
) -> None:
    done = bibtex_style((cite / "coursepack.bib").read_text("utf-8"), style, tmp_path)
    assert done.warnings == []
    assert done.errors == []
    assert done.latex_errors == []
    bbl = (tmp_path / "doc.bbl").read_text("utf-8")
    assert bbl.count("\\bibitem") == len(exported(cite))


@pytest.mark.bibtex
def test_biber_notes_only_what_the_files_carry_by_design(
    refs: Refs, cite: Path, tmp_path: Path
) -> None:
    from cite_tex import check_biber

    keys = exported(cite)
    notices = check_biber(
        (cite / "coursepack-biblatex.bib").read_text("utf-8"), keys, tmp_path, validate=True
    )
    # An unsigned entry in the reader (or an anonymous text) has no author; a work without
    # a date has no date; a case's or statute's fields are not in biblatex's standard
    # datamodel.
    parts = {k for k in keys if refs.keys.items[k].kind not in ("reader", "reading", "reference")}
    parts |= {refs.key(r) for r in refs.reader.readings if not r.authors and not r.corporate_author}
    undated = {
        str(r["id"])
        for r in refs.exported_records
        if "issued" not in r and refs.keys.items[str(r["id"])].kind == "reference"
    }
    legal = {
        r.key for r in refs.reader.references if r.entry_type in ("jurisdiction", "legislation")
    }
    expected = [f"{k}: author" for k in parts] + [f"{k}: date" for k in undated]
    assert notices == sorted(expected + [f"{k}: legal" for k in legal])


@pytest.mark.bibtex
def test_biber_finds_every_entry_valid_with_the_datamodel_written_beside_it(
    cite: Path, tmp_path: Path
) -> None:
    from cite_tex import check_biber

    bib = (cite / "coursepack-biblatex.bib").read_text("utf-8")
    notices = check_biber(
        bib, exported(cite), tmp_path, validate=True, datamodel=cite / "coursepack.dbx"
    )
    assert notices == []
    # A case keeps its reporter citation: its fields reach biblatex, none is ignored.
    bbl = (tmp_path / "doc.bbl").read_text("utf-8")
    case = bbl.split("\\entry{boys-markets-1970}", 1)[1].split("\\endentry", 1)[0]
    assert "\\field{journaltitle}{U.S.}" in case and "\\field{volume}{398}" in case


def test_pandoc_renders_every_key_alike_from_the_bib_and_the_json(
    cite: Path, tmp_path: Path
) -> None:
    keys = exported(cite)
    from_bib, bib_warnings = pandoc_render(
        cite / "coursepack-biblatex.bib", keys, STYLE, tmp_path / "bib"
    )
    from_json, json_warnings = pandoc_render(
        cite / "coursepack.json", keys, STYLE, tmp_path / "json"
    )
    assert bib_warnings == json_warnings == ""
    differing = [
        (a, b) for a, b in zip(from_bib.splitlines(), from_json.splitlines(), strict=True) if a != b
    ]
    assert differing == []
    # Every key was cited and is in the bibliography.
    assert from_bib.count("\n\n") >= 2 * len(keys) - 2


def test_citeproc_js_formats_every_item(cite: Path, tmp_path: Path) -> None:
    done = citeproc_js(cite / "coursepack.json", STYLE, LOCALE, tmp_path)
    assert done.errors == []
    assert len(done.entries) == len(done.ids) == len(exported(cite))
    assert all(c.strip() and "CSL STYLE ERROR" not in c for c in done.cites)
    # Entries in the reader are cited by the reader's title, not by its editors: none needs
    # a year suffix, and no run of suffixes goes past the alphabet.
    cites = dict(zip(done.ids, done.cites, strict=True))
    parts = [k for k in cites if ":" in k]
    assert parts and all(not re.search(r"\d{4}[a-z]\b", cites[k]) for k in parts)
    assert not any(re.search(r"(\d{4}|n\.d\.-)[a-z]{2}\b", c) for c in done.cites)


#: The CSL project's own schema of CSL-JSON, vendored with its licence (see its README).
OFFICIAL_SCHEMA = Path(__file__).parent / "csl-schema" / "csl-data.json"


def test_csl_json_is_valid_csl_with_citation_keys(cite: Path) -> None:
    records = json.loads((cite / "coursepack.json").read_text("utf-8"))
    official = json.loads(OFFICIAL_SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator.check_schema(official)
    errors = list(jsonschema.Draft7Validator(official).iter_errors(records))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []
    # ... and every variable is one CSL defines (the official schema allows others).
    jsonschema.validate(records, SCHEMA)
    assert all(r["citation-key"] == r["id"] for r in records)


def test_every_ris_record_has_a_type_and_a_creator(refs: Refs, cite: Path) -> None:
    with (cite / "coursepack.ris").open(encoding="utf-8") as handle:
        records = rispy.load(handle)
    assert len(records) == len(exported(cite))
    creators = ("authors", "first_authors", "secondary_authors", "tertiary_authors")
    # Only a work whose author is unknown (an anonymous text) names no one.
    anonymous = {
        refs.key(r) for r in refs.reader.readings if not r.authors and not r.corporate_author
    }
    assert {r["id"] for r in records if not any(r.get(c) for c in creators)} == anonymous
    assert all(r["type_of_reference"] != "GEN" for r in records)


def test_one_work_one_entry(refs: Refs, cite: Path) -> None:
    copies = refs.copies
    assert copies, "the flagship keeps some readings in references.bib too"
    for name in ("coursepack.bib", "coursepack-biblatex.bib"):
        library = bibtexparser.parse_string((cite / name).read_text("utf-8"))
        keys = {e.key for e in library.entries}
        assert not keys & set(copies), name
    biblatex = bibtexparser.parse_string((cite / "coursepack-biblatex.bib").read_text("utf-8"))
    ids = {e.key: e.fields_dict["ids"].value for e in biblatex.entries if "ids" in e.fields_dict}
    for copy, canonical in copies.items():
        assert copy in ids[canonical].split(",")
    assert not set(copies) & set(exported(cite))


def test_cases_and_statutes_keep_their_citations(refs: Refs, cite: Path) -> None:
    records = {r["id"]: r for r in json.loads((cite / "coursepack.json").read_text("utf-8"))}
    legal = {
        r.key: r for r in refs.reader.references if r.entry_type in ("jurisdiction", "legislation")
    }
    assert legal
    for key, ref in legal.items():
        record = records[key]
        if ref.entry_type == "jurisdiction":
            assert record["type"] == "legal_case"
            cited = f"{record['volume']} {record['container-title']} {record['page']}"
        else:
            assert record["type"] == "legislation"
            assert "number" not in record  # a public-law number to Chicago and APA
            cited = " ".join(
                str(record[v]) for v in ("volume", "container-title", "section") if v in record
            )
            cited = cited.replace(" U.S.C. ", " U.S.C. §§ ")
        assert ref.get("howpublished").startswith(cited), key


def _plain(fragment: str) -> str:
    """Return the visible text of a citeproc-js or coursepack HTML fragment (apostrophes
    straight: citeproc-js keeps a straight one as it is given)."""
    text = html.unescape(re.sub(r"<[^>]*>", "", fragment)).replace("\u2019", "'")
    return " ".join(text.split())


def _legal_citation(ref: Reference) -> str:
    """Return a case's reporter citation or a statute's code citation, as printed."""
    return re.sub(r"\s+\(.*\)$", "", ref.get("howpublished"))  # "(D. Minn.)": the court


@pytest.mark.parametrize("style", ["chicago-author-date", "chicago-note", "apa"])
def test_cases_and_statutes_print_their_citations_in_both_processors(
    style: str, refs: Refs, cite: Path, tmp_path: Path
) -> None:
    legal = [r for r in refs.reader.references if r.entry_type in ("jurisdiction", "legislation")]
    records = json.loads((cite / "coursepack.json").read_text("utf-8"))
    path = tmp_path / "legal.json"
    path.write_text(json.dumps([r for r in records if r["id"] in {x.key for x in legal}]))
    done = citeproc_js(path, style_path(style), LOCALE, tmp_path)
    assert done.errors == []
    js = [_plain(e) for e in done.entries]
    ours = Refs(refs.reader, style=style).citations
    for ref in legal:
        printed = _legal_citation(ref)  # "29 U.S.C. §§ 151–169", "Minn. Stat. ch. 179A"
        entry = _plain(ours.entry(ref.key))
        assert f"{printed} ({ref.get('year')})" in entry, (ref.key, entry)
        assert [e for e in js if f"{printed} ({ref.get('year')})" in e], (ref.key, js)
    assert not [e for e in js + [_plain(ours.entry(r.key)) for r in legal] if "Pub. L." in e]


#: The CSL styles repository's file behind each of coursepack's style names.
CSL_FILES = {
    "chicago-author-date": "chicago-author-date",
    "apa": "apa",
    "mla": "modern-language-association",
}


def _as_printed(fragment: str) -> str:
    """Return what a reader sees of a citation or an entry: its text, with curly quotation
    marks and apostrophes straight (citeproc-js keeps a straight one as it is given)."""
    text = _plain(fragment)
    for curly, straight in (("“", '"'), ("”", '"'), ("‘", "'")):
        text = text.replace(curly, straight)
    return text


@pytest.mark.parametrize("style", sorted(CSL_FILES))
def test_every_citation_and_entry_is_what_citeproc_js_writes(
    style: str, refs: Refs, cite: Path, tmp_path: Path
) -> None:
    """coursepack formats with citeproc-py; citeproc-js is the processor behind Zotero and
    Mendeley. Over every exported item, each in-text citation and each bibliography entry
    reads the same in both, with two differences that are coursepack's on purpose: every
    entry names its authors (a bibliography of one reader's items is read entry by entry,
    so MLA's "———" for a repeated author is not used), and "Edited by" after a sentence
    takes a capital."""
    done = citeproc_js(cite / "coursepack.json", style_path(CSL_FILES[style]), LOCALE, tmp_path)
    assert done.errors == []
    ours = Refs(refs.reader, style=style).citations
    cites = dict(zip(done.ids, done.cites, strict=True))
    differ = [
        (key, ours.cite(key), js)
        for key, js in cites.items()
        if f"({_as_printed(ours.cite_html(key))})" != _as_printed(js)
        and _as_printed(ours.cite_html(key)) != _as_printed(js)
    ]
    assert differ == []
    entries = dict(zip(done.entry_ids, done.entries, strict=True))
    assert sorted(entries) == sorted(cites)
    differ = []
    for key, js in entries.items():
        want = re.sub(r'(?<=[.!?])(["\']*) edited by ', r"\1 Edited by ", _as_printed(js))
        got = _as_printed(ours.entry(key))
        if want.startswith("———") and got.endswith(want.removeprefix("———")):
            continue
        if got != want:
            differ.append((key, got, want))
    assert differ == []


def test_urls_in_the_bib_files_are_ascii(cite: Path) -> None:
    for name in ("coursepack.bib", "coursepack-biblatex.bib"):
        text = (cite / name).read_text("utf-8")
        for line in text.splitlines():
            if "url" in line:
                for url in line.split("url")[1:]:
                    assert url.isascii() or "\\url{" not in line, line
    biblatex = bibtexparser.parse_string((cite / "coursepack-biblatex.bib").read_text("utf-8"))
    urls = [str(e.fields_dict["url"].value) for e in biblatex.entries if "url" in e.fields_dict]
    assert urls and all(u.isascii() for u in urls)


@pytest.mark.parametrize("style", ["chicago-author-date", "chicago-note", "apa", "mla"])
def test_every_key_prints_a_citation_in_every_style(style: str, refs: Refs) -> None:
    ours = Refs(refs.reader, style=style)
    for key in ours.keys.items:
        text = cite_command(ours, key, "text")
        assert text.strip(), key
        assert cite_command(ours, f"{key} ¶2", "text").strip(), key


def test_items_without_a_notes_bibliography_entry_print_their_note(
    refs: Refs, cite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = citeproc_js(cite / "coursepack.json", style_path("chicago-note"), LOCALE, tmp_path)
    # The Chicago notes style lists no unsigned entry of a reference work, nor an anonymous
    # manuscript, in its bibliography: citeproc-js says so of exactly these items.
    without = {str(e["itemID"]) for e in done.errors}  # type: ignore[index]
    ours = Refs(refs.reader, style="chicago-note").citations
    assert without and without == {k for k in exported(cite) if ours.items[k].note_only}
    for key in without:
        assert _plain(ours.entry(key)) == _plain(ours.cite_html(key)) != ""
    assert main(["--root", str(REPO), "cite", "note:teamsters-1934", "--format", "text",
                 "--style", "chicago-note"]) == 0  # fmt: skip
    printed = capsys.readouterr()
    assert printed.out.startswith("The coursepack editors, ed., “The 1934 Minneapolis Teamsters")
    assert "no bibliography entry" in printed.err and "this is its note" in printed.err


def test_apa_cites_entries_in_the_reader_by_title_with_few_suffixes(
    refs: Refs, cite: Path, tmp_path: Path
) -> None:
    done = citeproc_js(cite / "coursepack.json", style_path("apa"), LOCALE, tmp_path)
    assert done.errors == []
    cites = [_plain(c) for c in done.cites]
    suffix = re.compile(r"\b(?:\d{4}|n\.d\.-)([a-z]+)\b")
    assert all(len(s) == 1 for c in cites for s in suffix.findall(c))  # within the alphabet
    # An entry in the reader needs one only when its title is another work's author's name
    # ("In These Times", the magazine).
    within = [c for k, c in zip(done.ids, cites, strict=True) if ":" in k and suffix.search(c)]
    assert len(within) <= 5, within
    assert not [c for c in cites if "coursepack," in c]  # no publisher as an author
    ours = Refs(refs.reader, style="apa").citations
    for key, theirs in zip(done.ids, cites, strict=True):
        # citeproc-py's title case leaves a word after a hyphen as it is ("Rank-and-file").
        assert f"({_plain(ours.cite_html(key))})".casefold() == theirs.casefold(), key
    # The entries in the reader: the title, the year, the reader and its editors.
    entries = {_plain(e).casefold() for e in done.entries}
    parts = [k for k in done.ids if ":" in k]
    assert [k for k in parts if _plain(ours.entry(k)).casefold() not in entries] == []


@pytest.mark.parametrize("style", ["chicago-note", "chicago-author-date", "apa", "mla"])
def test_editors_who_stand_first_are_printed_once_as_in_citeproc_js(
    style: str, refs: Refs, cite: Path, tmp_path: Path
) -> None:
    done = citeproc_js(cite / "coursepack.json", style_path(style), LOCALE, tmp_path)
    ours = Refs(refs.reader, style=style).citations
    # The reader, by its editors, and the entries in it, which some styles head by them.
    edited = [k for k in done.ids if ":" in k or k == refs.keys.reader]
    if style == "chicago-note":  # the notes, which stand for these entries
        notes = dict(zip(done.ids, done.cites, strict=True))
        assert [k for k in edited if _plain(ours.cite_html(k)) != _plain(notes[k])] == []
    # Compared without case: citeproc-js writes "edited by" in lower case after a title's
    # closing period, and capitalizes the word after a hyphen in MLA's title case.
    entries = {_plain(e).casefold() for e in done.entries}
    listed = [k for k in edited if not ours.items[k].note_only]
    assert listed
    assert [k for k in listed if _plain(ours.entry(k)).casefold() not in entries] == []
