"""Editions side by side and packets, built through the command line and read back.

One build of a copy of the mini reader makes both editions: the student edition's files
keep their names, the instructor edition's are named apart (``reader-instructor.pdf``,
``site-instructor/``), and a later build of one edition leaves the other's files as they
were. Packets named in reader.yaml print their readings numbered as in the whole reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from coursepack.cli import main
from coursepack.pipeline import read_reader
from coursepack.refs import Refs

PACKETS = """
packets:
  - id: week-1
    session: 1
  - id: second
    title: The second text
    readings: [beta]
"""
#: The teaching note of alpha's question, which only the instructor edition prints.
TEACHING = "The second sentence of ¶2."


def _text(path: Path) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages)


def _pages(path: Path) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages]


def _files(folder: Path) -> dict[str, int]:
    """Return every file under folder with its modification time (but the build's own
    records, such as the PDFs' content hashes, which every build of the folder keeps)."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def _build(root: Path, *args: str) -> int:
    return main(["--root", str(root), "build", "--out", str(root / "build"), "-q", *args])


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the mini reader with two packets, whose second reading has no questions
    and so no teaching notes, built in both editions."""
    import shutil

    root = tmp_path_factory.mktemp("editions") / "mini"
    shutil.copytree(Path(__file__).parent / "data" / "mini", root)
    reader = root / "annotations" / "reader.yaml"
    reader.write_text(reader.read_text(encoding="utf-8") + PACKETS, encoding="utf-8")
    # Without the comparative question (every question has a teaching note), beta has no
    # teaching notes.
    (root / "annotations" / "questions" / "comparative.yaml").unlink()
    assert _build(root, "--edition", "both", "--only", "pdf,site") == 0
    yield root


@pytest.mark.slow
def test_both_editions_are_named_apart(both: Path) -> None:
    pdf = both / "build" / "pdf"
    found = sorted(p.relative_to(pdf).as_posix() for p in pdf.rglob("*.pdf"))
    # Beta has no teaching notes: its handout, and the packet of it alone, are the same in
    # both editions and are made once.
    assert found == [
        "handouts/alpha-instructor.pdf",
        "handouts/alpha.pdf",
        "handouts/beta.pdf",
        "instructor-guide.pdf",
        "packets/second.pdf",
        "packets/week-1-instructor.pdf",
        "packets/week-1.pdf",
        "reader-instructor.pdf",
        "reader.pdf",
    ]
    assert (both / "build" / "site" / "index.html").is_file()
    assert (both / "build" / "site-instructor" / "index.html").is_file()


@pytest.mark.slow
def test_the_cover_and_the_foot_say_which_edition(both: Path) -> None:
    pdf = both / "build" / "pdf"
    instructor = _pages(pdf / "reader-instructor.pdf")
    assert "Instructor edition, with teaching notes" in instructor[0]
    # Every page with a number prints the edition beside it.
    numbered = [p for p in instructor[2:] if re.search(r"\d\s*$", p)]
    assert numbered and all("Instructor edition" in p for p in numbered)
    assert PdfReader(pdf / "reader-instructor.pdf").metadata.title.endswith("(instructor edition)")
    assert TEACHING in " ".join(instructor)
    student = _text(pdf / "reader.pdf")
    assert "Instructor edition" not in student and TEACHING not in student
    handout = _pages(pdf / "handouts" / "alpha-instructor.pdf")
    assert "Instructor edition" in handout[0] and TEACHING in " ".join(handout)
    assert TEACHING not in _text(pdf / "handouts" / "alpha.pdf")


@pytest.mark.slow
def test_a_packet_prints_its_readings_numbered_as_in_the_reader(both: Path) -> None:
    reader, report = read_reader(both)
    assert reader is not None, report.format()
    refs = Refs(reader)
    pdf = both / "build" / "pdf"
    week = _text(pdf / "packets" / "week-1.pdf")
    second = _text(pdf / "packets" / "second.pdf")
    assert "Class session 1: Week one" in week and "The second text" in second
    alpha, beta = (reader.reading(r) for r in ("alpha", "beta"))
    assert alpha.title in week and beta.title not in week.replace(alpha.title, "")
    assert beta.title in second
    # alpha's question has its number from the whole reader.
    question = next(q for q in reader.questions if q.id == "alpha-recall")
    printed = rf"{re.escape(refs.question_number(question))} Recall {re.escape(question.text)}"
    assert re.search(printed, week) and re.search(printed, _text(pdf / "reader.pdf"))
    # The packet of beta alone prints no question on alpha alone.
    recall = next(q for q in reader.questions if q.id == "alpha-recall")
    assert " ".join(recall.text.split()[:4]) not in second


@pytest.mark.slow
def test_each_site_offers_its_edition(both: Path) -> None:
    def page(edition: str, name: str) -> BeautifulSoup:
        path = both / "build" / edition / name
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    def links(soup: BeautifulSoup) -> set[str]:
        return {str(a["href"]).rsplit("/", 1)[-1] for a in soup.find_all("a", href=True)}

    student, instructor = page("site", "downloads.html"), page("site-instructor", "downloads.html")
    assert "reader.pdf" in links(student) and "reader-instructor.pdf" not in links(student)
    assert {"reader.pdf", "reader-instructor.pdf", "week-1-instructor.pdf"} <= links(instructor)
    assert TEACHING not in page("site", "questions.html").get_text()
    assert TEACHING in page("site-instructor", "questions.html").get_text()
    # A reading's page links its handout in the site's edition, where there is one.
    alpha = links(page("site-instructor", "readings/alpha.html"))
    beta = links(page("site-instructor", "readings/beta.html"))
    assert "alpha-instructor.pdf" in alpha and "beta.pdf" in beta
    assert "alpha.pdf" in links(page("site", "readings/alpha.html"))


@pytest.mark.slow
def test_a_build_of_one_edition_leaves_the_other_as_it_was(both: Path) -> None:
    build = both / "build"
    before = _files(build / "site") | {
        f"pdf/{k}": v for k, v in _files(build / "pdf").items() if "instructor" not in k
    }
    questions = both / "annotations" / "questions" / "alpha.yaml"
    questions.write_text(
        questions.read_text(encoding="utf-8").replace(TEACHING, "The whole of ¶2."),
        encoding="utf-8",
    )
    assert _build(both, "--edition", "instructor", "--only", "pdf,site") == 0
    after = _files(build / "site") | {
        f"pdf/{k}": v for k, v in _files(build / "pdf").items() if "instructor" not in k
    }
    assert after == before
    assert "The whole of ¶2." in _text(build / "pdf" / "reader-instructor.pdf")
    assert "The whole of ¶2." in (build / "site-instructor" / "questions.html").read_text()
    # And a student build keeps the instructor edition's files.
    instructor = _files(build / "site-instructor") | {
        k: v for k, v in _files(build / "pdf").items() if "instructor" in k
    }
    assert _build(both, "--only", "pdf,site") == 0
    assert (
        _files(build / "site-instructor")
        | {k: v for k, v in _files(build / "pdf").items() if "instructor" in k}
    ) == instructor


@pytest.mark.slow
def test_a_packet_alone(both: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = both / "build" / "pdf"
    (pdf / "packets" / "second.pdf").unlink()
    others = _files(pdf)
    assert (
        main(["--root", str(both), "build", "--out", str(both / "build"), "--packet", "second"])
        == 0
    )
    said = capsys.readouterr().out
    assert "pdf:" in said and "site:" not in said and "cite:" not in said
    assert "The second text" in _text(pdf / "packets" / "second.pdf")
    assert {k: v for k, v in _files(pdf).items() if k in others} == others
    assert main(["--root", str(both), "build", "--packet", "third,second"]) == 2
    err = capsys.readouterr().err
    assert "no packet 'third'" in err and "week-1, second" in err
