"""The options of a build, declared once for the command line and the Sphinx extension.

:class:`BuildOptions` is the one place an option is declared. Each field's metadata gives
its help text, its choices, and whether the Sphinx extension reads it too (as the config
value ``coursepack_<name>``); :func:`add_arguments` makes the command line's options from
the same fields, and the extension registers its config values from them (as MyST-Parser
does with its configuration dataclass).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Literal

Paper = Literal["letter", "a4"]
Edition = Literal["student", "instructor"]
#: The editions, the one to publish first.
EDITIONS: tuple[Edition, ...] = ("student", "instructor")
Annotation = Literal["none", "hypothesis"]


@dataclass(frozen=True)
class BuildOptions:
    """How to build: one value object handed to every target."""

    #: Page size of the PDFs.
    paper: Paper = field(
        default="letter", metadata={"help": "page size of the PDFs", "choices": ("letter", "a4")}
    )
    #: The student edition leaves out teaching notes; the instructor edition shows them;
    #: ``both`` builds the two side by side (their files are named apart: ``reader.pdf``
    #: and ``reader-instructor.pdf``, ``site/`` and ``site-instructor/``).
    edition: Edition | Literal["both"] = field(
        default="student",
        metadata={
            "help": "student, instructor (with teaching notes), or both side by side",
            "choices": ("student", "instructor", "both"),
            "sphinx": True,
        },
    )
    #: Packets (ids from reader.yaml, comma-separated) to make alone: only their PDFs are
    #: laid out. Empty: every target, every packet.
    packet: str = field(
        default="",
        metadata={"help": "make only these packets' PDFs (ids from reader.yaml, comma-separated)"},
    )
    #: The published site's root URL, used by every output that links to the site; empty
    #: for the ``url`` in reader.yaml.
    base_url: str = field(
        default="",
        metadata={
            "help": "the published site's root URL (default: the url in reader.yaml)",
            "sphinx": True,
        },
    )
    #: A client that lets a class annotate the site's pages together: ``hypothesis`` loads
    #: the Hypothesis client (https://hypothes.is/embed.js) on every page, from the web
    #: when a page is read; the build itself fetches nothing.
    annotation: Annotation = field(
        default="none",
        metadata={
            "help": "hypothesis: let a class annotate the site with the Hypothesis client",
            "choices": ("none", "hypothesis"),
            "sphinx": True,
        },
    )
    #: Worker processes for targets that render in parallel (PDFs); 0 means one per core.
    jobs: int = field(
        default=0, metadata={"help": "worker processes (0: one per core)", "flag": "-j"}
    )
    #: Show progress on long work (only when writing to a terminal).
    progress: bool = field(default=False, metadata={"cli": False})

    @property
    def editions(self) -> tuple[Edition, ...]:
        """Return the editions to build, the student edition first."""
        return EDITIONS if self.edition == "both" else (self.edition,)

    @property
    def packets(self) -> tuple[str, ...]:
        """Return the packets asked for alone (none: a whole build)."""
        return tuple(p.strip() for p in self.packet.split(",") if p.strip())

    def for_edition(self, edition: Edition) -> BuildOptions:
        """Return these options for one edition."""
        return dataclasses.replace(self, edition=edition)

    @property
    def workers(self) -> int:
        """Return the number of worker processes to use."""
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add an option to parser for every field of BuildOptions the command line takes."""
    for f in dataclasses.fields(BuildOptions):
        if f.metadata.get("cli") is False:
            continue
        names = [f"--{f.name.replace('_', '-')}"]
        if "flag" in f.metadata:
            names.insert(0, f.metadata["flag"])
        parser.add_argument(
            *names,
            dest=f.name,
            default=f.default,
            type=int if isinstance(f.default, int) else str,
            choices=f.metadata.get("choices"),
            help=f.metadata.get("help", "")
            + (f" (default: {f.default})" if f.default != "" else ""),
        )


def from_arguments(args: argparse.Namespace, **more: Any) -> BuildOptions:
    """Return the options a parsed command line gives (fields it lacks keep defaults)."""
    given = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(BuildOptions)
        if hasattr(args, f.name)
    }
    return BuildOptions(**{**given, **more})


def sphinx_fields() -> list[dataclasses.Field[Any]]:
    """Return the fields the Sphinx extension reads as ``coursepack_<name>``."""
    return [f for f in dataclasses.fields(BuildOptions) if f.metadata.get("sphinx")]


def source_date_epoch() -> int | None:
    """Return SOURCE_DATE_EPOCH as an int, or None when it is unset or not a number."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else None
