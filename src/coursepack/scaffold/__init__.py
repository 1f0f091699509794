"""Start a new reader: ``coursepack init DIR [--from FILE ...]``.

The new reader checks and builds at once. Its files come from the template beside this
module (package data): ``annotations/reader.yaml``, ``annotations/references.bib``, the
annotation folders, a Sphinx project in ``docs/`` (its front page lists the generated
pages; a page on using the site and one on citing it) and a ``.gitignore``. Without
``--from`` it holds one short public-domain reading, the Gettysburg Address, with a
sourced historical note, a glossary term and a discussion question, so that every kind of
file has an example; with ``--from`` the given texts are imported instead
(:mod:`coursepack.importer`) and the annotation folders are left empty.
"""

from __future__ import annotations

import argparse
import datetime
import re
import shutil
import sys
from pathlib import Path

TEMPLATE = Path(__file__).parent / "template"

#: The sample's files, left out when the reader starts from the user's own texts.
SAMPLE = (
    "seeds/gettysburg-1863.txt",
    "seeds/gettysburg-1863.yaml",
    "annotations/notes/five-copies.md",
    "annotations/glossary/score.md",
    "annotations/questions/gettysburg-1863.yaml",
)
SAMPLE_READING = "gettysburg-1863"
#: Every annotation folder a new reader starts with.
FOLDERS = ("seeds", "annotations/notes", "annotations/glossary", "annotations/questions",
           "annotations/textual", "annotations/contexts")  # fmt: skip


class InitError(Exception):
    """Raised when a reader cannot be made where asked; the message says why and what to do."""


def _slug(text: str) -> str:
    """Return text made into an id: lower-case letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "reader"


def _yaml_string(text: str) -> str:
    """Return text as a YAML flow scalar (double-quoted where plain would be misread)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 .'’-]*", text) and not text.endswith(" "):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _py_string(text: str) -> str:
    """Return text for a double-quoted Python string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def check_target(target: Path) -> None:
    """Raise InitError unless target is a new or empty folder."""
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} is a file; choose a new folder for the reader")
    if target.is_dir() and any(target.iterdir()):
        raise InitError(
            f"{target}/ is not empty; choose a new or empty folder (coursepack init never "
            "overwrites files), or add texts to an existing reader with "
            "`coursepack add-reading FILE`"
        )


def init_reader(
    target: Path,
    *,
    title: str = "",
    editors: tuple[str, ...] = (),
    sample: bool = True,
    year: int | None = None,
) -> Path:
    """Write a new reader into target (a new or empty folder); return its root.

    With sample, the reader holds the sample reading and its annotations; without, its
    reading list is empty until texts are added (which the caller does at once).
    """
    check_target(target)
    title = " ".join((title or "A new reader").split())
    editors = tuple(" ".join(e.split()) for e in editors if e.strip()) or ("The editors",)
    year = year or datetime.date.today().year
    reader_id = _slug(title)
    values = {
        "id": reader_id,
        "title": _yaml_string(title),
        "editors": ", ".join(_yaml_string(e) for e in editors),
        "year": str(year),
        "publisher": _yaml_string(editors[0]),
        "readings": SAMPLE_READING if sample else "",
        "first_reading": SAMPLE_READING if sample else "",
        "introduction": "Write here what the reader is for and how to read it (Markdown).",
        "title_py": _py_string(title),
        "editors_py": _py_string(", ".join(editors)),
    }
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted(TEMPLATE.rglob("*")):
        relative = source.relative_to(TEMPLATE).as_posix()
        if source.is_dir() or "__pycache__" in relative:
            continue
        if relative == "annotations/references-sample.bib":
            continue
        if not sample and relative in SAMPLE:
            continue
        name = ".gitignore" if relative == "gitignore" else relative
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative.startswith("seeds/"):
            shutil.copyfile(source, path)  # byte for byte: its sha256 is recorded
            continue
        text = source.read_text(encoding="utf-8")
        if relative == "annotations/references.bib" and sample:
            text += "\n" + (TEMPLATE / "annotations/references-sample.bib").read_text("utf-8")
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        path.write_text(text, encoding="utf-8")
    for folder in FOLDERS:
        (target / folder).mkdir(parents=True, exist_ok=True)
    return target


def init_command(args: argparse.Namespace) -> int:
    """Run ``coursepack init``; return the exit code."""
    from coursepack.importer import ImportError_, describe, prepare, write

    target = Path(args.dir)
    try:
        check_target(target)
    except InitError as exc:
        print(f"coursepack init: error: {exc}", file=sys.stderr)
        return 1
    sources = [Path(s) for s in args.sources]
    try:  # every text converted and checked before anything is written
        items = prepare(target, sources, args, set()) if sources else []
    except ImportError_ as exc:
        print(exc.format().replace("nothing was added", "no reader was made"), file=sys.stderr)
        return 1
    init_reader(
        target,
        title=args.reader_title or "",
        editors=tuple(args.editors or ()),
        sample=not sources,
    )
    if items:
        reader = target / "annotations" / "reader.yaml"
        write(target, items, reader.read_text(encoding="utf-8"))
    if not args.quiet:
        for item in items:
            print(describe(item))
        print(f"a new reader in {target}/")
        print(f"next: cd {target} && coursepack check && coursepack serve")
    return 0
