"""Write a new annotation: ``coursepack new note|term|question|entity|textual ID ...``.

A note or a glossary term is a new file; a question, an entity or a textual note is an
entry added to the end of the file of its kind (``questions/<reading>.yaml``,
``entities.yaml``, ``textual/<reading>.yaml``), made when it does not exist, its other
entries, comments and layout left as they are. What is written checks: the id is an id
and new in its kind, the reading is one of the reader's, every source is a key of
``references.bib``, the entry passes its kind's schema, and with ``--quote`` the quote is
found in the reading at once (:mod:`coursepack.resolve.anchor`), or the command stops
with the same message ``coursepack check`` would give, listing the places it matches and
how to choose one. Nothing is written when anything fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from coursepack.diagnostics import Location, Report
from coursepack.model import ENTITY_KINDS, LEVELS, TEXTUAL_KINDS

ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add a subcommand for each kind of annotation that ``new`` writes."""
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")

    def anchor(p: argparse.ArgumentParser, *, required: bool = False) -> None:
        p.add_argument("--reading", required=required, help="the reading the quote is from")
        p.add_argument("--quote", required=required, help="the passage, copied from the reading")
        p.add_argument("--prefix", help="the words just before the quote, to choose a match")
        p.add_argument("--suffix", help="the words just after the quote, to choose a match")
        p.add_argument("--occurrence", type=int, help="which match to take (from 1)")

    def source(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--source",
            dest="sources",
            action="append",
            required=True,
            metavar="KEY",
            help="a key of references.bib (repeat for several)",
        )

    note = kinds.add_parser("note", help="a historical note: annotations/notes/ID.md")
    note.add_argument("id", metavar="ID")
    note.add_argument("--title", help="the note's title (default: made from the id)")
    note.add_argument("--date", required=True, help="YYYY, YYYY-MM or YYYY-MM-DD")
    source(note)
    anchor(note, required=True)

    term = kinds.add_parser("term", help="a glossary term: annotations/glossary/ID.md")
    term.add_argument("id", metavar="ID")
    term.add_argument("--term", help="the term as the glossary lists it (default: the id)")
    term.add_argument("--definition", help="the definition (Markdown)")
    source(term)
    anchor(term)

    question = kinds.add_parser(
        "question", help="a discussion question, added to annotations/questions/READING.yaml"
    )
    question.add_argument("id", metavar="ID")
    question.add_argument("--reading", required=True, help="the reading it is about")
    question.add_argument("--question", required=True, help="the question (Markdown)")
    question.add_argument("--level", choices=LEVELS, default="interpret")
    question.add_argument("--teaching-note", help="what a good answer contains")
    question.add_argument("--quote", help="a passage the question is about")
    question.add_argument("--prefix")
    question.add_argument("--suffix")
    question.add_argument("--occurrence", type=int)

    entity = kinds.add_parser(
        "entity", help="a person or organization, added to annotations/entities.yaml"
    )
    entity.add_argument("id", metavar="ID")
    entity.add_argument("--name", help="the name as it is said (default: made from the id)")
    entity.add_argument("--kind", dest="entity_kind", choices=ENTITY_KINDS, required=True)
    entity.add_argument("--description", required=True, help="one line identifying it")

    textual = kinds.add_parser(
        "textual", help="a textual note, added to annotations/textual/READING.yaml"
    )
    textual.add_argument("id", metavar="ID")
    textual.add_argument("--kind", dest="textual_kind", choices=TEXTUAL_KINDS, required=True)
    textual.add_argument("--note", required=True, help="what is wrong and how it was established")
    textual.add_argument("--correction", help="the correct reading")
    anchor(textual)


