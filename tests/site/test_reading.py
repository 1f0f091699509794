"""The flagship's pages in Debian's Chromium, measured: margin notes that leave the text
whole, pop-ups with the full text inside the window, taps that stay on the reading,
keyboard focus at 400% zoom, search, and axe-core on every page.

Each test prints what it measured (run with ``-s`` to see it).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from browsing import axe_violations, open_page
from sitebuild import Built

from coursepack.pipeline import read_reader
from coursepack.render.markup import markdown_to_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READINGS = [
    "readings/crosse-2026.html",
    "readings/workers-vanguard-2026.html",
    "readings/feliz-leon-2026.html",
    "readings/labor-ranks-2026.html",
]
WIDTHS = [375, 768, 1024, 1280]

#: The top of every paragraph's text, in page coordinates.
TEXT_TOPS = """() => [...document.querySelectorAll('.cp-reading .cp-para .cp-text')]
  .map(p => p.getBoundingClientRect().top + window.scrollY)"""

#: Open every note and wait for the margin to be laid out again.
OPEN_ALL = """async () => {
  document.querySelectorAll('.cp-reading details.cp-note').forEach(d => { d.open = true; });
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""

#: The boxes of the margin notes and of the text column.
MARGIN = """() => {
  const col = document.querySelector('.cp-reading .cp-para .cp-text').getBoundingClientRect();
  const notes = [...document.querySelectorAll('.cp-reading .cp-margin > *')]
    .map(n => { const r = n.getBoundingClientRect(); return [r.left, r.top, r.bottom]; });
  return {textRight: col.right, notes};
}"""

#: Show the pop-up of every previewed link, with the link scrolled to the top, middle and
#: bottom of the window; count the pop-ups that leave the window or cover their link.
CHECK_POPUPS = """async () => {
  const links = [...document.querySelectorAll('.cp-reading a[data-preview]')];
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const bad = [];
  let shown = 0;
  for (const link of links) {
    for (const block of ['start', 'center', 'end']) {
      link.scrollIntoView({block, behavior: 'instant'});
      await frame();
      link.dispatchEvent(new PointerEvent('pointerover', {bubbles: true, pointerType: 'mouse'}));
      const pop = document.getElementById('cp-pop');
      if (!pop || pop.hidden) { bad.push([link.dataset.preview, block, 'not shown']); continue; }
      shown++;
      const p = pop.getBoundingClientRect();
      const w = document.documentElement.clientWidth, h = window.innerHeight;
      const out = p.left < -0.5 || p.top < -0.5 || p.right > w + 0.5 || p.bottom > h + 0.5;
      const covers = [...link.getClientRects()].some(r =>
        r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom);
      if (out || covers) bad.push([link.dataset.preview, block, out ? 'outside' : 'covers']);
      link.dispatchEvent(new PointerEvent('pointerout', {bubbles: true, pointerType: 'mouse',
        relatedTarget: document.body}));
      document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}));
    }
  }
  return {links: links.length, shown, bad};
}"""


def test_open_notes_never_move_the_text(browser: Any, flagship_url: str, errors: list[str]) -> None:
    for path in READINGS:
        page = open_page(browser, flagship_url + path, errors, width=1280)
        page.wait_for_function("document.querySelector('.cp-sidenotes') !== null")
        closed = page.evaluate(TEXT_TOPS)
        page.evaluate(OPEN_ALL)
        opened = page.evaluate(TEXT_TOPS)
        gaps = [round(b - a, 1) for a, b in zip(closed, opened, strict=True)]
        print(f"{path}: largest blank gap with every note open at 1280 px = {max(gaps)} px")
        assert max(gaps) == 0 and min(gaps) == 0, gaps
        margin = page.evaluate(MARGIN)
        notes = margin["notes"]
        assert notes, path
        assert all(left >= margin["textRight"] for left, _, _ in notes)  # beside the text
        for (_, _, bottom), (_, top, _) in itertools.pairwise(notes):
            assert top >= bottom, "margin notes overlap"
        page.context.close()
    assert errors == []


def test_notes_open_under_their_paragraph_on_a_phone(
    browser: Any, flagship_url: str, errors: list[str]
) -> None:
    page = open_page(browser, flagship_url + READINGS[0], errors, width=375, height=800)
    note = page.locator(".cp-reading details.cp-note").first
    note.locator("summary").click()
    para = note.locator("xpath=ancestor::div[contains(@class,'cp-para')]")
    text_box = para.locator(".cp-text").bounding_box()
    note_box = note.bounding_box()
    assert text_box is not None and note_box is not None
    assert note_box["y"] >= text_box["y"] + text_box["height"] - 1
    assert errors == []


def expected_previews(flagship: Built) -> dict[str, str]:
    """Return the full text each preview must show, by its key, from the reader itself."""
    reader, _ = read_reader(flagship.root)
    assert reader is not None

    def flat(text: str) -> str:
        return " ".join(text.split())

    found = {f"term-{t.id}": flat(markdown_to_text(t.definition)) for t in reader.terms}
    found.update({f"entity-{e.id}": flat(e.description) for e in reader.entities})
    found.update({f"note-{n.id}": flat(markdown_to_text(n.body)) for n in reader.notes})
    return found


SHOW_EACH = """async () => {
  const seen = {};
  for (const link of document.querySelectorAll('.cp-reading a[data-preview]')) {
    const key = link.dataset.preview;
    if (key in seen) continue;
    link.scrollIntoView({block: 'center', behavior: 'instant'});
    link.dispatchEvent(new PointerEvent('pointerover', {bubbles: true, pointerType: 'mouse'}));
    const pop = document.getElementById('cp-pop');
    seen[key] = pop && !pop.hidden ? pop.innerText : '';
    document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}));
  }
  return seen;
}"""


def test_every_popup_shows_the_full_text(
    browser: Any, flagship: Built, flagship_url: str, errors: list[str]
) -> None:
    expected = expected_previews(flagship)
    total = 0
    for path in READINGS:
        page = open_page(browser, flagship_url + path, errors, width=1280)
        shown = page.evaluate(SHOW_EACH)
        for key, text in shown.items():
            assert expected[key] in " ".join(text.split()), (path, key)
        total += len(shown)
        page.context.close()
    print(f"{total} pop-ups, each with its full text")
    assert total > 100
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_no_popup_leaves_the_window(
    browser: Any, flagship_url: str, errors: list[str], width: int
) -> None:
    outside = 0
    shown = 0
    for path in READINGS:
        page = open_page(browser, flagship_url + path, errors, width=width, height=800)
        found = page.evaluate(CHECK_POPUPS)
        shown += found["shown"]
        outside += len(found["bad"])
        assert found["bad"] == [], (path, found["bad"][:10])
        page.context.close()
    print(f"{width} px: {outside} of {shown} pop-ups outside the window or over their link")
    assert errors == []


def test_the_hover_path_to_a_popup_keeps_it_open(
    browser: Any, flagship_url: str, errors: list[str]
) -> None:
    page = open_page(browser, flagship_url + READINGS[0], errors, width=1280)
    link = page.locator(".cp-reading a.cp-term").nth(3)
    link.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    box = link.bounding_box()
    assert box is not None
    start = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*start)
    pop = page.locator("#cp-pop")
    pop.wait_for(state="visible")
    target = pop.bounding_box()
    assert target is not None
    end = (target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    page.mouse.move(*end, steps=25)  # through the gap between link and pop-up
    page.wait_for_timeout(1000)
    assert pop.is_visible()  # hoverable and persistent (WCAG 2.2 SC 1.4.13)
    page.mouse.wheel(0, 200)  # a long text scrolls inside
    page.wait_for_timeout(200)
    assert pop.is_visible()
    page.keyboard.press("Escape")
    pop.wait_for(state="hidden")
    page.mouse.move(*start)
    pop.wait_for(state="visible")
    page.mouse.move(5, 5)
    pop.wait_for(state="hidden")
    assert errors == []


@pytest.mark.parametrize("kind", ["cp-term", "cp-name", "cp-call"])
@pytest.mark.parametrize(
    "size",
    [(390, 844), (320, 225)],  # a phone; a 1280 by 900 window at 400% zoom
    ids=["phone", "zoom-400"],
)
def test_a_tap_opens_a_sheet_and_stays_on_the_reading(
    browser: Any, flagship_url: str, errors: list[str], kind: str, size: tuple[int, int]
) -> None:
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = flagship_url + READINGS[0]
    page.goto(url)
    link = page.locator(f".cp-reading a.{kind}[data-preview]").nth(2)
    link.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    before = page.evaluate("window.scrollY")
    link.tap()
    sheet = page.locator(".cp-sheet")
    sheet.wait_for(state="visible")
    assert page.url == url
    assert abs(page.evaluate("window.scrollY") - before) <= 2  # the page stays where it is
    s, t = sheet.bounding_box(), link.bounding_box()
    assert s is not None and t is not None
    assert s["y"] >= t["y"] + t["height"] or s["y"] + s["height"] <= t["y"]  # never over it
    assert sheet.locator(".cp-pop-more a").count() == 1  # and the full entry a tap away
    sheet.locator(".cp-sheet-close").tap()
    sheet.wait_for(state="hidden")
    assert page.url == url
    context.close()
    assert errors == []


FOCUS_EACH = """async () => {
  const bad = [];
  let checked = 0;
  const frame = () => new Promise(r => requestAnimationFrame(r));
  for (const link of document.querySelectorAll('.cp-reading a.cp-term, .cp-reading a.cp-name')) {
    link.focus();
    // The page scrolls (smoothly) to the focused link: measure once it has come to rest.
    for (let still = 0, last = -1, n = 0; still < 3 && n < 120; n++) {
      await frame();
      still = window.scrollY === last ? still + 1 : 0;
      last = window.scrollY;
    }
    const pop = document.getElementById('cp-pop');
    if (!pop || pop.hidden) { bad.push([link.dataset.preview, 'not shown']); continue; }
    checked++;
    const p = pop.getBoundingClientRect();
    const w = document.documentElement.clientWidth, h = window.innerHeight;
    const covers = [...link.getClientRects()].some(r =>
      r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom);
    const out = p.left < -0.5 || p.top < -0.5 || p.right > w + 0.5 || p.bottom > h + 0.5;
    if (covers || out) bad.push([link.dataset.preview, covers ? 'covers' : 'outside']);
  }
  return {checked, bad};
}"""


def test_the_focused_term_is_never_hidden_at_400_percent_zoom(
    browser: Any, flagship_url: str, errors: list[str]
) -> None:
    # 400% zoom of a 1280 by 900 window: 320 by 225 CSS pixels (WCAG 1.4.10).
    total = 0
    for path in READINGS:
        page = open_page(browser, flagship_url + path, errors, width=320, height=225)
        found = page.evaluate(FOCUS_EACH)
        total += found["checked"]
        assert found["bad"] == [], (path, found["bad"][:10])
        page.context.close()
    print(f"400% zoom: 0 of {total} focused terms and names hidden by their pop-up")
    assert errors == []


def test_search_ranks_the_note_first_and_finds_entries(
    browser: Any, flagship_url: str, errors: list[str]
) -> None:
    # "Toledo" is in the note on the 1934 strikes, which three readings show beside the text.
    page = open_page(browser, flagship_url + "search.html?q=Toledo", errors)
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=15000)
    hrefs = [a.get_attribute("href") or "" for a in results.locator("a").all()]
    assert hrefs[0].split("?")[0] == "notes/teamsters-1934.html", hrefs
    assert not any(h.startswith("readings/") for h in hrefs), hrefs
    page.goto(flagship_url + "search.html?q=Knutson")
    results.first.wait_for(timeout=15000)
    hrefs = [a.get_attribute("href") or "" for a in results.locator("a").all()]
    assert any(re.fullmatch(r"people\.html(\?[^#]*)?#kieran-knutson", h) for h in hrefs), hrefs
    page.goto(flagship_url + "search.html?q=trusteeship")
    results.first.wait_for(timeout=15000)
    hrefs = [a.get_attribute("href") or "" for a in results.locator("a").all()]
    assert any(re.fullmatch(r"glossary\.html(\?[^#]*)?#trusteeship", h) for h in hrefs), hrefs
    assert errors == []


