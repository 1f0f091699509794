"""The citation clients scholars use, run for real on the files coursepack writes.

Classic BibTeX with four common styles, biber with biblatex, pandoc's citeproc,
citeproc-js (the processor behind Zotero), and a RIS reader. Each helper returns what the
client reported, so a test can say what it expects of it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cite_tex import cite_every_key, run

from tools import require_tool

#: The classic styles most BibTeX users choose, and the package each needs.
STYLES = {
    "plain": "",
    "plainnat": "\\usepackage[round]{natbib}",
    "chicago": "\\usepackage{chicago}",
    "apalike": "\\usepackage[round]{natbib}",
}
#: The citeproc-js release the tests run (npm ``citeproc``).
CITEPROC_JS = "2.4.63"


@dataclass
class BibtexRun:
    """What BibTeX and LaTeX said of one style's bibliography."""

    style: str
    warnings: list[str]
    errors: list[str]
    latex_errors: list[str]
    text: str


def bibtex_style(bib: str, style: str, work: Path, keys: list[str] | None = None) -> BibtexRun:
    """Typeset every entry with a classic style; return what was said.

    keys: cite each of these on its own (an unknown one is then a warning), instead of
    every entry at once with ``\\nocite{*}``.
    """
    pdflatex = require_tool("pdflatex")
    bibtex = require_tool("bibtex")
    work.mkdir(parents=True, exist_ok=True)
    (work / "coursepack.bib").write_text(bib, encoding="utf-8")
    cites = "\\nocite{*}" if keys is None else cite_every_key(keys)
    (work / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{url}\n"
        f"{STYLES[style]}\n\\begin{{document}}\n{cites}\n"
        f"\\bibliographystyle{{{style}}}\n\\bibliography{{coursepack}}\n\\end{{document}}\n",
        encoding="utf-8",
    )
    latex = [pdflatex, "-interaction=nonstopmode", "doc.tex"]
    run(latex, work)
    run([bibtex, "doc"], work)
    run(latex, work)
    last = run(latex, work)
    blg = (work / "doc.blg").read_text(encoding="utf-8", errors="replace")
    log = (work / "doc.log").read_text(encoding="utf-8", errors="replace")
    errors = [
        line
        for line in blg.splitlines()
        if "error message" in line
        or line.startswith(("I was expecting", "I'm skipping"))
        or "isn't valid ASCII" in line
    ]
    return BibtexRun(
        style,
        [line for line in blg.splitlines() if line.startswith("Warning--")],
        errors,
        [line for line in log.splitlines() if line.startswith("!")]
        + re.findall(r"(?:Citation|Reference) `[^']*' (?:on page \d+ )?undefined", log),
        last.stdout,
    )


def pandoc_render(bibliography: Path, keys: list[str], style: Path, work: Path) -> tuple[str, str]:
    """Render a citation of every key and the bibliography with pandoc's citeproc.

    Return the text and what pandoc wrote on stderr (its warnings).
    """
    pandoc = require_tool("pandoc")
    work.mkdir(parents=True, exist_ok=True)
    doc = work / "doc.md"
    doc.write_text(
        '---\nnocite: "@*"\n---\n\n' + "\n\n".join(f"[@{k}]" for k in keys) + "\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [pandoc, str(doc), "--citeproc", "--bibliography", str(bibliography), "--csl",
         str(style), "-t", "plain", "--wrap=none"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def pandoc_csl(bibliography: Path) -> list[dict[str, object]]:
    """Return the CSL-JSON pandoc reads from a biblatex file."""
    pandoc = require_tool("pandoc")
    done = subprocess.run(
        [pandoc, str(bibliography), "-f", "biblatex", "-t", "csljson"],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    data: list[dict[str, object]] = json.loads(done.stdout)
    return data


def _node_modules() -> Path:
    """Return a folder with citeproc-js installed (npm, into a cache), installing it once."""
    require_tool("node")
    npm = require_tool("npm")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "coursepack-tests"
    folder = cache / f"citeproc-{CITEPROC_JS}"
    if not (folder / "node_modules" / "citeproc" / "package.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund",
             f"citeproc@{CITEPROC_JS}"],
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    return folder / "node_modules"


_CITEPROC_SCRIPT = r"""
const CSL = require("citeproc");
const fs = require("fs");
const [items, style, locale] = process.argv.slice(2).map((p) => fs.readFileSync(p, "utf8"));
const byId = Object.fromEntries(JSON.parse(items).map((item) => [item.id, item]));
const engine = new CSL.Engine(
  { retrieveLocale: () => locale, retrieveItem: (id) => byId[id] },
  style,
);
const ids = Object.keys(byId);
engine.updateItems(ids);
const [meta, entries] = engine.makeBibliography();
const cites = ids.map((id) => engine.makeCitationCluster([{ id }]));
const entryIds = meta.entry_ids.map((group) => group[0]);
process.stdout.write(
  JSON.stringify({ ids, errors: meta.bibliography_errors, entries, entryIds, cites }),
);
"""


@dataclass
class CiteprocRun:
    """What citeproc-js made of the CSL-JSON records."""

    ids: list[str]
    errors: list[object]
    entries: list[str]
    cites: list[str]
    #: The key of each of ``entries``, in the bibliography's order.
    entry_ids: list[str]


def citeproc_js(records: Path, style: Path, locale: Path, work: Path) -> CiteprocRun:
    """Format every record with citeproc-js: its bibliography entry and its citation."""
    node = require_tool("node")
    modules = _node_modules()
    work.mkdir(parents=True, exist_ok=True)
    script = work / "format.js"
    script.write_text(_CITEPROC_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [node, str(script), str(records), str(style), str(locale)],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "NODE_PATH": str(modules)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    return CiteprocRun(
        data["ids"], data["errors"], data["entries"], data["cites"], data["entryIds"]
    )
