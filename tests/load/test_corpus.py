"""Every bad input gives exactly its expected diagnostics, at the right place, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from corpus import BAD, cases, materialize

CASES = cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name: str, tmp_path: Path) -> None:
    root = materialize(name, tmp_path / "reader")
    run = subprocess.run(
        [sys.executable, "-m", "coursepack", "--root", str(root), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in run.stderr
    got = [ln for ln in run.stderr.splitlines() if ": error: " in ln or ": warning: " in ln]
    expected = (BAD / name / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert got == expected
    has_error = any(": error: " in ln for ln in expected)
    assert run.returncode == (1 if has_error else 0)
    for line in got:
        path, line_no, col, _ = line.split(":", 3)
        assert (root / path).exists() or "missing" in name
        assert int(line_no) >= 1 and int(col) >= 1
