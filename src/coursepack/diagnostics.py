"""Diagnostics: every problem in the input, with where it is and how to fix it.

Each problem is a :class:`Diagnostic` with a code from :data:`CODES`. Stages collect them in a
:class:`Report` and go on; the command fails once, listing them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

#: Every diagnostic code, with the one-line meaning shown in the editors' guide.
CODES: dict[str, str] = {
    "file.encoding": "the file is not valid UTF-8",
    "file.bom": "the file starts with a UTF-8 byte-order mark",
    "file.empty": "the file is empty",
    "file.too-large": "the file is larger than coursepack reads",
    "file.missing": "a file the reader needs does not exist",
    "file.special": "a folder, FIFO, device or socket where a file is expected",
    "file.outside": "a symbolic link that leads out of the reader's folder",
    "file.name": "a file name that does not make an id",
    "file.unexpected": "a file in annotations/ that coursepack does not know how to read",
    "yaml.syntax": "the YAML cannot be parsed",
    "yaml.duplicate-key": "a key appears twice in one mapping",
    "yaml.alias": "an alias (*name): coursepack does not expand YAML aliases",
    "yaml.merge-key": "a merge key (<<): coursepack does not merge mappings",
    "yaml.tag": "a tag (!!binary, !name ...) on a value, or a value its tag does not fit",
    "yaml.key": "a key that is a list or a mapping, not text",
    "yaml.depth": "values nested deeper than coursepack reads",
    "text.control": "a control character in a text",
    "frontmatter.missing": "a Markdown file does not start with a --- front matter block",
    "frontmatter.unclosed": "the front matter block has no closing ---",
    "schema.required": "a required field is missing",
    "schema.unknown-field": "a field that the format does not define",
    "schema.type": "a value has the wrong type",
    "schema.value": "a value is not one of those allowed, or not of the allowed form",
    "date.invalid": "a date is not a real calendar date",
    "reader.style": "a citation style that is neither a style's name nor a CSL file",
    "cite.key-taken": "a reading's citation key is another work's already",
    "date.order": "a period ends before it starts",
    "id.duplicate": "two entries share one id",
    "further-reading.duplicate": "a work listed twice in further reading",
    "term.duplicate": "two glossary terms share a term or an abbreviation (whatever the case)",
    "packet.content": "a packet that names neither readings nor a session, or both",
    "packet.session": "a packet's session that the sequence does not have",
    "ref.reading": "a reading id that the reader does not have",
    "ref.term": "a glossary term id that does not exist",
    "ref.entity": "a person or organization id that does not exist",
    "ref.note": "a historical note id that does not exist",
    "ref.question": "a discussion question id that does not exist",
    "ref.reference": "a reference key that is not in references.bib",
    "anchor.not-found": "a quote matches nowhere in its reading",
    "anchor.ambiguous": "a quote matches more than one place in its reading",
    "anchor.empty": "a quote has no text left once whitespace and markup are ignored",
    "seed.changed": "a seed text no longer has the sha256 recorded in its metadata",
    "seed.missing": "a seed text or its metadata file is missing",
    "bibtex.syntax": "references.bib has an entry that cannot be parsed",
    "bibtex.duplicate-key": "two entries in references.bib share a key",
    "bibtex.field": "a reference lacks a field that a citation needs",
    "bibtex.value": "a field's value is a macro never defined, or values joined with #",
    "import.format": "a file to import is not of a format coursepack reads, or cannot be read",
    "import.date": "a text to import gives no date that can be read; give one with --date",
    "import.id": "a reading id to import is not an id, or the reader has it already",
    "import.option": "an option of add-reading that cannot be used as given",
    "new.exists": "coursepack new would overwrite an entry or a file that exists",
    "quality.note-sources": "(warning) a historical note cites fewer than two sources",
    "quality.term-unused": "(warning) a glossary term occurs in no reading",
    "quality.no-questions": "(warning) a reading has no discussion questions",
}

#: The codes of warnings a reader may silence (``silence:`` in reader.yaml, or
#: ``check --quiet-warning CODE``).
WARNING_CODES = ("file.bom", "file.unexpected", "quality.note-sources", "quality.term-unused",
                 "quality.no-questions")  # fmt: skip


@dataclass(frozen=True, order=True)
class Location:
    """A place in an input file; line and column count from 1."""

    #: Path as shown to the user, relative to the reader's root where possible.
    path: str
    #: Line number, from 1.
    line: int = 1
    #: Column number in code points, from 1.
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem in the input."""

    #: A key of :data:`CODES`, shown as ``[coursepack.<code>]``.
    code: str
    #: What is wrong, and how to fix it.
    message: str
    #: Where it is.
    location: Location
    #: ``error`` fails the run; ``warning`` does not.
    severity: Severity = "error"

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"internal error (a bug): unknown diagnostic code {self.code!r}")

    def format(self) -> str:
        """Return the one-line form ``path:line:col: severity: message [coursepack.code]``."""
        return f"{self.location}: {self.severity}: {self.message} [coursepack.{self.code}]"

    def as_json(self) -> dict[str, object]:
        """Return the diagnostic as a JSON-ready mapping."""
        return {
            "path": self.location.path,
            "line": self.location.line,
            "col": self.location.col,
            "severity": self.severity,
            "code": f"coursepack.{self.code}",
            "message": self.message,
        }


@dataclass
class Report:
    """Diagnostics collected across the stages of one run."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, location: Location) -> None:
        """Record an error."""
        self.diagnostics.append(Diagnostic(code, message, location, "error"))

    def warning(self, code: str, message: str, location: Location) -> None:
        """Record a warning."""
        self.diagnostics.append(Diagnostic(code, message, location, "warning"))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        """Add diagnostics from elsewhere."""
        self.diagnostics.extend(other)

    @property
    def errors(self) -> list[Diagnostic]:
        """Return the diagnostics that fail the run."""
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def ok(self) -> bool:
        """Return whether no error was recorded."""
        return not self.errors

    def sorted(self) -> list[Diagnostic]:
        """Return the diagnostics in file and line order, without repeats."""
        unique = dict.fromkeys(self.diagnostics)
        return sorted(unique, key=lambda d: (d.location, d.code, d.message))

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def format(self) -> str:
        """Return every diagnostic, one a line."""
        return "\n".join(d.format() for d in self.sorted())

    def to_json(self) -> str:
        """Return every diagnostic as a JSON array."""
        return json.dumps([d.as_json() for d in self.sorted()], indent=2, ensure_ascii=False)


class InputError(Exception):
    """Raised when the input has errors; carries the report that lists them."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.format())
        self.report = report