def test_snippets_never_show_preview_text(
    browser: Any, flagship: Built, flagship_url: str, errors: list[str]
) -> None:
    expected = expected_previews(flagship)
    definition = expected["term-general-strike"]
    phrase = "Famous examples include Russia in 1905"
    assert phrase in definition
    page = open_page(browser, flagship_url + "search.html?q=Russia", errors)
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=15000)
    page.wait_for_timeout(1500)  # the snippets load after the list
    for item in results.all():
        href = item.locator("a").first.get_attribute("href") or ""
        if href.startswith("readings/"):
            assert phrase not in item.inner_text(), href
    assert errors == []


def test_no_accessibility_violations_on_any_page(
    browser: Any, flagship: Built, flagship_url: str, errors: list[str]
) -> None:
    counts: dict[str, int] = {}
    for width in (1280, 390):
        for path in flagship.pages():
            page = open_page(browser, flagship_url + path, errors, width=width)
            if path == "search.html":
                page.goto(flagship_url + "search.html?q=strike")
                page.locator("#search-results ul.search li").first.wait_for(timeout=15000)
            found = axe_violations(page)
            counts[f"{path} @{width}"] = len(found)
            assert found == [], (path, width, found)
            page.context.close()
    print(f"axe: {sum(counts.values())} violations on {len(counts)} page views")
    assert errors == []


