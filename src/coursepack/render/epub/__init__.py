"""The EPUB target: the course reader as an EPUB 3 book for phones and e-readers.

:func:`render_epub` writes ``reader.epub`` from the same model and shared layer as the
site and the PDFs: the readings with their paragraph numbers (the same as everywhere),
their notes as EPUB popup footnotes (``epub:type`` ``noteref`` and ``footnote``), the
context documents, the historical notes, a glossary and an index that link to every
place, the chronology, the questions and the bibliography; the bundled fonts; and the
accessibility metadata (schema.org ``accessMode`` and the rest) in its package document.
The file is byte for byte the same from the same input (fixed dates and order).
"""

from __future__ import annotations

import os
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from coursepack.options import BuildOptions, source_date_epoch
from coursepack.outputs import Output
from coursepack.refs import Refs

__all__ = ["FILE", "render_epub"]

#: The book, in the build's epub folder.
FILE = "reader.epub"
#: The package's own folder: templates and CSS.
HERE = Path(__file__).parent
#: The bundled faces the PDFs use, embedded in the book too.
FONTS = HERE.parent / "pdf" / "fonts"
FONT_FILES = (
    "LinLibertine_R.otf",
    "LinLibertine_RI.otf",
    "LinLibertine_RB.otf",
    "LinLibertine_RBI.otf",
    "LinLibertine_M.otf",
)
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles>
<rootfile full-path="OEBPS/package.opf" media-type="application/oebps-package+xml"/>
</rootfiles>
</container>
"""
SUMMARY = (
    "Text throughout, in reading order, with headings, a table of contents, landmarks and "
    "an index. Paragraph numbers match the printed reader and the website. Notes are "
    "footnotes linked from their calls and back; glossary terms link to their entries."
)
XHTML = "application/xhtml+xml"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Return the Jinja2 environment: package templates, autoescape, strict undefined."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def modified(year: int) -> str:
    """Return the book's modification date: SOURCE_DATE_EPOCH, else January 1 of its year."""
    epoch = source_date_epoch()
    if epoch is None:
        return f"{year:04d}-01-01T00:00:00Z"
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def chapters(refs: Refs) -> list[tuple[str, str, str]]:
    """Return the book's documents in reading order: (file, title, XHTML)."""
    from coursepack.render.epub.book import Book, md, xhtml

    book = Book(refs)
    reader = refs.reader
    meta = book.meta()
    docs: list[tuple[str, str, str]] = []
    example = refs.short(reader.readings[0]) if reader.readings else meta["title"]
    docs.append(
        (
            "title.xhtml",
            meta["title"],
            _render("title.html", meta=meta, citation=xhtml(refs.entry(reader)), example=example),
        )
    )
    docs.append(
        (
            "introduction.xhtml",
            "Introduction",
            _render("introduction.html", meta=meta, introduction=md(reader.meta.introduction)),
        )
    )
    for reading in reader.readings:
        r = book.reading(reading)
        docs.append((r["file"], r["title"], _render("reading.html", meta=meta, r=r)))
    contexts = book.contexts()
    if contexts:
        docs.append(
            ("contexts.xhtml", "Contexts", _render("contexts.html", meta=meta, contexts=contexts))
        )
    if reader.notes:
        notes = [book.note(n) for n in refs.orders.notes]
        docs.append(
            ("notes.xhtml", "Historical notes", _render("notes.html", meta=meta, notes=notes))
        )
    if reader.terms:
        terms = [book.term(t) for t in refs.orders.terms]
        docs.append(
            ("glossary.xhtml", "Glossary", _render("glossary.html", meta=meta, terms=terms))
        )
    chronology = book.chronology()
    timeline = [
        {"id": n.id, "title": n.title, "period": book.note(n)["period"]} for n in refs.orders.notes
    ]
    if chronology or timeline:
        docs.append(
            (
                "chronology.xhtml",
                "Chronology" if chronology else "Timeline of the historical notes",
                _render("chronology.html", meta=meta, chronology=chronology, timeline=timeline),
            )
        )
    if reader.questions:
        docs.append(
            (
                "questions.xhtml",
                "Discussion questions",
                _render("questions.html", meta=meta, groups=book.questions()),
            )
        )
    known = refs.keys.items
    further = [
        {"key": w.key, "entry": xhtml(refs.entry(w.key)), "annotation": md(w.annotation)}
        for w in refs.orders.further_reading
        if w.key in known
    ]
    bibliography = [{"key": k, "html": xhtml(v)} for k, v in refs.citations.bibliography()]
    docs.append(
        (
            "bibliography.xhtml",
            "Further reading and bibliography" if further else "Bibliography",
            _render("bibliography.html", meta=meta, further=further, bibliography=bibliography),
        )
    )
    docs.append(
        (
            "index.xhtml",
            "Index of names and terms",
            _render("index.html", meta=meta, index=book.index()),
        )
    )
    return docs


