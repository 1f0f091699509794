"""Run the real bibtex and biber on written files, through a tiny LaTeX document."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tools import require_tool


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a TeX program in cwd, without a terminal."""
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def cite_every_key(keys: list[str]) -> str:
    """Return LaTeX that cites each key on its own (\\nocite{*} would hide unknown keys)."""
    return "\n".join(f"\\cite{{{key}}}" for key in keys)


def check_bibtex(bib: str, keys: list[str], work: Path) -> str:
    """Run pdflatex, bibtex (plain.bst) and pdflatex, citing each key on its own; fail on
    any warning or error; return the .bbl."""
    from clients import bibtex_style

    done = bibtex_style(bib, "plain", work, keys)
    assert done.warnings == [] and done.errors == [] and done.latex_errors == [], done
    return (work / "doc.bbl").read_text(encoding="utf-8")


#: biber's datamodel notices that coursepack's files carry by design (docs/citations.md):
#: an unsigned entry in the reader has no author; a work without a date has none; biblatex's
#: standard datamodel defines no fields for cases and statutes (@jurisdiction,
#: @legislation), which it leaves to specialised styles.
DELIBERATE = re.compile(
    r"Datamodel: Entry '(?P<key>[^']+)' \([^)]*\): (?:Missing mandatory field "
    r"(?:'(?P<field>author)'|- one of '(?P<date>date, year)' must be defined)"
    r"|Invalid field '\w+' for entrytype '(?P<legal>jurisdiction|legislation)')"
)


def check_biber(
    bib: str,
    keys: list[str],
    work: Path,
    *,
    validate: bool = False,
    datamodel: Path | None = None,
) -> list[str]:
    """Run pdflatex, biber (biblatex authoryear) and pdflatex; fail on any WARN or ERROR
    but the deliberate datamodel notices, which are returned as "key: author|date|legal".
    datamodel: a .dbx file the document loads (biblatex's ``datamodel`` option)."""
    pdflatex = require_tool("pdflatex")
    biber = require_tool("biber")
    work.mkdir(parents=True, exist_ok=True)
    (work / "coursepack-biblatex.bib").write_text(bib, encoding="utf-8")
    options = "backend=biber,style=authoryear"
    if datamodel is not None:
        (work / datamodel.name).write_bytes(datamodel.read_bytes())
        options += f",datamodel={datamodel.stem}"
    (work / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n"
        f"\\usepackage[{options}]{{biblatex}}\n"
        "\\addbibresource{coursepack-biblatex.bib}\n\\begin{document}\n"
        f"{cite_every_key(keys)}\n\\printbibliography\n\\end{{document}}\n",
        encoding="utf-8",
    )
    latex = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    first = run(latex, work)
    assert first.returncode == 0, first.stdout[-2000:]
    result = run([biber, *(["--validate-datamodel"] if validate else []), "doc"], work)
    log = (work / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log
    deliberate = []
    for line in log.splitlines():
        if not re.search(r"> (WARN|ERROR) - ", line) or "INFO - WARNINGS" in line:
            continue
        found = DELIBERATE.search(line)
        assert found is not None, line
        kind = "author" if found["field"] else "date" if found["date"] else "legal"
        deliberate.append(f"{found['key']}: {kind}")
    second = run(latex, work)
    assert second.returncode == 0, second.stdout[-2000:]
    return sorted(set(deliberate))
