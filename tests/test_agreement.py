"""The outputs agree: every address resolves on the built site, and labels and numbers are
the same in the site, the PDFs and the citation files.

Built once per session from a copy of the flagship reader and from a synthetic reader,
through the command line, as a user builds them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from coursepack.cli import main
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from linkcheck import check

REPO = Path(__file__).parents[1]
LEVELS = "Recall|Interpret|Compare|Evaluate"


def _copy_reader(to: Path) -> Path:
    for name in ("seeds", "annotations", "docs"):
        shutil.copytree(REPO / name, to / name, ignore=shutil.ignore_patterns("_build"))
    return to


class Built:
    """A reader built by ``coursepack build``, with its shared layer."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.build = root / "build"
        assert main(["--root", str(root), "build", "--out", str(self.build), "-q"]) == 0
        reader, report = read_reader(root)
        assert reader is not None, report.format()
        self.refs = Refs(reader)

    def page(self, path: str) -> BeautifulSoup:
        html = (self.build / "site" / path).read_text(encoding="utf-8")
        return BeautifulSoup(html, "html.parser")

    def pdf_text(self, name: str) -> str:
        pages = PdfReader(self.build / "pdf" / name).pages
        return " ".join(" ".join((p.extract_text() or "").split()) for p in pages)


@pytest.fixture(scope="session")
def flagship(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    yield Built(_copy_reader(tmp_path_factory.mktemp("flagship")))


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from tools import load_synth

    root = tmp_path_factory.mktemp("synthetic") / "reader"
    load_synth().generate(root, 3, 40, 7)
    return Built(root)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["flagship", "synthetic"])
def test_every_address_resolves_on_the_built_site(
    which: str, request: pytest.FixtureRequest
) -> None:
    built: Built = request.getfixturevalue(which)
    found = check(built.build, built.refs.site.base_url)
    print(found)
    assert not found.missing, str(found)
    # Every kind of output was read, and each gave addresses to check.
    for source in ("coursepack.bib", "coursepack-biblatex.bib", "coursepack.json"):
        assert found.checked[source] > len(built.refs.reader.notes), source
    assert found.checked["coursepack.ris"] > 0
    assert found.checked["annotations.jsonld"] > len(built.refs.reader.terms)
    assert found.checked["site meta tags"] >= len(built.refs.reader.readings)
    assert found.checked["site links"] > 100
    assert found.checked["pdf"] >= len(built.refs.reader.readings)


def _without_suffix(short: str) -> str | None:
    """Return "Feliz Leon 2026" for "Feliz Leon 2026a", or None when there is no suffix."""
    match = re.fullmatch(r"(.*\d{4})[a-z]", short)
    return match.group(1) if match else None


@pytest.mark.slow
@pytest.mark.parametrize("which", ["flagship", "synthetic"])
def test_a_reading_has_one_short_form_everywhere(
    which: str, request: pytest.FixtureRequest
) -> None:
    built: Built = request.getfixturevalue(which)
    refs = built.refs
    reader_text = built.pdf_text("reader.pdf")
    questions = built.page("questions.html").get_text(" ")
    for reading in refs.reader.readings:
        short = refs.short(reading)
        handout = built.pdf_text(f"handouts/{reading.id}.pdf")
        page = built.page(f"readings/{reading.id}.html")
        # The site's paragraph citations, the handout's how-to-cite, the reader's apparatus.
        cites = {str(a["data-cite"]) for a in page.select("a.cp-pnum")}
        assert cites and all(c.startswith(f"{short}, ¶") for c in cites), cites
        assert f"({short}, ¶" in handout
        assert short in reader_text
        if refs.reader.questions_for(reading.id):
            assert f"Read {short}" in questions
        bare = _without_suffix(short)
        if bare is not None:
            # The form without its year suffix names no reading anywhere.
            pattern = re.compile(re.escape(bare) + r"(?![a-z])")
            for where, text in (("reader", reader_text), ("handout", handout)):
                assert not pattern.search(text), (where, bare)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["flagship", "synthetic"])
def test_a_question_has_one_number_everywhere(which: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(which)
    refs = built.refs
    expected = {q.id: refs.question_number(q) for q in refs.reader.questions}
    numbered = re.compile(rf"(\d+\.\d+) (?:{LEVELS})")
    in_order = [refs.question_number(q) for g in refs.orders.question_groups for q in g.questions]
    assert numbered.findall(built.pdf_text("reader.pdf")) == in_order
    assert numbered.findall(built.pdf_text("instructor-guide.pdf")) == in_order
    for reading in refs.reader.readings:
        own = [q for q in refs.reader.questions if reading.id in q.readings]
        shown = numbered.findall(built.pdf_text(f"handouts/{reading.id}.pdf"))
        assert sorted(shown) == sorted(expected[q.id] for q in own), reading.id
        page = built.page(f"readings/{reading.id}.html")
        for q in refs.reader.questions_for(reading.id):
            item = page.find(id=f"q-{q.id}")
            assert item is not None and item.select_one(".cp-qnum").get_text() == expected[q.id]
    questions = built.page("questions.html")
    for q in refs.reader.questions:
        item = questions.find(id=f"q-{q.id}")
        assert item is not None and item.select_one(".cp-qnum").get_text() == expected[q.id]
    # The guide's class plan refers to questions by the same numbers.
    guide = built.pdf_text("instructor-guide.pdf")
    for session in refs.reader.meta.sequence:
        for q in session.questions:
            assert expected[q] in guide


def _ignored(gitignore: Path, paths: list[str], work: Path) -> set[str]:
    """Return which of paths (relative to a reader's root) the gitignore file ignores,
    as git itself reads it."""
    import subprocess

    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    shutil.copy(gitignore, work / ".gitignore")
    done = subprocess.run(
        ["git", "-C", str(work), "check-ignore", "--no-index", "--stdin"],
        input="\n".join(paths),
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stderr
    return set(done.stdout.split())


@pytest.mark.slow
def test_the_pages_a_build_writes_into_docs_are_ignored_by_git(
    flagship: Built, tmp_path: Path
) -> None:
    """Both this repository's .gitignore and the one ``coursepack init`` writes leave out
    every page the build generates in docs/, and no page written by hand."""
    from coursepack.refs.sitemap import GENERATED_HEADER

    generated, by_hand = [], []
    for path in sorted((flagship.root / "docs").rglob("*")):
        if path.is_file() and "_build" not in path.parts:
            first = path.read_text(encoding="utf-8", errors="replace").partition("\n")[0]
            relative = path.relative_to(flagship.root).as_posix()
            (generated if first == GENERATED_HEADER else by_hand).append(relative)
    assert any(p.startswith("docs/contexts/") for p in generated)
    scaffold = REPO / "src" / "coursepack" / "scaffold"
    for n, gitignore in enumerate([REPO / ".gitignore", *scaffold.rglob("gitignore")]):
        ignored = _ignored(gitignore, generated + by_hand, tmp_path / str(n))
        assert sorted(set(generated) - ignored) == [], gitignore
        assert sorted(set(by_hand) & ignored) == [], gitignore
