"""Read annotations/references.bib with bibtexparser v2, keeping each entry's line."""

from __future__ import annotations

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
_latex = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def _plain(name: str, value: str) -> str:
    if name in _VERBATIM:
        return value.strip()
    return " ".join(_latex.latex_to_text(value).split())


def parse_references(text: str, shown: str, report: Report) -> list[Reference]:
    """Parse BibTeX text; report broken and duplicate entries at their lines, keep the rest."""
    library = bibtexparser.parse_string(
        text,
        parse_stack=[ResolveStringReferencesMiddleware(True), RemoveEnclosingMiddleware(True)],
    )
    for block in library.failed_blocks:
        where = Location(shown, block.start_line + 1, 1)
        if isinstance(block, bib.DuplicateBlockKeyBlock):
            report.error(
                "bibtex.duplicate-key",
                f"entry key '{block.key}' is used twice in references.bib; "
                "give one of the entries another key",
                where,
            )
        else:
            first = block.raw.splitlines()[0] if block.raw else ""
            detail = str(getattr(block, "error", "")).splitlines()
            reason = detail[-1].strip() if detail else "it cannot be parsed"
            report.error(
                "bibtex.syntax",
                f"cannot parse the entry starting '{first[:40]}': {reason}; "
                "check braces, commas and quotes",
                where,
            )
    references = []
    for entry in library.entries:
        where = Location(shown, entry.start_line + 1, 1)
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
    return references
