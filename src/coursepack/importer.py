"""Import texts as readings: ``coursepack add-reading FILE ...`` (and ``init --from``).

A .txt file is kept byte for byte. A .md, .html or .docx file is turned into plain text,
paragraphs separated by blank lines, by pandoc, which the ``pypandoc-binary`` package
ships inside its wheel: nobody installs pandoc by hand, and every machine converts with
the same pandoc release, so the same file always gives the same text (and the same
sha256). Markdown is read without "smart" punctuation, so straight quotation marks stay
as written.

For each file, ``seeds/<id>.txt`` and ``seeds/<id>.yaml`` are written, with the sha256
computed and the original file name kept, and the id is added to the readings in
``annotations/reader.yaml`` by editing its text, so its comments and layout stay. Title,
authors and date come from the document's metadata (Markdown front matter, an HTML
page's ``<title>`` and ``<meta>`` tags, a Word document's properties) or from its
first lines (a headline, a "By ..." line, a date); options give what is not there.
``supplied`` lists exactly the fields whose value the text itself does not state. The
genre decides the type of citation (``type``).

Every file is converted and checked before anything is written: a run either adds every
file or none.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import re
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coursepack.diagnostics import Location, Report
from coursepack.model import READING_TYPES

#: The file endings imported, and the pandoc format each is read as (None: kept as is).
FORMATS: dict[str, str | None] = {
    ".txt": None,
    ".md": "markdown-smart",
    ".markdown": "markdown-smart",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}

#: Words of a genre and the type of text they make it, first match wins.
GENRE_TYPES: tuple[tuple[str, str], ...] = (
    ("blog", "blog"),
    ("newspaper", "newspaper"),
    ("news", "newspaper"),
    ("editorial", "newspaper"),
    ("magazine", "magazine"),
    ("journal", "journal"),
    ("web", "webpage"),
    ("online", "webpage"),
    ("speech", "speech"),
    ("address", "speech"),
    ("sermon", "speech"),
    ("lecture", "speech"),
    ("chapter", "chapter"),
    ("letter", "letter"),
    ("report", "report"),
    ("interview", "interview"),
    ("pamphlet", "pamphlet"),
    ("leaflet", "pamphlet"),
    ("manuscript", "manuscript"),
    ("book", "book"),
)

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
DATE_PATTERN = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip
_WRITTEN_DATE = re.compile(
    r"\b(?:(?P<m1>[A-Za-z]{3,9})\.? (?P<d1>\d{1,2}),? (?P<y1>\d{4})"
    r"|(?P<d2>\d{1,2}) (?P<m2>[A-Za-z]{3,9})\.? (?P<y2>\d{4}))\b"
)
_BYLINE = re.compile(r"^by\s+(?P<names>.+)$", re.IGNORECASE)
#: How far into a text a headline, a byline or a date is looked for.
FRONT_LOOK = 4
#: The longest block taken for a headline or a byline.
SHORT_BLOCK = 200

_TEMPLATE = (
    "$if(title)$title\t$title$\n$endif$"
    "$for(author)$author\t$author$\n$endfor$"
    "$if(date)$date\t$date$\n$endif$"
    "$if(lang)$lang\t$lang$\n$endif$"
)


class ImportError_(Exception):  # not ImportError: that is Python's, for modules
    """Raised when texts cannot be imported; carries every problem found."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.format())
        self.report = report

    def format(self) -> str:
        """Return the problems, one a line, and what was done about them."""
        n = len(self.report.errors)
        return f"{self.report.format()}\n{n} error{'s' if n != 1 else ''}; nothing was added"


