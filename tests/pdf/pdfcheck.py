"""Helpers for the PDF tests: render a reader, and read text, pages and links back."""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.render.pdf import engine, render_pdfs

HERE = Path(__file__).parent
TESTS = HERE.parent
MINI = TESTS / "data" / "mini"
REPO = TESTS.parent

#: Untrusted text planted in annotation bodies: none of it may run, load or fetch.
PLANTED = (
    "Look: ![secret](file:///etc/passwd) and [a page](http://127.0.0.1:9/x) and "
    '<script>alert("x")</script> and <img src="file:///etc/passwd"> and '
    '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">.'
)


class LogRecorder(logging.Handler):
    """Keep the log records WeasyPrint and coursepack emit while a fixture renders."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep one record."""
        self.records.append(record)


def load(root: Path) -> Reader:
    """Return the resolved reader at root, failing with its diagnostics if it has errors."""
    reader, report = read_reader(root)
    if reader is None:
        pytest.fail("\n".join(str(d) for d in report), pytrace=False)
    return reader


def render(
    reader: Reader, out: Path, **options: object
) -> tuple[list[logging.LogRecord], list[str]]:
    """Render every PDF of a reader in this process.

    Return the warnings logged meanwhile and the HTML of every layout, in order.
    """
    recorder = LogRecorder()
    loggers = [logging.getLogger(name) for name in ("weasyprint", "coursepack")]
    for logger in loggers:
        logger.addHandler(recorder)
    htmls: list[str] = []
    layout = engine.render_document

    def counted(html: str, *args: Any, **kwargs: Any) -> Any:
        htmls.append(html)
        return layout(html, *args, **kwargs)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine, "render_document", counted)
            render_pdfs(Refs(reader), out, BuildOptions(jobs=1, **options))  # type: ignore[arg-type]
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)
    return recorder.records, htmls


def page_texts(path: Path) -> list[str]:
    """Return the text of each page of a PDF."""
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def flat(text: str) -> str:
    """Return text with hyphenated line breaks joined, marks dropped, whitespace collapsed."""
    text = re.sub(r"[-\u2010]\s*\n\s*", "", text)
    text = text.replace("\u00ad", "").replace("°", "")
    return re.sub(r"\s+", " ", text).strip()


@dataclasses.dataclass
class Rendered:
    """A reader and the directory its PDFs were written to."""

    reader: Reader
    out: Path
    warnings: list[logging.LogRecord]
    #: The HTML of every layout the build made, in order.
    layouts: list[str] = dataclasses.field(default_factory=list)

    def layouts_of(self, body_class: str) -> list[str]:
        """Return the HTML of the layouts of one kind of document ("reader", "handout")."""
        return [h for h in self.layouts if f'<body class="{body_class}"' in h]


def destinations(path: Path) -> dict[str, int]:
    """Return the page number (from 1) of every named destination (HTML id) in a PDF."""
    pdf = PdfReader(path)
    return {
        str(name): pdf.get_destination_page_number(dest) + 1
        for name, dest in pdf.named_destinations.items()
    }


def outline_titles(path: Path) -> list[tuple[str, int]]:
    """Return (title, page) for every bookmark, depth first."""
    pdf = PdfReader(path)
    out: list[tuple[str, int]] = []

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((str(item.title), pdf.get_destination_page_number(item) + 1))  # type: ignore[attr-defined]

    walk(pdf.outline)
    return out


def expand(label: str) -> list[int]:
    """Return the pages a printed locator stands for ("7" or "7–9")."""
    first, _, last = label.partition("–")
    return list(range(int(first), int(last or first) + 1))


def index_entries(path: Path, first_page: int, labels: list[str]) -> dict[str, list[str]]:
    """Return the printed index, label to locators, for the labels found from first_page on."""
    text = flat("\n".join(page_texts(path)[first_page - 1 :])).replace("– ", "–")
    entries: dict[str, list[str]] = {}
    for label in labels:
        pattern = re.escape(label) + r",\s*((?:\d+(?:–\d+)?)(?:,\s*\d+(?:–\d+)?)*)"
        m = re.search(pattern, text)
        if m:
            entries[label] = [p.strip() for p in m.group(1).split(",")]
    return entries


def occurs(reader: Reader, forms: tuple[str, ...], page_text: str) -> bool:
    """Return whether any form of a name or term is on a page (ignoring case and breaks).

    A line may end in a hyphen the layout added (which goes) or in the text's own ("no-" /
    "strike”", which stays): both readings are tried.
    """
    kept = re.sub(r"-\s*\n\s*", "-", page_text)
    texts = (flat(page_text).casefold(), flat(kept).casefold())
    return any(flat(form).casefold() in text for form in forms for text in texts)
