"""Read annotations/references.bib with bibtexparser v2, keeping each entry's line."""

from __future__ import annotations

import re

import bibtexparser
from bibtexparser import model as bib
from bibtexparser.middlewares import RemoveEnclosingMiddleware, ResolveStringReferencesMiddleware
from pylatexenc.latex2text import LatexNodes2Text

from coursepack.diagnostics import Location, Report
from coursepack.model import Reference

#: Fields kept verbatim: LaTeX decoding would mangle them.
_VERBATIM = {"url", "doi", "isbn", "issn", "urldate", "eprint", "file"}
_AUTHORS = ("author", "editor", "organization", "institution", "publisher", "howpublished")
#: A web page with no date of its own is cited "n.d." with its access date.
_DATES = ("year", "date", "urldate")
_KEY = re.compile(r"\s*@\w+\s*[{(]\s*([^,\s]+)\s*,")
_latex = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


#: Characters that mean something to LaTeX; a value without them (and without the
#: ligatures ``--`` and ``''``) is plain text already, and decoding it is skipped.
_LATEX = frozenset("\\{}$~%&#^_`")


def _plain(name: str, value: str) -> str:
    if name in _VERBATIM:
        return value.strip()
    if _LATEX.isdisjoint(value) and "--" not in value and "''" not in value:
        return " ".join(value.split())
    return " ".join(_latex.latex_to_text(value).split())


def broken_keys(text: str, report_lines: list[int]) -> set[str]:
    """Return the keys of entries that start on the given (0-based) lines."""
    lines = text.splitlines()
    keys = set()
    for n in report_lines:
        match = _KEY.match(lines[n]) if n < len(lines) else None
        if match:
            keys.add(match.group(1))
    return keys


def parse_references(text: str, shown: str, report: Report) -> tuple[list[Reference], set[str]]:
    """Parse BibTeX text; report broken and duplicate entries at their lines, keep the rest.

    Return the references and the keys of entries that could not be parsed, so that
    citations of a broken entry are not reported a second time as unknown keys.
    """
    library = bibtexparser.parse_string(  # type: ignore[attr-defined]
        text,
        parse_stack=[ResolveStringReferencesMiddleware(True), RemoveEnclosingMiddleware(True)],
    )
    for block in library.failed_blocks:
        where = Location(shown, (block.start_line or 0) + 1, 1)
        if isinstance(block, bib.DuplicateBlockKeyBlock):
            report.error(
                "bibtex.duplicate-key",
                f"entry key '{block.key}' is used twice in references.bib; "
                "give one of the entries another key",
                where,
            )
        else:
            first = block.raw.splitlines()[0] if block.raw else ""
            error = getattr(block, "error", None)
            detail = [ln.strip() for ln in str(getattr(error, "abort_reason", "")).splitlines()]
            detail = [ln for ln in detail if ln] or [
                ln.strip() for ln in str(error).splitlines() if ln.strip()
            ]
            reason = detail[-1] if detail else "it cannot be parsed"
            report.error(
                "bibtex.syntax",
                f"cannot parse the entry starting '{first[:40]}': {reason}; "
                "check braces, commas and quotes",
                where,
            )
    failed = broken_keys(text, [b.start_line or 0 for b in library.failed_blocks])
    references = []
    for entry in library.entries:
        where = Location(shown, (entry.start_line or 0) + 1, 1)
        fields = {
            f.key.lower(): _plain(f.key.lower(), str(f.value)) for f in entry.fields if f.value
        }
        missing = []
        if "title" not in fields:
            missing.append("title")
        if not any(k in fields for k in _DATES):
            missing.append("year, date or urldate")
        if not any(k in fields for k in _AUTHORS) and "url" not in fields:
            missing.append("author, editor or organization")
        if missing:
            report.error(
                "bibtex.field",
                f"reference '{entry.key}' has no {' and no '.join(missing)}; "
                "a citation needs them: add the fields",
                where,
            )
        references.append(Reference(entry.key, entry.entry_type.lower(), fields, where))
    return references, failed