@dataclass
class Imported:
    """A text ready to be written as a reading."""

    id: str
    source: Path
    data: bytes
    #: The metadata fields in the order the file lists them.
    meta: dict[str, object] = field(default_factory=dict)


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options that give what a text's metadata lacks."""
    parser.add_argument("--id", dest="reading_id", help="the reading's id (default: made from "
                        "the author's family name and the year, or the title)")  # fmt: skip
    parser.add_argument("--title", help="the title, when the document does not give one")
    parser.add_argument(
        "--author",
        dest="authors",
        action="append",
        help="an author, 'Given Family' (repeat for several); default: from the document",
    )
    parser.add_argument("--outlet", help="the publication it appeared in, if any")
    parser.add_argument("--date", help="YYYY, YYYY-MM or YYYY-MM-DD, when the document has none")
    parser.add_argument("--url", default=None, help="where it was published")
    parser.add_argument(
        "--genre",
        help="what kind of text it is in words (news report, speech, letter ...); it decides "
        "the type of citation",
    )
    parser.add_argument(
        "--type",
        dest="reading_type",
        choices=READING_TYPES,
        help="the type of citation, when the genre does not say it",
    )
    parser.add_argument("--language", help="a language tag such as en (default: the document's)")
    parser.add_argument(
        "--front-blocks",
        type=int,
        default=None,
        help="how many leading blocks are headline and byline (default: found in the text)",
    )


def _get(args: argparse.Namespace, name: str) -> object:
    return getattr(args, name, None)


def _norm(text: str) -> str:
    """Return text for comparing: NFKC, quotation marks straight, spaces single, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[‘’‚‛]", "'", text)
    text = re.sub(r"[“”„‟]", '"', text)
    return " ".join(text.split()).casefold()


def convert(path: Path) -> tuple[bytes, dict[str, list[str]]]:
    """Return a file's text as UTF-8 bytes and its metadata (field -> values)."""
    fmt = FORMATS[path.suffix.lower()]
    if fmt is None:
        return path.read_bytes(), {}
    import pypandoc

    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp, "meta.plain")
        template.write_text(_TEMPLATE, encoding="utf-8")
        text = pypandoc.convert_file(str(path), "plain", format=fmt, extra_args=["--wrap=none"])
        found = pypandoc.convert_file(
            str(path),
            "plain",
            format=fmt,
            extra_args=["--wrap=none", "--standalone", f"--template={template}"],
        )
    meta: dict[str, list[str]] = {}
    for line in found.splitlines():
        name, _, value = line.partition("\t")
        if value.strip():
            meta.setdefault(name, []).append(" ".join(value.split()))
    text = text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8"), meta


def blocks_of(text: str) -> list[str]:
    """Return the blocks of a text (runs of lines that are not blank), each on one line."""
    return [" ".join(b.split()) for b in re.split(r"\n[^\S\n]*\n", text) if b.strip()]


def parse_date(value: str) -> str | None:
    """Return a date as YYYY, YYYY-MM or YYYY-MM-DD, or None when it cannot be read."""
    value = value.strip()
    iso = re.match(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(?:$|[T ])", value)
    if iso:
        parts = [p for p in iso.groups() if p]
        try:
            datetime.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1,
                          int(parts[2]) if len(parts) > 2 else 1)  # fmt: skip
        except ValueError:
            return None
        return "-".join(parts)
    written = _WRITTEN_DATE.search(value)
    if written:
        return _written(written)
    return None


def _written(match: re.Match[str]) -> str | None:
    month_name = (match["m1"] or match["m2"]).casefold()
    day, year = int(match["d1"] or match["d2"]), int(match["y1"] or match["y2"])
    month = next((i for i, m in enumerate(_MONTHS, 1) if m.startswith(month_name[:3])), 0)
    if not month or (len(month_name) > 3 and not _MONTHS[month - 1].startswith(month_name)):
        return None
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _states_date(text: str, date: str) -> bool:
    """Return whether a text states a date (ISO, or written out) within its first blocks."""
    head = "\n".join(blocks_of(text)[:FRONT_LOOK] + blocks_of(text)[-2:])
    if date in head:
        return True
    return any(_written(m) == date for m in _WRITTEN_DATE.finditer(head))


def _people(value: str) -> list[str]:
    """Return the names in a byline ("Jane Roe and John Doe", "Roe, Doe & Poe")."""
    value = re.split(r"\s[|·•—–-]\s|\s{2,}", value)[0]
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", value)
    return [p.strip(" .") for p in parts if p.strip(" .")]


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_SMALL = {"a", "an", "the", "of", "in", "on", "and", "to", "for", "at", "by", "with"}


