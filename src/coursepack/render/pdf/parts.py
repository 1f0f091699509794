"""The reader in parts: its HTML part by part, each part's digest, and the fixpoint of pages.

A reader (or a volume, or a packet) is a row of parts that each begin a page: the front
matter (cover, verso, contents), the introduction, each reading, each chapter after them
(contexts, historical notes, glossary, chronology, timeline, questions, further reading,
bibliography) and the index. Laid out alone, a part gives the pages it gives in the whole
reader, provided it knows three things the rest decides: the number of its first page, the
side (left or right) that page falls on, and the page of every place in another part it
prints a page number for (the contents, a footnote's "p. 12", a note's passages). The
first two go into its HTML as the index's already do (``@page :first { counter-reset }``,
``break-before`` on the root); the third as ``data-page`` on each link that prints a page,
which the print CSS prints instead of ``target-counter()``. Links inside the part are
given their page too: WeasyPrint then lays out no page twice to learn a later page's
number, and the fixpoint below checks those pages like the others.

A chapter whose entries flow on from page to page (the historical notes, some hundred
pages in a volume of 25 readings) is cut into parts too, but only where the last layout
put a page break between two of its entries: a part then begins a page by construction,
and the pages are those of the whole. Each such part is laid out with the first entry of
the next (its *lookahead*): if that entry still begins a page, the break is still where
the whole would put it, and the pages from it on are dropped; if not (the part grew or
shrank so that the entry now shares its last page), the two parts are laid out as one
(:func:`settle_parts`). A part laid out alone notes where one of its entries begins a page
far enough from its start (:func:`choose_cuts`, as for the whole) and keeps those pages
apart too (its *pieces*); once the pages settle, such a part is cut there again
(:func:`recut`), so that two parts laid out as one do not stay one, each later edit laying
out both. The part that continues a chapter has no heading of its own; it is named after
its first entry's id, and the stitcher puts its bookmarks and structure elements under the
chapter's.

A part's digest is a hash of that HTML and of the assets, so a part whose digest is in
the document's folder of laid-out parts (in the build cache, :func:`kept_in`) is laid
out already, whichever build laid it out: its PDF and its pages are reused. The pages of
the whole follow from the parts', and the parts' HTML from the pages of the whole:
:func:`settle_parts` goes round until the two agree, laying out only the parts whose
digest is new. The parts' PDFs are then stitched into one
(:mod:`coursepack.render.pdf.stitch`).

This module imports nothing of WeasyPrint: the build plans parts in its own process and
lays them out in its workers.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from coursepack.load.cache import DISABLE as NO_CACHE
from coursepack.load.cache import FOLDER as CACHE_FOLDER
from coursepack.render.pdf import index as index_locators
from coursepack.render.pdf.context import Context
from coursepack.render.pdf.jobs import Job, file_mode, written_whole
from coursepack.staging import link_or_copy

#: The reader's last section, laid out on its own once the pages before it are known.
INDEX_ID = "index"
#: The template of the reader's index alone.
INDEX_TEMPLATE = "reader-index.html"
#: The part that opens the reader: cover, verso and contents.
FRONT = "front"
#: The chapters after the readings, in their order: the context's key that holds each,
#: and the part's name, which is the id of its heading.
CHAPTERS = (
    ("contexts", "contexts"),
    ("notes", "notes"),
    ("glossary", "glossary"),
    ("chronology", "chronology"),
    ("timeline", "timeline"),
    ("question_groups", "questions"),
    ("further_reading", "further-reading"),
    ("bibliography", "bibliography"),
)
#: The chapters whose entries flow on from page to page, which are cut where a page break
#: falls between two entries: the chapter's part name, its context key, and the prefix of
#: each entry's HTML id (an entry's id names the part that begins with it).
FLOWING = {"notes": ("notes", "n-"), "glossary": ("glossary", "g-")}
#: A chapter is cut after at least this many pages: each cut costs a part to stitch, and
#: an edit lays out its part and the entry after it.
CUT_PAGES = 12
#: The folder of laid-out parts beside the PDFs, when the build cache is off.
CACHE = ".parts"
#: The folder of laid-out parts in the build cache (:func:`kept_in`).
KEPT = "pdf"
#: At most this many rounds of laying out parts before the whole is laid out instead.
MAX_ROUNDS = 4
#: When more than this share of a reader's parts (by size) must be laid out again, the
#: whole is laid out at once instead: its pages are then known in one layout.
WHOLE_SHARE = 0.5


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Return the Jinja2 environment: package templates, autoescape, strict undefined."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("coursepack.render.pdf", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(template: str, context: Context) -> str:
    """Return the HTML of one document."""
    return environment().get_template(template).render(**context)


def with_layout(
    context: Context,
    pages: dict[str, int] | None,
    breaks: frozenset[str],
    index_stub: bool = False,
) -> Context:
    """Return the context with the index's page numbers and the forced page breaks.

    Without pages the index prints a placeholder per occurrence, as wide as a real number.
    With index_stub the reader ends with the index's heading alone (the main layout).
    """
    out = copy.copy(context)
    out["breaks"] = sorted(breaks)
    out["index_stub"] = index_stub
    if "index" not in context:
        return out
    index: dict[str, list[Context]] = {}
    for part, entries in context["index"].items():
        index[part] = []
        for entry in entries:
            if pages is None:
                shown = index_locators.placeholders(entry)
            else:
                shown = index_locators.locators(entry, pages)
            index[part].append({**entry, "pages": shown})
    out["index"] = index
    return out


def part_names(context: Context, cuts: Collection[str] = ()) -> list[str]:
    """Return the names of a reader's parts, in order (each but the front is the id of
    the heading it opens with); cuts: the entries of flowing chapters that begin a part
    (:data:`FLOWING`), each after its chapter, in the chapter's order."""
    names = [FRONT, "introduction"]
    names += [f"r-{r['id']}" for r in context["readings"]]
    for key, name in CHAPTERS:
        if context.get(key):
            names.append(name)
            names += [e for e in entry_ids(context, name)[1:] if e in cuts]
    return [*names, INDEX_ID]


