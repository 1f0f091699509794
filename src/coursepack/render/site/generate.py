"""Write the generated reST documents of the site (one per reading, note, and index page).

Every generated document is a short reST file: a title, sections, and directives of this
extension that expand the reader's data into nodes when Sphinx reads the document. Titles
and glossary terms are escaped, so no annotation text is ever parsed as reST. Each file
carries a digest of the data it shows: the file changes exactly when its data does, and it
is written only then, so Sphinx's incremental build re-reads only the pages affected.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from coursepack.model import Note, Reader, Reading

#: Ids that may appear in generated reST (directive arguments, labels).
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PUNCT = set(string.punctuation)

#: The fixed pages, with their titles, in the order of the site's navigation.
FIXED_PAGES: tuple[tuple[str, str], ...] = (
    ("readings/index", "Readings"),
    ("glossary", "Glossary"),
    ("notes/index", "Historical notes"),
    ("timeline", "Timeline"),
    ("people", "People and organizations"),
    ("questions", "Discussion questions"),
    ("bibliography", "Bibliography"),
    ("downloads", "Downloads"),
)

#: Readers with at most this many readings list them in the sidebar (furo's navigation).
#: Larger readers keep only the index pages there: the sidebar is part of every page, so
#: listing every reading would make each page, and the whole build, grow with the reader.
SIDEBAR_READINGS = 40


@dataclass(frozen=True)
class Download:
    """A file offered on the downloads page."""

    #: Path under the output's ``downloads/`` folder, with ``/`` separators.
    path: str
    #: What the file is, for the link text.
    label: str
    #: Size in bytes.
    size: int


def rst_escape(value: str) -> str:
    """Return text that reST reads back as exactly that text, on one line."""
    flat = " ".join(value.split())
    return "".join("\\" + c if c in _PUNCT else c for c in flat)


def safe_id(value: str) -> bool:
    """Return whether an id can appear in generated reST as is."""
    return bool(_SAFE_ID.match(value))


def _canonical(value: object) -> object:
    """Return a form of value whose repr is the same in every process (sets sorted)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple((f.name, _canonical(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_canonical(v)) for v in value)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), repr(_canonical(v))) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


def digest(*parts: object) -> str:
    """Return a short digest of the data a page shows, stable across processes."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(_canonical(part)).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:20]


def _title(text: str, char: str = "=") -> str:
    escaped = rst_escape(text)
    # Wide characters take two columns: an underline twice as long is always enough.
    return f"{escaped}\n{char * (2 * len(escaped) + 2)}\n"


def _directive(name: str, argument: str = "", **options: str) -> str:
    head = f".. {name}::" + (f" {argument}" if argument else "")
    lines = [head] + [f"   :{k.replace('_', '-')}: {v}" for k, v in options.items()]
    return "\n".join(lines) + "\n"


def _toctree(entries: Iterable[str]) -> str:
    body = "".join(f"   {e}\n" for e in entries)
    return f".. toctree::\n   :hidden:\n\n{body}"


def reading_order(reader: Reader) -> list[Reading]:
    """Return the readings that have a page, in the reader's order."""
    return [r for r in reader.readings if safe_id(r.id)]


def note_order(reader: Reader) -> list[Note]:
    """Return the historical notes that have a page, by date and then title."""
    return sorted(
        (n for n in reader.notes if safe_id(n.id)),
        key=lambda n: (n.period.start.sort_key(), n.title.casefold()),
    )


def reading_title(reading: Reading) -> str:
    """Return a reading's title as pages show it: in brackets when the editors supplied it."""
    return f"[{reading.title}]" if reading.is_supplied("title") else reading.title


#: A page's title as its neighbours' previous/next links show it, with the page's id.
Item = tuple[str, str]


@dataclass(frozen=True)
class PageOrder:
    """Pages of one kind in reading order, for their previous/next links."""

    #: (id, title) of each page, in order.
    items: tuple[Item, ...]
    #: Position of each id in items.
    position: dict[str, int]

    def around(self, ident: str) -> tuple[Item | None, Item | None]:
        """Return the pages before and after ident (None at either end)."""
        i = self.position[ident]
        before = self.items[i - 1] if i > 0 else None
        after = self.items[i + 1] if i + 1 < len(self.items) else None
        return before, after


