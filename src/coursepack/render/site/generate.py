"""Write the generated reST documents of the site (one per reading, note, and fixed page).

Every generated document is a short reST file: a title, sections, and directives of this
extension that expand the reader's data into nodes when Sphinx reads the document. Its
path is the one the site map gives (:mod:`coursepack.refs.sitemap`), so the pages Sphinx
writes are the addresses every other output links to. Titles and glossary terms are
escaped, so no annotation text is ever parsed as reST.

Each file carries a digest of the data it shows: the file changes exactly when its data
does, and it is written only then, so Sphinx's incremental build re-reads only the pages
affected. That digest is the one way a page is invalidated.

The documents go into the Sphinx project's source folder, beside the hand-written pages
(as sphinx-gallery and autosummary write theirs). A file there that does not start with
:data:`HEADER` is the project's own: it is never overwritten or deleted.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import re
import string
import types
import typing
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from coursepack.model import Note, Reading
from coursepack.outputs import SITE_PAGE_FOLDERS
from coursepack.refs import Refs
from coursepack.refs.labels import reading_title, term_title
from coursepack.refs.sitemap import GENERATED_HEADER as HEADER
from coursepack.refs.sitemap import PAGES
from coursepack.render.site.state import Download, reading_files

#: Ids that may appear in generated reST (directive arguments, labels).
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PUNCT = set(string.punctuation)

#: Readers with at most this many readings list them in the sidebar (furo's navigation).
#: Larger readers keep only the index pages there: the sidebar is part of every page, so
#: listing every reading would make each page, and the whole build, grow with the reader.
SIDEBAR_READINGS = 40


class ForeignFile(Exception):
    """A generated document would replace a file the project wrote itself."""


def rst_escape(value: str) -> str:
    """Return text that reST reads back as exactly that text, on one line."""
    flat = " ".join(value.split())
    return "".join("\\" + c if c in _PUNCT else c for c in flat)


def safe_id(value: str) -> bool:
    """Return whether an id can appear in generated reST as is."""
    return bool(_SAFE_ID.match(value))


#: Values whose repr is the same in every process.
_PLAIN = frozenset({str, int, float, bool, type(None)})
#: The field names of each dataclass met (looked up once per class).
_FIELDS: dict[type, tuple[str, ...]] = {}
#: While pages are written (:func:`_remembering`): the digest of each frozen dataclass
#: instance met, by id, with the instance (kept alive, so that its id is not reused).
_REMEMBERED: dict[int, tuple[object, str]] | None = None
#: The digests of the instances the last pages met, by class and fields' values (see
#: :func:`_by_value`), and those of the pages being written, which replace them when
#: these are done.
_KEPT: dict[tuple[object, ...], str] = {}
_USED: dict[tuple[object, ...], str] | None = None
#: Whether each class's instances can be looked up by value (see :func:`_by_value`).
_BY_VALUE: dict[type, bool] = {}


@contextmanager
def _remembering() -> Iterator[None]:
    """Digest each frozen instance of the model once while the pages are written: an
    entity or a term is on many pages, and the readings on every index. An instance equal
    to one the last pages met (in a process that writes them again, the preview's) takes
    that one's digest: of a reader loaded again after an edit, only what the edit changed
    is digested."""
    global _REMEMBERED, _KEPT, _USED
    if _REMEMBERED is not None:
        yield
        return
    _REMEMBERED, _USED = {}, {}
    try:
        yield
        _KEPT = _USED  # what these pages met; the rest is let go
    finally:
        _REMEMBERED, _USED = None, None


def _by_value(cls: type) -> bool:
    """Return whether an instance of a frozen dataclass may be looked up by its class and
    its fields' values: whether fields that are equal (each by its own type's equality)
    always have the same canonical form. So it is when every field's declared type is
    text, a whole number, a truth value or None, a date, or a frozen dataclass of which
    the same holds and whose equality takes in every field, a kind of text compared as
    text (a person's name), or a tuple, a frozen set, a union or a literal of these. Not
    so for a float (0.0 equals -0.0), a list or a dict, or a dataclass that leaves a field
    out of its equality (a reference's fields): equal, they may still differ."""
    found = _BY_VALUE.get(cls)
    if found is None:
        _BY_VALUE[cls] = True  # while its own fields are looked at (a recursive type)
        try:
            hints = typing.get_type_hints(cls)
        except Exception:  # a name that does not resolve here
            found = False
        else:
            params = cls.__dataclass_params__  # type: ignore[attr-defined]
            found = bool(params.frozen and params.eq) and all(
                f.compare and _compares_by_value(hints.get(f.name, object))
                for f in dataclasses.fields(cls)
            )
        _BY_VALUE[cls] = found
    return found


#: Declared types whose values are equal exactly when their canonical forms are.
_BY_VALUE_TYPES = frozenset({str, int, bool, type(None), datetime.date})


def _compares_by_value(hint: object) -> bool:
    """Return whether values of a declared type are equal exactly when their canonical
    forms are (see :func:`_by_value`)."""
    if hint in _BY_VALUE_TYPES:
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return True
    if origin in (tuple, frozenset, typing.Union, types.UnionType):
        return all(a is Ellipsis or _compares_by_value(a) for a in typing.get_args(hint))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _by_value(hint)
    if isinstance(hint, type) and issubclass(hint, str):
        # A name, say: compared, and written in its canonical form, as its text.
        return hint.__eq__ is str.__eq__ and hint.__repr__ is str.__repr__
    return False


def _canonical(value: object) -> object:
    """Return a form of value whose repr is the same in every process (sets sorted); a
    frozen dataclass instance stands for its fields (their digest, while remembering)."""
    cls = type(value)
    if cls in _PLAIN:
        return value
    if isinstance(value, (list, tuple)):
        return tuple(v if type(v) in _PLAIN else _canonical(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Only a frozen instance is the same each time it is met.
        remembered = _REMEMBERED if cls.__dataclass_params__.frozen else None  # type: ignore[attr-defined]
        if remembered is not None and id(value) in remembered:
            return (cls.__name__, remembered[id(value)][1])
        names = _FIELDS.get(cls)
        if names is None:
            names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(value))
        key: tuple[object, ...] | None = None
        if remembered is not None and _USED is not None and _by_value(cls):
            key = (cls, *(getattr(value, name) for name in names))
            try:
                kept = _KEPT.get(key)
            except TypeError:  # a field holds a list or a dict: not hashable
                key = None
            else:
                if kept is not None:
                    remembered[id(value)] = (value, kept)
                    _USED[key] = kept
                    return (cls.__name__, kept)
        fields = tuple((name, _canonical(getattr(value, name))) for name in names)
        if remembered is None:
            return (cls.__name__, fields)
        found = hashlib.sha256(repr(fields).encode("utf-8")).hexdigest()
        remembered[id(value)] = (value, found)
        if key is not None and _USED is not None:
            _USED[key] = found
        return (cls.__name__, found)
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_canonical(v)) for v in value)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), repr(_canonical(v))) for k, v in value.items())))
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


