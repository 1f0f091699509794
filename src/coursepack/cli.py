"""The command line: ``coursepack init | add-reading | new | check | build | serve | cite``,
and ``coursepack schema``.

Exit codes: 0 success, 1 problems in the input (or a build folder that cannot be written),
2 usage, 130 after Ctrl-C (SIGINT), 143 after SIGTERM. No run ends in a traceback: an
interrupt, or an error that is a bug in coursepack, is told in one line
(``COURSEPACK_TRACEBACK=1`` shows the traceback of a bug).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from coursepack import __version__, processes
from coursepack.options import add_arguments

if TYPE_CHECKING:
    from coursepack.diagnostics import Report
    from coursepack.model import Reader

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
TARGETS = ("site", "pdf", "epub", "cite")


def plural(count: int, word: str, many: str | None = None) -> str:
    """Return "1 note", "2 notes", "1 work of further reading", "3 works of further reading"."""
    if count == 1:
        return f"{count} {word}"
    if many is None:
        head, sep, tail = word.partition(" of ")
        if head.endswith("y") and head[-2:-1] not in "aeiou":
            head = head[:-1] + "ie"
        many = f"{head}s{sep}{tail}"
    return f"{count} {many}"


def summary(reader: Reader) -> str:
    """Return the one-line summary printed by a clean check."""
    anchors = (
        sum(len(n.anchors) for n in reader.notes)
        + sum(len(t.anchors) for t in reader.terms)
        + sum(len(q.anchors) for q in reader.questions)
        + sum(1 for t in reader.textual_notes if t.anchor)
    )
    occurrences = sum(len(t.occurrences) for t in reader.terms)
    kinds = (
        (len(reader.notes), "note"),
        (len(reader.terms), "term"),
        (len(reader.questions), "question"),
        (len(reader.textual_notes), "textual note"),
        (len(reader.entities), "entity"),
        (len(reader.chronology), "chronology event"),
        (len(reader.contexts), "context document"),
        (len(reader.further_reading), "work of further reading"),
        (len(reader.references), "reference"),
    )
    parts = ", ".join(plural(n, word) for n, word in kinds)
    return (
        f"ok: {plural(len(reader.readings), 'reading')}, {parts}; "
        f"{plural(anchors, 'anchor')} resolved, {plural(occurrences, 'glossary occurrence')}"
    )


def _print_report(report: Report, fmt: str) -> None:
    if fmt == "json":
        print(report.to_json())
    elif report.diagnostics:
        print(report.format(), file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    """Check the reader; print every problem, or a one-line summary."""
    from coursepack.diagnostics import WARNING_CODES
    from coursepack.pipeline import read_reader
    from coursepack.quality import unknown_codes

    wrong = unknown_codes(args.quiet_warning or ())
    if wrong:
        print(
            f"coursepack check: error: --quiet-warning {wrong[0]} is not the code of a "
            f"warning; the codes are: {', '.join('coursepack.' + c for c in WARNING_CODES)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    reader, report = read_reader(args.root, silence=tuple(args.quiet_warning or ()))
    _print_report(report, args.format)
    if reader is None:
        if args.format == "text":
            n = len(report.errors)
            print(f"{plural(n, 'error')}; nothing was built", file=sys.stderr)
        return EXIT_INPUT
    if args.format == "text" and not args.quiet:
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
    # A packet asked for alone is a PDF: nothing else is built unless --only says so.
    targets = args.only or (("pdf",) if options.packets else TARGETS)
    if args.quiet:  # the problems go to standard error; the list of what was built does not
        with contextlib.redirect_stdout(io.StringIO()):
            return build(root, out, targets, options)
    return build(root, out, targets, options)


def cmd_cite(args: argparse.Namespace) -> int:
    """Print one citable entry in a chosen format."""
    from coursepack.pipeline import read_reader

    reader, report = read_reader(args.root)
    if reader is None:
        _print_report(report, "text")
        return EXIT_INPUT
    from coursepack.refs import Refs
    from coursepack.render.cite import cite_command, cite_notice
    from coursepack.styles import UnknownStyle, style_path

    try:
        if args.style:
            style_path(args.style)
        refs = Refs(reader, style=args.style)
        print(cite_command(refs, args.key, args.format))
        notice = cite_notice(refs, args.key, args.format)
        if notice:
            print(f"coursepack cite: note: {notice}", file=sys.stderr)
    except KeyError as exc:
        print(f"coursepack cite: error: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except UnknownStyle as exc:
        print(f"coursepack cite: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schemas of the file formats into a directory, print one, or list them."""
    from coursepack.schemas import SCHEMAS, schema_json, write_schemas

    if args.write:
        folder = Path(args.write)
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            print(
                f"coursepack schema: error: {folder} {what}; create it first "
                f"(mkdir -p {folder}) or choose another folder",
                file=sys.stderr,
            )
            return EXIT_USAGE
        try:
            written = write_schemas(folder)
        except OSError as exc:
            print(f"coursepack schema: error: {exc.strerror}: {exc.filename}", file=sys.stderr)
            return EXIT_INPUT
        if not args.quiet:
            for path in written:
                print(path)
        return EXIT_OK
    if args.name is None:
        width = max(len(name) for name in SCHEMAS)
        for name, schema in SCHEMAS.items():
            print(f"{name:<{width}}  {schema['title']}")
        return EXIT_OK
    if args.name not in SCHEMAS:
        print(
            f"coursepack schema: error: unknown schema '{args.name}'; "
            f"choose from {', '.join(SCHEMAS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(schema_json(args.name), end="")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Make a new reader in a folder."""
    from coursepack.scaffold import init_command

    return init_command(args)


def cmd_add_reading(args: argparse.Namespace) -> int:
    """Import texts as readings of the reader."""
    from coursepack.importer import add_reading_command

    return add_reading_command(args)


def cmd_new(args: argparse.Namespace) -> int:
    """Write a new annotation file."""
    from coursepack.newfile import new_command

    return new_command(args)


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview the site, rebuilt and reloaded as the files change."""
    from coursepack.serve import serve_command

    return serve_command(args)


def _common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options every command takes after its name as well as before it."""
    parser.add_argument(
        "--root",
        default=argparse.SUPPRESS,
        help="the reader's directory (default: .)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print only problems: no summary, progress or list of files",
    )
    return parser


def parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    top = argparse.ArgumentParser(
        prog="coursepack",
        description="Compile annotated readers into a site, PDFs and citation data.",
    )
    top.add_argument("--version", action="version", version=f"coursepack {__version__}")
    top.add_argument("--root", default=".", help="the reader's directory (default: .)")
    top.add_argument(
        "-q", "--quiet", action="store_true", help="print only problems (every command)"
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from coursepack import newfile
    from coursepack.importer import add_import_arguments

    init = _common(
        sub.add_parser(
            "init",
            help="start a new reader in a folder",
            description="Start a new reader in DIR: reader.yaml, references.bib, the "
            "annotation folders, a Sphinx project in docs/ and a .gitignore. It checks and "
            "builds at once: a sample reading with a note, a term and a question shows "
            "every kind of file; --from imports your own texts instead.",
        )
    )
    init.add_argument("dir", metavar="DIR", help="the new reader's folder (empty or new)")
    init.add_argument(
        "--from",
        dest="sources",
        nargs="+",
        metavar="FILE",
        default=[],
        help="texts to import as the readings (.txt, .md, .html or .docx) instead of the sample",
    )
    init.add_argument("--title", dest="reader_title", help="the reader's title")
    init.add_argument("--editor", dest="editors", action="append", help="an editor's name")
    init.set_defaults(func=cmd_init)

    add = _common(
        sub.add_parser(
            "add-reading",
            help="import texts (.txt, .md, .html, .docx) as readings",
            description="Import each FILE as a reading: its text as seeds/<id>.txt, its "
            "metadata as seeds/<id>.yaml (sha256 computed; title, author and date from the "
            "document where it has them), and its id added to the readings in "
            "annotations/reader.yaml.",
        )
    )
    add.add_argument("files", nargs="+", metavar="FILE", help="a .txt, .md, .html or .docx file")
    add_import_arguments(add)
    add.set_defaults(func=cmd_add_reading)

    new = _common(
        sub.add_parser(
            "new",
            help="write a new note, term, question, entity or textual note",
            description="Write a new annotation file that checks, or add an entry to the "
            "file of its kind. With --reading and --quote the quote is checked against the "
            "reading at once.",
        )
    )
    newfile.add_arguments(new)
    new.set_defaults(func=cmd_new)

    check = _common(
        sub.add_parser(
            "check",
            help="check every input file and report all problems",
            description="Check every input file and print every problem at once, as "
            "path:line:col: severity: message [coursepack.code]; exit 1 if any is an error.",
        )
    )
    check.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (one problem a line) or json (a list, for editors and CI)",
    )
    check.add_argument(
        "--quiet-warning",
        action="append",
        metavar="CODE",
        help="do not report warnings with this code (coursepack.quality.note-sources); "
        "repeat for more (see silence: in reader.yaml)",
    )
    check.set_defaults(func=cmd_check)

    build = _common(sub.add_parser("build", help="check, then build the site, PDFs and citations"))
    build.add_argument("--only", type=_targets, help="comma-separated targets: site,pdf,epub,cite")
    add_arguments(build)
    build.add_argument("--out", default="build", help="output directory (default: build)")
    build.set_defaults(func=cmd_build)

    serve = _common(
        sub.add_parser(
            "serve",
            help="preview the site, rebuilt and reloaded as you edit",
            description="Build the site into a preview folder, serve it on 127.0.0.1 and "
            "rebuild it whenever a file under seeds/, annotations/ or docs/ changes; the "
            "open page reloads. Problems are shown on the page and here. Ctrl-C stops it.",
        )
    )
    serve.add_argument("--port", type=int, default=0, help="the port (default: a free one)")
    serve.add_argument(
        "--out",
        default="",
        help="the preview's build folder (default: .coursepack-cache/serve)",
    )
    serve.add_argument(
        "--no-pdf", action="store_true", help="do not rebuild the PDFs in the background"
    )
    serve.add_argument(
        "--edition",
        choices=("student", "instructor"),
        default="student",
        help="student, or instructor (with teaching notes)",
    )
    serve.set_defaults(func=cmd_serve)

    cite = _common(sub.add_parser("cite", help="print one citable entry"))
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

    schema = _common(
        sub.add_parser(
            "schema",
            help="list, print or write the JSON Schemas of the formats",
            description="With no NAME, list the schemas; with a NAME, print that schema; "
            "with --write DIR, write every schema into DIR.",
        )
    )
    schema.add_argument("name", nargs="?", default=None, metavar="NAME")
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
    try:
        # Inside the try: an interrupt that comes before the handlers are in place is a
        # plain KeyboardInterrupt, said in one line as well.
        processes.install()
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