def entry_ids(context: Context, chapter: str) -> list[str]:
    """Return the HTML ids of a flowing chapter's entries, in order (none for another)."""
    if chapter not in FLOWING:
        return []
    key, prefix = FLOWING[chapter]
    return [f"{prefix}{entry['id']}" for entry in context.get(key) or ()]


def chapter_of(name: str) -> str | None:
    """Return the flowing chapter a part continues (its name the id of an entry), or None."""
    for chapter, (_, prefix) in FLOWING.items():
        if name.startswith(prefix):
            return chapter
    return None


def choose_cuts(entries: list[str], starts: Collection[str], pages: dict[str, int]) -> list[str]:
    """Return the entries to cut a flowing chapter before: of those that begin a page
    (starts), the first at least :data:`CUT_PAGES` pages after the last cut, and so on."""
    cuts: list[str] = []
    last = pages.get(entries[0], 1) if entries else 1
    for entry in entries[1:]:
        if entry in starts and entry in pages and pages[entry] - last >= CUT_PAGES:
            cuts.append(entry)
            last = pages[entry]
    return cuts


def kept_cuts(context: Context, previous: list[Layout]) -> list[str]:
    """Return where to cut the flowing chapters this time: where the last build cut them,
    where those entries are still there, and where a part laid out alone was cut again
    (:func:`recut`)."""
    present = {e for chapter in FLOWING for e in entry_ids(context, chapter)}
    return [layout.name for layout in previous if layout.name in present]


@dataclass(frozen=True)
class Layout:
    """What laying out a part gave: its page count, and the page (from 1) of each anchor."""

    name: str
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)
    #: In a flowing chapter's part laid out with the entry after it: whether that entry
    #: began a page (else the part and the next must be laid out as one).
    natural: bool = True
    #: In a flowing chapter's part laid out alone: the entries to cut it before, as
    #: :func:`choose_cuts` finds them in its pages (each begins a page).
    cuts: tuple[str, ...] = ()


def page_map(layouts: list[Layout]) -> tuple[list[int], dict[str, int]]:
    """Return the first page of each part and the page of every anchor, in the whole."""
    starts: list[int] = []
    pages: dict[str, int] = {}
    start = 1
    for layout in layouts:
        starts.append(start)
        for anchor, page in layout.anchors.items():
            pages.setdefault(anchor, start + page - 1)
        start += layout.pages
    return starts, pages


