"""Every bad input gives exactly its expected diagnostics, at the right place, no traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import BAD, cases, materialize

from coursepack.cli import main

CASES = cases()


def _expected(name: str) -> list[str]:
    return (BAD / name / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 75


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name: str, tmp_path: Path) -> None:
    root = materialize(name, tmp_path / "reader")
    run = subprocess.run(
        [sys.executable, "-m", "coursepack", "--root", str(root), "check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in run.stderr
    got = [ln for ln in run.stderr.splitlines() if ": error: " in ln or ": warning: " in ln]
    expected = _expected(name)
    assert got == expected
    # Nothing else reaches the console: no message of a library, no half line.
    others = [ln for ln in run.stderr.splitlines() if ln not in got]
    assert len(others) <= 1
    assert all(re.fullmatch(r"\d+ errors?; nothing was built", ln) for ln in others)
    has_error = any(": error: " in ln for ln in expected)
    assert run.returncode == (1 if has_error else 0)
    for line in got:
        path, line_no, col, _ = line.split(":", 3)
        # A file name with a control character is shown escaped.
        assert os.path.lexists(root / path) or "missing" in name or "\\" in path
        assert int(line_no) >= 1 and int(col) >= 1


@pytest.mark.parametrize("name", CASES)
def test_json_is_always_printed(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = materialize(name, tmp_path / "reader")
    code = main(["--root", str(root), "check", "--format", "json"])
    printed = capsys.readouterr()
    assert printed.err == ""
    found = json.loads(printed.out)
    lines = [
        f"{d['path']}:{d['line']}:{d['col']}: {d['severity']}: {d['message']} [{d['code']}]"
        for d in found
    ]
    assert lines == _expected(name)
    assert code == (1 if any(d["severity"] == "error" for d in found) else 0)
