"""The command line: ``coursepack check | build | cite | schema``.

Exit codes: 0 success, 1 problems in the input, 2 usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from coursepack import __version__
from coursepack.diagnostics import Report
from coursepack.model import Reader
from coursepack.pipeline import read_reader

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
TARGETS = ("site", "pdf", "cite")


def summary(reader: Reader) -> str:
    """Return the one-line summary printed by a clean check."""
    anchors = (
        sum(len(n.anchors) for n in reader.notes)
        + sum(len(t.anchors) for t in reader.terms)
        + sum(len(q.anchors) for q in reader.questions)
        + sum(1 for t in reader.textual_notes if t.anchor)
    )
    occurrences = sum(len(t.occurrences) for t in reader.terms)
    kinds = Counter(
        {
            "notes": len(reader.notes),
            "terms": len(reader.terms),
            "questions": len(reader.questions),
            "textual notes": len(reader.textual_notes),
            "entities": len(reader.entities),
            "references": len(reader.references),
        }
    )
    parts = ", ".join(f"{n} {k}" for k, n in kinds.items())
    return (
        f"ok: {len(reader.readings)} readings, {parts}; {anchors} anchors resolved, "
        f"{occurrences} glossary occurrences"
    )


def _print_report(report: Report, fmt: str) -> None:
    if fmt == "json":
        print(report.to_json())
    elif report.diagnostics:
        print(report.format(), file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    """Check the reader; print every problem, or a one-line summary."""
    reader, report = read_reader(args.root)
    _print_report(report, args.format)
    if reader is None:
        if args.format == "text":
            n = len(report.errors)
            print(f"{n} error{'s' if n != 1 else ''}; nothing was built", file=sys.stderr)
        return EXIT_INPUT
    if args.format == "text":
        print(summary(reader))
    return EXIT_OK


def _targets(value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    for name in names:
        if name not in TARGETS:
            raise argparse.ArgumentTypeError(
                f"unknown target '{name}'; choose from {', '.join(TARGETS)}"
            )
    return names


def cmd_build(args: argparse.Namespace) -> int:
    """Check, then build the chosen targets into the output directory."""
    from coursepack.build import build
    from coursepack.options import BuildOptions

    options = BuildOptions(
        paper=args.paper,
        edition=args.edition,
        jobs=args.jobs,
        progress=sys.stderr.isatty() and not args.quiet,
    )
    return build(Path(args.root), Path(args.out), args.only or TARGETS, options)


def cmd_cite(args: argparse.Namespace) -> int:
    """Print one citable entry in a chosen format."""
    reader, report = read_reader(args.root)
    if reader is None:
        _print_report(report, "text")
        return EXIT_INPUT
    from coursepack.render.cite import cite_command  # type: ignore[attr-defined,unused-ignore]

    try:
        print(cite_command(reader, args.key, args.format))
    except KeyError as exc:
        print(f"coursepack cite: error: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schemas of the file formats into a directory, or print one."""
    from coursepack.schemas import SCHEMAS, schema_json, write_schemas

    if args.write:
        for path in write_schemas(Path(args.write)):
            print(path)
        return EXIT_OK
    if args.name not in SCHEMAS:
        print(f"unknown schema '{args.name}'; choose from {', '.join(SCHEMAS)}", file=sys.stderr)
        return EXIT_USAGE
    print(schema_json(args.name), end="")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    top = argparse.ArgumentParser(
        prog="coursepack",
        description="Compile annotated readers into a site, PDFs and citation data.",
    )
    top.add_argument("--version", action="version", version=f"coursepack {__version__}")
    top.add_argument("--root", default=".", help="the reader's directory (default: .)")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="check every input file and report all problems")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(func=cmd_check)

    build = sub.add_parser("build", help="check, then build the site, PDFs and citations")
    build.add_argument("--only", type=_targets, help="comma-separated targets: site,pdf,cite")
    build.add_argument("--paper", choices=("letter", "a4"), default="letter")
    build.add_argument("--edition", choices=("student", "instructor"), default="student")
    build.add_argument("--out", default="build", help="output directory (default: build)")
    build.add_argument("-j", "--jobs", type=int, default=0, help="worker processes (0: cores)")
    build.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    build.set_defaults(func=cmd_build)

    cite = sub.add_parser("cite", help="print one citable entry")
    cite.add_argument("key", help="a BibTeX key, reading id, note id or term id")
    cite.add_argument(
        "--format",
        choices=("bibtex", "biblatex", "csl-json", "ris", "text"),
        default="bibtex",
    )
    cite.set_defaults(func=cmd_cite)

    schema = sub.add_parser("schema", help="print or write the JSON Schemas of the formats")
    schema.add_argument("name", nargs="?", default="note")
    schema.add_argument("--write", metavar="DIR", help="write every schema into DIR")
    schema.set_defaults(func=cmd_schema)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    return run(parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; return its exit code."""
    code: int = args.func(args)
    return code


def console() -> NoReturn:
    """The ``coursepack`` program: run the command line and exit with its code.

    After ``check``, the process ends without freeing its objects one by one: a check
    keeps the whole reader in memory to the end, and tearing that down costs a large
    reader's check a tenth of its time, for nothing (mypy ends the same way). Output is
    flushed first; check writes no files after its cache, which is saved before this.
    """
    args = parser().parse_args()
    try:
        code = run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # Whatever read the output stopped early (`coursepack check | head`): end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(EXIT_INPUT) from None
    if args.func is cmd_check:
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    console()