def make_id(authors: Sequence[str], title: str, date: str, stem: str) -> str:
    """Return an id for a reading: family name and year, else title words and year."""
    year = date[:4]
    if authors:
        family = authors[0].split(",")[0] if "," in authors[0] else authors[0].split()[-1]
        base = _slug(family)
    else:
        words = [w for w in _slug(title).split("-") if w and w not in _SMALL][:3]
        base = "-".join(words) or _slug(stem)
    base = base or "reading"
    return f"{base}-{year}" if year else base


def _type_of(genre: str) -> str | None:
    words = genre.casefold()
    return next((kind for word, kind in GENRE_TYPES if word in words), None)


def _yaml_scalar(value: object) -> str:
    """Return a value as YAML writes it: plain where that reads back the same, else quoted."""
    import json

    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text == "":
        return '""'
    plain = re.fullmatch(r"[A-Za-z][\w .,'’()/-]*", text) and not re.search(r"[:#]|\s$", text)
    if plain and text.casefold() not in ("true", "false", "yes", "no", "null", "on", "off"):
        return text
    return json.dumps(text, ensure_ascii=False)


def render_meta(meta: dict[str, object]) -> str:
    """Return a seed's metadata as the text of its YAML file."""
    lines = []
    for name, value in meta.items():
        if isinstance(value, list):
            lines.append(f"{name}: [{', '.join(_yaml_scalar(v) for v in value)}]")
        elif name == "date":
            lines.append(f"{name}: {value}")
        else:
            lines.append(f"{name}: {_yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def prepare(
    root: Path, files: Sequence[Path], args: argparse.Namespace, taken: set[str]
) -> list[Imported]:
    """Convert each file and make its metadata; raise ImportError_ with every problem."""
    report = Report()
    out: list[Imported] = []
    given_id = _get(args, "reading_id")
    if given_id and len(files) > 1:
        report.error(
            "import.option",
            "--id names one reading; import the files one at a time to give each its id",
            Location(str(files[1]), 1, 1),
        )
    taken = set(taken)
    for path in files:
        item = _prepare_one(root, path, args, taken, report)
        if item is not None:
            taken.add(item.id)
            out.append(item)
    if not report.ok:
        raise ImportError_(report)
    return out


