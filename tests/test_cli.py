"""The command line: summary, JSON diagnostics, exit codes, untouched build/ on failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coursepack", *args], capture_output=True, text=True, check=False
    )


def test_clean_check_prints_summary(mini: Path) -> None:
    result = run("--root", str(mini), "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 2 readings, 1 notes, 3 terms, 2 questions")
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
