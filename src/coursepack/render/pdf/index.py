"""The printed locators of the reader's index, once the pages of a layout are known.

An entry of the index (made by :meth:`coursepack.render.pdf.context._Builder.index`) lists
where its name or term stands, each place an HTML id with a style: ``""`` where the text
names it (a passage of a reading, a historical note, an event of the chronology), ``"para"``
where a passage of a reading speaks of it without naming it, ``"def"`` for its glossary
entry. The pages that name it are merged into ranges ("13–16"); a page that only
paraphrases it is printed in italics, the glossary's page in bold, each on its own.
"""

from __future__ import annotations

from typing import Any

Locator = dict[str, str]
Entry = dict[str, Any]

#: How a page is printed when several places of one entry fall on it: a page that names
#: the entry is never marked as a paraphrase; the definition is bold whatever else is there.
_RANK = {"def": 0, "": 1, "para": 2}


def placeholders(entry: Entry) -> list[Locator]:
    """Return locators as wide as real ones, for a layout before the pages are known."""
    return [
        {"label": "000", "anchor": place["anchor"], "style": place["style"]}
        for place in entry.get("locators", ())
    ]


def locators(entry: Entry, pages: dict[str, int]) -> list[Locator]:
    """Return an entry's printed locators, in page order: ranges, italics, bold."""
    best: dict[int, tuple[str, str]] = {}
    for place in entry.get("locators", ()):
        page = pages.get(place["anchor"])
        if page is None:
            continue
        style = place["style"]
        if page not in best or _RANK[style] < _RANK[best[page][0]]:
            best[page] = (style, place["anchor"])
    out: list[Locator] = []
    numbers = sorted(best)
    i = 0
    while i < len(numbers):
        style, anchor = best[numbers[i]]
        j = i
        if style == "":
            while (
                j + 1 < len(numbers)
                and numbers[j + 1] == numbers[j] + 1
                and best[numbers[j + 1]][0] == ""
            ):
                j += 1
        label = str(numbers[i]) if i == j else f"{numbers[i]}–{numbers[j]}"
        out.append({"label": label, "anchor": anchor, "style": style})
        i = j + 1
    return out
