"""Render one PDF: Jinja2 templates to HTML, WeasyPrint to PDF; the reader's index on its own.

A reader (a volume, a packet) is written in parts, each a PDF of its own kept in the
folder of laid-out parts, and stitched (:mod:`coursepack.render.pdf.parts`,
:mod:`coursepack.render.pdf.stitch`): laid out whole when no part of it was laid out
before, part by part (:func:`run_part`) when the build can reuse some.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

from weasyprint import HTML, Document
from weasyprint import pdf as weasy_pdf
from weasyprint.text.fonts import FontConfiguration

from coursepack.render.pdf import (
    fonts,
    footnote_policy,
    line_fit,
    parts,
    repagination,
    stitch,
    tagging,
)
from coursepack.render.pdf.context import Context
from coursepack.render.pdf.fetcher import AssetFetcher
from coursepack.render.pdf.jobs import PACKAGE_DIR, Job, file_mode, hash_files, written_whole
from coursepack.render.pdf.parts import (
    INDEX_ID,
    INDEX_TEMPLATE,
    Layout,
    Part,
    environment,
    render_html,
    with_layout,
)

__all__ = [
    "BASE_URL",
    "INDEX_ID",
    "INDEX_TEMPLATE",
    "PACKAGE_DIR",
    "PDF_VARIANT",
    "Job",
    "environment",
    "file_mode",
    "hash_files",
    "render_html",
    "with_layout",
]

#: The base URL of every document: relative URLs resolve inside the package.
BASE_URL = PACKAGE_DIR.resolve().as_uri() + "/"
#: The PDF variant: tagged, with the document language and title, for screen readers.
PDF_VARIANT = "pdf/ua-1"
#: At most this many layouts of one document (footnote breaks).
MAX_PASSES = 4
LOGGER = logging.getLogger("coursepack.pdf")
LOGGER_WEASYPRINT = logging.getLogger("weasyprint")


def render_document(
    html: str, fetcher: AssetFetcher | None = None, font_config: FontConfiguration | None = None
) -> Document:
    """Lay out HTML with the package's fonts and assets only.

    Documents whose pages are combined share one font configuration, which the combined
    document keeps alive.
    """
    fonts.require_subsetter()
    fonts.keep_font_files()
    footnote_policy.apply()
    line_fit.apply()
    repagination.apply()
    tagging.apply()
    font_config = font_config or FontConfiguration()
    source = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or AssetFetcher())
    return source.render(font_config=font_config, pdf_variant=PDF_VARIANT)


def anchor_pages(document: Document) -> dict[str, int]:
    """Return the page number (from 1) where each anchor id first occurs."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


def entry_spans(document: Document, ids: Collection[str]) -> dict[str, tuple[int, int]]:
    """Return the first and last page (from 1) of each element with one of these ids."""
    wanted = set(ids)
    spans: dict[str, tuple[int, int]] = {}
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            found = element.get("id") if element is not None else None
            if found in wanted:
                first = spans.get(found, (number, number))[0]
                spans[found] = (first, number)
    return spans


def page_starts(spans: dict[str, tuple[int, int]], entries: list[str]) -> list[str]:
    """Return the entries (after the first) that begin a page: the one before ends on an
    earlier page."""
    return [
        entry
        for before, entry in itertools.pairwise(entries)
        if before in spans and entry in spans and spans[entry][0] > spans[before][1]
    ]


def page_ranges(anchors: list[str], pages: dict[str, int]) -> list[dict[str, str]]:
    """Merge the pages of some anchors into sorted numbers and ranges ("3", "7–9")."""
    first: dict[int, str] = {}
    for anchor in anchors:
        if anchor in pages:
            first.setdefault(pages[anchor], anchor)
    out: list[dict[str, str]] = []
    numbers = sorted(first)
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        label = str(numbers[i]) if i == j else f"{numbers[i]}–{numbers[j]}"
        out.append({"label": label, "anchor": first[numbers[i]]})
        i = j + 1
    return out


def misplaced_footnotes(context: Context, pages: dict[str, int]) -> set[str]:
    """Return the blocks that call a footnote which landed on another page than its call."""
    return {
        block
        for fid, block in context["footnote_blocks"].items()
        if pages.get(f"call-{fid}") != pages.get(fid)
    }


