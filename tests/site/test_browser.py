"""The built site in Debian's Chromium: tooltips, notes, links, search, accessibility, safety.

The test reader's site is built once per session and served from a local HTTP server.
axe-core (tests/site/vendor/axe.min.js, MPL-2.0) checks every kind of page.
"""

from __future__ import annotations

from typing import Any

import pytest
from browsing import axe_violations, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READING = "readings/alpha-2026.html"
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


POP = "#cp-pop"


def test_definition_shows_on_hover(browser: Any, base_url: str, errors: list[str]) -> None:
    page = open_page(browser, base_url + READING, errors)
    link = page.locator("a.cp-term").first
    tip = page.locator(POP)
    assert tip.count() == 0 or not tip.is_visible()
    link.hover()
    tip.wait_for(state="visible")
    assert tip.get_attribute("role") == "tooltip"
    assert "A written contract" in tip.inner_text()
    # The link is described by the same full text.
    described = page.locator("#" + str(link.get_attribute("aria-describedby")))
    assert "A written contract" in described.inner_text() or "A written contract" in str(
        described.text_content()
    )
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
    tip = page.locator(POP)
    tip.wait_for(state="visible")
    page.keyboard.press("Escape")  # WCAG 1.4.13: dismissible without moving focus
    tip.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('cp-term')")
    assert errors == []


def test_without_the_script_links_still_lead_to_their_entries(
    browser: Any, base_url: str, errors: list[str]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + READING)
    page.locator("a.cp-term").first.click()
    page.wait_for_url("**/glossary.html#*")
    page.goto(base_url + READING)
    note = page.locator("details#note-strike-1934")
    note.locator("summary").click()
    note.locator(".cp-note-body").wait_for(state="visible")
    context.close()


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
def test_no_accessibility_violations(
    browser: Any, base_url: str, errors: list[str], path: str, width: int
) -> None:
    page = open_page(browser, base_url + path, errors, width=width)
    if path == "search.html":
        page.goto(base_url + "search.html?q=strike")
        page.locator("#search-results ul.search li").first.wait_for(timeout=15000)
    assert axe_violations(page) == []
    assert errors == []