def layouts_of(names: list[str], pages: dict[str, int], total: int) -> list[Layout] | None:
    """Return the parts of a reader laid out whole, from the page of each anchor; None when
    a part does not begin a page of its own after the one before."""
    firsts = [1] + [pages.get(name, 0) for name in names[1:]]
    if any(b <= a for a, b in itertools.pairwise(firsts)) or firsts[-1] > total:
        return None
    ends = [*firsts[1:], total + 1]
    found: list[Layout] = []
    for name, start, end in zip(names, firsts, ends, strict=True):
        anchors = {a: p - start + 1 for a, p in pages.items() if start <= p < end}
        found.append(Layout(name, end - start, anchors))
    return found


def chunks(names: list[str], context: Context) -> dict[str, tuple[int, int, str | None]]:
    """Return, for each part of a flowing chapter, the entries it prints (from, to) and
    the entry after them it is laid out with (None for the chapter's last part)."""
    found: dict[str, tuple[int, int, str | None]] = {}
    for chapter in FLOWING:
        if chapter not in names:
            continue
        entries = entry_ids(context, chapter)
        index = {e: i for i, e in enumerate(entries)}
        own = [chapter] + [n for n in names if n in index]
        firsts = [0] + [index[n] for n in own[1:]]
        for i, name in enumerate(own):
            end = firsts[i + 1] if i + 1 < len(own) else len(entries)
            found[name] = (firsts[i], end, entries[end] if end < len(entries) else None)
    return found


def join_broken(layouts: list[Layout]) -> list[Layout] | None:
    """Return the layouts with each part whose next entry no longer begins a page joined
    to the next part (the cut between them dropped), or None when every cut holds."""
    if all(layout.natural for layout in layouts):
        return None
    joined: list[Layout] = []
    skip = False
    for layout, after in itertools.zip_longest(layouts, layouts[1:]):
        if skip:
            skip = False
            continue
        if layout.natural or after is None:
            joined.append(layout)
            continue
        anchors = {**layout.anchors, **{a: p + layout.pages for a, p in after.anchors.items()}}
        joined.append(Layout(layout.name, layout.pages + after.pages, anchors))
        skip = True
    return joined


_ID = re.compile(r'(?<![\w-])id="([^"]+)"')
_LINK = re.compile(r'<a ([^>]*?)href="#([^"]+)"')


def pin(html: str, pages: dict[str, int], inside: bool = False) -> str:
    """Give each link to a place outside this HTML the page of that place (``data-page``),
    which the print CSS shows where it would show ``target-counter()``; inside: each link
    to a place inside it too."""
    own = set() if inside else set(_ID.findall(html))

    def pinned(match: re.Match[str]) -> str:
        attributes, target = match.groups()
        if target in own or target not in pages:
            return match.group(0)
        return f'<a {attributes}data-page="{pages[target]}" href="#{target}"'

    return _LINK.sub(pinned, html)


def pinned_targets(html: str) -> dict[str, int]:
    """Return the page each pinned link of some HTML gives its target."""
    return {target: int(page) for page, target in _PINNED.findall(html)}


_PINNED = re.compile(r'<a [^>]*?data-page="(\d+)" href="#([^"]+)"')


