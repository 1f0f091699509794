"""Citation data: BibTeX and biblatex, CSL-JSON, RIS, and the annotations as JSON-LD.

``render_cite`` writes, into ``build/cite``: ``coursepack.bib`` (classic BibTeX),
``coursepack-biblatex.bib`` (biblatex/biber) with its data model ``coursepack.dbx``,
``coursepack.json`` (CSL-JSON) and ``coursepack.ris``; and ``build/annotations.jsonld``
beside it. Files are written atomically and byte-for-byte reproducibly (sorted, no
timestamps).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from coursepack.options import BuildOptions
from coursepack.outputs import Output
from coursepack.refs import Refs
from coursepack.staging import write_atomic

#: The biblatex data model written beside the biblatex file (see docs/citations.md).
DATAMODEL = Path(__file__).with_name("coursepack.dbx")

CiteFormat = Literal["bibtex", "biblatex", "csl-json", "ris", "text"]
FORMATS: tuple[CiteFormat, ...] = ("bibtex", "biblatex", "csl-json", "ris", "text")

__all__ = ["FORMATS", "cite_command", "cite_notice", "render_cite", "write_atomic"]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


#: The files written, with what each is, in the order a downloads list gives them.
FILES: tuple[tuple[str, str], ...] = (
    ("coursepack.bib", "BibTeX: the reader, each reading, note and term, and every reference"),
    ("coursepack-biblatex.bib", "biblatex (for biber): the same entries with biblatex types"),
    ("coursepack.dbx", "biblatex data model for that file: with it, biber finds every entry valid"),
    ("coursepack.json", "CSL-JSON: the same entries, for Zotero and Pandoc"),
    ("coursepack.ris", "RIS: the same entries, for EndNote and other reference managers"),
)


def promised(refs: Refs, out: Path, options: BuildOptions) -> list[Output]:
    """Return the files :func:`render_cite` writes into out (and its parent), with what each
    is, in the order it writes them."""
    from coursepack.refs.labels import reading_title
    from coursepack.render.cite.annotations import FILE, HYPOTHESIS

    del options  # the citation data is the same for every paper size and edition
    found = [Output(out / name, label, rank=3, role="citations") for name, label in FILES]
    label = "The annotations as W3C Web Annotations (JSON-LD)"
    found.append(Output(out.parent / FILE, label, rank=4, role="annotations"))
    label = "The annotations for a Hypothesis group (its import file, JSON)"
    found.append(Output(out.parent / HYPOTHESIS, label, rank=4, role="annotations"))
    # The texts as received, which the annotations' selectors count in.
    for reading in refs.reader.readings:
        path = out.parent / "texts" / f"{reading.id}.txt"
        label = f"The text of “{reading_title(reading)}” as received (plain text)"
        found.append(Output(path, label, rank=5, role="text", readings=(reading.id,)))
    return found


def render_cite(refs: Refs, out: Path, options: BuildOptions) -> list[Output]:
    """Write the citation files into out and annotations.jsonld into its parent.

    Return the files written.
    """
    from coursepack.refs import csl
    from coursepack.refs.bibtex import write_bib
    from coursepack.render.cite.annotations import annotation_collection, hypothesis_export
    from coursepack.render.cite.ris import write_ris

    created = f"{refs.reader.meta.year:04d}-01-01T00:00:00Z"
    texts = [
        write_bib(refs.bib_entries("bibtex")),
        write_bib(refs.bib_entries("biblatex")),
        DATAMODEL.read_text(encoding="utf-8"),
        _json([csl.with_case_kept(r) for r in refs.exported_records]),
        write_ris(refs.exported_records),
        _json(annotation_collection(refs)),
        _json(hypothesis_export(refs, created)),
        *(reading.text for reading in refs.reader.readings),
    ]
    written = promised(refs, out, options)
    for output, text in zip(written, texts, strict=True):
        write_atomic(output.path, text)
    return written


def cite_notice(refs: Refs, key: str, fmt: str) -> str | None:
    """Return what a reader of :func:`cite_command`'s text should know about it, or None:
    that the style gives the item no bibliography entry, so its note was printed."""
    if fmt != "text":
        return None
    item = refs.item(
        refs.keys.reader if split_pinpoint(key)[0] == "reader" else split_pinpoint(key)[0]
    )
    key = refs.copies.get(item.key, item.key)
    if not refs.citations.items[key].note_only:
        return None
    return (
        f"the style {refs.style} gives {key} no bibliography entry (it cites such an item "
        "in notes only); this is its note"
    )


#: A paragraph pinpoint after a key: "crosse-2026 ¶14", "crosse-2026¶14-16", "crosse-2026#p14".
_PINPOINT = re.compile(r"^(?P<key>.+?)(?:\s*¶\s*(?P<para>\d+(?:[-–]\d+)?)|#p(?P<anchor>\d+))$")


def split_pinpoint(text: str) -> tuple[str, str | None]:
    """Return a key and the paragraphs it pinpoints ("14", "14–16"), or None."""
    found = _PINPOINT.match(text.strip())
    if found is None:
        return text.strip(), None
    para = found["para"] or found["anchor"]
    return found["key"], para.replace("-", "–")


def cite_command(refs: Refs, key: str, fmt: str) -> str:
    """Return one citable item in a format; KeyError (with suggestions) for unknown keys.

    key may name the reader ("reader"), and may end with a paragraph pinpoint
    ("crosse-2026 ¶14", "crosse-2026#p14"), which every format that can hold one carries:
    the text's in-text citation, a LaTeX citation command after a BibTeX entry, a CSL
    citation item beside a CSL-JSON record (RIS has no place for one).
    """
    from coursepack.refs import csl
    from coursepack.render.cite.ris import ris_record

    key, para = split_pinpoint(key)
    item = refs.item(refs.keys.reader if key == "reader" else key)
    if item.key in refs.copies:  # another key of the same work
        item = refs.item(refs.copies[item.key])
    if fmt in ("bibtex", "biblatex"):
        entry = refs.bibtex(item.key, "bibtex" if fmt == "bibtex" else "biblatex")
        if para is None:
            return entry
        command = "\\citep" if fmt == "bibtex" else "\\autocite"
        return f"{entry}% cite as: {command}[\\P~{para}]{{{item.key}}}\n"
    if fmt in ("csl-json", "ris"):
        record = next(r for r in refs.records if r["id"] == item.key)
        if fmt == "ris":
            return ris_record(record)
        if para is None:
            return _json([csl.with_case_kept(record)]).rstrip("\n")
        citation = {"citationItems": [{"id": item.key, "locator": para, "label": "paragraph"}]}
        return _json({"items": [csl.with_case_kept(record)], "citation": citation}).rstrip("\n")
    if fmt == "text":
        entry = refs.citations.entry_text(item.key)
        if para is not None:
            cited = refs.citations.cite_text_with(item.key, para)
            # An item the style lists in no bibliography has its note only.
            entry = cited if refs.citations.items[item.key].note_only else f"{cited}\n\n{entry}"
        if not entry.strip():
            raise RuntimeError(
                f"internal error: the style {refs.style} formats {item.key} as nothing "
                "(a bug: please report it)"
            )
        return entry
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