_SEQUENCES: dict[tuple[int, str], tuple[Reader, PageOrder]] = {}


def page_order(reader: Reader, kind: str) -> PageOrder:
    """Return the notes (kind "note") or readings ("reading") in order, once per reader."""
    cached = _SEQUENCES.get((id(reader), kind))
    if cached is not None and cached[0] is reader:
        return cached[1]
    if kind == "note":
        items = tuple((n.id, n.title) for n in note_order(reader))
    else:
        items = tuple((r.id, reading_title(r)) for r in reading_order(reader))
    found = PageOrder(items, {ident: i for i, (ident, _) in enumerate(items)})
    if len(_SEQUENCES) > 8:
        _SEQUENCES.clear()
    _SEQUENCES[(id(reader), kind)] = (reader, found)
    return found


def _header(page_digest: str) -> str:
    return f".. This file is generated by coursepack; edits are overwritten.\n.. {page_digest}\n\n"


def documents(
    reader: Reader | None,
    edition: str,
    downloads: tuple[Download, ...],
    sidebar_readings: int = SIDEBAR_READINGS,
) -> dict[str, str]:
    """Return the generated documents, path (relative, ``.rst``) to content.

    Note pages are orphans (in no toctree), and so are reading pages when the reader has
    more than sidebar_readings readings: they are reached from their index pages and from
    each other through previous/next links, and stay out of the sidebar of every page.
    """
    if reader is None:
        return {
            f"{name}.rst": _header("none")
            + _title(title)
            + "\nThe reader has errors, so this page is empty: see the build's warnings.\n"
            for name, title in FIXED_PAGES
        }
    readings = reading_order(reader)
    notes = note_order(reader)
    in_sidebar = len(readings) <= sidebar_readings
    reading_pages = page_order(reader, "reading")
    note_pages = page_order(reader, "note")
    docs: dict[str, str] = {}

    docs["readings/index.rst"] = (
        _header(digest(reader.meta, reader.readings, in_sidebar))
        + _title("Readings")
        + "\n"
        + _directive("coursepack-readings")
        + ("\n" + _toctree(r.id for r in readings) if in_sidebar else "")
    )
    for r in readings:
        pager = None if in_sidebar else reading_pages.around(r.id)
        page = digest(
            edition,
            reader.meta,
            r,
            reader.notes_for(r.id),
            reader.textual_notes_for(r.id),
            reader.questions_for(r.id),
            reader.terms_in(r.id),
            pager,
        )
        title = reading_title(r)
        docs[f"readings/{r.id}.rst"] = (
            _header(page)
            + ":hide-toc: true\n"
            + ("" if in_sidebar else ":orphan:\n")
            + "\n"
            + f".. _reading-{r.id}:\n\n"
            + _title(title)
            + "\n"
            + _directive("coursepack-reading-header", r.id)
            + "\n"
            + _directive("coursepack-reading-text", r.id)
            + "\n"
            + _title("Discussion questions", "-")
            + "\n"
            + _directive("coursepack-questions", r.id)
            + "\n"
            + _title("Cite this reading", "-")
            + "\n"
            + _directive("coursepack-cite", r.id)
            + ("" if in_sidebar else "\n" + _directive("coursepack-pager", f"reading {r.id}"))
        )

    glossary = [_header(digest(reader.terms, reader.readings)), _title("Glossary"), "\n"]
    glossary.append(_directive("coursepack-glossary-intro") + "\n")
    glossary.append(".. glossary::\n   :sorted:\n\n")
    for term in reader.terms:
        if not safe_id(term.id):
            continue
        glossary.append(f"   {rst_escape(term.term)}\n")
        if term.abbreviation and term.abbreviation.casefold() != term.term.casefold():
            glossary.append(f"   {rst_escape(term.abbreviation)}\n")
        glossary.append(f"      .. coursepack-term:: {term.id}\n\n")
    docs["glossary.rst"] = "".join(glossary)

    docs["notes/index.rst"] = (
        _header(digest([(n.id, n.title, n.period) for n in notes]))
        + _title("Historical notes")
        + "\n"
        + _directive("coursepack-notes")
    )
    # Looked up once, not once per note: a note page's cost must not grow with the reader.
    refs = {r.key: r for r in reader.references}
    terms = {t.id: t for t in reader.terms}
    entities = {e.id: e for e in reader.entities}
    cited = digest([(r.id, r.title, r.authors, r.date) for r in reader.readings])
    for n in notes:
        page = digest(
            edition,
            n,
            [refs.get(s.key) for s in n.sources],
            [terms[t] for t in n.terms if t in terms],
            [entities[e] for e in n.entities if e in entities],
            cited,
            note_pages.around(n.id),
        )
        docs[f"notes/{n.id}.rst"] = (
            _header(page)
            + ":orphan:\n\n"
            + f".. _note-{n.id}:\n\n"
            + _title(n.title)
            + "\n"
            + _directive("coursepack-note", n.id)
            + "\n"
            + _title("Passages that call on this note", "-")
            + "\n"
            + _directive("coursepack-note-passages", n.id)
            + "\n"
            + _title("Sources", "-")
            + "\n"
            + _directive("coursepack-note-sources", n.id)
            + "\n"
            + _directive("coursepack-pager", f"note {n.id}")
        )

    docs["timeline.rst"] = (
        _header(digest([(n.id, n.title, n.period) for n in notes]))
        + _title("Timeline")
        + "\n"
        + _directive("coursepack-timeline")
    )

    people = [_header(digest(reader.entities, reader.readings)), _title("People and organizations")]
    people.append("\n" + _directive("coursepack-entities-intro") + "\n")
    kinds = sorted({e.kind for e in reader.entities}, key=_KIND_ORDER.index)
    for kind in kinds:
        people.append(_title(_KIND_TITLES[kind], "-") + "\n")
        people.append(_directive("coursepack-entities", kind) + "\n")
    docs["people.rst"] = "".join(people)

    questions = [
        _header(digest(edition, reader.questions, reader.readings)),
        _title("Discussion questions"),
        "\n",
        _directive("coursepack-questions-intro"),
        "\n",
    ]
    for r in readings:
        if reader.questions_for(r.id):
            title = f"[{r.title}]" if r.is_supplied("title") else r.title
            questions.append(_title(title, "-") + "\n")
            questions.append(_directive("coursepack-questions", r.id, link="yes") + "\n")
    if reader.comparative_questions:
        questions.append(_title("Comparative questions", "-") + "\n")
        questions.append(_directive("coursepack-questions", comparative="yes") + "\n")
    docs["questions.rst"] = "".join(questions)

    docs["bibliography.rst"] = (
        _header(digest(reader.references, reader.readings))
        + _title("Bibliography")
        + "\n"
        + _directive("coursepack-bibliography")
    )
    docs["downloads.rst"] = (
        _header(digest(edition, downloads, reader.readings))
        + _title("Downloads")
        + "\n"
        + _directive("coursepack-downloads")
    )
    return docs


_KIND_ORDER = [
    "person",
    "union",
    "federation",
    "party",
    "government",
    "organization",
    "publication",
]
_KIND_TITLES = {
    "person": "People",
    "union": "Unions",
    "federation": "Union federations",
    "party": "Political parties",
    "government": "Government bodies",
    "organization": "Organizations",
    "publication": "Publications",
}


def write_documents(folder: Path, docs: dict[str, str]) -> list[str]:
    """Write documents whose content changed, delete stale ones; return the paths written."""
    written: list[str] = []
    for rel, content in sorted(docs.items()):
        path = folder / rel
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(path)
        written.append(rel)
    if folder.is_dir():
        for path in sorted(folder.rglob("*.rst")):
            if path.relative_to(folder).as_posix() not in docs:
                path.unlink()
    return written