def build_pdf(job: Job) -> Document:
    """Lay out a job's document with every footnote on its call's page, and its index.

    Should a footnote still land on another page than its call (WeasyPrint deferred it; see
    :mod:`coursepack.render.pdf.footnote_policy`), its paragraph starts a new page and the
    document is laid out again. The reader is laid out up to its index, which
    comes last and moves nothing before it; the index is then laid out on its own with the
    pages of that layout, numbered on from it, and its pages replace the index's heading.
    """
    if not job.index:
        document, _ = _settle_pinned(job)
        return document
    main, pages = _settle(job, index_stub=True)
    start = pages[INDEX_ID]
    if start != len(main.pages):
        raise RuntimeError(f"{job.target}: the index heading is not alone on the last page")
    context = with_layout(job.context, pages, frozenset())
    context["first_page"] = start
    context["first_side"] = "right" if start % 2 else "left"
    html = render_html(INDEX_TEMPLATE, context)
    index = render_document(html, font_config=main.font_config)
    return main.copy(main.pages[: start - 1] + index.pages)


def _settle(job: Job, index_stub: bool) -> tuple[Document, dict[str, int]]:
    """Lay out a document until its footnotes sit on their calls' pages; return its pages."""

    def html(breaks: frozenset[str]) -> str:
        return render_html(job.template, with_layout(job.context, None, breaks, index_stub))

    return settle(html, job.context, str(job.target))


def _settle_pinned(job: Job) -> tuple[Document, dict[str, int]]:
    """Lay out a document (not a reader) with the page numbers it prints for its own
    places (``target-counter()``) taken from its last layout, when it has one: WeasyPrint
    then need not lay out again each page whose number of a later page it learns late.
    Should a place have moved, the document is laid out as if new."""
    pins = parts.previous_pages(job, job.cache) if job.cache is not None else None
    if pins:

        def html(breaks: frozenset[str]) -> str:
            context = with_layout(job.context, None, breaks)
            return parts.pin(render_html(job.template, context), pins, inside=True)

        document, found = settle(html, job.context, str(job.target))
        printed = parts.pinned_targets(html(frozenset()))
        if all(found.get(target) == page for target, page in printed.items()):
            return document, found
        LOGGER.info("%s: laid out again, as places it names moved", job.target)
        del document
    return _settle(job, index_stub=False)


def settle(
    html: Callable[[frozenset[str]], str], context: Context, name: str
) -> tuple[Document, dict[str, int]]:
    """Lay out HTML (made with page breaks before some paragraphs) until the footnotes sit
    on their calls' pages; return the document and the page of each anchor."""
    breaks: frozenset[str] = frozenset()
    for attempt in itertools.count(1):
        document = render_document(html(breaks))
        found = anchor_pages(document)
        wrong = misplaced_footnotes(context, found)
        if wrong <= breaks or attempt == MAX_PASSES:
            if wrong:
                LOGGER.warning(
                    "%s: footnotes still apart from their calls in %s", name, sorted(wrong)
                )
            return document, found
        LOGGER.info("%s: laid out again to break before %s", name, sorted(wrong - breaks))
        breaks |= wrong
        del document  # free the pages before the next layout
    raise AssertionError("unreachable")


def write_pdf(
    document: Document, target: Path, digest: str, known: frozenset[str] | None = None
) -> None:
    """Write a PDF atomically, with a file identifier derived from its inputs.

    known: ids whose links are kept though no page of the document holds them (a part of a
    reader, whose links lead into the other parts). In a worker whose build has ended
    meanwhile, the PDF is thrown away, not written.
    """
    with (
        written_whole(target) as tmp,
        _links_kept(known or frozenset()),
        open(tmp, "wb") as handle,
    ):
        document.write_pdf(
            handle,
            pdf_variant=PDF_VARIANT,
            pdf_identifier=digest[:32].encode("ascii"),
        )


@contextlib.contextmanager
def _links_kept(known: frozenset[str]) -> Iterator[None]:
    """Keep, while a PDF is written, the links to the known ids that it does not hold.

    WeasyPrint drops a link whose anchor is on none of the pages it writes; a part of a
    reader keeps its links into the other parts, which the stitched reader holds.
    """
    if not known:
        yield
        return
    resolve = weasy_pdf.resolve_links

    def resolve_kept(pages: list[Any]) -> Iterator[tuple[list[Any], list[Any]]]:
        # WeasyPrint's resolve_links, with the known ids counted as anchors.
        anchors: set[str] = set()
        paged: list[list[tuple[str, float, float]]] = []
        for page in pages:
            paged.append([])
            for name, (x, y, _, _) in page.anchors.items():
                if name not in anchors:
                    paged[-1].append((name, x, y))
                    anchors.add(name)
        held = anchors | known
        for page, own in zip(pages, paged, strict=True):
            links = []
            for link in page.links:
                if link[0] == "internal" and link[1] not in held:
                    LOGGER_WEASYPRINT.error("No anchor #%s for internal URI reference", link[1])
                else:
                    links.append(link)
            yield links, own

    weasy_pdf.resolve_links = resolve_kept
    try:
        yield
    finally:
        weasy_pdf.resolve_links = resolve


