"""Display labels: the words every output prints for an item, written in one place.

Dates and periods in one style (Chicago: "January 21, 2026", "May 27–29, 2020"), details
the editors supplied in square brackets, a reading's byline and running head, a glossary
entry's title, question levels and kinds of textual note. Labels that come from the
formatted citations (a reading's short form, "Feliz Leon 2026a") are the
:class:`~coursepack.refs.Refs`'s own.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursepack.model import Anchor, PartialDate, Period, Reader, ReaderMeta, Reading, Term

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

#: What the fields of a reading's metadata are called where a byline lists them.
FIELD_LABELS = {
    "authors": "Author",
    "corporate_author": "Author",
    "outlet": "Published in",
    "date": "Date",
    "genre": "Genre",
    "url": "Original",
}


def format_date(date: PartialDate) -> str:
    """Return a date the way Chicago writes it ("January 21, 2026", "January 2026")."""
    if date.month is None:
        return str(date.year)
    month = MONTHS[date.month - 1]
    if date.day is None:
        return f"{month} {date.year}"
    return f"{month} {date.day}, {date.year}"


def format_range(start: PartialDate, end: PartialDate | None) -> str:
    """Return a span of dates, repeating only what differs ("May 27–29, 2020")."""
    if end is None or end == start:
        return format_date(start)
    same_year = start.year == end.year
    if same_year and start.month is not None and start.month == end.month:
        if start.day is not None and end.day is not None:
            return f"{MONTHS[start.month - 1]} {start.day}–{end.day}, {start.year}"
        return format_date(start)
    if same_year and start.month is not None and end.month is not None:
        first = MONTHS[start.month - 1] + (f" {start.day}" if start.day is not None else "")
        if start.day is None and end.day is None:
            return f"{first}–{format_date(end)}"
        return f"{first} – {format_date(end)}"
    if start.month is None and end.month is None:
        return f"{start.year}–{end.year}"
    return f"{format_date(start)} – {format_date(end)}"


def format_period(period: Period) -> str:
    """Return a historical note's period as it reads: its label, else its dates."""
    return period.label or format_range(period.start, period.end)


def bracket(value: str, supplied: bool) -> str:
    """Return a value in square brackets when the editors supplied it."""
    return f"[{value}]" if supplied and value else value


def reading_title(reading: Reading) -> str:
    """Return a reading's title as every output shows it (in brackets when supplied)."""
    return bracket(reading.title, reading.is_supplied("title"))


def authors_supplied(reading: Reading) -> bool:
    """Return whether the editors supplied the reading's author."""
    return reading.is_supplied("authors") or reading.is_supplied("corporate_author")


def author_line(reading: Reading) -> str:
    """Return a reading's authors as a byline shows them, or "" when none is known."""
    author = ", ".join(reading.authors) if reading.authors else (reading.corporate_author or "")
    return bracket(author, authors_supplied(reading))


def outlet_is_named(reading: Reading) -> bool:
    """Return whether a reading's outlet is a name rather than a description.

    A supplied outlet that starts in lower case ("unidentified socialist publication")
    describes the source; it is not cited as a periodical.
    """
    return bool(reading.outlet) and not (
        reading.is_supplied("outlet") and reading.outlet[:1].islower()
    )


@dataclass(frozen=True)
class Field:
    """One line of a reading's metadata, as the site's and the PDFs' headers list it."""

    #: The metadata field ("outlet").
    name: str
    #: What it is called ("Published in").
    label: str
    #: The value, in brackets when supplied.
    value: str
    #: A link for the value (the original's URL), or "".
    href: str = ""


def byline(reading: Reading) -> list[Field]:
    """Return who, where, when and what of a reading, supplied parts in brackets."""
    r = reading
    out: list[Field] = []
    author = author_line(r)
    if author:
        label = "Authors" if len(r.authors) > 1 else "Author"
        out.append(Field("authors" if r.authors else "corporate_author", label, author))
    if r.outlet:
        out.append(
            Field("outlet", FIELD_LABELS["outlet"], bracket(r.outlet, r.is_supplied("outlet")))
        )
    out.append(
        Field("date", FIELD_LABELS["date"], bracket(format_date(r.date), r.is_supplied("date")))
    )
    if r.genre:
        out.append(Field("genre", FIELD_LABELS["genre"], bracket(r.genre, r.is_supplied("genre"))))
    if r.url:
        href = r.url if r.url.startswith(("https://", "http://")) else ""
        out.append(Field("url", FIELD_LABELS["url"], bracket(r.url, r.is_supplied("url")), href))
    return out


def term_title(term: Term) -> str:
    """Return a glossary entry's title ("collective bargaining agreement (CBA)")."""
    if term.abbreviation and term.abbreviation.casefold() != term.term.casefold():
        return f"{term.term} ({term.abbreviation})"
    return term.term


def paragraph_span(reader: Reader, anchor: Anchor) -> str:
    """Return the paragraphs an anchored span covers: "¶14", "¶¶14–16" or "headline"."""
    if anchor.paragraph is None:
        return "headline"
    reading = reader.reading(anchor.reading)
    last = reading.paragraph_at(max(anchor.start, anchor.end - 1))
    end = last.number if last is not None and last.number is not None else anchor.paragraph
    if end > anchor.paragraph:
        return f"¶¶{anchor.paragraph}–{end}"
    return f"¶{anchor.paragraph}"


def running_title(reading: Reading, limit: int = 60) -> str:
    """Return a reading's title cut at a word for a running head."""
    title = reading.title
    if len(title) > limit:
        title = title[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return title


def textual_label(kind: str) -> str:
    """Return a textual note's kind as a label that starts a sentence ("Markup residue")."""
    label = TEXTUAL_LABELS.get(kind, kind)
    return label[:1].upper() + label[1:]


def editors_line(meta: ReaderMeta) -> str:
    """Return who edited the reader, as a cover or title page says it.

    Named editors are "Edited by Ann Lee and Bo Diaz"; a collective that names itself
    ("The coursepack editors") stands alone, as "Edited by The coursepack editors" would
    say it twice.
    """
    editors = list(meta.editors)
    if not editors:
        return ""
    if len(editors) == 1 and editors[0].casefold().endswith(("editors", "editorial board")):
        return editors[0]
    if len(editors) == 1:
        return f"Edited by {editors[0]}"
    return f"Edited by {', '.join(editors[:-1])} and {editors[-1]}"


def headline_is_title(reading: Reading) -> bool:
    """Return whether a reading's first front block is its title itself (maybe in quotation
    marks), so that an output that prints the title as a heading prints it once."""
    if not reading.front or reading.is_supplied("title"):
        return False
    quotes = "\"'“”‘’*"
    headline = " ".join(reading.front[0].text.split()).strip(quotes)
    return headline == " ".join(reading.title.split()).strip(quotes)
