"""The PDFs are tagged for PDF/UA-1: structure read back with pikepdf, and two validators.

veraPDF does not install here; what does is ``page-validation`` (PDF/UA-1 conformance
rules) and ``outloud`` (PDF/UA-1 and WCAG checks, plus semantic ones a validator cannot
make). Each point of the structure is also checked directly, below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from pdfcheck import Rendered
from uacheck import Structure, printed_urls, read_structure

from coursepack.render.pdf import tagging


def pdfs(rendered: Rendered) -> list[Path]:
    """Return every PDF a build wrote."""
    return sorted(rendered.out.rglob("*.pdf"))


def structures(rendered: Rendered) -> Iterator[tuple[Path, Structure]]:
    for path in pdfs(rendered):
        yield path, read_structure(path)


def check_structure(rendered: Rendered) -> None:
    """Check every point of PDF/UA the renderer promises, in every PDF of a build."""
    for path, s in structures(rendered):
        elements = s.root.walk()
        kinds = [e.kind for e in elements]
        name = path.name
        # Every piece of marked content is in the tree, once; the rest are artifacts.
        held = [c for e in elements for c in e.content]
        assert len(held) == len(set(held)), name
        assert set(held) == s.marked == s.mapped, name
        # Heads and folios are artifacts: every page but the cover paints some.
        pages = max(p for p, _ in s.marked) + 1
        assert sum(1 for p in range(pages) if s.artifacts[p]) >= pages - 2, name
        # No element is empty; no Span without a reason; no paragraph in a paragraph.
        for e in elements[1:]:
            assert e.children or e.content or e.annotations, (name, e.kind)
        assert "Span" not in kinds, name
        for e in elements:
            if e.kind == "P":
                assert all(c.kind != "P" for c in e.walk()[1:]), name
        # Every link annotation sits in a Link element, which holds it.
        for number, (_page, parent, _target) in s.links.items():
            assert parent is not None, (name, number)
            holder = s.by_number[s.parents[parent]]
            assert holder.kind == "Link" and number in holder.annotations, (name, number)
        # Footnotes are Notes with an ID, right after the Reference that calls them, whose
        # Link leads to the note.
        for e in elements:
            for before, after in zip(e.children, e.children[1:], strict=False):
                if after.kind == "Note":
                    assert after.id.startswith("note-"), name
                    assert before.kind == "Reference", name
                    (link,) = before.children
                    targets = {s.links[a][2] for a in link.annotations}
                    assert targets == {after.id.removeprefix("note-")}, name
        notes = [e for e in elements if e.kind == "Note"]
        assert len({n.id for n in notes}) == len(notes), name
        # Every printed web address is a link to itself.
        uris = {t for _p, _s, t in s.links.values() if "://" in t}
        for url in printed_urls(path):
            assert any(u.startswith(url) for u in uris), (name, url)


def test_structure_of_every_pdf(mini_pdfs: Rendered) -> None:
    check_structure(mini_pdfs)


def test_each_reading_is_one_section_with_numbered_paragraphs(mini_pdfs: Rendered) -> None:
    s = read_structure(mini_pdfs.out / "reader.pdf")
    document = s.root.children[0]
    sections = [e for e in document.children if e.kind == "Sect"]
    headed = [e for e in sections if e.children and e.children[0].kind == "H1"]
    # The readings' sections begin with a Div (their header) holding the H1.
    readings = [e for e in sections if any(c.kind == "Div" for c in e.children[:1])]
    assert len(readings) == len(mini_pdfs.reader.readings)
    assert headed  # the apparatus's chapters
    numbered = sum(len(r.paragraphs) for r in mini_pdfs.reader.readings)
    labels = [c for e in s.root.walk() if e.kind == "P" for c in e.children if c.kind == "Lbl"]
    assert len(labels) == numbered


def test_contents_are_a_toc(mini_pdfs: Rendered) -> None:
    s = read_structure(mini_pdfs.out / "reader.pdf")
    (toc,) = [e for e in s.root.walk() if e.kind == "TOC"]
    assert len(toc.children) >= len(mini_pdfs.reader.readings) + 3
    for item in toc.children:
        assert item.kind == "TOCI"
        assert [c.kind for c in item.walk() if c.kind == "Link"]


def test_footnotes_are_notes_one_per_call(mini_pdfs: Rendered) -> None:
    s = read_structure(mini_pdfs.out / "handouts" / "alpha.pdf")
    notes = [e for e in s.root.walk() if e.kind == "Note"]
    html = next(h for h in mini_pdfs.layouts_of("handout") if 'id="r-alpha"' in h)
    assert len(notes) == len(re.findall(r'class="fn fn-', html)) > 0


def test_xmp_claims_pdf_ua_1_and_nothing_else(mini_pdfs: Rendered) -> None:
    with pikepdf.open(mini_pdfs.out / "reader.pdf") as pdf:
        xmp = pdf.open_metadata()
        assert xmp.get("pdfuaid:part") == "1"
        assert not any(k.startswith("pdfaid:") for k in xmp)


def test_the_pinned_weasyprint_is_tagged_by_coursepack() -> None:
    import weasyprint
    from weasyprint import pdf as weasy_pdf

    assert weasyprint.__version__ == tagging.VERSION
    assert tagging.apply()
    assert weasy_pdf.add_tags is tagging.add_tags


def test_another_weasyprint_keeps_its_own_tagging(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint
    from weasyprint import pdf as weasy_pdf

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    monkeypatch.setattr(weasy_pdf, "add_tags", tagging.ORIGINAL)
    assert tagging.apply.__wrapped__() is False
    assert weasy_pdf.add_tags is tagging.ORIGINAL


def validate(path: Path) -> list[str]:
    """Return the failures page-validation finds against PDF/UA-1."""
    page = pytest.importorskip("page")
    report = page.validate_pdf(str(path), profile=page.ValidationProfile.PDF_UA_1)
    return [str(f) for f in report.failures]


def outloud_errors(path: Path) -> list[str]:
    """Return the errors outloud finds (PDF/UA-1, WCAG and semantic checks)."""
    pytest.importorskip("outloud")
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "outloud.cli", str(path), "--json", "-", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout[done.stdout.index("{") :])
    files = report.get("results", [report])
    return [
        f"{f.get('rule')}: {f.get('message')}"
        for item in files
        for f in item.get("findings", [])
        if f.get("severity") == "error"
    ]


def test_validators_find_nothing(mini_pdfs: Rendered) -> None:
    for path in pdfs(mini_pdfs):
        assert validate(path) == [], path.name
        assert outloud_errors(path) == [], path.name


@pytest.mark.slow
def test_repository_pdfs_are_tagged_and_valid(repo_pdfs: Rendered) -> None:
    check_structure(repo_pdfs)
    for path in pdfs(repo_pdfs):
        assert validate(path) == [], path.name
        assert outloud_errors(path) == [], path.name