def _scalar(value: Any) -> str:
    """Return a value written for YAML: plain when that reads back the same, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if (
        re.fullmatch(r"[A-Za-z][\w ,.'’()/-]*", text)
        and not text.endswith(" ")
        and (text.casefold() not in ("true", "false", "yes", "no", "null", "on", "off"))
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def to_yaml(value: Any, indent: int = 0) -> list[str]:
    """Return a mapping or a list as block YAML lines."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                if isinstance(item, list) and all(not isinstance(x, dict | list) for x in item):
                    lines.append(f"{pad}{key}: [{', '.join(_scalar(x) for x in item)}]")
                else:
                    lines.append(f"{pad}{key}:")
                    lines += to_yaml(item, indent + 2)
            elif isinstance(item, dict | list):
                lines.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            sub = to_yaml(item, indent + 2)
            lines.append(f"{pad}- {sub[0].lstrip()}")
            lines += sub[1:]
    return lines


def _humanize(ident: str) -> str:
    text = ident.replace("-", " ")
    return text[:1].upper() + text[1:]


class _New:
    """What one ``coursepack new`` run checks and writes."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.root = Path(args.root)
        self.report = Report()
        self.kind: str = args.kind
        self.ident: str = args.id
        self.target = self._target()

    def _target(self) -> str:
        a = self.args
        return {
            "note": f"annotations/notes/{self.ident}.md",
            "term": f"annotations/glossary/{self.ident}.md",
            "question": f"annotations/questions/{getattr(a, 'reading', '')}.yaml",
            "entity": "annotations/entities.yaml",
            "textual": f"annotations/textual/{getattr(a, 'reading', '')}.yaml",
        }[self.kind]

    def where(self) -> Location:
        return Location(self.target, 1, 1)

    def error(self, code: str, message: str) -> None:
        self.report.error(code, message, self.where())

    # ---- checks ------------------------------------------------------------------------

    def readings(self) -> list[str]:
        import yaml

        path = self.root / "annotations" / "reader.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            return []
        listed = data.get("readings") if isinstance(data, dict) else None
        return [str(r) for r in listed] if isinstance(listed, list) else []

    def check_reading(self, reading: str) -> bool:
        from coursepack.load.validate import suggest

        known = self.readings()
        if reading in known:
            return True
        self.error(
            "ref.reading",
            f"unknown reading '{reading}'{suggest(reading, known)}; the readings are: "
            f"{', '.join(known) or 'none yet (coursepack add-reading FILE)'}",
        )
        return False

    def check_sources(self, keys: list[str]) -> None:
        from coursepack.load.bibtex import parse_references
        from coursepack.load.validate import suggest

        path = self.root / "annotations" / "references.bib"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = ""
        references, _, _ = parse_references(text, "annotations/references.bib", Report())
        known = [r.key for r in references]
        for key in keys:
            if key not in known:
                self.error(
                    "ref.reference",
                    f"unknown reference key '{key}'{suggest(key, known)}; add the work to "
                    "annotations/references.bib first, or correct the key",
                )

    def check_quote(self, reading: str, spec: dict[str, Any]) -> None:
        """Anchor a quote in the reading now, reporting what check would report."""
        import yaml

        from coursepack.resolve.anchor import AnchorProblem, TextIndex
        from coursepack.resolve.text import paragraphs_of

        try:
            text = (self.root / "seeds" / f"{reading}.txt").read_text(encoding="utf-8")
            meta = yaml.safe_load(
                (self.root / "seeds" / f"{reading}.yaml").read_text(encoding="utf-8")
            )
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.error("seed.missing", f"cannot read reading '{reading}' to check the quote: {exc}")
            return
        front_blocks = meta.get("front_blocks", 0) if isinstance(meta, dict) else 0
        front, numbered = paragraphs_of(text, front_blocks if isinstance(front_blocks, int) else 0)
        index = TextIndex(reading, text, front + numbered)
        result = index.resolve(
            spec["quote"], spec.get("prefix"), spec.get("suffix"), spec.get("occurrence")
        )
        if isinstance(result, AnchorProblem):
            how = (
                " (here: --prefix, --suffix or --occurrence N)"
                if result.code == "anchor.ambiguous" or result.candidates
                else ""
            )
            self.error(result.code, result.message + how)

    def check_new_id(self, existing: list[str], word: str) -> None:
        if not ID.fullmatch(self.ident):
            self.error(
                "schema.value",
                f"'{self.ident}' is not an id: use lower-case letters, digits and hyphens",
            )
        elif self.ident in existing:
            self.error(
                "new.exists",
                f"a {word} '{self.ident}' exists already; choose another id, or edit it",
            )

    def ids_in(self, pattern: str, field: str) -> list[str]:
        """Return the ids of the entries listed under field in the files matching pattern."""
        import yaml

        out = []
        for path in sorted((self.root / "annotations").glob(pattern)):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            items = data.get(field) if isinstance(data, dict) else None
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and "id" in item:
                    out.append(str(item["id"]))
        return out

    def anchor_spec(self, reading: str | None) -> dict[str, Any] | None:
        a = self.args
        if not getattr(a, "quote", None):
            return None
        spec: dict[str, Any] = {}
        if reading is not None:
            spec["reading"] = reading
        spec["quote"] = a.quote
        for name in ("prefix", "suffix", "occurrence"):
            if getattr(a, name, None) is not None:
                spec[name] = getattr(a, name)
        return spec

    def validate(self, data: dict[str, Any], schema: str) -> None:
        """Check an entry against its kind's schema (a whole file's data)."""
        from coursepack.load.validate import validate
        from coursepack.load.yamlnodes import parse_yaml

        text = "\n".join(to_yaml(data)) + "\n"
        doc = parse_yaml(text, self.target, self.report)
        if doc is not None:
            validate(doc, schema, self.kind, self.report)

    # ---- the kinds ---------------------------------------------------------------------

    def run(self) -> tuple[str, str] | None:
        """Return the path and the new text of the file to write, or None (reported)."""
        make = getattr(self, f"make_{self.kind}")
        result: tuple[str, str] | None = make()
        return result if self.report.ok else None

    def _markdown(self, front: dict[str, Any], body: str, schema: str, word: str) -> str:
        existing = [p.stem for p in (self.root / self.target).parent.glob("*.md")]
        self.check_new_id(existing, word)
        self.validate(front, schema)
        return "---\n" + "\n".join(to_yaml(front)) + "\n---\n\n" + body.strip() + "\n"

    def make_note(self) -> tuple[str, str]:
        a = self.args
        front: dict[str, Any] = {
            "title": a.title or _humanize(self.ident),
            "date": a.date,
            "sources": list(a.sources),
        }
        spec = self.anchor_spec(a.reading)
        front["anchors"] = [spec] if spec else []
        if self.check_reading(a.reading) and spec:
            self.check_quote(a.reading, spec)
        self.check_sources(a.sources)
        body = (
            "Write the note here, in Markdown: what a reader needs to know about the passage, "
            "with the sources above."
        )
        return self.target, self._markdown(front, body, "note", "historical note")

    def make_term(self) -> tuple[str, str]:
        a = self.args
        front: dict[str, Any] = {"term": a.term or self.ident.replace("-", " ")}
        front["sources"] = list(a.sources)
        spec = self.anchor_spec(a.reading)
        if spec:
            front["anchors"] = [spec]
            if a.reading is None:
                self.error("schema.required", "--quote needs --reading, the reading it is from")
            elif self.check_reading(a.reading):
                self.check_quote(a.reading, spec)
        self.check_sources(a.sources)
        body = a.definition or "Write the definition here, in Markdown."
        return self.target, self._markdown(front, body, "term", "glossary term")

    def _append(self, field: str, entry: dict[str, Any], head: dict[str, Any]) -> str:
        """Return the target's text with entry added to its list field (a new file when
        there is none: head's fields, then the list)."""
        path = self.root / self.target
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            return append_entry(text, field, to_yaml([entry], 2))
        return "\n".join([*to_yaml(head), f"{field}:", *to_yaml([entry], 2)]) + "\n"

    def make_question(self) -> tuple[str, str]:
        a = self.args
        self.check_new_id(self.ids_in("questions/*.yaml", "questions"), "question")
        entry: dict[str, Any] = {"id": self.ident, "level": a.level, "question": a.question}
        spec = self.anchor_spec(None)
        if spec:
            entry["anchors"] = [spec]
        entry["teaching_note"] = a.teaching_note or "Write what a good answer contains."
        if self.check_reading(a.reading) and spec:
            self.check_quote(a.reading, spec)
        self.validate({"reading": a.reading, "questions": [entry]}, "questions")
        return self.target, self._append("questions", entry, {"reading": a.reading})

    def make_entity(self) -> tuple[str, str]:
        a = self.args
        self.check_new_id(self.ids_in("entities.yaml", "entities"), "person or organization")
        entry = {
            "id": self.ident,
            "name": a.name or _humanize(self.ident).title(),
            "kind": a.entity_kind,
            "description": a.description,
        }
        self.validate({"entities": [entry]}, "entities")
        return self.target, self._append("entities", entry, {})

    def make_textual(self) -> tuple[str, str]:
        a = self.args
        if not a.reading:
            self.error("schema.required", "a textual note needs --reading, the reading it is on")
            return self.target, ""
        self.check_new_id(self.ids_in("textual/*.yaml", "notes"), "textual note")
        entry: dict[str, Any] = {"id": self.ident, "kind": a.textual_kind}
        spec = self.anchor_spec(None)
        if spec:
            entry["anchor"] = spec
        elif a.textual_kind != "metadata":
            self.error(
                "schema.required",
                f"a textual note of kind '{a.textual_kind}' needs --quote, the passage it is "
                "about (only kind metadata may go without)",
            )
        entry["note"] = a.note
        if a.correction:
            entry["correction"] = a.correction
        if self.check_reading(a.reading) and spec:
            self.check_quote(a.reading, spec)
        self.validate({"reading": a.reading, "notes": [entry]}, "textual")
        return self.target, self._append("notes", entry, {"reading": a.reading})