def test_axe_finds_nothing_with_notes_and_popups_open(
    browser: Any, flagship_url: str, errors: list[str]
) -> None:
    for width in (1280, 390):
        page = open_page(browser, flagship_url + READINGS[0], errors, width=width)
        page.evaluate(OPEN_ALL)
        link = page.locator(".cp-reading a.cp-term").first
        link.focus()
        page.locator("#cp-pop").wait_for(state="visible")
        assert axe_violations(page) == [], width
        page.context.close()
    assert errors == []


@pytest.mark.parametrize(
    "path", ["index.html", READINGS[0], "glossary.html", "people.html", "notes/teamsters-1934.html"]
)
def test_every_control_shows_its_focus(
    browser: Any, flagship_url: str, errors: list[str], path: str
) -> None:
    page = open_page(browser, flagship_url + path, errors, width=1280)
    missing = []
    reached = 0
    for _ in range(600):
        page.keyboard.press("Tab")
        found = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return null;
              if (el.dataset.cpSeen && el.id !== 'cp-pop') return null;
              el.dataset.cpSeen = '1';
              const box = el.closest('.sidebar-search-container');
              const ring = getComputedStyle(box || el);
              return [el.outerHTML.slice(0, 90), ring.outlineStyle, parseFloat(ring.outlineWidth)];
            }"""
        )
        if found is None:
            break
        reached += 1
        if found[1] == "none" or found[2] < 2:
            missing.append(found[0])
    print(f"{path}: {reached} controls reached by Tab, {len(missing)} without a visible focus")
    assert reached > 10
    assert missing == []
    assert errors == []
