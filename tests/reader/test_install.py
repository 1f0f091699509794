"""A wheel installed into a fresh virtualenv, used outside the repository: init, add-reading
from every format, new, check and build; and the tutorial's steps, followed as written."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

pytestmark = [pytest.mark.slow]

REPO = Path(__file__).parents[2]
TUTORIAL = REPO / "docs" / "tutorial.md"

LINCOLN_1865 = """---
title: Second Inaugural Address
author: Abraham Lincoln
date: 1865-03-04
---

Fellow Countrymen:

With malice toward none, with charity for all, with firmness in the right as God gives us
to see the right, let us strive on to finish the work we are in.
"""

DOUGLASS_1852 = """<html><head><title>What to the Slave Is the Fourth of July?</title>
<meta name="author" content="Frederick Douglass"></head><body>
<p>Fellow-citizens, pardon me, allow me to ask, why am I called upon to speak here to-day?</p>
<p>What, to the American slave, is your 4th of July?</p></body></html>
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv, outside the repository, with coursepack installed from a wheel."""
    where = tmp_path_factory.mktemp("installed")
    assert not where.resolve().is_relative_to(REPO)
    # Built from a copy, so that nothing is written into the repository (setuptools
    # leaves build/ and *.egg-info/ beside the sources).
    source = where / "source"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    dist = where / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(dist)],
        check=True,
    )
    (wheel,) = dist.glob("coursepack-*.whl")
    _every_data_file_is_in(wheel)
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True
    )
    return venv / "bin"


def _every_data_file_is_in(wheel: Path) -> None:
    """Every file of the package that is not Python code is in the wheel."""
    package = REPO / "src" / "coursepack"
    wanted = {
        "coursepack/" + p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    with zipfile.ZipFile(wheel) as z:
        held = set(z.namelist())
    assert wanted - held == set()


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, f"{shlex.join(args)}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def make_docx(bin_dir: Path, markdown: str, out: Path) -> None:
    """Write a .docx with the pandoc the installed pypandoc-binary ships."""
    source = out.with_suffix(".md")
    source.write_text(markdown, encoding="utf-8")
    script = (
        "import pypandoc,sys; pypandoc.convert_file(sys.argv[1], 'docx', format='markdown', "
        "outputfile=sys.argv[2])"
    )
    run(bin_dir, out.parent, "python", "-c", script, str(source), str(out))
    source.unlink()


def test_init_import_new_check_build(installed: Path, tmp_path: Path) -> None:
    work = tmp_path
    (work / "strike.txt").write_text(
        "The Strike\n\nBy Jane Roe\n\nMarch 5, 2024\n\nWorkers walked out on Monday.\n\n"
        "The union said it would hold.\n",
        encoding="utf-8",
    )
    (work / "unions.md").write_text(
        "---\ntitle: On Unions\nauthor: [John Doe]\ndate: 2023-04-01\n---\n\n"
        "Unions matter, they say.\n\nA second paragraph.\n",
        encoding="utf-8",
    )
    (work / "douglass.html").write_text(DOUGLASS_1852, encoding="utf-8")
    make_docx(installed, LINCOLN_1865, work / "lincoln.docx")

    run(installed, work, "coursepack", "init", "reader", "--title", "Installed Reader")
    root = work / "reader"
    for source, extra in (
        ("strike.txt", ()),
        ("unions.md", ("--genre", "magazine article", "--outlet", "The Review")),
        ("douglass.html", ("--genre", "speech", "--date", "1852-07-05")),
        ("lincoln.docx", ("--genre", "speech")),
    ):
        run(installed, root, "coursepack", "add-reading", str(work / source), *extra)
    run(installed, root, "coursepack", "new", "note", "malice", "--date", "1865-03-04",
        "--source", "loc2013hay", "--source", "wills1992lincoln", "--reading", "lincoln-1865",
        "--quote", "With malice toward none")  # fmt: skip
    run(installed, root, "coursepack", "new", "question", "roe-hold", "--reading", "roe-2024",
        "--question", "What did the union say?", "--quote", "would hold")  # fmt: skip
    checked = run(installed, root, "coursepack", "check")
    assert checked.stdout.startswith("ok: 5 readings, 2 notes, 1 term, 2 questions")

    run(installed, root, "coursepack", "build", "-q")
    site = root / "build" / "site"
    ids = ["gettysburg-1863", "roe-2024", "doe-2023", "douglass-1852", "lincoln-1865"]
    for reading in ids:
        page = (site / "readings" / f"{reading}.html").read_text(encoding="utf-8")
        assert 'id="p1"' in page
        assert (root / "build" / "pdf" / "handouts" / f"{reading}.pdf").is_file()
    speech = (site / "readings" / "lincoln-1865.html").read_text(encoding="utf-8")
    assert "With malice toward none" in speech
    # A speech has no outlet and no perspective: no label stands empty for them, on the
    # site, in its handout or in the reader.
    soup = BeautifulSoup(speech, "html.parser")
    meta = soup.select_one(".cp-reading-meta")
    assert meta is not None
    labels = [dt.get_text(strip=True) for dt in meta.select("dt")]
    assert "Published in" not in labels and "Date" in labels
    assert meta.select_one(".cp-perspective") is None
    handout = PdfReader(root / "build" / "pdf" / "handouts" / "lincoln-1865.pdf")
    first = " ".join(handout.pages[0].extract_text().split())
    assert "Perspective" not in first and "Published in" not in first
    assert (site / "notes" / "malice.html").is_file()
    assert "How to cite" in (site / "how-to-cite.html").read_text(encoding="utf-8")
    reader_pdf = PdfReader(root / "build" / "pdf" / "reader.pdf")
    text = "".join(page.extract_text() for page in reader_pdf.pages)
    assert "What to the Slave Is the Fourth of July?" in " ".join(text.split())
    bib = (root / "build" / "cite" / "coursepack.bib").read_text(encoding="utf-8")
    assert "lincoln1865second" in bib
    csl = (root / "build" / "cite" / "coursepack.json").read_text(encoding="utf-8")
    assert '"type": "speech"' in csl and '"type": "article-magazine"' in csl


def tutorial_steps() -> list[tuple[str, str]]:
    """Return the tutorial's steps: ("run", command) and ("bibtex", entry), in order."""
    text = TUTORIAL.read_text(encoding="utf-8")
    steps: list[tuple[str, str]] = []
    for lang, body in re.findall(r"```(console|bibtex)\n(.*?)```", text, re.S):
        if lang == "bibtex":
            steps.append(("bibtex", body))
            continue
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append(("run", line[2:]))
    return steps


def test_the_tutorial_as_written(installed: Path, tmp_path: Path) -> None:
    make_docx(installed, LINCOLN_1865, tmp_path / "second-inaugural.docx")
    (tmp_path / "douglass-1852.html").write_text(DOUGLASS_1852, encoding="utf-8")
    cwd = tmp_path
    ran = []
    for kind, step in tutorial_steps():
        if kind == "bibtex":
            with (cwd / "annotations" / "references.bib").open("a", encoding="utf-8") as f:
                f.write("\n" + step)
            continue
        words = shlex.split(step)
        if words[0] == "cd":
            cwd = cwd / words[1]
            continue
        if words[0] != "coursepack" or words[1:2] in (["serve"], ["cite"]):
            continue  # installing is the fixture; serve has a test of its own
        files = [w for w in words if w.endswith((".docx", ".html"))]
        words = [str(tmp_path / w) if w in files else w for w in words]
        run(installed, cwd, *words)
        ran.append(words[1])
    assert ran.count("check") == 3 and "build" in ran and "add-reading" in ran
    assert (cwd / "build" / "site" / "notes" / "malice-toward-none.html").is_file()
    assert (cwd / "build" / "pdf" / "handouts" / "douglass-1852.pdf").is_file()
