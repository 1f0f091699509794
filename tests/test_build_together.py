"""The site is built while the PDFs are laid out, and lists the PDFs as they came out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

import coursepack.render.pdf as pdf_module
from coursepack import build as build_module
from coursepack.options import BuildOptions
from coursepack.progress import Line


class SlowPdfs:
    """Stands in for PDFs being laid out: they appear only when someone waits for them."""

    #: The size the reader comes out at.
    reader_bytes = 5000

    def __init__(self, folder: Path, site: Path) -> None:
        self.folder, self.site = folder, site
        self.seconds = 0.0
        self.waits = 0
        #: What the site had written when it first waited for the PDFs.
        self.pages_then: set[str] = set()

    def wait(self) -> list[Path]:
        self.waits += 1
        if self.waits == 1:
            self.pages_then = {
                p.relative_to(self.site).as_posix() for p in self.site.rglob("*.html")
            }
            (self.folder / "reader.pdf").write_bytes(b"%PDF-" + b"x" * (self.reader_bytes - 5))
            (self.folder / "handouts").mkdir(exist_ok=True)
            (self.folder / "handouts" / "strike-call.pdf").write_bytes(b"%PDF-" + b"y" * 300)
        return [self.folder / "reader.pdf"]


@pytest.fixture
def slow_pdfs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[SlowPdfs]:
    made: list[SlowPdfs] = []

    def start_pdfs(
        reader: Any, folder: Path, options: BuildOptions, *, line: Any = None
    ) -> SlowPdfs:
        assert isinstance(line, Line)
        run = SlowPdfs(folder, folder.parent / "site")
        made.append(run)
        return run

    monkeypatch.setattr(pdf_module, "start_pdfs", start_pdfs)
    return made


def test_pages_are_written_before_the_pdfs_are_done_and_downloads_after(
    mini: Path, tmp_path: Path, slow_pdfs: list[SlowPdfs], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    assert build_module.build(mini, out, ["pdf", "site"], BuildOptions(jobs=2)) == 0
    [run] = slow_pdfs
    # The site had written its pages, but not the downloads page, when it waited.
    assert "index.html" in run.pages_then
    assert any(p.startswith("_generated/readings/") for p in run.pages_then)
    assert "_generated/downloads.html" not in run.pages_then
    page = out / "site" / "_generated" / "downloads.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    items = {
        li.a["href"].removeprefix("../downloads/"): li.get_text(" ", strip=True)
        for li in soup.select("ul.cp-downloads li")
    }
    assert items["pdf/reader.pdf"].endswith("(5 KB)")  # 5,000 bytes
    assert items["pdf/handouts/strike-call.pdf"].endswith("(305 bytes)")
    copied = out / "site" / "downloads" / "pdf" / "reader.pdf"
    assert copied.read_bytes() == (out / "pdf" / "reader.pdf").read_bytes()
    printed = capsys.readouterr().out
    assert "pdf: " in printed and "beside the PDFs" in printed
    # Nothing changed since: both targets are up to date, and nothing is laid out.
    assert build_module.build(mini, out, ["pdf", "site"], BuildOptions(jobs=2)) == 0
    again = capsys.readouterr().out
    assert f"pdf: {out / 'pdf'}/ (up to date)" in again
    assert f"site: {out / 'site'}/ (up to date)" in again
    assert len(slow_pdfs) == 1


def test_a_rebuild_lists_the_pdfs_anew(
    mini: Path,
    tmp_path: Path,
    slow_pdfs: list[SlowPdfs],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "build"
    note = next((mini / "annotations" / "notes").glob("*.md"))
    for size in (5000, 5000, 20_000):
        # A note changes each time (else the build has nothing to do), and in the last
        # build the reader comes out larger: the downloads page says so, though its source
        # (the list as found when the site started) is the same as the build before.
        note.write_text(note.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
        monkeypatch.setattr(SlowPdfs, "reader_bytes", size)
        assert build_module.build(mini, out, ["pdf", "site"], BuildOptions(jobs=2)) == 0
    page = (out / "site" / "_generated" / "downloads.html").read_text(encoding="utf-8")
    link = BeautifulSoup(page, "html.parser").select_one(
        'ul.cp-downloads a[href$="pdf/reader.pdf"]'
    )
    assert link is not None and link.parent is not None
    assert link.parent.get_text(" ", strip=True).endswith("(20 KB)")  # 20,000 bytes


@pytest.mark.parametrize(("jobs", "largest"), [(1, 100), (2, 1)], ids=["one-worker", "large"])
def test_pdfs_first_on_one_worker_or_for_a_large_reader(
    mini: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    jobs: int,
    largest: int,
) -> None:
    monkeypatch.setattr(build_module, "TOGETHER_MAX_READINGS", largest)  # mini has 2
    out = tmp_path / "build"
    calls: list[str] = []
    real = build_module._renderer

    def renderer(target: str) -> Any:
        found = real(target)

        def render(*args: Any) -> Any:
            calls.append(target)
            return [] if target == "pdf" else found(*args)

        return render if found is not None else None

    monkeypatch.setattr(build_module, "_renderer", renderer)
    assert build_module.build(mini, out, ["pdf", "site"], BuildOptions(jobs=jobs)) == 0
    assert calls == ["pdf", "site"]
    assert "beside the PDFs" not in capsys.readouterr().out