def warm_up() -> None:
    """Get a worker process ready to lay out (its imports are done by now)."""
    fonts.keep_font_files()
    footnote_policy.apply()
    line_fit.apply()
    repagination.apply()
    tagging.apply()


def run_job(job: Job) -> tuple[str, int]:
    """Render and write one job; return the target and its page count (worker entry point).

    A reader is written in parts, which later builds may reuse (:func:`write_parts`), and
    stitched.
    """
    document = build_pdf(job)
    count = len(document.pages)
    if job.index and job.cache is not None:
        written = write_parts(job, job.cache, document)
        if written is not None:
            # The layout's memory is given back before the parts are stitched.
            del document
            gc.collect()
            fonts = stitch.stitch(
                [p.pdf for p in written],
                job.target,
                job.digest,
                job.cache,
                job.assets,
                [parts.chapter_of(p.name) is not None for p in written],
            )
            parts.save_manifest(job, job.cache, written, fonts)
            parts.keep_finished(job)
            return str(job.target), count
    write_pdf(document, job.target, job.digest)
    if not job.index and job.cache is not None:
        parts.save_pages(job, job.cache, anchor_pages(document))
    parts.keep_finished(job)
    return str(job.target), count


def run_jobs(jobs: tuple[Job, ...]) -> list[tuple[str, int]]:
    """Render and write some jobs one after another (worker entry point)."""
    return [run_job(job) for job in jobs]


def write_parts(job: Job, cache: Path, document: Document) -> list[Part] | None:
    """Write a reader laid out whole as its parts and keep them in cache; return them, to
    be stitched, or None (writing nothing) if its pages do not fall in parts."""
    pages = anchor_pages(document)
    # The flowing chapters are cut where a page break falls between two entries.
    cuts: list[str] = []
    for chapter in parts.FLOWING:
        entries = parts.entry_ids(job.context, chapter)
        found = page_starts(entry_spans(document, entries), entries)
        cuts += parts.choose_cuts(entries, found, pages)
    names = parts.part_names(job.context, cuts)
    layouts = parts.layouts_of(names, pages, len(document.pages))
    if layouts is None:
        LOGGER.info("%s: not written in parts (a part shares a page)", job.target)
        return None
    planned = parts.plan_parts(job, cache, layouts)
    first = 1
    for part, layout in zip(planned, layouts, strict=True):
        if part.layout() != layout:
            copied = document.copy(document.pages[first - 1 : first - 1 + layout.pages])
            write_pdf(copied, part.pdf, part.key, frozenset(pages))
            part.save_layout(layout)
        first += layout.pages
    return planned


def run_part(part: Part) -> int:
    """Lay out one part of a reader and keep it; return its page count (worker entry point).

    A part of a flowing chapter is laid out with the entry after it: if that entry begins
    a page, its pages are dropped; if not, the layout says so (the part is then laid out
    again with the next, :func:`coursepack.render.pdf.parts.settle_parts`). Where one of
    its entries begins a page far enough from its start (two parts laid out as one, or one
    that grew), it is cut as the whole would be: the pages of each piece are kept too, for
    :func:`coursepack.render.pdf.parts.recut`.
    """
    document, found = settle(part.html, part.context, f"{part.cache}: {part.name}")
    natural = True
    cuts: list[str] = []
    if part.entries or part.lookahead is not None:
        ids = [*part.entries, *([part.lookahead] if part.lookahead is not None else [])]
        spans = entry_spans(document, ids)
        starts = page_starts(spans, ids)
        if part.lookahead is not None:
            natural = bool(part.entries) and part.lookahead in starts
            if natural:
                kept = spans[part.lookahead][0] - 1
                document = document.copy(document.pages[:kept])
                found = {anchor: page for anchor, page in found.items() if page <= kept}
        if natural:
            cuts = parts.choose_cuts(list(part.entries), starts, found)
    write_pdf(document, part.pdf, part.key, part.known)
    bounds = [1, *(found[cut] for cut in cuts), len(document.pages) + 1]
    for index, (first, end) in enumerate(itertools.pairwise(bounds) if cuts else ()):
        piece = document.copy(document.pages[first - 1 : end - 1])
        write_pdf(piece, part.piece(index), part.key, part.known)
    part.save_layout(Layout(part.name, len(document.pages), found, natural, tuple(cuts)))
    return len(document.pages)
