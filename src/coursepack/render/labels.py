"""Words the site and the PDFs both print: dates in prose, levels, kinds of textual note."""

from __future__ import annotations

from coursepack.model import PartialDate

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

#: Question levels as headings print them.
LEVEL_LABELS = {
    "recall": "Recall",
    "interpret": "Interpret",
    "compare": "Compare",
    "evaluate": "Evaluate",
}

#: Kinds of textual note as running text names them (lower case).
TEXTUAL_LABELS = {
    "sic": "sic",
    "error": "error in the text",
    "variant": "variant",
    "residue": "markup residue",
    "boilerplate": "boilerplate",
    "missing-quote": "missing quotation mark",
    "duplicated": "duplicated passage",
    "displaced": "displaced passage",
    "metadata": "metadata",
}


def format_date(date: PartialDate) -> str:
    """Return a date the way Chicago writes it ("January 21, 2026", "January 2026")."""
    if date.month is None:
        return str(date.year)
    month = MONTHS[date.month - 1]
    if date.day is None:
        return f"{month} {date.year}"
    return f"{month} {date.day}, {date.year}"


def textual_label(kind: str) -> str:
    """Return a textual note's kind as a label that starts a sentence ("Markup residue")."""
    label = TEXTUAL_LABELS.get(kind, kind)
    return label[:1].upper() + label[1:]
