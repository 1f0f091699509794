"""Check that every address an output gives for the site is a page and an id the site has.

The addresses are read from the outputs as their users' tools read them: the BibTeX files
through bibtexparser, CSL-JSON and the Web Annotations as JSON, RIS line by line, the
site's pages through an HTML parser (links and citation meta tags), the PDFs' link
annotations through pypdf.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import bibtexparser
from bs4 import BeautifulSoup
from pypdf import PdfReader


@dataclass
class Found:
    """Addresses found, by the output they came from, and those that miss the site."""

    checked: Counter[str] = field(default_factory=Counter)
    missing: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{n} addresses from {source}" for source, n in sorted(self.checked.items())]
        lines += [f"MISSING from {source}: {url} ({why})" for source, url, why in self.missing]
        return "\n".join(lines)


@cache
def _ids(page: Path) -> frozenset[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return frozenset(str(tag["id"]) for tag in soup.find_all(id=True))


class Site:
    """A built site, published at base."""

    def __init__(self, folder: Path, base: str) -> None:
        self.folder = folder
        self.base = base

    def problem(self, url: str) -> str:
        """Return why url is not a page (and an id on it) of the site, or ""."""
        parts = urlsplit(url)
        path = unquote(parts.path[len(urlsplit(self.base).path) :])
        target = self.folder / path
        if path == "" or path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            return f"no file {path or 'index.html'}"
        fragment = unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in _ids(target):
            return f"no id {parts.fragment!r} on {path}"
        return ""


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def addresses(build: Path, base: str) -> dict[str, list[str]]:
    """Return every URL under base that each output of a build gives."""
    found: dict[str, list[str]] = {}

    def keep(source: str, urls: list[str]) -> None:
        found.setdefault(source, []).extend(u for u in urls if u.startswith(base))

    cite = build / "cite"
    for name in ("coursepack.bib", "coursepack-biblatex.bib"):
        library = bibtexparser.parse_string((cite / name).read_text(encoding="utf-8"))
        for entry in library.entries:
            for f in entry.fields:
                keep(name, re.findall(r"https?://[^\s{}\\]+", str(f.value)))
    records = json.loads((cite / "coursepack.json").read_text(encoding="utf-8"))
    keep("coursepack.json", [str(r["URL"]) for r in records if "URL" in r])
    ris = (cite / "coursepack.ris").read_text(encoding="utf-8").splitlines()
    keep("coursepack.ris", [line[6:].strip() for line in ris if line.startswith("UR  - ")])
    jsonld = json.loads((build / "annotations.jsonld").read_text(encoding="utf-8"))
    keep("annotations.jsonld", _strings(jsonld))

    site = build / "site"
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        here = base + page.relative_to(site).as_posix()
        metas = [str(m["content"]) for m in soup.find_all("meta") if m.get("content")]
        keep("site meta tags", metas)
        links = []
        for a in soup.find_all("a", href=True):
            href = str(a["href"])
            if href.startswith(("http://", "https://", "mailto:", "javascript:")):
                links.append(href)
            else:
                links.append(urljoin(here, href))
        keep("site links", links)

    for pdf in sorted((build / "pdf").rglob("*.pdf")) if (build / "pdf").is_dir() else []:
        uris = []
        for page in PdfReader(pdf).pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A")
                if action is not None and action.get("/URI"):
                    uris.append(str(action["/URI"]))
        keep(f"pdf/{pdf.relative_to(build / 'pdf').as_posix()}", uris)
    return found


def check(build: Path, base: str) -> Found:
    """Check every address the outputs of a build give against its site."""
    site = Site(build / "site", base)
    result = Found()
    for source, urls in addresses(build, base).items():
        for url in urls:
            source_kind = "pdf" if source.startswith("pdf/") else source
            result.checked[source_kind] += 1
            why = site.problem(url)
            if why:
                result.missing.append((source, url, why))
    return result