def _header(page_digest: str) -> str:
    return f"{HEADER}\n.. {page_digest}\n\n"


#: Each Refs's citations digest (a reader's records and citations, written out once).
_CITED: weakref.WeakKeyDictionary[Refs, str] = weakref.WeakKeyDictionary()


def _citations_digest(refs: Refs) -> str:
    """Return a digest of every formatted citation and CSL record a page may show (the cite
    blocks' BibTeX and embedded metadata come from the records)."""
    found = _CITED.get(refs)
    if found is None:
        found = _CITED[refs] = _digest_citations(refs)
    return found


def _digest_citations(refs: Refs) -> str:
    # What decides every citation decides the records too, as they are among it: the
    # digest the citations were formatted (and are kept) under. Pages are made again
    # anyway when coursepack's code changes (see ``coursepack_code``).
    return refs.citations.decided[:20]


#: Pages written for a reader that has them, beyond the fixed ones of every reader.
OPTIONAL_PAGES: tuple[tuple[str, str], ...] = (("contexts/index", "Context documents"),)
#: The folders of generated pages, one page per item.
FOLDERS = SITE_PAGE_FOLDERS


def empty_documents() -> dict[str, str]:
    """Return the fixed pages of a reader that has errors: each says so."""
    return {
        f"{name}.rst": _header("none")
        + _title(title)
        + "\nThe reader has errors, so this page is empty: see the build's warnings.\n"
        for name, title in PAGES + OPTIONAL_PAGES
    }


