"""coursepack serve in Debian's Chromium: a saved note reloads the page; a broken file
shows its path:line over the last good build; fixing it clears that."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coursepack.scaffold import init_reader
from tools import build_fresh

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTE = "annotations/notes/five-copies.md"
OVERLAY = "#coursepack-serve-problems"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    """A new reader, served by coursepack serve on a free port."""
    root = init_reader(tmp_path / "reader", title="Serve Test")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coursepack",
            "--root",
            str(root),
            "serve",
            "--port",
            "0",
            "--no-pdf",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
    yield root, url, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_edit_break_and_fix(browser: Any, served: tuple[Path, str, Any]) -> None:
    root, url, process = served
    page = browser.new_page()
    page.goto(url + "notes/five-copies.html")
    assert "Five manuscript copies" in page.inner_text("body")
    page.evaluate("window.__before = true")

    # A saved note: the open page reloads and shows it.
    edit(root / NOTE, "Five manuscript copies", "Five handwritten copies")
    page.wait_for_function(
        "!window.__before && document.body.innerText.includes('Five handwritten copies')",
        timeout=60_000,
    )
    assert page.locator(OVERLAY).count() == 0

    # A broken file: the last good page stays, with the problem over it.
    page.evaluate("window.__before = true")
    edit(root / NOTE, "title: The five copies", "titel: The five copies")
    page.wait_for_selector(OVERLAY, timeout=60_000)
    overlay = page.inner_text(OVERLAY)
    assert f"{NOTE}:2:1" in overlay
    assert "unknown field 'titel' (did you mean 'title'?)" in overlay
    assert "Five handwritten copies" in page.inner_text("body")

    # Fixed: the overlay goes.
    edit(root / NOTE, "titel: The five copies", "title: The five copies")
    page.wait_for_function(
        f"!document.querySelector('{OVERLAY}') && document.readyState == 'complete' "
        "&& document.body.innerText.includes('Five handwritten copies')",
        timeout=60_000,
    )

    # Ctrl-C ends it in one line.
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)
    lines = process.stderr.read().strip().splitlines()
    assert lines[-1] == "coursepack: interrupted (Ctrl-C)"
    assert "Traceback" not in "\n".join(lines)


def test_diagnostics_are_text_never_markup() -> None:
    """An input file's text is shown escaped: no markup from it reaches the page."""
    from coursepack.serve import overlay_html

    shown = overlay_html(
        [
            "annotations/notes/x.md:3:1: error: unknown field '<script>alert(1)</script>' "
            "[coursepack.schema.unknown-field]"
        ]
    )
    assert "<script>alert" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "annotations/notes/x.md:3:1" in shown


def _pages(site: Path) -> dict[str, str]:
    """Return every page of a built site by its path, as what a reader sees of it: the
    text and the links of its body (Sphinx's and the theme's markup aside)."""
    from bs4 import BeautifulSoup

    pages = {}
    for path in sorted(site.rglob("*.html")):
        body = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").body
        assert body is not None, path
        links = [a.get("href") for a in body.find_all("a")]
        pages[path.relative_to(site).as_posix()] = f"{body.get_text(' ', strip=True)}\n{links}"
    return pages


def _run(coroutine: Any) -> Any:
    """Run a coroutine to its end in a thread of its own (a session's browser may keep an
    event loop running in this one)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@pytest.mark.slow
def test_a_rebuild_in_the_kept_process_gives_the_pages_of_a_fresh_build(tmp_path: Path) -> None:
    """The site's process is kept from one build to the next, and what it builds after an
    edit is what a build of the edited reader from nothing gives, page for page."""
    from coursepack.options import BuildOptions
    from coursepack.serve import Preview

    root = init_reader(tmp_path / "reader", title="Serve Test")
    preview = Preview(root, tmp_path / "serve", BuildOptions(), pdf=False)
    try:
        first = preview.build_now(["site"])
        assert first.code == 0, first.err
        preview.tidy()
        edit(root / NOTE, "Five manuscript copies", "Five handwritten copies")
        again = _run(preview.build(["site"]))
        assert again.code == 0, again.err
        assert again.pid == first.pid  # the same process, warm
        anew = _run(preview.build(["site"], fresh=True))
        assert anew.code == 0, anew.err
        assert anew.pid != first.pid
    finally:
        preview.close()
    build_fresh(root, tmp_path / "fresh", "site")
    warm, cold = _pages(tmp_path / "serve" / "site"), _pages(tmp_path / "fresh" / "site")
    assert "Five handwritten copies" in warm["notes/five-copies.html"]
    assert warm.keys() == cold.keys()
    for page, shown in cold.items():
        assert warm[page] == shown, page


def test_a_changed_python_file_calls_for_a_new_site_process(tmp_path: Path) -> None:
    from coursepack.serve import imports_again

    assert imports_again([tmp_path / "docs" / "conf.py", tmp_path / "docs" / "index.md"])
    assert imports_again([tmp_path / "docs" / "_ext" / "local.py"])
    assert not imports_again([tmp_path / NOTE, tmp_path / "docs" / "index.md"])