def _prepare_one(
    root: Path, path: Path, args: argparse.Namespace, taken: set[str], report: Report
) -> Imported | None:
    where = Location(str(path), 1, 1)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        report.error(
            "import.format",
            f"coursepack imports {', '.join(sorted(FORMATS))} files, not '{suffix or path.name}';"
            " save the text in one of those formats",
            where,
        )
        return None
    if not path.is_file():
        report.error("file.missing", f"no such file: {path}", where)
        return None
    try:
        data, found = convert(path)
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.error(
            "file.encoding",
            f"the text is not UTF-8 (byte {exc.start}); save it as UTF-8 and import it again",
            where,
        )
        return None
    except (OSError, RuntimeError) as exc:
        report.error("import.format", f"pandoc could not read the file: {exc}", where)
        return None
    blocks = blocks_of(text)
    if not blocks:
        report.error("file.empty", "the file has no text to import", where)
        return None
    normalized = _norm(text)

    def stated(value: str) -> bool:
        return bool(value) and _norm(value) in normalized

    front = 0  # blocks known to be headline, byline or date

    # Title: given, else the document's, else its first line when short, else the name.
    title = str(_get(args, "title") or "")
    if not title and found.get("title"):
        title = found["title"][0]
    if not title and len(blocks[0]) <= SHORT_BLOCK and not blocks[0].endswith("."):
        title = blocks[0]
    if not title:
        title = path.stem.replace("_", " ").replace("-", " ").strip() or path.stem
    for i, block in enumerate(blocks[:FRONT_LOOK]):
        if _norm(block) == _norm(title):
            front = max(front, i + 1)

    # Authors: given, else the document's, else a "By ..." line near the top.
    given_authors = _get(args, "authors")
    listed = given_authors if isinstance(given_authors, list) and given_authors else []
    authors = [str(a) for a in listed] or list(found.get("author", []))
    for i, block in enumerate(blocks[:FRONT_LOOK]):
        byline = _BYLINE.match(block)
        if byline and len(block) <= SHORT_BLOCK:
            if not authors:
                authors = _people(byline["names"])
            front = max(front, i + 1)
        elif authors and len(block) <= SHORT_BLOCK and _norm(block) in {_norm(a) for a in authors}:
            front = max(front, i + 1)

    # Date: given, else the document's, else one written near the top.
    date_given = str(_get(args, "date") or "")
    date: str | None = None
    if date_given:
        date = date_given if DATE_PATTERN.fullmatch(date_given) else parse_date(date_given)
        if date is None or parse_date(date) is None:
            report.error(
                "import.option",
                f"--date '{date_given}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD",
                where,
            )
            return None
    elif found.get("date"):
        date = parse_date(found["date"][0])
        if date is None:
            report.error(
                "import.date",
                f"the document's date '{found['date'][0]}' cannot be read as a date; give "
                "it with --date YYYY-MM-DD",
                where,
            )
            return None
    else:
        for i, block in enumerate(blocks[:FRONT_LOOK]):
            written = _WRITTEN_DATE.search(block)
            if written and _written(written) and len(block) <= SHORT_BLOCK:
                date = _written(written)
                if i < FRONT_LOOK - 1 and i <= front:
                    front = max(front, i + 1)
                break
    if date is None:
        report.error(
            "import.date",
            "the document gives no date, and none is written at its start; give it with "
            "--date YYYY, YYYY-MM or YYYY-MM-DD",
            where,
        )
        return None

    given_front = _get(args, "front_blocks")
    if isinstance(given_front, int):
        front = given_front
    front = min(front, len(blocks) - 1)

    reading_id = str(_get(args, "reading_id") or "") or make_id(authors, title, date, path.stem)
    if not ID_PATTERN.fullmatch(reading_id):
        report.error(
            "import.id",
            f"'{reading_id}' is not an id: use lower-case letters, digits and hyphens",
            where,
        )
        return None
    if _get(args, "reading_id"):
        if reading_id in taken or (root / "seeds" / f"{reading_id}.txt").exists():
            report.error(
                "import.id",
                f"the reader already has a reading '{reading_id}'; choose another --id",
                where,
            )
            return None
    else:
        base, n = reading_id, 2
        while reading_id in taken or (root / "seeds" / f"{reading_id}.txt").exists():
            reading_id, n = f"{base}-{n}", n + 1

    outlet = str(_get(args, "outlet") or "")
    url = _get(args, "url")
    html = FORMATS[path.suffix.lower()] == "html"
    genre = str(_get(args, "genre") or "") or (
        "web page" if html else ("article" if outlet else "text")
    )
    kind = _get(args, "reading_type") or _type_of(genre)
    language = str(_get(args, "language") or (found.get("lang") or ["en"])[0])

    supplied = []
    if not stated(title):
        supplied.append("title")
    if authors and not all(stated(a) for a in authors):
        supplied.append("authors")
    if outlet and not stated(outlet):
        supplied.append("outlet")
    if not _states_date(text, date):
        supplied.append("date")
    if url and not stated(str(url)):
        supplied.append("url")

    meta: dict[str, object] = {"title": title, "authors": authors}
    if outlet:
        meta["outlet"] = outlet
    meta.update({"date": date, "url": str(url or ""), "genre": genre})
    if kind:
        meta["type"] = kind
    meta.update(
        {
            "language": language,
            "original_filename": path.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "front_blocks": front,
            "supplied": supplied,
        }
    )
    return Imported(reading_id, path, data, meta)


def reader_readings(root: Path) -> tuple[list[str], str]:
    """Return the reading ids reader.yaml lists, and its text; raise ImportError_ if it
    cannot be read."""
    import yaml

    path = root / "annotations" / "reader.yaml"
    where = Location("annotations/reader.yaml", 1, 1)
    report = Report()
    if not path.is_file():
        report.error(
            "file.missing",
            f"no reader at {root}: annotations/reader.yaml is missing; start one with "
            "`coursepack init DIR`, or point at it with --root",
            where,
        )
        raise ImportError_(report)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = Location(where.path, mark.line + 1, mark.column + 1) if mark else where
        report.error("yaml.syntax", f"reader.yaml cannot be read ({exc}); correct it first", at)
        raise ImportError_(report) from None
    readings = data.get("readings") if isinstance(data, dict) else None
    if readings is None:
        readings = []
    if not isinstance(readings, list):
        report.error("schema.type", "'readings' must be a list of reading ids", where)
        raise ImportError_(report)
    return [str(r) for r in readings], text