@dataclass
class Pages:
    """What every page family needs to write its documents, worked out once."""

    refs: Refs
    edition: str
    #: What the downloads page and the reading pages offer (their digests cover it).
    downloads: Sequence[Download]
    #: The readings and notes that get pages (ids safe in reST), in their orders.
    readings: list[Reading]
    notes: list[Note]
    #: Whether the readings are listed in the sidebar (else they are orphans with pagers).
    in_sidebar: bool
    #: Digest of every formatted citation and record.
    cited: str
    #: Digest of every reading, for the pages that list them (made once, not once a page).
    all_readings: str
    docs: dict[str, str] = field(default_factory=dict)

    def put(self, address: str, content: str) -> None:
        """Add the document of a page, by its docname."""
        self.docs[f"{address}.rst"] = content


def _readings(p: Pages) -> None:
    """The readings index and one page per reading: header, text, questions, cite block."""
    refs, reader, site = p.refs, p.refs.reader, p.refs.site
    numbers = digest(refs.orders.question_numbers)
    p.put(
        site.doc("readings/index"),
        _header(digest(reader.meta, p.all_readings, p.in_sidebar, p.cited))
        + _title("Readings")
        + "\n"
        + _directive("coursepack-readings")
        + ("\n" + _toctree(r.id for r in p.readings) if p.in_sidebar else ""),
    )
    pager = neighbours(pager_items(refs, "reading"))
    for r in p.readings:
        around_r = None if p.in_sidebar else pager[r.id]
        page = digest(
            p.edition,
            reader.meta,
            r,
            reader.notes_for(r.id),
            reader.textual_notes_for(r.id),
            reader.questions_for(r.id),
            [q for q in reader.comparative_questions if r.id in q.readings],
            reader.terms_in(r.id),
            reader.entities_in(r.id),
            [(c.id, c.title) for c in reader.contexts_for(r.id)],
            numbers,
            p.cited,
            around_r,
            # The files it offers (its handout, its volume, the citation files), not all:
            # a note's edit changes one volume, not every reading's page.
            reading_files(p.downloads, r.id, p.edition),
        )
        p.put(
            site.reading(r.id).page,
            _header(page)
            + ":hide-toc: true\n"
            + ("" if p.in_sidebar else ":orphan:\n")
            + "\n"
            + _title(reading_title(r))
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
            + ("" if p.in_sidebar else "\n" + _directive("coursepack-pager", f"reading {r.id}")),
        )


def _glossary(p: Pages) -> None:
    """The glossary: Sphinx's own glossary, each entry expanded by ``coursepack-term``."""
    refs, reader = p.refs, p.refs.reader
    glossary = [_header(digest(reader.terms, p.all_readings, p.cited)), _title("Glossary"), "\n"]
    glossary.append(_directive("coursepack-glossary-intro") + "\n")
    glossary.append(".. glossary::\n\n")
    for term in refs.orders.terms:
        if not safe_id(term.id):
            continue
        glossary.append(f"   {rst_escape(term.term)}\n")
        if term_title(term) != term.term and term.abbreviation:
            glossary.append(f"   {rst_escape(term.abbreviation)}\n")
        glossary.append(f"      .. coursepack-term:: {term.id}\n\n")
    p.put(refs.site.doc("glossary"), "".join(glossary))


def _notes(p: Pages) -> None:
    """The notes index (by date) and one page per historical note."""
    refs, reader, site = p.refs, p.refs.reader, p.refs.site
    p.put(
        site.doc("notes/index"),
        _header(digest([(n.id, n.title, n.period) for n in p.notes]))
        + _title("Historical notes")
        + "\n"
        + _directive("coursepack-notes"),
    )
    pager = neighbours(pager_items(refs, "note"))
    # Looked up once, not once per note: a note page's cost must not grow with the reader.
    terms = {t.id: t for t in reader.terms}
    entities = {e.id: e for e in reader.entities}
    for n in p.notes:
        page = digest(
            p.edition,
            n,
            [terms[t] for t in n.terms if t in terms],
            [entities[e] for e in n.entities if e in entities],
            p.cited,
            pager[n.id],
        )
        p.put(
            site.note(n.id).page,
            _header(page)
            + ":orphan:\n\n"
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
            + _title("Cite this note", "-")
            + "\n"
            + _directive("coursepack-cite", f"note:{n.id}")
            + "\n"
            + _directive("coursepack-pager", f"note {n.id}"),
        )


