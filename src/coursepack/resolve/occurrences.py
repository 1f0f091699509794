"""Find where glossary terms and named entities occur in a reading.

Each entry has forms (term, abbreviation, aliases; or name and aliases). A form written all
in lower case matches without regard to case; a form with any capital matches exactly
("CBA" does not match "cba"). Matches respect word boundaries, let whitespace runs and
curly or straight quotation marks vary, and take plural and possessive endings ("CBAs",
"union's", "unions'"). Where forms overlap, the longest match wins. Only numbered paragraphs
are searched; the front matter (headline, byline) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from coursepack.model import Paragraph

_SUFFIX = r"(?:es|s|['’]s|s['’])?"
_QUOTE_CLASS = {"'": "['’‘]", "’": "['’‘]", "‘": "['’‘]", '"': '["“”]', "“": '["“”]', "”": '["“”]'}


def _key(form: str, sensitive: bool) -> str:
    text = " ".join(form.split())
    for ch, cls in _QUOTE_CLASS.items():
        text = text.replace(ch, cls[2])
    return text if sensitive else text.casefold()


def _pattern(form: str) -> str:
    out = []
    for word in form.split():
        out.append("".join(_QUOTE_CLASS.get(ch) or re.escape(ch) for ch in word))
    body = r"\s+".join(out)
    return body if any(c.isupper() for c in form) else f"(?i:{body})"


class OccurrenceFinder:
    """One compiled matcher for a set of entries (all glossary terms, or all entities)."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        forms: set[str] = set()
        for entry_id, entry_forms in entries:
            for form in entry_forms:
                form = form.strip()
                if not form:
                    continue
                sensitive = any(c.isupper() for c in form)
                table = self._exact if sensitive else self._folded
                table.setdefault(_key(form, sensitive), entry_id)
                forms.add(form)
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        self._regex = (
            re.compile(
                r"(?<![\w-])("
                + "|".join(_pattern(f) for f in ordered)
                + ")"
                + _SUFFIX
                + r"(?![\w-])"
            )
            if ordered
            else None
        )

    def _entry(self, matched: str) -> str | None:
        return self._exact.get(_key(matched, True)) or self._folded.get(_key(matched, False))

    def find(self, paragraphs: Iterable[Paragraph], text: str) -> list[tuple[str, int, int]]:
        """Return (entry id, start, end) for every occurrence in the paragraphs."""
        if self._regex is None:
            return []
        found = []
        for para in paragraphs:
            for match in self._regex.finditer(text, para.start, para.end):
                entry = self._entry(match.group(1))
                if entry is not None:
                    found.append((entry, match.start(), match.end()))
        return found