def append_readings(text: str, ids: Sequence[str]) -> str:
    """Return reader.yaml's text with ids added at the end of its ``readings`` list.

    The text is edited where the list is written, so comments, order and layout stay as
    they are: a flow list (``[a, b]``) gets ``, c``; a block list gets ``- c`` lines in
    the indentation of its items; a missing or empty value becomes a flow list.
    """
    import yaml

    root = yaml.compose(text)
    node = None
    key_node = None
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "readings":
                key_node, node = k, v
    if node is None or key_node is None:
        sep = "" if text.endswith("\n") or not text else "\n"
        return f"{text}{sep}readings: [{', '.join(ids)}]\n"
    joined = ", ".join(ids)
    if isinstance(node, yaml.SequenceNode) and node.flow_style:
        opening, closing = node.start_mark.index, node.end_mark.index - 1
        inside = text[opening + 1 : closing]
        if not inside.strip():
            return text[: opening + 1] + joined + text[closing:]
        body = inside.rstrip()
        return text[: opening + 1] + body + ", " + joined + inside[len(body) :] + text[closing:]
    if isinstance(node, yaml.SequenceNode) and node.value:
        first, last = node.value[0], node.value[-1]
        line_start = text.rfind("\n", 0, first.start_mark.index) + 1
        indent = text[line_start : text.rfind("-", line_start, first.start_mark.index)]
        after = text.find("\n", last.end_mark.index)
        lines = "".join(f"{indent}- {i}\n" for i in ids)
        if after == -1:
            return text + "\n" + lines
        return text[: after + 1] + lines + text[after + 1 :]
    # No value (or null): write the list after the key's colon.
    colon = text.index(":", key_node.end_mark.index)
    end = max(node.end_mark.index, colon + 1)
    return text[: colon + 1] + f" [{joined}]" + text[end:]


def write(root: Path, items: Sequence[Imported], reader_text: str) -> list[str]:
    """Write each reading's two files and add the ids to reader.yaml; return the paths."""
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    written = []
    for item in items:
        (seeds / f"{item.id}.txt").write_bytes(item.data)
        (seeds / f"{item.id}.yaml").write_text(render_meta(item.meta), encoding="utf-8")
        written.append(f"seeds/{item.id}.txt")
    path = root / "annotations" / "reader.yaml"
    path.write_text(append_readings(reader_text, [i.id for i in items]), encoding="utf-8")
    return written


def import_files(root: Path, files: Sequence[Path], args: argparse.Namespace) -> list[Imported]:
    """Import files into the reader at root; return what was added (all or nothing)."""
    listed, text = reader_readings(root)
    on_disk = {p.stem for p in (root / "seeds").glob("*.txt")}
    items = prepare(root, files, args, set(listed) | on_disk)
    write(root, items, text)
    return items


def describe(item: Imported) -> str:
    """Return one line saying what was added and what was supplied."""
    supplied = item.meta.get("supplied")
    listed = ", ".join(str(s) for s in supplied) if isinstance(supplied, list) else ""
    what = f"; supplied (not stated in the text): {listed}" if listed else ""
    kind = item.meta.get("type")
    return (
        f"added {item.id}: seeds/{item.id}.txt from {item.source.name} "
        f"({item.meta['title']}, {item.meta['date']}"
        f"{', cited as ' + str(kind) if kind else ''}){what}"
    )


def add_reading_command(args: argparse.Namespace) -> int:
    """Run ``coursepack add-reading``; return the exit code."""
    root = Path(args.root)
    try:
        items = import_files(root, [Path(f) for f in args.files], args)
    except ImportError_ as exc:
        print(exc.format(), file=sys.stderr)
        return 1
    if not args.quiet:
        for item in items:
            print(describe(item))
        print("next: coursepack check (and annotate them: coursepack new note ...)")
    return 0


__all__ = ["ImportError_", "Imported", "add_reading_command", "import_files"]
