"""The small things of the command line: --root after the command, schema, -q, --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coursepack.cli import main, plural


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coursepack", *args], capture_output=True, text=True, check=False
    )


def test_plural() -> None:
    assert plural(1, "note") == "1 note"
    assert plural(2, "entity") == "2 entities"
    assert plural(3, "work of further reading") == "3 works of further reading"
    assert plural(0, "glossary occurrence") == "0 glossary occurrences"


def test_root_after_the_command(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--root", str(mini)]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 readings, 1 note,")
    assert main(["check", "--root", str(mini), "-q"]) == 0
    assert capsys.readouterr().out == ""


def test_check_help_lists_its_options() -> None:
    result = run("check", "--help")
    for option in ("--root", "--format", "--quiet-warning", "-q"):
        assert option in result.stdout


def test_schema_lists_prints_and_writes(tmp_path: Path) -> None:
    listed = run("schema")
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[1].startswith("seed ")
    assert run("schema", "note").stdout.startswith("{")
    missing = run("schema", "--write", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert "does not exist; create it first" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert run("schema", "--write", str(tmp_path), "-q").stdout == ""
    assert (tmp_path / "note.json").is_file()


def test_quiet_warning(mini: Path) -> None:
    reader = mini / "annotations/reader.yaml"
    reader.write_text(reader.read_text().replace("silence:", "quiet:"), encoding="utf-8")
    text = reader.read_text().replace("quiet: [coursepack.quality.term-unused]\n", "")
    reader.write_text(text, encoding="utf-8")
    loud = run("--root", str(mini), "check")
    assert "[coursepack.quality.term-unused]" in loud.stderr
    quiet = run("--root", str(mini), "check", "--quiet-warning", "coursepack.quality.term-unused")
    assert quiet.stderr == "" and quiet.returncode == 0
    wrong = run("--root", str(mini), "check", "--quiet-warning", "coursepack.schema.type")
    assert wrong.returncode == 2
    assert "not the code of a warning" in wrong.stderr
