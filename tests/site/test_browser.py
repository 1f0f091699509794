"""The built site in Debian's Chromium: tooltips, notes, links, search, accessibility, safety.

The test reader's site is built once per session and served from a local HTTP server.
axe-core (tests/site/vendor/axe.min.js, MPL-2.0) checks every kind of page.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sitebuild import Site

from tools import require_tool

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
READING = "readings/alpha-2026.html"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Whether the element with an id is scrolled to the top of the window.
AT_TOP = "id => Math.abs(document.getElementById(id).getBoundingClientRect().top) < 80"
PAGES = [
    "index.html",
    "readings/index.html",
    READING,
    "readings/beta-2026.html",
    "glossary.html",
    "notes/index.html",
    "notes/strike-1934.html",
    "timeline.html",
    "people.html",
    "questions.html",
    "bibliography.html",
    "downloads.html",
    "search.html",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(student_site: Site) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(student_site.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    chromium = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def errors() -> list[str]:
    return []


def open_page(
    browser: Any, url: str, errors: list[str], width: int = 1280, height: int = 900
) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def tooltip_for(page: Any, link: Any) -> Any:
    return page.locator(f"#{link.get_attribute('aria-describedby')}")


def test_definition_shows_on_hover(browser: Any, base_url: str, errors: list[str]) -> None:
    page = open_page(browser, base_url + READING, errors)
    link = page.locator("a.cp-term").first
    tip = tooltip_for(page, link)
    assert not tip.is_visible()
    link.hover()
    tip.wait_for(state="visible")
    assert "A written contract" in tip.inner_text()
    page.mouse.move(0, 0)
    tip.wait_for(state="hidden")
    assert errors == []


def test_definition_shows_on_keyboard_focus(browser: Any, base_url: str, errors: list[str]) -> None:
    page = open_page(browser, base_url + READING, errors)
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cp-term')"):
            break
    else:
        pytest.fail("Tab never reached a glossary term")
    focused = page.locator("a.cp-term:focus")
    tip = tooltip_for(page, focused)
    tip.wait_for(state="visible")
    assert tip.get_attribute("role") == "tooltip"
    page.keyboard.press("Escape")  # WCAG 1.4.13: dismissible without moving focus
    tip.wait_for(state="hidden")
    assert errors == []


def test_notes_expand_inline_on_a_phone(browser: Any, base_url: str, errors: list[str]) -> None:
    page = open_page(browser, base_url + READING, errors, width=390, height=844)
    note = page.locator("details#note-strike-1934")
    body = note.locator(".cp-note-body")
    assert not body.is_visible()
    note.locator("summary").click()
    body.wait_for(state="visible")
    assert "Truck drivers struck" in body.inner_text()
    text_box, note_box = page.evaluate(
        "['#p1 .cp-text', '#note-strike-1934'].map(s => {"
        "const r = document.querySelector(s).getBoundingClientRect();"
        "return {y: r.y, height: r.height}; })"
    )
    assert note_box["y"] >= text_box["y"] + text_box["height"] - 1  # below the text
    assert errors == []


def test_notes_sit_beside_the_text_on_wide_screens(
    browser: Any, base_url: str, errors: list[str]
) -> None:
    page = open_page(browser, base_url + READING, errors)
    note = page.locator("details#note-strike-1934")
    page.locator("#p1 a.cp-call").click()  # the call opens its note
    note.locator(".cp-note-body").wait_for(state="visible")
    # Both boxes at one instant: the page may still be scrolling smoothly.
    text_box, note_box = page.evaluate(
        "['#p1 .cp-text', '#note-strike-1934'].map(s => {"
        "const r = document.querySelector(s).getBoundingClientRect();"
        "return {x: r.x, y: r.y, width: r.width}; })"
    )
    assert note_box["x"] >= text_box["x"] + text_box["width"]
    assert abs(note_box["y"] - text_box["y"]) < 40
    assert errors == []


def test_paragraph_link_lands_on_its_paragraph_and_copies_the_citation(
    browser: Any, base_url: str, errors: list[str]
) -> None:
    page = open_page(browser, base_url + "glossary.html", errors, height=500)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("a[href='readings/alpha-2026.html#p2']").first.click()
    page.wait_for_url("**/alpha-2026.html#p2")
    page.wait_for_function(AT_TOP, arg="p2")
    page.locator("#p3 a.cp-pnum").click()
    page.wait_for_url("**/alpha-2026.html#p3")
    page.wait_for_function(AT_TOP, arg="p3")
    assert page.evaluate("navigator.clipboard.readText()") == "Writer 2026, ¶3"
    page.locator(".cp-status").filter(has_text="Copied: Writer 2026, ¶3").wait_for()
    assert errors == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [("bargaining", "glossary.html"), ("Truck", "notes/strike-1934.html")],
)
def test_search_finds_terms_and_notes(
    browser: Any, base_url: str, errors: list[str], query: str, expected: str
) -> None:
    page = open_page(browser, f"{base_url}search.html?q={query}", errors)
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = [a.get_attribute("href") or "" for a in results.all()]
    assert any(h.split("?")[0].split("#")[0] == expected for h in hrefs), hrefs
    assert errors == []


def test_planted_script_does_not_run(browser: Any, base_url: str, errors: list[str]) -> None:
    for path in ("index.html", READING, "notes/strike-1934.html"):
        page = open_page(browser, base_url + path, errors)
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        page.context.close()
    assert errors == []


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_accessibility_violations(
    browser: Any, base_url: str, errors: list[str], path: str, width: int
) -> None:
    page = open_page(browser, base_url + path, errors, width=width)
    if path == "search.html":
        page.goto(base_url + "search.html?q=strike")
        page.locator("#search-results ul.search li").first.wait_for(timeout=15000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad
    assert errors == []