def _timeline(p: Pages) -> None:
    """The timeline: the chronology of events (when the reader has one), then the notes."""
    chronology = p.refs.orders.chronology
    page = _header(
        digest([(n.id, n.title, n.period) for n in p.notes], p.all_readings, chronology, p.cited)
    ) + _title("Timeline")
    if chronology:
        page += (
            "\n"
            + _title("Chronology", "-")
            + "\n"
            + _directive("coursepack-chronology")
            + "\n"
            + _title("The historical notes", "-")
        )
    p.put(p.refs.site.doc("timeline"), page + "\n" + _directive("coursepack-timeline"))


def _contexts(p: Pages) -> None:
    """The list of context documents and one page per document."""
    refs, site = p.refs, p.refs.site
    contexts = [c for c in refs.orders.contexts if safe_id(c.id)]
    if not contexts:
        return
    p.put(
        site.contexts().page,
        _header(digest([(c.id, c.title, c.kind, c.readings) for c in contexts], p.cited))
        + _title("Context documents")
        + "\n"
        + _directive("coursepack-contexts"),
    )
    pager = neighbours(pager_items(refs, "context"))
    for c in contexts:
        p.put(
            site.context(c.id).page,
            _header(digest(c, p.all_readings, p.cited, pager[c.id]))
            + ":orphan:\n\n"
            + _title(c.title)
            + "\n"
            + _directive("coursepack-context", c.id)
            + "\n"
            + _title("The text", "-")
            + "\n"
            + _directive("coursepack-context-text", c.id)
            + "\n"
            + _title("Where the text comes from", "-")
            + "\n"
            + _directive("coursepack-context-source", c.id)
            + "\n"
            + _title("Cite this document", "-")
            + "\n"
            + _directive("coursepack-cite", f"context:{c.id}")
            + "\n"
            + _directive("coursepack-pager", f"context {c.id}"),
        )


def _people(p: Pages) -> None:
    """People and organizations, one section per kind."""
    reader = p.refs.reader
    people = [
        _header(digest(reader.entities, p.all_readings, p.cited)),
        _title("People and organizations"),
    ]
    people.append("\n" + _directive("coursepack-entities-intro") + "\n")
    kinds = sorted({e.kind for e in reader.entities}, key=_KIND_ORDER.index)
    for kind in kinds:
        people.append(_title(_KIND_TITLES[kind], "-") + "\n")
        people.append(_directive("coursepack-entities", kind) + "\n")
    p.put(p.refs.site.doc("people"), "".join(people))


def _questions(p: Pages) -> None:
    """Every reading's discussion questions, then the comparative ones."""
    refs, reader = p.refs, p.refs.reader
    questions = [
        _header(
            digest(
                p.edition, reader.questions, p.all_readings, refs.orders.question_numbers, p.cited
            )
        ),
        _title("Discussion questions"),
        "\n",
        _directive("coursepack-questions-intro"),
        "\n",
    ]
    for group in refs.orders.question_groups:
        if group.reading is None:
            questions.append(_title("Comparative questions", "-") + "\n")
            questions.append(_directive("coursepack-questions", comparative="yes") + "\n")
        elif safe_id(group.reading.id):
            questions.append(_title(reading_title(group.reading), "-") + "\n")
            questions.append(
                _directive("coursepack-questions", group.reading.id, link="yes") + "\n"
            )
    p.put(refs.site.doc("questions"), "".join(questions))


def _bibliography(p: Pages) -> None:
    """The readings and every work cited, then the downloads."""
    reader = p.refs.reader
    p.put(
        p.refs.site.doc("bibliography"),
        _header(digest(reader.references, p.all_readings, p.cited))
        + _title("Bibliography")
        + "\n"
        + _directive("coursepack-bibliography"),
    )
    p.put(
        p.refs.site.doc("downloads"),
        _header(digest(p.edition, p.downloads, p.all_readings))
        + _title("Downloads")
        + "\n"
        + _directive("coursepack-downloads"),
    )


