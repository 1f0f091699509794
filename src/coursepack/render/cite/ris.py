"""RIS records (the tagged format Zotero, EndNote and Mendeley import) from CSL-JSON.

RIS is a flat list of ``TAG  - value`` lines, so it is written here from the CSL records
rather than through a library; values are single lines (newlines become spaces).
"""

from __future__ import annotations

from typing import Any

from coursepack.refs.csl import CslRecord

#: CSL types and the RIS types that correspond.
RIS_TYPES = {
    "article-journal": "JOUR",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "chapter": "CHAP",
    "entry-dictionary": "DICT",
    "entry-encyclopedia": "ENCYC",
    "paper-conference": "CPAPER",
    "report": "RPRT",
    "thesis": "THES",
    "webpage": "ELEC",
    "legislation": "STAT",
    "legal_case": "CASE",
    "manuscript": "UNPB",
    "pamphlet": "PAMP",
}


def _line(tag: str, value: Any) -> str:
    text = " ".join(str(value).split())
    return f"{tag}  - {text}"


def _name(name: dict[str, str]) -> str:
    if "literal" in name:
        return name["literal"]
    return f"{name['family']}, {name['given']}"


def _date(value: Any) -> str | None:
    if not isinstance(value, dict) or not value.get("date-parts"):
        return None
    parts = [int(p) for p in value["date-parts"][0]]
    year = f"{parts[0]:04d}"
    month = f"{parts[1]:02d}" if len(parts) > 1 else ""
    day = f"{parts[2]:02d}" if len(parts) > 2 else ""
    return f"{year}/{month}/{day}/"


def ris_record(record: CslRecord) -> str:
    """Return one RIS record for a CSL-JSON record."""
    lines = [_line("TY", RIS_TYPES.get(str(record.get("type")), "GEN"))]
    lines.append(_line("ID", record["id"]))
    for name in record.get("author", []):
        lines.append(_line("AU", _name(name)))
    legal = record.get("type") in ("legal_case", "legislation")
    if legal and not record.get("author") and record.get("publisher"):
        # A court or a legislature, the body a case or statute comes from, as its creator.
        lines.append(_line("AU", record["publisher"]))
    for name in record.get("editor", []):
        # RIS's secondary author: the editor of a book, or of the book an entry is in.
        lines.append(_line("A2", _name(name)))
    simple = [
        ("TI", "title"),
        ("T2", "container-title"),
        ("ET", "edition"),
        ("VL", "volume"),
        ("SE", "section"),  # a statute's sections (Zotero reads SE of STAT so)
        ("SE", "number"),
        ("IS", "issue"),
        ("PB", "publisher"),
        ("CY", "publisher-place"),
        ("UR", "URL"),
        ("DO", "DOI"),
        ("SN", "ISBN"),
        ("LA", "language"),
        ("N1", "note"),
    ]
    for tag, var in simple:
        if tag == "PB" and legal:
            continue  # given as the creator above
        if record.get(var):
            lines.append(_line(tag, record[var]))
    page = str(record.get("page", ""))
    if page:
        start, _, end = page.replace("–", "-").partition("-")
        lines.append(_line("SP", start))
        if end:
            lines.append(_line("EP", end))
    issued = _date(record.get("issued"))
    if issued:
        lines.append(_line("PY", issued[:4]))
        lines.append(_line("DA", issued))
    accessed = _date(record.get("accessed"))
    if accessed:
        lines.append(_line("Y2", accessed))
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


def write_ris(records: list[CslRecord]) -> str:
    """Return RIS text for records, one blank line between them."""
    return "\n".join(ris_record(r) for r in records)