def package(refs: Refs) -> dict[str, bytes]:
    """Return every file of the book but the mimetype: path in the zip -> bytes."""
    from coursepack.render.epub.book import Book

    meta = Book(refs).meta()
    docs = chapters(refs)
    toc = [{"href": f, "label": t, "children": []} for f, t, _ in docs]
    landmarks = [
        {"type": "titlepage", "href": "title.xhtml", "label": "Title page"},
        {"type": "toc", "href": "nav.xhtml#toc", "label": "Contents"},
        {"type": "bodymatter", "href": "introduction.xhtml", "label": "Start of content"},
    ]
    files = {f for f, _, _ in docs}
    if "glossary.xhtml" in files:
        landmarks.append({"type": "glossary", "href": "glossary.xhtml", "label": "Glossary"})
    landmarks.append(
        {"type": "bibliography", "href": "bibliography.xhtml", "label": "Bibliography"}
    )
    landmarks.append({"type": "index", "href": "index.xhtml", "label": "Index"})
    nav = _render("nav.html", meta=meta, toc=toc, landmarks=landmarks)
    out: dict[str, bytes] = {"META-INF/container.xml": CONTAINER.encode()}
    manifest = [{"id": "nav", "href": "nav.xhtml", "type": XHTML, "properties": "nav"}]
    spine = ["title", "nav"]
    out["OEBPS/nav.xhtml"] = nav.encode()
    for number, (name, _title, text) in enumerate(docs):
        item = "title" if name == "title.xhtml" else f"doc{number}"
        manifest.append({"id": item, "href": name, "type": XHTML, "properties": ""})
        if item != "title":
            spine.append(item)
        out[f"OEBPS/{name}"] = text.encode()
    manifest.append({"id": "css", "href": "css/epub.css", "type": "text/css", "properties": ""})
    out["OEBPS/css/epub.css"] = (HERE / "css" / "epub.css").read_bytes()
    for number, font in enumerate(FONT_FILES):
        manifest.append(
            {"id": f"font{number}", "href": f"fonts/{font}", "type": "font/otf", "properties": ""}
        )
        out[f"OEBPS/fonts/{font}"] = (FONTS / font).read_bytes()
    identifier = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, meta["url"] + "#" + meta["id"]))
    out["OEBPS/package.opf"] = _render(
        "package.opf.j2",
        meta=meta,
        identifier=identifier,
        modified=modified(meta["year"]),
        summary=SUMMARY,
        manifest=manifest,
        spine=spine,
    ).encode()
    return out


def write_epub(files: dict[str, bytes], target: Path) -> None:
    """Write an EPUB atomically: the mimetype first and stored, the rest compressed, every
    entry dated the same, so that the same files give the same bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".epub", dir=target.parent)
    os.close(fd)
    stamp = (1980, 1, 1, 0, 0, 0)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            first = zipfile.ZipInfo("mimetype", date_time=stamp)
            first.compress_type = zipfile.ZIP_STORED
            archive.writestr(first, b"application/epub+zip")
            for name in files:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, files[name], compresslevel=9)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def promised(refs: Refs, out: Path, options: BuildOptions) -> list[Output]:
    """Return the file :func:`render_epub` writes into out, with what it is."""
    del refs, options  # the book is the same for every paper size; teaching notes stay out
    label = "The full course reader (EPUB, for phones and e-readers)"
    return [Output(out / FILE, label, rank=0, role="epub")]


def render_epub(refs: Refs, out: Path, options: BuildOptions) -> list[Output]:
    """Write reader.epub into out; return it."""
    written = promised(refs, out, options)
    write_epub(package(refs), written[0].path)
    return written
