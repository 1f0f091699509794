"""Helpers of the browser tests: open a page in Chromium, run axe-core on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: axe-core, the reference accessibility checker (MPL-2.0), vendored.
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


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


#: What axe checks: every WCAG 2.0, 2.1 and 2.2 success criterion at levels A and AA.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def axe_violations(page: Any) -> list[tuple[str, str, list[Any]]]:
    """Return axe-core's WCAG violations on a page (any impact), and its serious
    best-practice findings."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        [*WCAG, "best-practice"],
    )
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
        for v in result["violations"]
        if set(v["tags"]) & set(WCAG) or v["impact"] in ("serious", "critical")
    ]
