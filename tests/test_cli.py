"""The command line: summary, JSON diagnostics, exit codes, one line for every failure."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from coursepack import cli
from tools import require_tool


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coursepack", *args], capture_output=True, text=True, check=False
    )


def test_clean_check_prints_summary(mini: Path) -> None:
    result = run("--root", str(mini), "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 2 readings, 1 note, 3 terms, 2 questions")
    assert "5 anchors resolved, 6 glossary occurrences" in result.stdout


def test_json_format(mini: Path) -> None:
    note = mini / "annotations/notes/strike-1934.md"
    note.write_text(note.read_text().replace("walker1937", "nobody2000"), encoding="utf-8")
    result = run("--root", str(mini), "check", "--format", "json")
    assert result.returncode == 1
    (item,) = json.loads(result.stdout)
    assert item["code"] == "coursepack.ref.reference"
    assert (item["path"], item["line"], item["col"]) == ("annotations/notes/strike-1934.md", 8, 5)


def test_usage_error_exits_2() -> None:
    assert run("check", "--format", "xml").returncode == 2
    assert run("build", "--only", "movie").returncode == 2


def test_failed_build_leaves_build_untouched(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    (out / "site").mkdir(parents=True)
    (out / "site" / "index.html").write_text("previous", encoding="utf-8")
    (mini / "annotations/glossary/cba.md").write_text("", encoding="utf-8")
    result = run("--root", str(mini), "build", "--out", str(out))
    assert result.returncode == 1
    assert "nothing was built" in result.stderr
    assert [p.name for p in out.rglob("*")] == ["site", "index.html"]
    assert (out / "site" / "index.html").read_text() == "previous"


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """Make a folder unwritable for this user, root included (root ignores permissions:
    the folder is then marked immutable)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = require_tool("chattr")
    marked = subprocess.run([chattr, "+i", str(folder)], capture_output=True, text=True)
    if marked.returncode != 0:
        pytest.fail(f"cannot make {folder} immutable: {marked.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_an_unwritable_build_folder_is_one_line_and_exit_1(mini: Path) -> None:
    out = mini / "build"
    assert run("--root", str(mini), "build", "--only", "cite", "--out", str(out)).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    meta = mini / "annotations" / "reader.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("Mini", "Small"), "utf-8")
    with unwritable(out):
        result = run("--root", str(mini), "build", "--only", "cite", "--out", str(out))
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line == (
        f"coursepack build: error: cannot write {out}/ (permission denied); "
        "make it writable, or use --out"
    )
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_file_in_the_build_folder_s_place_is_one_line(mini: Path) -> None:
    (mini / "build").write_text("not a folder", encoding="utf-8")
    result = run("--root", str(mini), "build", "--only", "cite", "--out", str(mini / "build"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"coursepack build: error: {mini / 'build'} is not a folder; "
        "remove it, or build elsewhere with --out"
    ]


def test_outputs_land_in_build_whatever_directory_conf_py_runs_in(mini: Path) -> None:
    # Sphinx runs conf.py inside docs/; a slow one once let PDFs laid out meanwhile, with
    # paths relative to the current directory, land in docs/build/pdf.
    docs = mini / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text(
        'extensions = ["coursepack.sphinx"]\n'
        'coursepack_root = ".."\n'
        'project = "Mini"\n'
        "import time\n"
        "time.sleep(1)\n",
        encoding="utf-8",
    )
    (docs / "index.rst").write_text(
        "Mini\n====\n\n.. toctree::\n\n   _generated/readings/index\n", encoding="utf-8"
    )

    def build() -> None:
        result = subprocess.run(
            [sys.executable, "-m", "coursepack", "build", "--only", "pdf,site", "-j", "2"],
            cwd=mini,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    build()
    meta = mini / "annotations" / "reader.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("A Mini", "A Small"), "utf-8")
    build()
    first_page = PdfReader(mini / "build" / "pdf" / "reader.pdf").pages[0].extract_text()
    assert "A Small Reader" in first_page
    assert (mini / "build" / "pdf" / "handouts" / "alpha.pdf").is_file()
    assert not [p for p in mini.rglob("build") if p != mini / "build"]


def test_a_bug_is_told_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        raise ValueError("no such thing")

    monkeypatch.setattr(cli, "run", broken)
    monkeypatch.setattr(cli.processes, "install", lambda: None)
    monkeypatch.setattr(sys, "argv", ["coursepack", "check"])
    monkeypatch.delenv("COURSEPACK_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as ended:
        cli.console()
    assert ended.value.code == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("coursepack: internal error, a bug in coursepack: ValueError: no such")