@dataclass(frozen=True)
class Part:
    """One part of a reader to lay out: everything a worker process needs."""

    #: The part's name (:func:`part_names`).
    name: str
    #: Template file name ("reader.html", or the index's).
    template: str
    #: Template context, the part and its first page in it.
    context: Context
    #: The page of every anchor of the whole reader, for the links that leave the part.
    pages: dict[str, int]
    #: Content hash of the part's HTML and of the assets.
    key: str
    #: The folder of laid-out parts, where its PDF and its layout go.
    cache: Path
    #: The ids of the whole reader: a link to one of them is kept, though not in the part.
    known: frozenset[str]
    #: The size of the part's HTML, in characters.
    size: int = 0
    #: In a flowing chapter: the ids of the entries the part prints, and of the entry
    #: after them it is laid out with (its pages dropped), if any.
    entries: tuple[str, ...] = ()
    lookahead: str | None = None

    @property
    def pdf(self) -> Path:
        """Return where the part's PDF is kept."""
        return self.cache / f"{self.key}.part"

    def piece(self, index: int) -> Path:
        """Return where the pages of the index-th piece of the part, cut as its layout's
        cuts say, are kept until :func:`recut` makes them a part of their own."""
        return self.cache / f"{self.key}.{index}.piece"

    @property
    def record(self) -> Path:
        """Return where the part's layout is kept."""
        return self.cache / f"{self.key}.json"

    def html(self, breaks: frozenset[str] = frozenset()) -> str:
        """Return the part's HTML, with page breaks before some paragraphs."""
        context = {**self.context, "breaks": sorted(breaks)}
        return pin(render_html(self.template, context), self.pages, inside=True)

    def layout(self) -> Layout | None:
        """Return the part's layout when it is laid out already, else None."""
        if not self.pdf.exists():
            return None
        try:
            return _read_layout(json.loads(self.record.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save_layout(self, layout: Layout) -> None:
        """Keep the part's layout beside its PDF."""
        data = {
            "name": self.name,
            "pages": layout.pages,
            "anchors": layout.anchors,
            "natural": layout.natural,
            "cuts": list(layout.cuts),
        }
        write_text(self.record, json.dumps(data, sort_keys=True))


def _read_layout(data: dict[str, Any]) -> Layout:
    """Return a layout as :meth:`Part.save_layout` keeps it."""
    return Layout(
        str(data["name"]),
        int(data["pages"]),
        {str(k): int(v) for k, v in dict(data["anchors"]).items()},
        bool(data.get("natural", True)),
        tuple(str(cut) for cut in data.get("cuts", ())),
    )


def plan_parts(job: Job, cache: Path, layouts: list[Layout]) -> list[Part]:
    """Return a reader's parts laid out as layouts say the pages fall (one a part, in the
    order of :func:`part_names`)."""
    starts, pages = page_map(layouts)
    names = [layout.name for layout in layouts]
    flowing = chunks(names, job.context)
    # Every id a part prints: a link to one of them is kept in the part that leads there.
    parts: list[Part] = []
    drafts: list[tuple[str, str, Context, str]] = []
    for name, start in zip(names, starts, strict=True):
        if name == INDEX_ID:
            template = INDEX_TEMPLATE
            context = with_layout(job.context, pages, frozenset())
            context["first_page"] = start
            context["first_side"] = "right" if start % 2 else "left"
        else:
            template = "reader.html"
            context = with_layout(job.context, None, frozenset())
            context["part"] = chapter_of(name) or name
            context["part_start"] = start
            if name in flowing:
                first, end, lookahead = flowing[name]
                # The entries it prints, and the one after them it is laid out with.
                context["part_entries"] = [first, end + (lookahead is not None)]
        html = pin(render_html(template, context), pages, inside=True)
        drafts.append((name, template, context, html))
    known = frozenset(i for _, _, _, html in drafts for i in _ID.findall(html))
    for name, template, context, html in drafts:
        key = hashlib.sha256((job.assets + html).encode()).hexdigest()
        entries: tuple[str, ...] = ()
        lookahead = None
        if name in flowing:
            first, end, lookahead = flowing[name]
            entries = tuple(entry_ids(job.context, chapter_of(name) or name)[first:end])
        parts.append(
            Part(name, template, context, pages, key, cache, known, len(html), entries, lookahead)
        )
    return parts


def settle_parts(
    job: Job, cache: Path, previous: list[Layout], lay_out: Callable[[list[Part]], None]
) -> list[Part] | None:
    """Return a reader's parts once their pages agree with the whole's, laying out those
    whose HTML is new (lay_out); None when the whole had better be laid out at once.

    previous: the layouts of the parts of the reader's last build, the first guess.
    """
    known = {layout.name: layout for layout in previous}
    names = part_names(job.context, kept_cuts(job.context, previous))
    guess = [known.get(name) or Layout(name, 1) for name in names]
    round = 0
    while round < MAX_ROUNDS:
        parts = plan_parts(job, cache, guess)
        found = [part.layout() for part in parts]
        missing = [part for part, layout in zip(parts, found, strict=True) if layout is None]
        if not missing:
            settled = [layout for layout in found if layout is not None]
            # A cut whose page break is gone: its two parts are laid out as one (each
            # time a part fewer, so this ends).
            joined = join_broken(settled)
            if joined is not None:
                guess = joined
                continue
            if [(g.pages, g.anchors) for g in guess] == [(s.pages, s.anchors) for s in settled]:
                return recut(job, cache, parts, settled)
            guess = settled
            round += 1
            continue
        if round == 0 and sum(p.size for p in missing) > WHOLE_SHARE * sum(p.size for p in parts):
            return None
        lay_out(missing)
        laid = [part.layout() for part in parts]
        if any(layout is None for layout in laid):
            raise RuntimeError(f"{job.target}: a part was laid out but not kept")
        guess = [layout for layout in laid if layout is not None]
        round += 1
    return None


def recut(job: Job, cache: Path, parts: list[Part], settled: list[Layout]) -> list[Part]:
    """Return a reader's settled parts with each one that found cuts in its own pages
    (:attr:`Layout.cuts`) cut there: its pieces become parts of their own, their PDFs the
    pages it kept of them (:meth:`Part.piece`), so that nothing is laid out again. The
    pages are the same, and so is the HTML of every other part. When such pages are
    missing, the parts are left as they are."""
    if not any(layout.cuts for layout in settled):
        return parts
    split: list[Layout] = []
    kept: list[Path | None] = []
    for part, layout in zip(parts, settled, strict=True):
        pieces: list[Layout] | None = None
        if layout.cuts:
            pieces = layouts_of([layout.name, *layout.cuts], layout.anchors, layout.pages)
        if pieces is None:
            split.append(layout)
            kept.append(None)
            continue
        # The last piece ends where the part does: with the entry after it, or not.
        pieces[-1] = replace(pieces[-1], natural=layout.natural)
        split += pieces
        kept += [part.piece(index) for index in range(len(pieces))]
    planned = plan_parts(job, cache, split)
    for part, layout, pages in zip(planned, split, kept, strict=True):
        if pages is None:
            continue
        if part.layout() is not None:  # a piece laid out before, as it is
            pages.unlink(missing_ok=True)
            continue
        if not pages.exists():
            return parts
        os.replace(pages, part.pdf)
        part.save_layout(layout)
    return planned


def kept_in(out: Path, root: str) -> Path:
    """Return the folder that keeps, document by document, what the documents of out were
    laid out from (a reader's parts, each document's pages, a copy of its last PDF): the
    build cache's ``pdf/`` (``.coursepack-cache/pdf/`` in the reader's folder), which
    outlives the build folder, so that after ``rm -rf build``, in the preview's own folder
    or with ``--out`` elsewhere a PDF of the same inputs is put in place, a reader is
    stitched from the parts laid out before and a handout is laid out with the pages of
    its last layout; else, with the cache off (``COURSEPACK_NO_CACHE``) or not writable,
    ``.parts/`` beside the PDFs. What is kept is named by the hash of what it was made
    from, so it is right wherever the build goes."""
    if root and not os.environ.get(NO_CACHE):
        folder = Path(root) / CACHE_FOLDER / KEPT
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK | os.X_OK):
                return folder
    return out / CACHE


@contextlib.contextmanager
def kept_for_build(out: Path, root: str) -> Iterator[Path]:
    """Hold the folder :func:`kept_in` returns for one build, and yield it.

    Two builds of one reader at once (the preview, and a build in another terminal) must
    not prune each other's parts: the build cache's folder is held by one at a time (an
    advisory lock, released by the system when the process ends). A build that finds it
    held does not wait: it keeps its parts beside its PDFs, as with the cache off. A
    build whose folder is the build cache's removes the ``.parts/`` an earlier one left
    beside the PDFs.
    """
    kept = kept_in(out, root)
    local = out / CACHE
    if kept == local:
        yield kept
        return
    try:
        fd = os.open(kept / ".lock", os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield local
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            held = False
        if held and local.is_dir():
            shutil.rmtree(local)
        yield kept if held else local
    finally:
        os.close(fd)


def folder_of(kept: Path, out: Path, target: Path) -> Path:
    """Return the folder in kept (:func:`kept_in`) that keeps what a document of out was
    laid out from, named after the document (``reader-instructor``, ``handouts__alpha``),
    so that each edition's documents keep theirs apart."""
    name = target.relative_to(out).with_suffix("").as_posix().replace("/", "__")
    return kept / name


def manifest_path(job: Job, cache: Path) -> Path:
    """Return where the parts of a reader's last build are listed."""
    return cache / "parts.json"


def previous_layouts(job: Job, cache: Path) -> list[Layout] | None:
    """Return the layouts of a reader's parts in its last build, or None if it has none."""
    try:
        data = json.loads(manifest_path(job, cache).read_text(encoding="utf-8"))
        keys = [str(k) for k in data["parts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    layouts: list[Layout] = []
    for key in keys:
        try:
            layouts.append(_read_layout(json.loads((cache / f"{key}.json").read_text("utf-8"))))
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return layouts


def save_manifest(job: Job, cache: Path, parts: list[Part], fonts: list[str]) -> None:
    """List the parts a reader was stitched from, and the fonts it used."""
    data = {"parts": [p.key for p in parts], "fonts": fonts}
    write_text(manifest_path(job, cache), json.dumps(data))


def pages_path(job: Job, cache: Path) -> Path:
    """Return where the pages of a document's anchors in its last build are kept."""
    return cache / "pages.json"


def previous_pages(job: Job, cache: Path) -> dict[str, int] | None:
    """Return the page of each anchor of a document in its last layout, if kept."""
    try:
        data = json.loads(pages_path(job, cache).read_text(encoding="utf-8"))
        return {str(k): int(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def save_pages(job: Job, cache: Path, pages: dict[str, int]) -> None:
    """Keep the page of each anchor of a document, for its next layout."""
    write_text(pages_path(job, cache), json.dumps(pages, sort_keys=True))


def keep_finished(job: Job) -> None:
    """Keep the PDF of a document just written in the build cache (:attr:`Job.finished`),
    in place of the one kept before; a cache that cannot be written keeps none."""
    if job.finished is None:
        return
    with contextlib.suppress(OSError):
        for old in job.finished.parent.glob("*.pdf"):
            if old != job.finished:
                old.unlink()
        if not job.finished.exists():
            _share(job.target, job.finished)


def reuse_finished(job: Job) -> bool:
    """Put in place the PDF the build cache keeps for a document's inputs, if it keeps
    one (a build elsewhere wrote it: the same inputs make the same bytes); return whether
    it did."""
    if job.finished is None or not job.finished.is_file():
        return False
    try:
        _share(job.finished, job.target)
    except OSError:
        return False
    return True


def _share(source: Path, target: Path) -> None:
    """Put a file of source's bytes at target, whole or not at all: a hard link where the
    file system allows, so that the cache does not hold the PDFs twice (no PDF is ever
    changed in place: each is written under a temporary name and renamed over the old,
    which a link to the old leaves as it was), else a copy."""
    with written_whole(target) as tmp:
        tmp.unlink()
        link_or_copy(source, tmp)


def prune(root: Path, made: list[Path], built: list[Path]) -> None:
    """Remove the folders of documents no longer made (made: the folders of every document
    the target may write, in any edition), and in the folders of the documents built this
    time (built), the parts and fonts their reader is no longer stitched from."""
    if not root.is_dir():
        return
    wanted = set(made)
    for folder in root.iterdir():
        if folder.is_dir() and folder not in wanted:
            shutil.rmtree(folder)
    for folder in built:
        try:
            data = json.loads((folder / "parts.json").read_text(encoding="utf-8"))
            keep = {str(k) for k in (*data["parts"], *data.get("fonts", ()))}
        except (OSError, ValueError, KeyError, TypeError):
            continue
        keep |= {"parts", "pages"}
        for path in folder.iterdir():
            if path.suffix in (".part", ".font", ".json", ".piece") and path.stem not in keep:
                path.unlink()


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (under a temporary name, then renamed), unless it holds
    that text already."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
