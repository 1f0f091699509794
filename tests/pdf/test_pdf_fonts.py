"""The PDFs use only the fonts bundled with the package: the same bytes on any machine."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pdfcheck import MINI, Rendered

from coursepack.render.pdf import fonts

CSS = Path(fonts.__file__).parent / "css" / "print.css"

#: Lay out one handout of the mini reader and the guide into argv[1].
SCRIPT = """
import sys
from pathlib import Path
from coursepack.options import BuildOptions
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.render.pdf import engine, plan_jobs
reader, _ = read_reader(Path(sys.argv[2]))
out = Path(sys.argv[1])
for job in plan_jobs(Refs(reader), out, BuildOptions(jobs=1)):
    if job.template in ("handout.html", "guide.html"):
        engine.run_job(job)
"""


def fontconfig(tmp_path: Path, dirs: list[Path]) -> Path:
    """Write a fontconfig configuration that knows only these font folders."""
    lines = "".join(f"<dir>{d}</dir>" for d in dirs)
    path = tmp_path / f"fonts-{len(dirs)}.conf"
    cache = tmp_path / f"cache-{len(dirs)}"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig>{lines}<cachedir>{cache}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return path


def lay_out(out: Path, config: Path | None) -> dict[str, bytes]:
    """Lay out the mini reader's handouts and guide in a fresh process; return the PDFs."""
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    env["SOURCE_DATE_EPOCH"] = "1767225600"
    if config is not None:
        env["FONTCONFIG_FILE"] = str(config)
    subprocess.run([sys.executable, "-c", SCRIPT, str(out), str(MINI)], env=env, check=True)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.pdf"))}


@pytest.mark.slow
def test_the_bytes_do_not_depend_on_the_machines_fonts(tmp_path: Path) -> None:
    # The machine's fonts, none at all, and a folder of other faces that fontconfig would
    # happily offer for "serif" or "monospace": the PDFs are the same bytes.
    other = tmp_path / "other-fonts"
    other.mkdir()
    for found in Path("/usr/share/fonts").rglob("*.ttf"):
        shutil.copy(found, other)
    machine = lay_out(tmp_path / "machine", None)
    bare = lay_out(tmp_path / "bare", fontconfig(tmp_path, []))
    others = lay_out(tmp_path / "others", fontconfig(tmp_path, [other]))
    assert machine and machine == bare == others


def test_the_css_names_only_bundled_faces() -> None:
    css = CSS.read_text(encoding="utf-8")
    faces = set(re.findall(r'font-family:\s*"([^"]+)"', css))
    named = set(re.findall(r'"(Coursepack [^"]+)"', css))
    assert faces <= named
    for url in re.findall(r"url\(\.\./fonts/([^)]+)\)", css):
        assert (fonts.FONTS_DIR / url).is_file()
    assert {p.name for p in fonts.font_files()} >= {
        "LinLibertine_R.otf",
        "LinLibertine_RI.otf",
        "LinLibertine_RB.otf",
        "LinLibertine_RBI.otf",
        "LinLibertine_M.otf",
    }


def covered() -> set[int]:
    """Return the characters every bundled text face has a glyph for."""
    common: set[int] | None = None
    for path in fonts.font_files():
        if path.name == "LinLibertine_M.otf":
            continue
        cmap = set(TTFont(path).getBestCmap())
        common = cmap if common is None else common & cmap
    return common or set()


def printed_characters(html: str) -> set[str]:
    """Return the characters a document's HTML prints (its text, not its markup)."""
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    return set(unescape(re.sub(r"<[^>]+>", " ", body))) - {"\n", "\t", "\r"}


def test_every_printed_character_is_in_the_bundled_faces(mini_pdfs: Rendered) -> None:
    glyphs = covered()
    # Characters the CSS adds: hyphens, spaces, marks.
    extra = {"\u2010", "\u2002", "\u200b", "\u00a0", "°", "…", "–", "—", "·", "•"}
    missing = {
        c
        for html in mini_pdfs.layouts
        for c in printed_characters(html) | extra
        if ord(c) not in glyphs
    }
    assert missing == set()


@pytest.mark.slow
def test_every_character_of_the_repository_reader_is_in_the_bundled_faces(
    repo_pdfs: Rendered,
) -> None:
    glyphs = covered()
    missing = {
        c for html in repo_pdfs.layouts for c in printed_characters(html) if ord(c) not in glyphs
    }
    assert missing == set(), sorted(missing)


def test_the_renderer_refuses_to_run_without_harfbuzz_subset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from weasyprint.text import ffi

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    with pytest.raises(fonts.MissingSubsetter):
        fonts.require_subsetter.__wrapped__()
