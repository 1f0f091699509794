"""Citation data: BibTeX and biblatex, CSL-JSON, RIS, and the annotations as JSON-LD.

``render_cite`` writes, into ``build/cite``: ``coursepack.bib`` (classic BibTeX),
``coursepack-biblatex.bib`` (biblatex/biber), ``coursepack.json`` (CSL-JSON) and
``coursepack.ris``; and ``build/annotations.jsonld`` beside it. Files are written
atomically and byte-for-byte reproducibly (sorted, no timestamps).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal

from coursepack.model import Reader
from coursepack.options import BuildOptions

CiteFormat = Literal["bibtex", "biblatex", "csl-json", "ris", "text"]
FORMATS: tuple[CiteFormat, ...] = ("bibtex", "biblatex", "csl-json", "ris", "text")

__all__ = ["FORMATS", "cite_command", "render_cite", "write_atomic"]


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text to a file through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render_cite(reader: Reader, out: Path, options: BuildOptions) -> None:
    """Write the citation files into out and annotations.jsonld into its parent."""
    from coursepack.render.cite.annotations import annotation_collection
    from coursepack.render.cite.bibtex import bib_entries, write_bib
    from coursepack.render.cite.csl import csl_records
    from coursepack.render.cite.ris import write_ris

    del options  # the citation data is the same for every paper size and edition
    records = csl_records(reader)
    write_atomic(out / "coursepack.bib", write_bib(bib_entries(reader, "bibtex")))
    write_atomic(out / "coursepack-biblatex.bib", write_bib(bib_entries(reader, "biblatex")))
    write_atomic(out / "coursepack.json", _json(records))
    write_atomic(out / "coursepack.ris", write_ris(records))
    write_atomic(out.parent / "annotations.jsonld", _json(annotation_collection(reader)))


def cite_command(reader: Reader, key: str, fmt: str) -> str:
    """Return one citable item in a format; KeyError (with suggestions) for unknown keys."""
    from coursepack.render.cite import keys
    from coursepack.render.cite.bibtex import entry_bibtex
    from coursepack.render.cite.csl import csl_records, format_entry
    from coursepack.render.cite.ris import ris_record

    item = keys.resolve_key(reader, key)
    if fmt in ("bibtex", "biblatex"):
        return entry_bibtex(reader, item.key, "bibtex" if fmt == "bibtex" else "biblatex")
    if fmt in ("csl-json", "ris"):
        record = next(r for r in csl_records(reader) if r["id"] == item.key)
        return _json([record]).rstrip("\n") if fmt == "csl-json" else ris_record(record)
    if fmt == "text":
        return format_entry(reader, item.key, "text")
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
