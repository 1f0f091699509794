"""The command line: ``coursepack check | build | cite | schema``.

Exit codes: 0 success, 1 problems in the input (or a build folder that cannot be written),
2 usage, 130 after Ctrl-C (SIGINT), 143 after SIGTERM. No run ends in a traceback: an
interrupt, or an error that is a bug in coursepack, is told in one line
(``COURSEPACK_TRACEBACK=1`` shows the traceback of a bug).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from coursepack import __version__, processes
from coursepack.options import add_arguments

if TYPE_CHECKING:
    from coursepack.diagnostics import Report
    from coursepack.model import Reader

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
            "chronology events": len(reader.chronology),
            "context documents": len(reader.contexts),
            "works of further reading": len(reader.further_reading),
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
    from coursepack.pipeline import read_reader

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
    from coursepack.options import from_arguments

    options = from_arguments(args, progress=sys.stderr.isatty() and not args.quiet)
    # Absolute before anything starts: no output path may depend on the current directory.
    root, out = Path(args.root).resolve(), Path(args.out).resolve()
    return build(root, out, args.only or TARGETS, options)


def cmd_cite(args: argparse.Namespace) -> int:
    """Print one citable entry in a chosen format."""
    from coursepack.pipeline import read_reader

    reader, report = read_reader(args.root)
    if reader is None:
        _print_report(report, "text")
        return EXIT_INPUT
    from coursepack.refs import Refs
    from coursepack.render.cite import cite_command
    from coursepack.styles import UnknownStyle, style_path

    try:
        if args.style:
            style_path(args.style)
        print(cite_command(Refs(reader, style=args.style), args.key, args.format))
    except KeyError as exc:
        print(f"coursepack cite: error: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except UnknownStyle as exc:
        print(f"coursepack cite: error: {exc}", file=sys.stderr)
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
    add_arguments(build)
    build.add_argument("--out", default="build", help="output directory (default: build)")
    build.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    build.set_defaults(func=cmd_build)

    cite = sub.add_parser("cite", help="print one citable entry")
    cite.add_argument(
        "key",
        help="a citation key, a reading id, note:<id>, term:<id>, entity:<id>, "
        "context:<id> or reader; a paragraph pinpoint after it: 'crosse-2026 ¶14' or "
        "crosse-2026#p14",
    )
    cite.add_argument(
        "--format",
        choices=("bibtex", "biblatex", "csl-json", "ris", "text"),
        default="bibtex",
    )
    cite.add_argument(
        "--style",
        default="",
        help="for --format text: chicago-author-date, chicago-note, apa, mla, another CSL "
        "style name, or a .csl file (default: the reader's style)",
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
    An interrupt (Ctrl-C, SIGTERM) ends the run the same way, at once, after one line
    that says what it left: the processes that worked for it die with it.
    """
    processes.install()
    try:
        args = parser().parse_args()
        code = run(args)
        sys.stdout.flush()
    except KeyboardInterrupt as exc:
        _leave_interrupted(exc)
    except BrokenPipeError:
        # Whatever read the output stopped early (`coursepack check | head`): end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(EXIT_INPUT) from None
    except Exception as exc:  # a bug: said in one line, the traceback only on request
        if os.environ.get("COURSEPACK_TRACEBACK"):
            raise
        print(
            f"coursepack: internal error, a bug in coursepack: {type(exc).__name__}: {exc} "
            "(set COURSEPACK_TRACEBACK=1 to see where; please report it)",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_INPUT) from None
    if args.func is cmd_check:
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)


def _leave_interrupted(exc: KeyboardInterrupt) -> NoReturn:
    """Say in one line that the run was interrupted, and what it left; exit 128 + signal."""
    signum = exc.signum if isinstance(exc, processes.Interrupted) else signal.SIGINT
    outcome = exc.outcome if isinstance(exc, processes.Interrupted) else ""
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    # On a terminal the line starts afresh: Ctrl-C echoes "^C" after any progress shown.
    start = "\n" if sys.stderr.isatty() else ""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        print(
            f"{start}coursepack: interrupted ({name}){'; ' + outcome if outcome else ''}",
            file=sys.stderr,
            flush=True,
        )
    os._exit(128 + signum)


if __name__ == "__main__":
    console()
