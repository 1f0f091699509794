"""Build stamps: a no-op build loads nothing; any change to inputs, options or outputs rebuilds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coursepack import build as build_module
from coursepack.options import BuildOptions
from coursepack.refs.sitemap import GENERATED_HEADER
from coursepack.stamp import STAMP, Stamps, input_fingerprint, target_key

OPTIONS = BuildOptions()


def _build(root: Path, out: Path, capsys: pytest.CaptureFixture[str], **kw: str) -> str:
    options = BuildOptions(**kw)  # type: ignore[arg-type]
    assert build_module.build(root, out, ["cite"], options) == 0
    return capsys.readouterr().out


def _times(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")}


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Count the times the build loads the reader."""
    calls: list[Path] = []
    real = build_module.read_reader

    def counting(root: Path) -> object:
        calls.append(root)
        return real(root)

    monkeypatch.setattr(build_module, "read_reader", counting)
    return calls


def test_noop_build_loads_nothing_and_writes_nothing(
    mini: Path, tmp_path: Path, loads: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    first = _build(mini, out, capsys)
    assert "(up to date)" not in first and len(loads) == 1
    before = _times(out)
    second = _build(mini, out, capsys)
    assert "cite: " in second and "(up to date)" in second
    assert len(loads) == 1
    assert _times(out) == before


def test_edited_input_rebuilds(
    mini: Path, tmp_path: Path, loads: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    _build(mini, out, capsys)
    note = mini / "annotations/notes/strike-1934.md"
    note.write_text(note.read_text().replace("1934", "1934 ", 1), encoding="utf-8")
    assert "(up to date)" not in _build(mini, out, capsys)
    assert len(loads) == 2


def test_new_input_file_changes_the_fingerprint(mini: Path) -> None:
    before = input_fingerprint(mini)
    (mini / "docs").mkdir(exist_ok=True)
    (mini / "docs" / "extra.md").write_text("# Extra\n", encoding="utf-8")
    before_generated = input_fingerprint(mini)
    assert before_generated != before
    # Pages the site generates into docs/ are outputs, not inputs; the project's are inputs.
    (mini / "docs" / "readings").mkdir()
    page = mini / "docs" / "readings" / "alpha-2026.rst"
    page.write_text(f"{GENERATED_HEADER}\nx\n", encoding="utf-8")
    after = input_fingerprint(mini)
    assert after == before_generated
    page.write_text(f"{GENERATED_HEADER}\ny\n", encoding="utf-8")
    assert input_fingerprint(mini) == after
    page.write_text("y\n", encoding="utf-8")
    assert input_fingerprint(mini) != after


def test_deleted_or_changed_output_rebuilds(
    mini: Path, tmp_path: Path, loads: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    _build(mini, out, capsys)
    bib = out / "cite" / "coursepack.bib"
    text = bib.read_text(encoding="utf-8")
    bib.unlink()
    assert "(up to date)" not in _build(mini, out, capsys)
    assert bib.read_text(encoding="utf-8") == text
    bib.write_text("tampered", encoding="utf-8")
    assert "(up to date)" not in _build(mini, out, capsys)
    assert bib.read_text(encoding="utf-8") == text
    assert len(loads) == 3


def test_other_options_rebuild(
    mini: Path, tmp_path: Path, loads: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    _build(mini, out, capsys)
    assert "(up to date)" not in _build(mini, out, capsys, edition="instructor")
    assert "(up to date)" in _build(mini, out, capsys, edition="instructor")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        assert "(up to date)" not in _build(mini, out, capsys, edition="instructor")
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    assert len(loads) == 3


def test_check_warnings_are_repeated(
    mini: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = mini / "annotations/notes/strike-1934.md"
    note.write_bytes(b"\xef\xbb\xbf" + note.read_bytes())
    out = tmp_path / "build"
    build_module.build(mini, out, ["cite"], OPTIONS)
    first = capsys.readouterr().err
    assert "warning" in first
    build_module.build(mini, out, ["cite"], OPTIONS)
    assert capsys.readouterr().err == first


def test_site_key_follows_the_downloads(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    (out / "pdf").mkdir(parents=True)
    pdf = out / "pdf" / "reader.pdf"
    pdf.write_bytes(b"%PDF-1")
    inputs = input_fingerprint(mini)
    site = target_key(inputs, "site", OPTIONS, out)
    assert target_key(inputs, "cite", OPTIONS, out) != site
    pdf.write_bytes(b"%PDF-1.7")
    assert target_key(inputs, "site", OPTIONS, out) != site


def test_unreadable_stamp_means_rebuild(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    (out / STAMP).write_text("{not json", encoding="utf-8")
    assert not Stamps(out).fresh("cite", "anything")


def test_generated_pages_are_known_by_the_site_map_s_header() -> None:
    from coursepack.refs.sitemap import GENERATED_HEADER
    from coursepack.stamp import GENERATED

    assert GENERATED_HEADER.encode("utf-8") == GENERATED


def test_a_build_with_nothing_to_do_loads_no_reader_code() -> None:
    # The stamps are compared before anything heavy is imported: no loader, no renderer.
    code = (
        "import sys, coursepack.build, coursepack.cli\n"
        "heavy = {'coursepack.pipeline', 'coursepack.refs', 'coursepack.load', 'sphinx',"
        " 'weasyprint'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize(
    ("targets", "jobs"), [(["site"], 1), (["pdf", "site"], 2)], ids=["alone", "beside-the-pdfs"]
)
def test_site_warnings_are_repeated(
    mini: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    targets: list[str],
    jobs: int,
) -> None:
    docs = mini / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text(
        'extensions = ["coursepack.sphinx"]\ncoursepack_root = ".."\nproject = "Mini"\n',
        encoding="utf-8",
    )
    (docs / "index.rst").write_text(
        "Mini\n====\n\nSee :doc:`nowhere`.\n\n.. toctree::\n\n   _generated/readings/index\n",
        encoding="utf-8",
    )
    out = tmp_path / "build"
    options = BuildOptions(jobs=jobs)
    assert build_module.build(mini, out, targets, options) == 0
    first = capsys.readouterr()
    assert "site: warning:" in first.err and "nowhere" in first.err
    assert build_module.build(mini, out, targets, options) == 0
    again = capsys.readouterr()
    assert "site: " in again.out and "(up to date)" in again.out
    assert again.err == first.err
