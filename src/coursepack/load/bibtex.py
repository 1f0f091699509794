"""Read annotations/references.bib with bibtexparser v2, keeping each entry's line.

bibtexparser keeps going past a broken entry and says where it starts; what it logs on the
way is kept from the console (every problem becomes a diagnostic here instead). Two
mistakes it reads without complaint are diagnosed as well: a closing brace too many,
which ends an entry early and leaves its later fields as loose text, and a value that is
a macro never defined by a ``@string`` (or values joined with ``#``), which would be
written out as it stands.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

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
#: The macros every BibTeX style defines: the months.
_MONTHS = frozenset(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
)
#: Loose text that reads like the rest of an entry: a brace, a comma, or "field =".
_LEFTOVER = re.compile(r"\s*(?:[},]|[A-Za-z][\w-]*\s*=)")
#: A line break, then what reads like the next field.
_NEXT_FIELD = re.compile(r"\n\s*[A-Za-z][\w-]*\s*=")
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


@contextmanager
def _quiet() -> Iterator[None]:
    """Keep what bibtexparser logs from the console while it parses."""
    logger = logging.getLogger("bibtexparser")
    handler = logging.NullHandler()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _position(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of an offset in text."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _unclosed_value(raw: str) -> tuple[int, str] | None:
    """Return where, in a broken entry's text, a value's brace seems never closed, and
    the field it opens: one still open at the end, or else the last value that runs over
    a line break (its closing brace then closed the entry's)."""
    depth, opened, spans = 0, -1, []
    for match in re.finditer(r"(?<!\\)[{}]", raw):
        if match.group() == "{":
            depth += 1
            if depth == 2:
                opened = match.start()
        else:
            depth -= 1
            if depth == 1:
                spans.append((opened, match.start()))
    if depth >= 2:
        start = opened
    elif depth == 1 and (long := [a for a, b in spans if "\n" in raw[a:b]]):
        start = long[-1]
    else:
        return None
    field = re.search(r"([A-Za-z][\w-]*)\s*=\s*$", raw[:start])
    return start, field.group(1) if field else "a field"


def _report_failed(
    block: bib.Block, text: str, offsets: list[int], shown: str, report: Report
) -> None:
    start = block.start_line or 0
    where = Location(shown, start + 1, 1)
    if isinstance(block, bib.DuplicateBlockKeyBlock):
        report.error(
            "bibtex.duplicate-key",
            f"entry key '{block.key}' is used twice in references.bib; "
            "give one of the entries another key",
            where,
        )
        return
    raw = block.raw or ""
    unclosed = _unclosed_value(raw)
    if unclosed is not None:
        offset, name = unclosed
        line, col = _position(text, offsets[start] + offset)
        report.error(
            "bibtex.syntax",
            f"the value of '{name}' opened here with '{{' seems never closed, so the "
            "entry runs on into the next one; add its closing '}'",
            Location(shown, line, col),
        )
        return
    first = raw.splitlines()[0] if raw else ""
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


def _closed_early(
    blocks: list[bib.Block], text: str, offsets: list[int], shown: str, report: Report
) -> set[str]:
    """Report entries that a closing brace too many ended early; return their keys."""
    early = set()
    for entry, after in itertools.pairwise(blocks):
        if not isinstance(entry, bib.Entry) or not isinstance(after, bib.ImplicitComment):
            continue
        raw = entry.raw or ""
        end = (entry.start_line or 0) + raw.count("\n")
        if (after.start_line or 0) != end or not _LEFTOVER.match(after.raw or ""):
            continue
        line, col = _position(text, offsets[entry.start_line or 0] + len(raw) - 1)
        last = entry.fields[-1].key if entry.fields else "the entry"
        loose = end + (after.raw or "").rstrip().count("\n") + 1
        report.error(
            "bibtex.syntax",
            f"this '}}' closes the entry '{entry.key}' early: '{last}' has a closing brace "
            f"too many, and what follows, to line {loose}, is not read; remove the extra "
            "brace",
            Location(shown, line, col),
        )
        early.add(entry.key)
    return early


def _check_values(entry: bib.Entry, lines: list[str], shown: str, report: Report) -> bool:
    """Report values that are undefined macros or joined with '#'; return whether ok."""
    ok = True
    for f in entry.fields:
        if f.enclosing != "no-enclosing" or str(f.value).strip().lower() in _MONTHS:
            continue
        ok = False
        line = f.start_line or entry.start_line or 0
        if _NEXT_FIELD.search(str(f.value)):
            report.error(
                "bibtex.syntax",
                f"a comma is missing after the value of '{f.key}', so the next field is "
                "read as part of it; add the ','",
                Location(
                    shown, line + 1, len(lines[line].rstrip()) + 1 if line < len(lines) else 1
                ),
            )
            continue
        found = (
            re.search(rf"\b{re.escape(f.key)}\s*=\s*", lines[line]) if line < len(lines) else None
        )
        col = found.end() + 1 if found else 1
        value = " ".join(str(f.value).split())
        report.error(
            "bibtex.value",
            f"'{f.key} = {value}' is not a value: "
            + (
                "values joined with '#' are not read"
                if "#" in value
                else f"'{value}' is not defined by a @string in references.bib"
            )
            + f"; write the value in braces: {f.key} = {{...}}",
            Location(shown, line + 1, col),
        )
    return ok


def parse_references(
    text: str, shown: str, report: Report
) -> tuple[list[Reference], set[str], bool]:
    """Parse BibTeX text; report broken and duplicate entries at their lines, keep the rest.

    Return the references, the keys of entries that could not be parsed (so that
    citations of a broken entry are not reported a second time as unknown keys), and
    whether every entry could be found at all (false when the parser gave up).
    """
    try:
        with _quiet():
            library = bibtexparser.parse_string(  # type: ignore[attr-defined]
                text,
                parse_stack=[
                    ResolveStringReferencesMiddleware(True),
                    RemoveEnclosingMiddleware(True),
                ],
            )
    except Exception as exc:  # the parser's own failure: say so, never a traceback
        report.error(
            "bibtex.syntax",
            f"references.bib cannot be read: the BibTeX parser failed "
            f"({type(exc).__name__}); check braces, commas and quotes near the last "
            "entry you changed",
            Location(shown, 1, 1),
        )
        return [], set(), False
    lines = text.split("\n")
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln) + 1)
    for block in library.failed_blocks:
        _report_failed(block, text, offsets, shown, report)
    failed = broken_keys(text, [b.start_line or 0 for b in library.failed_blocks])
    early = _closed_early(list(library.blocks), text, offsets, shown, report)
    references = []
    for entry in library.entries:
        where = Location(shown, (entry.start_line or 0) + 1, 1)
        if not _check_values(entry, lines, shown, report):
            early.add(entry.key)  # its fields are not what they seem: no more about them
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
        if missing and entry.key not in early:
            report.error(
                "bibtex.field",
                f"reference '{entry.key}' has no {' and no '.join(missing)}; "
                "a citation needs them: add the fields",
                where,
            )
        references.append(Reference(entry.key, entry.entry_type.lower(), fields, where))
    return references, failed, True