#: The families of generated pages, in the order they are written. A new kind of
#: annotation adds a function here (and its address in :mod:`coursepack.refs.sitemap`).
FAMILIES: tuple[Callable[[Pages], None], ...] = (
    _readings,
    _glossary,
    _notes,
    _timeline,
    _contexts,
    _people,
    _questions,
    _bibliography,
)


def documents(
    refs: Refs,
    edition: str,
    downloads: Sequence[Download],
    sidebar_readings: int = SIDEBAR_READINGS,
) -> dict[str, str]:
    """Return the generated documents, path (relative to the source folder) to content.

    Note pages are orphans (in no toctree), and so are reading pages when the reader has
    more than sidebar_readings readings: they are reached from their index pages and from
    each other through previous/next links, and stay out of the sidebar of every page.
    downloads: what the downloads page lists (its digest covers it).
    """
    with _remembering():
        return _documents(refs, edition, downloads, sidebar_readings)


def _documents(
    refs: Refs, edition: str, downloads: Sequence[Download], sidebar_readings: int
) -> dict[str, str]:
    readings = [r for r in refs.orders.readings if safe_id(r.id)]
    pages = Pages(
        refs=refs,
        edition=edition,
        downloads=downloads,
        readings=readings,
        notes=[n for n in refs.orders.notes if safe_id(n.id)],
        in_sidebar=len(readings) <= sidebar_readings,
        cited=_citations_digest(refs),
        all_readings=digest(refs.reader.readings),
    )
    for family in FAMILIES:
        family(pages)
    return pages.docs


def pages_digest(refs: Refs, edition: str, downloads: object) -> str:
    """Return a digest of what the extension's directives on a hand-written page show (the
    front page's introduction, readings, class plan and cite block): when it changes, every
    hand-written page that uses one is read again."""
    return digest(
        edition, refs.reader.meta, refs.reader.readings, _citations_digest(refs), downloads
    )


def pager_items(refs: Refs, kind: str) -> list[tuple[str, str]]:
    """Return the (id, title) of each note ("note"), context document ("context") or
    reading ("reading") page, in order."""
    if kind == "note":
        return [(n.id, n.title) for n in refs.orders.notes if safe_id(n.id)]
    if kind == "context":
        return [(c.id, c.title) for c in refs.orders.contexts if safe_id(c.id)]
    return [(r.id, reading_title(r)) for r in refs.orders.readings if safe_id(r.id)]


Neighbours = tuple[tuple[str, str] | None, tuple[str, str] | None]


def neighbours(items: list[tuple[str, str]]) -> dict[str, Neighbours]:
    """Return, by id, the items before and after each item (None at either end)."""
    padded: list[tuple[str, str] | None] = [None, *items, None]
    return {item[0]: (padded[i], padded[i + 2]) for i, item in enumerate(items)}


def around(items: list[tuple[str, str]], ident: str) -> Neighbours:
    """Return the items before and after the one with id ident (None at either end)."""
    return neighbours(items)[ident]


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


def _generated(path: Path) -> bool:
    """Return whether a file was written by coursepack (it starts with the header)."""
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().rstrip("\n") == HEADER
    except (OSError, UnicodeDecodeError):
        return False


def write_documents(folder: Path, docs: dict[str, str]) -> list[str]:
    """Write documents whose content changed, delete stale ones; return the paths written.

    Raise ForeignFile, and write nothing, when a document would replace a file of the
    project's own (one without the header), under any of Sphinx's source suffixes.
    """
    foreign = []
    for rel in sorted(docs):
        stem = (folder / rel).with_suffix("")
        for suffix in (".rst", ".md", ".txt", ".ipynb"):
            path = stem.with_suffix(suffix)
            if path.is_file() and not _generated(path):
                foreign.append(path)
    if foreign:
        raise ForeignFile(
            "; ".join(
                f"{path}: coursepack generates a page here from the reader and would "
                "replace this file; rename or move it (the generated pages are "
                + ", ".join(f"{name}.rst" for name, _ in PAGES)
                + ", and "
                + ", ".join(f"{folder}/" for folder in FOLDERS)
                + ")"
                for path in foreign
            )
        )
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
    stale = [*folder.glob("*.rst"), *(p for f in FOLDERS for p in folder.glob(f"{f}/*.rst"))]
    for path in stale:
        if path.relative_to(folder).as_posix() not in docs and _generated(path):
            path.unlink()
    return written