def append_entry(text: str, field: str, lines: list[str]) -> str:
    """Return a YAML file's text with an entry's lines added at the end of its list field,
    in the indentation of the list's items; the rest of the text is left as it is."""
    import yaml

    root = yaml.compose(text)
    node = None
    if isinstance(root, yaml.MappingNode):
        node = next(
            (v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == field),
            None,
        )
    if not isinstance(node, yaml.SequenceNode) or not node.value or node.flow_style:
        sep = "" if text.endswith("\n") else "\n"
        return text + sep + f"{field}:\n" + "\n".join(lines) + "\n"
    first, last = node.value[0], node.value[-1]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    indent = text[line_start : text.rfind("-", line_start, first.start_mark.index)]
    shifted = [indent + line[2:] if line.startswith("  ") else line for line in lines]
    # The last item ends with its last value (a block scalar's end takes its line break).
    end = _end(last)
    after = text.find("\n", end - 1) if end > 0 else -1
    insert = len(text) if after == -1 else after + 1
    sep = "" if text[:insert].endswith("\n") else "\n"
    return text[:insert] + sep + "\n".join(shifted) + "\n" + text[insert:]


def _end(node: Any) -> int:
    """Return where the last scalar under a YAML node ends."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return int(node.end_mark.index)
    if isinstance(node, yaml.SequenceNode):
        return max((_end(v) for v in node.value), default=int(node.end_mark.index))
    if isinstance(node, yaml.MappingNode):
        return max((_end(v) for _, v in node.value), default=int(node.end_mark.index))
    return int(node.end_mark.index)


def new_command(args: argparse.Namespace) -> int:
    """Run ``coursepack new``; return the exit code."""
    job = _New(args)
    result = job.run()
    if result is None:
        print(job.report.format(), file=sys.stderr)
        n = len(job.report.errors)
        print(f"{n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
        return 1
    relative, text = result
    path = job.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    path.write_text(text, encoding="utf-8")
    if not args.quiet:
        verb = "added to" if existed else "wrote"
        print(f"{verb} {relative}")
    return 0
