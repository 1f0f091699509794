"""Render one PDF: Jinja2 templates to HTML, WeasyPrint to PDF; the reader's index on its own."""

from __future__ import annotations

import copy
import hashlib
import itertools
import logging
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration

from coursepack import processes
from coursepack.render.pdf import fonts, footnote_policy, line_fit, tagging
from coursepack.render.pdf import index as index_locators
from coursepack.render.pdf.context import Context
from coursepack.render.pdf.fetcher import AssetFetcher

PACKAGE_DIR = Path(__file__).parent
#: The base URL of every document: relative URLs resolve inside the package.
BASE_URL = PACKAGE_DIR.resolve().as_uri() + "/"
#: The PDF variant: tagged, with the document language and title, for screen readers.
PDF_VARIANT = "pdf/ua-1"
#: At most this many layouts of one document (footnote breaks).
MAX_PASSES = 4
#: The reader's last section, laid out on its own once the pages before it are known.
INDEX_ID = "index"
#: The template of the reader's index alone.
INDEX_TEMPLATE = "reader-index.html"
LOGGER = logging.getLogger("coursepack.pdf")


@dataclass(frozen=True)
class Job:
    """One PDF to render: everything a worker process needs, and nothing else."""

    #: Template file name ("reader.html", "handout.html", "guide.html").
    template: str
    #: Template context (plain data).
    context: Context
    #: Where to write the PDF.
    target: Path
    #: Content hash of the inputs; also the PDF's file identifier.
    digest: str
    #: Whether the document ends with an index, laid out on its own with real page numbers.
    index: bool = False
    #: The size of the inputs, in characters: the longest documents are laid out first.
    size: int = 0


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


def render_document(
    html: str, fetcher: AssetFetcher | None = None, font_config: FontConfiguration | None = None
) -> Document:
    """Lay out HTML with the package's fonts and assets only.

    Documents whose pages are combined share one font configuration, which the combined
    document keeps alive.
    """
    fonts.require_subsetter()
    footnote_policy.apply()
    line_fit.apply()
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
        document, _ = _settle(job, index_stub=False)
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
    breaks: frozenset[str] = frozenset()
    for attempt in itertools.count(1):
        context = with_layout(job.context, None, breaks, index_stub=index_stub)
        document = render_document(render_html(job.template, context))
        found = anchor_pages(document)
        wrong = misplaced_footnotes(job.context, found)
        if wrong <= breaks or attempt == MAX_PASSES:
            if wrong:
                LOGGER.warning(
                    "%s: footnotes still apart from their calls in %s", job.target, sorted(wrong)
                )
            return document, found
        LOGGER.info("%s: laid out again to break before %s", job.target, sorted(wrong - breaks))
        breaks |= wrong
        del document  # free the pages before the next layout
    raise AssertionError("unreachable")


def write_pdf(document: Document, target: Path, digest: str) -> None:
    """Write a PDF atomically, with a file identifier derived from its inputs.

    In a worker whose build has ended meanwhile, the PDF is thrown away, not written.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            document.write_pdf(
                handle,
                pdf_variant=PDF_VARIANT,
                pdf_identifier=digest[:32].encode("ascii"),
            )
        os.chmod(tmp, file_mode())
        if processes.orphaned():
            raise SystemExit(1)  # the build that wanted this PDF is gone
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_mode() -> int:
    """Return the mode a new file gets under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def warm_up() -> None:
    """Get a worker process ready to lay out (its imports are done by now)."""
    footnote_policy.apply()
    line_fit.apply()
    tagging.apply()


def run_job(job: Job) -> tuple[str, int]:
    """Render and write one job; return the target and its page count (worker entry point)."""
    document = build_pdf(job)
    write_pdf(document, job.target, job.digest)
    return str(job.target), len(document.pages)


def run_jobs(jobs: tuple[Job, ...]) -> list[tuple[str, int]]:
    """Render and write some jobs one after another (worker entry point)."""
    return [run_job(job) for job in jobs]


def hash_files(paths: list[Path], extra: Any = "") -> str:
    """Return a sha256 over some files' names and bytes."""
    h = hashlib.sha256(repr(extra).encode())
    for path in sorted(paths):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
