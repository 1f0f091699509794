"""The site target's progress line: documents read plus pages written, quiet when disabled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sitebuild import READER

from coursepack.options import BuildOptions
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.render.site.build import render_site


def frames(output: str) -> list[str]:
    """Return what each carriage-return redraw showed."""
    return [part.strip() for part in output.replace("\n", "").split("\r") if part.strip()]


def counts(shown: list[str]) -> list[tuple[int, int]]:
    """Return (done, total) of each frame."""
    pairs = []
    for frame in shown:
        assert frame.startswith("site: "), frame
        done, total = frame.removeprefix("site: ").split(" ")[0].split("/")
        pairs.append((int(done), int(total)))
    return pairs


@pytest.mark.parametrize("jobs", [1, 2])
def test_site_progress_counts_reads_and_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: int
) -> None:
    root = tmp_path / "reader"
    shutil.copytree(READER, root)
    reader, report = read_reader(root)
    assert reader is not None, report.format()
    out = tmp_path / "build" / "site"
    assert render_site(Refs(reader), out, BuildOptions(jobs=jobs, progress=True)) == []
    captured = capsys.readouterr()
    assert captured.out == ""  # Sphinx's own messages stay quiet
    assert captured.err.endswith("\n") and captured.err.count("\n") == 1
    documents = len(list((tmp_path / "build" / ".site-src").rglob("*.rst")))
    shown = counts(frames(captured.err))
    # Every document is read once and written once; the line ends there, full.
    assert shown[-1] == (2 * documents, 2 * documents)
    assert shown[0][0] == 0
    done = [d for d, _ in shown]
    assert done == sorted(done)

    # Nothing changed: nothing to read, and the line says so without a total.
    assert render_site(Refs(reader), out, BuildOptions(jobs=jobs, progress=True)) == []
    again = capsys.readouterr()
    assert frames(again.err)[0] == "site: 0"
    assert again.out == ""


def test_site_progress_is_silent_when_disabled(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "reader"
    shutil.copytree(READER, root)
    reader, _ = read_reader(root)
    assert reader is not None
    out = tmp_path / "build" / "site"
    assert render_site(Refs(reader), out, BuildOptions(jobs=2, progress=False)) == []
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")
    assert (out / "notes/index.html").is_file()
