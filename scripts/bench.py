"""Measure coursepack on the flagship reader and on synthetic readers; print a table.

Usage::

    python scripts/bench.py [--sizes 10,50,200] [--quick] [--annotations-per-reading 50]
                            [--only check,cite,pdf,site,build,noop,edit,new-folder,loop,floor]
                            [--json FILE] [--baseline FILE]

For the flagship reader (a copy of this repository's seeds/, annotations/ and docs/) and
for synthetic readers of each size (written by ``scripts/synth.py``), every step runs as
its own ``coursepack`` process in a temporary directory, never in the repository, with
coursepack's modules compiled to bytecode first (as they are once installed):

- ``check``: ``coursepack --root R check`` with no cache (its first run on a reader);
  ``check-warm``: the same again, nothing changed; ``check-edit``: again after one
  historical note's body changed (the editor's loop: the load cache of parsed files and
  anchors is warm, the edited file is read anew);
- ``cite``, ``pdf``, ``site``: ``coursepack --root R build --out O --only X``, each into a
  fresh output directory;
- ``build``: the full build into a fresh directory, with no load cache (a first build, as
  on a fresh clone); ``noop``: the same build again;
- ``edit``: one historical note's body is changed, the build runs again, and the outputs
  whose modification time changed are listed; ``edit-page``, ``edit-handout`` and
  ``edit-reader`` say how many seconds after that build started the note's page, its
  reading's handout and the reader were written (from their modification times, which the
  swap of the staging folder keeps; the build puts them all in place together, when it
  ends); ``edit-site``: the note edited again and ``build --only site``, which puts the page
  in place as soon as it is written;
- ``new-folder``: the full build again into a new output directory, the build cache kept
  (as after ``rm -rf build``, or ``--out`` elsewhere): what the cache saves;
- ``loop``: the edit loop of ``coursepack serve``. With the preview running (for the
  flagship with its PDFs in the background, for the others without PDFs), one historical
  note is saved three times, and the median of two times is shown: ``loop-page``, from
  the save until the preview has told the open pages to reload and the note's page and
  the page of each reading that calls it have been fetched with the new text;
  ``loop-handout`` (flagship), from the save until that reading's handout is written anew
  in the preview's folder;
- ``floor``: what the tools underneath cost on the same sources, with as many worker
  processes as the build uses: plain WeasyPrint on the HTML that the PDF renderer lays out;
  and plain ``sphinx-build``, with no coursepack code, on the pages the site shows (the
  generated pages and the project's own, each coursepack directive replaced by the HTML
  it expands to, in raw blocks; the same conf.py, theme and MyST), into a fresh folder
  (``floor-site``) and again after one note's edit (``floor-site-edit``, to set beside
  ``edit-site``). See ``floor_steps``.

Each step reports wall time, CPU time (user + system, the process and its children) and
peak memory: the largest resident set of any one process, and the peak of the sum over the
whole process tree (sampled every 50 ms), which is what parallel PDF workers add up to. A
target that does not exist yet, or fails, is shown as such; the rest still runs.
``--quick`` leaves out the largest synthetic size. The figures go to standard output as
Markdown tables, then beside a baseline's (``--baseline FILE``, the ``--json`` of an earlier
run, say of an older commit run with this script; by default the figures the targets were
set against), followed by the targets and whether each is met.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

#: Targets (from the brief) the figures are judged against.
CHECK_LIMIT = 2.0
#: The edit loop: saving a note until its pages are reloaded (the flagship, the largest
#: synthetic reader), and until its reading's handout is written again (the flagship).
LOOP_PAGE_LIMIT = {"flagship": 1.0, "synth-200": 2.0}
LOOP_HANDOUT_LIMIT = 5.0
LOOP_EDITS = 3
NOOP_LIMIT = 2.0
FLOOR_MARGIN = 0.15
SCALE_LIMIT = 4.4
MEMORY_LIMIT = 2 * 1024 * MIB
#: A full build, first on a fresh clone: at most this many seconds.
BUILD_LIMIT = {"flagship": 12.0}
#: After one note is edited, a build writes the note's page, its reading's handout and the
#: reader within these many seconds of its start (the flagship).
EDIT_WRITTEN_LIMIT = {"page": 1.5, "handout": 4.0, "reader": 6.0}
#: After one note is edited, the whole build of the largest synthetic reader, in seconds.
EDIT_LIMIT = {"synth-200": 30.0}
#: The 200-reading full build: at most this share of the baseline's.
SPEEDUP_LIMIT = {"synth-200": 0.75}
#: Figures to compare with when no --baseline file is given: the full build and the build
#: after one edit, measured on this kind of machine before citations were kept between
#: runs and the reader was laid out in parts.
BASELINE_FIGURES = {
    "flagship": {"build": 17.3, "edit": 13.7},
    "synth-200": {"build": 626.0, "edit": 108.0},
}


def load_synth() -> ModuleType:
    """Import scripts/synth.py."""
    spec = importlib.util.spec_from_file_location("coursepack_synth", REPO / "scripts" / "synth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["coursepack_synth"] = module
    spec.loader.exec_module(module)
    return module


# ---- running and measuring one process ---------------------------------------------------


@dataclass
class Run:
    """What one measured process cost."""

    #: Seconds from start to exit.
    wall: float = 0.0
    #: User plus system seconds of the process and the children it waited for.
    cpu: float = 0.0
    #: Largest resident set of any single process of the tree, in bytes.
    max_rss: int = 0
    #: Peak of the summed resident sets of the whole process tree, in bytes (sampled).
    tree_rss: int = 0
    #: Most processes of the tree seen alive at once.
    processes: int = 1
    #: "ok", "not built", "failed" or "skipped".
    status: str = "ok"
    #: The last lines of output when something went wrong.
    detail: str = ""
    #: Extra facts (changed outputs after an edit).
    notes: dict[str, Any] = field(default_factory=dict)

    def cell(self) -> str:
        """Return the time as a table cell."""
        if self.status != "ok":
            return self.status
        if "paths" in self.notes:  # a moment in a build, not a process of its own
            return f"{self.wall:.2f}"
        return f"{self.wall:.2f} ({self.cpu:.2f})"

    def memory(self) -> str:
        """Return the memory as a table cell."""
        if self.status != "ok":
            return self.status
        return f"{self.max_rss / MIB:.0f} / {self.tree_rss / MIB:.0f}"


def _children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        fields = stat[stat.rfind(b")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _tree_rss(root: int) -> tuple[int, int]:
    """Return the summed resident set (bytes) of a process and its descendants, and their number."""
    tree = _children_of()
    total, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
            count += 1
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(tree.get(pid, ()))
    return total, count


def measure(cmd: Sequence[str], cwd: Path | None = None, timeout: float = 3600) -> Run:
    """Run a command, wait for it, and return what it cost."""
    run = Run()
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        # A session of its own, so that a step that runs too long is stopped with all the
        # workers it started.
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss, count = _tree_rss(proc.pid)
                run.tree_rss = max(run.tree_rss, rss)
                run.processes = max(run.processes, count)
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                run.status = "timed out"
                break
            time.sleep(0.01)
        run.wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        run.cpu = usage.ru_utime + usage.ru_stime
        run.max_rss = usage.ru_maxrss * 1024  # kilobytes on Linux
        run.tree_rss = max(run.tree_rss, run.max_rss)
        output.seek(0)
        text = output.read().decode("utf-8", errors="replace")
    if run.status == "ok" and proc.returncode != 0:
        run.status = "failed"
    if run.status != "ok":
        run.detail = "\n".join(text.strip().splitlines()[-3:])
    run.notes["output"] = text[-2000:]
    return run


def coursepack(root: Path, *args: str) -> list[str]:
    """Return the command line of one coursepack run."""
    return [sys.executable, "-m", "coursepack", "--root", str(root), *args]


def build_step(root: Path, out: Path, only: str | None, jobs: int, timeout: float) -> Run:
    """Build into out (only one target, or all) and return what it cost."""
    args = ["build", "--out", str(out), "--quiet", "--jobs", str(jobs)]
    if only:
        args += ["--only", only]
    run = measure(coursepack(root, *args), timeout=timeout)
    if run.status == "ok" and "not built yet" in run.notes.get("output", ""):
        missing = [
            line.split(":")[0]
            for line in run.notes["output"].splitlines()
            if "not built yet" in line
        ]
        if only or len(missing) == 3:
            run.status = "not built"
        run.notes["not built"] = missing
    return run


# ---- outputs and edits -------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, int]:
    """Return the modification time of every file under a folder, by relative path."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


def edit_one_note(root: Path) -> str:
    """Change the body of one historical note; return its path relative to root."""
    notes = sorted((root / "annotations" / "notes").glob("*.md"))
    # A note anchored in one reading only, so the outputs it should touch are few.
    chosen = notes[min(1, len(notes) - 1)]
    for path in notes:
        text = path.read_text(encoding="utf-8")
        front = text.split("\n---", 1)[0]
        if front.count("reading:") == 1:
            chosen = path
            break
    text = chosen.read_text(encoding="utf-8").rstrip("\n")
    chosen.write_text(text + " The benchmark changed this sentence.\n", encoding="utf-8")
    return chosen.relative_to(root).as_posix()


def _note_readings(path: Path) -> list[str]:
    """Return the readings a note's anchors name."""
    front = path.read_text(encoding="utf-8").split("\n---", 1)[0]
    return sorted(set(re.findall(r"reading:\s*([a-z0-9-]+)", front)))


def edit_loop(root: Path, work: Path, timeout: float, pdf: bool) -> dict[str, Run]:
    """Measure coursepack serve's edit loop (see ``loop`` above); return loop-page and,
    with pdf, loop-handout (without, the preview builds no PDFs)."""
    import urllib.request

    from websockets.sync.client import connect

    out = work / "serve"
    shutil.rmtree(out, ignore_errors=True)
    process = subprocess.Popen(
        [
            *coursepack(
                root, "serve", "--port", "0", "--out", str(out), *(() if pdf else ("--no-pdf",))
            )
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    page_times: list[float] = []
    handout_times: list[float] = []
    detail = ""
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("serve did not start")
        edited = edit_one_note(root)  # which note: one anchored in one reading
        note = root / edited
        readings = _note_readings(note)
        handout = out / "pdf" / "handouts" / f"{readings[0]}.pdf"
        deadline = time.monotonic() + timeout
        while pdf and not handout.is_file():  # the first PDFs, built in the background
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the preview's first PDFs never came")
            time.sleep(0.2)
        ws_url = url.replace("http://", "ws://") + "websocket-reload"
        with connect(ws_url) as ws:
            time.sleep(2)
            while True:  # let the background build that follows the first PDFs end
                try:
                    ws.recv(timeout=15)
                except TimeoutError:
                    break
            for n in range(LOOP_EDITS):
                before = handout.stat().st_mtime_ns if pdf else 0
                marker = f"Loop edit {n} of the benchmark."
                text = note.read_text(encoding="utf-8").rstrip("\n")
                started = time.perf_counter()
                note.write_text(f"{text} {marker}\n", encoding="utf-8")
                ws.recv(timeout=timeout)
                for page in [f"notes/{note.stem}.html", *(f"readings/{r}.html" for r in readings)]:
                    with urllib.request.urlopen(url + page, timeout=60) as response:
                        body = response.read().decode("utf-8")
                    if page.startswith("notes/") and marker not in body:
                        raise RuntimeError(f"{page} was reloaded without the edit")
                page_times.append(time.perf_counter() - started)
                if not pdf:
                    continue
                while handout.stat().st_mtime_ns == before:
                    if time.perf_counter() - started > timeout:
                        raise RuntimeError("the handout was never written again")
                    time.sleep(0.02)
                handout_times.append(time.perf_counter() - started)
                while True:  # the downloads' update after the PDFs
                    try:
                        ws.recv(timeout=20)
                    except TimeoutError:
                        break
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if process.stderr is not None and detail:
            detail += "\n" + process.stderr.read()[-2000:]
    runs = {}
    for step, times in (("loop-page", page_times), ("loop-handout", handout_times)):
        if step == "loop-handout" and not pdf:
            continue
        if len(times) == LOOP_EDITS:
            ordered = sorted(times)
            runs[step] = Run(wall=ordered[len(ordered) // 2], notes={"times": times})
        else:
            runs[step] = Run(status="failed", detail=detail)
    return runs


def summarize_changes(before: dict[str, int], after: dict[str, int]) -> dict[str, Any]:
    """Return which outputs were written again, and how many of each kind."""
    changed = sorted(p for p, t in after.items() if before.get(p) != t)
    pages = [p for p in changed if p.startswith("site/") and p.endswith(".html")]
    # The site's downloads/ holds copies of the PDFs: count the PDFs under pdf/ only.
    pdfs = [p for p in changed if p.startswith("pdf/") and p.endswith(".pdf")]
    total_pages = sum(1 for p in after if p.startswith("site/") and p.endswith(".html"))
    total_pdfs = sum(1 for p in after if p.startswith("pdf/") and p.endswith(".pdf"))
    return {
        "changed": changed,
        "pages": pages,
        "pdfs": pdfs,
        "total_pages": total_pages,
        "total_pdfs": total_pdfs,
    }


def written_after_edit(
    note: Path, before: dict[str, int], after: dict[str, int], started: int
) -> dict[str, Run]:
    """Return, for the edited note's page, its reading's handout and the reader, how many
    seconds after the build started each was written (its modification time: a build
    writes in a staging folder and swaps it in whole, and the swap keeps the times)."""
    readings = _note_readings(note)
    wanted = {
        "edit-page": [f"site/notes/{note.stem}.html"],
        "edit-handout": [f"pdf/handouts/{r}.pdf" for r in readings],
        "edit-reader": ["pdf/reader.pdf"],
    }
    runs: dict[str, Run] = {}
    for step, paths in wanted.items():
        times = [after[p] for p in paths if p in after]
        if not times:
            continue
        if any(after[p] == before.get(p) for p in paths if p in after):
            runs[step] = Run(status="not written", detail=" ".join(paths))
            continue
        runs[step] = Run(wall=(max(times) - started) / 1e9, cpu=0.0)
        runs[step].notes["paths"] = paths
    return runs


# ---- the floor: the tools underneath on the same sources ----------------------------------


def dump_html(root: Path, folder: Path) -> int:
    """Write the HTML the PDF renderer lays out (first pass), one file per PDF; return count."""
    from coursepack.options import BuildOptions
    from coursepack.pipeline import read_reader
    from coursepack.refs import Refs
    from coursepack.render.pdf import plan_jobs
    from coursepack.render.pdf.engine import render_html, with_layout

    reader, report = read_reader(root)
    if reader is None:
        print(report.format(), file=sys.stderr)
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(Refs(reader), folder, BuildOptions())
    for i, job in enumerate(jobs):
        html = render_html(job.template, with_layout(job.context, None, frozenset()))
        (folder / f"{i:04d}-{job.target.stem}.html").write_text(html, encoding="utf-8")
    return len(jobs)


def _weasyprint_one(args: tuple[str, str]) -> None:
    from weasyprint import HTML

    from coursepack.render.pdf.engine import BASE_URL, PDF_VARIANT

    source, target = args
    # The same settings as the build (a tagged PDF/UA file), so the floor is the same work.
    HTML(filename=source, base_url=BASE_URL).write_pdf(target, pdf_variant=PDF_VARIANT)


def weasyprint_all(folder: Path, out: Path, jobs: int) -> None:
    """Render every HTML file of a folder with plain WeasyPrint, in parallel."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    out.mkdir(parents=True, exist_ok=True)
    work = [(str(p), str(out / (p.stem + ".pdf"))) for p in sorted(folder.glob("*.html"))]
    # Largest first, as the build does, so the long reader does not start last.
    work.sort(key=lambda w: -os.path.getsize(w[0]))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        list(pool.map(_weasyprint_one, work))


# ---- the site's floor: the generated pages without the extension -------------------------

#: A coursepack directive in reST (``.. coursepack-x:: arg``) and in MyST (a fenced block).
_RST_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. coursepack-[a-z-]+::")
_MD_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})\{coursepack-[a-z-]+\}")


def _site_fragments(
    root: Path, docs: Path, work: Path
) -> dict[str, dict[int, list[tuple[bool, str]]]]:
    """Build the reader's site once with the extension, serially, and return the HTML each
    of its directives was written as: by document and line, each a list of (searched, html)
    pieces (the pieces the site keeps out of its search index apart)."""
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils
    from sphinx.writers.html5 import HTML5Translator

    from coursepack.render.site.directives.base import ReaderDirective

    # A class of this module, so that Sphinx can pickle the doctrees that hold it.
    mark = globals().get("_floor_mark")
    if mark is None:
        mark = type("_floor_mark", (nodes.Element, nodes.Invisible), {"__module__": __name__})
        globals()["_floor_mark"] = mark

    class Capture(HTML5Translator):
        """Keep the HTML written between two marks, and where unsearched parts lie."""

        def dispatch_visit(self, node: nodes.Node) -> None:
            if isinstance(node, nodes.Element) and "no-search" in node.get("classes", ()):
                self.__dict__.setdefault("_quiet", []).append(len(self.body))
            if isinstance(node, mark):
                if node["start"]:
                    self._start = (len(self.body), len(getattr(self, "_spans", [])), node["line"])
                else:
                    start, first, line = self._start
                    spans = self.__dict__.setdefault("_spans", [])[first:]
                    pieces: list[tuple[bool, str]] = []
                    at = start
                    for s, e in spans:
                        pieces.append((True, "".join(self.body[at:s])))
                        pieces.append((False, "".join(self.body[s:e])))
                        at = e
                    pieces.append((True, "".join(self.body[at:])))
                    found.setdefault(self.builder.current_docname, {})[line] = [
                        (searched, html) for searched, html in pieces if html.strip()
                    ]
                raise nodes.SkipNode
            super().dispatch_visit(node)

        def dispatch_departure(self, node: nodes.Node) -> None:
            super().dispatch_departure(node)
            if isinstance(node, nodes.Element) and "no-search" in node.get("classes", ()):
                start = self._quiet.pop()
                if not self._quiet:  # the outermost unsearched element
                    self.__dict__.setdefault("_spans", []).append((start, len(self.body)))

    found: dict[str, dict[int, list[tuple[bool, str]]]] = {}
    run = ReaderDirective.run

    def marked(self: ReaderDirective) -> list[nodes.Node]:
        return [mark(start=True, line=self.lineno), *run(self), mark(start=False)]

    ReaderDirective.run = marked  # type: ignore[method-assign]
    with patch_docutils(docs), docutils_namespace():
        app = Sphinx(
            srcdir=docs,
            confdir=docs,
            outdir=work / "html",
            doctreedir=work / "doctrees",
            buildername="html",
            # The reader where it is, and no downloads: as ``build --only site`` into a
            # fresh folder.
            confoverrides={"coursepack_root": str(root), "coursepack_build_dir": str(work)},
            status=None,
            warning=None,
            freshenv=True,
            parallel=0,
        )
        app.add_node(mark)
        app.set_translator("html", Capture, override=True)
        app.build()
    return found


def _raw_block(indent: str, pieces: list[tuple[bool, str]], markdown: bool) -> list[str]:
    """Return the lines of raw HTML blocks that stand for one directive's output."""
    lines: list[str] = []
    for searched, html in pieces:
        body = html.strip("\n").splitlines()
        if markdown:
            fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", html)), default=0))
            lines += [f"{indent}{fence}{{raw}} html"]
            lines += [] if searched else [f"{indent}:class: no-search"]
            lines += [f"{indent}{line}" if line else "" for line in body] + [f"{indent}{fence}", ""]
        else:
            lines += [f"{indent}.. raw:: html"]
            lines += [] if searched else [f"{indent}   :class: no-search"]
            lines += [""] + [f"{indent}   {line}" if line else "" for line in body] + [""]
    return lines


def _expand(text: str, fragments: dict[int, list[tuple[bool, str]]], markdown: bool) -> str:
    """Return a page's source with each coursepack directive (by its line) replaced by the
    HTML it expanded to."""
    lines = text.splitlines()
    out: list[str] = []
    used = 0
    i = 0
    while i < len(lines):
        match = (_MD_DIRECTIVE if markdown else _RST_DIRECTIVE).match(lines[i])
        if not match or i + 1 not in fragments:
            out.append(lines[i])
            i += 1
            continue
        indent = match["indent"]
        start = i + 1
        i += 1
        if markdown:  # up to the closing fence
            fence = match["fence"]
            while i < len(lines) and not lines[i].strip().startswith(fence):
                i += 1
            i += 1
        else:  # the options and content: every line indented further, or blank
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
            ):
                i += 1
        out += _raw_block(indent, fragments[start], markdown)
        used += 1
    if used != len(fragments):
        raise RuntimeError(f"expanded {len(fragments)} directives, found {used} of them")
    return "\n".join(out) + "\n"


#: Added to the reader's conf.py for the floor: the same project, theme and MyST, the
#: extension's stylesheet, script and icon as plain static files, and no coursepack code.
_FLOOR_CONF = """

# ---- the floor: the same project without the coursepack extension ----
extensions = [e for e in extensions if not e.startswith("coursepack")]
html_static_path = [*globals().get("html_static_path", []), "_floor_static"]
html_css_files = [*globals().get("html_css_files", []), "coursepack.css"]
html_js_files = [*globals().get("html_js_files", []), ("coursepack.js", {"defer": "defer"})]
html_favicon = "_floor_static/coursepack-icon.svg"
"""


def dump_site(root: Path, folder: Path) -> int:
    """Write the reader's Sphinx project into folder as plain Sphinx sources: the generated
    pages and the project's own, each coursepack directive replaced by the HTML it expands
    to; return the number of pages. The folder's files are rewritten only where they change,
    so that a plain incremental build after an edit re-reads what the edit touched."""
    from coursepack.render.site.events import STATIC

    docs = root / "docs"
    if not (docs / "conf.py").is_file():
        return 0
    with tempfile.TemporaryDirectory(prefix="coursepack-floor-") as tmp:
        source = Path(tmp) / "docs"
        shutil.copytree(docs, source, ignore=shutil.ignore_patterns("_build", "__pycache__"))
        fragments = _site_fragments(root.resolve(), source, Path(tmp))
        files: dict[str, bytes] = {}
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source).as_posix()
            if not path.is_file():
                continue
            data = path.read_bytes()
            if path.suffix in (".rst", ".md"):
                text = _expand(
                    data.decode("utf-8"),
                    fragments.get(rel.rpartition(".")[0], {}),
                    markdown=path.suffix == ".md",
                )
                data = text.encode("utf-8")
            elif rel == "conf.py":
                data += _FLOOR_CONF.encode("utf-8")
            files[rel] = data
        for static in STATIC.iterdir():
            files[f"_floor_static/{static.name}"] = static.read_bytes()
    for rel, data in files.items():
        path = folder / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for path in folder.rglob("*"):
        if path.is_file() and path.relative_to(folder).as_posix() not in files:
            path.unlink()
    return sum(rel.endswith((".rst", ".md")) for rel in files)


def floor_steps(
    root: Path, work: Path, jobs: int, timeout: float, wanted: set[str]
) -> dict[str, Run]:
    """Measure plain sphinx-build and plain WeasyPrint on the reader's generated sources.

    The site's floor is plain ``sphinx-build`` (the reader's conf.py, its theme and MyST,
    as many workers as the build uses) on the pages the extension generates and the
    project's own, with every coursepack directive replaced by the HTML it expands to in
    raw blocks, and no coursepack code loaded (:func:`dump_site`): what Sphinx itself costs
    to read, link, index and write the same pages. ``floor-site`` builds them into a fresh
    folder; ``floor-site-edit`` builds them again after one note's edit, with only the
    sources that the edit changed written anew (the note's page and the pages of the
    readings that call it), as ``edit-site`` does with the extension.
    """
    runs: dict[str, Run] = {}
    sphinx = shutil.which("sphinx-build", path=str(Path(sys.executable).parent)) or shutil.which(
        "sphinx-build"
    )
    source = work / "floor-src"

    def dump() -> str:
        done = subprocess.run(
            [sys.executable, __file__, "--dump-site", str(root), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        return "" if done.returncode == 0 else " ".join(tail) or "no docs/conf.py"

    def sphinx_build() -> Run:
        assert sphinx is not None
        return measure(
            [
                sphinx,
                "-q",
                "-b",
                "html",
                "-j",
                str(jobs),
                "-d",
                str(work / "floor-doctrees"),
                str(source),
                str(work / "floor-site"),
            ],
            timeout=timeout,
        )

    if "floor-site" not in wanted:
        pass
    elif not sphinx:
        runs["floor-site"] = Run(status="not built", detail="no sphinx-build")
    else:
        for folder in (source, work / "floor-doctrees", work / "floor-site"):
            shutil.rmtree(folder, ignore_errors=True)
        problem = dump()
        if problem:
            runs["floor-site"] = Run(status="not built", detail=problem)
        else:
            runs["floor-site"] = sphinx_build()
            edit_one_note(root)
            time.sleep(0.05)  # let modification times move on coarse clocks
            problem = dump()
            runs["floor-site-edit"] = (
                Run(status="not built", detail=problem) if problem else sphinx_build()
            )
    if "floor-pdf" not in wanted:
        return runs
    html = work / "floor-html"
    dumped = subprocess.run(
        [sys.executable, __file__, "--dump-html", str(root), str(html)],
        capture_output=True,
        text=True,
        check=False,
    )
    if dumped.returncode != 0 or not any(html.glob("*.html")):
        tail = (dumped.stderr or dumped.stdout).strip().splitlines()[-1:]
        runs["floor-pdf"] = Run(status="not built", detail=" ".join(tail))
    else:
        runs["floor-pdf"] = measure(
            [
                sys.executable,
                __file__,
                "--weasyprint",
                str(html),
                str(work / "floor-pdf"),
                "--jobs",
                str(jobs),
            ],
            timeout=timeout,
        )
    return runs


# ---- one reader ----------------------------------------------------------------------------


def copy_flagship(target: Path) -> Path:
    """Copy the flagship reader's inputs and Sphinx project (not its outputs) to target."""
    for part in ("seeds", "annotations"):
        shutil.copytree(REPO / part, target / part)
    shutil.copytree(
        REPO / "docs",
        target / "docs",
        ignore=shutil.ignore_patterns("_generated", "_build", "__pycache__"),
    )
    return target


def bench_reader(
    name: str, root: Path, steps: set[str], jobs: int, timeout: float
) -> dict[str, Run]:
    """Run every wanted step on one reader; return the runs by step."""
    work = root.parent / f"{root.name}-work"
    work.mkdir(parents=True, exist_ok=True)
    runs: dict[str, Run] = {}

    def say(step: str) -> None:
        run = runs[step]
        extra = f" [{run.detail.splitlines()[-1]}]" if run.detail else ""
        print(f"  {name} {step}: {run.cell()}{extra}", file=sys.stderr, flush=True)

    if "check" in steps:
        shutil.rmtree(root / ".coursepack-cache", ignore_errors=True)
        runs["check"] = measure(coursepack(root, "check"), timeout=timeout)
        say("check")
        runs["check-warm"] = measure(coursepack(root, "check"), timeout=timeout)
        say("check-warm")
        edit_one_note(root)
        runs["check-edit"] = measure(coursepack(root, "check"), timeout=timeout)
        say("check-edit")
    for target in ("cite", "pdf", "site"):
        if target in steps:
            runs[target] = build_step(root, work / f"out-{target}", target, jobs, timeout)
            say(target)
    full = work / "out-full"
    if steps & {"build", "noop", "edit"}:
        # A first build: nothing cached from the checks above, as on a fresh clone.
        shutil.rmtree(root / ".coursepack-cache", ignore_errors=True)
        runs["build"] = build_step(root, full, None, jobs, timeout)
        say("build")
    if "noop" in steps:
        runs["noop"] = build_step(root, full, None, jobs, timeout)
        say("noop")
    if "edit" in steps:
        before = snapshot(full)
        edited = edit_one_note(root)
        time.sleep(0.05)  # let modification times move on coarse clocks
        started = time.time_ns()
        run = build_step(root, full, None, jobs, timeout)
        run.notes["edited"] = edited
        after = snapshot(full)
        run.notes.update(summarize_changes(before, after))
        runs["edit"] = run
        say("edit")
        if run.status == "ok":
            runs.update(written_after_edit(root / edited, before, after, started))
            for step in ("edit-page", "edit-handout", "edit-reader"):
                if step in runs:
                    say(step)
        # The same note edited again, and only the site built: what a writer waits for
        # who wants the page, since a full build puts every output in place at once.
        edit_one_note(root)
        runs["edit-site"] = build_step(root, full, "site", jobs, timeout)
        say("edit-site")
    if "new-folder" in steps:
        runs["new-folder"] = build_step(root, work / "out-new-folder", None, jobs, timeout)
        say("new-folder")
    if "loop" in steps:
        # The handout is measured on the flagship (its target); elsewhere no PDFs are made.
        runs.update(edit_loop(root, work, timeout, pdf=name == "flagship"))
        for step in ("loop-page", "loop-handout"):
            if step in runs:
                say(step)
    if steps & {"floor", "floor-site", "floor-pdf"}:
        wanted = {"floor-site", "floor-pdf"} if "floor" in steps else steps
        runs.update(floor_steps(root, work, jobs, timeout, wanted))
        for step in ("floor-site", "floor-site-edit", "floor-pdf"):
            if step in runs:
                say(step)
    return runs


# ---- report ----------------------------------------------------------------------------------


def _size(root: Path) -> str:
    from coursepack.load.cache import DISABLE
    from coursepack.pipeline import read_reader

    os.environ[DISABLE] = "1"  # leave the reader's cache cold for the check step
    try:
        reader, _ = read_reader(root)
    finally:
        del os.environ[DISABLE]
    if reader is None:
        return "(does not check)"
    annotations = reader.annotation_count
    return f"{len(reader.readings)} readings, {annotations} annotations"


def floor_total(runs: dict[str, Run]) -> float | None:
    """Return the floor of a full build: plain Sphinx plus plain WeasyPrint."""
    site, pdf = runs.get("floor-site"), runs.get("floor-pdf")
    if not site or not pdf or site.status != "ok" or pdf.status != "ok":
        return None
    return site.wall + pdf.wall


def load_baseline(path: Path | None) -> dict[str, dict[str, Run]]:
    """Return the figures of an earlier run (its --json file), or the built-in ones."""
    if path is None:
        return {
            name: {step: Run(wall=wall) for step, wall in steps.items()}
            for name, steps in BASELINE_FIGURES.items()
        }
    data = json.loads(path.read_text(encoding="utf-8"))
    known = {f.name for f in fields(Run)}
    return {
        name: {
            step: Run(**{k: v for k, v in run.items() if k in known}) for step, run in steps.items()
        }
        for name, steps in data.items()
    }


def compared(results: dict[str, dict[str, Run]], baseline: dict[str, dict[str, Run]]) -> list[str]:
    """Return a table of the baseline's figures beside these, step by step."""
    steps = [
        "build",
        "edit",
        "edit-page",
        "edit-handout",
        "edit-reader",
        "edit-site",
        "loop-page",
        "site",
        "pdf",
    ]
    lines = [
        "Against the baseline: wall seconds before → now; peak memory of the process tree, MiB.",
        "",
        "| reader | " + " | ".join(steps) + " | build memory |",
        "|" + " --- |" * (len(steps) + 2),
    ]
    for name, runs in results.items():
        old = baseline.get(name, {})
        cells = []
        for step in steps:
            a, b = old.get(step), runs.get(step)
            left = f"{a.wall:.2f}" if a is not None and a.status == "ok" else "–"
            right = f"{b.wall:.2f}" if b is not None and b.status == "ok" else "–"
            cells.append(f"{left} → {right}")
        a, b = old.get("build"), runs.get("build")
        memory = (
            f"{a.tree_rss / MIB:.0f} → {b.tree_rss / MIB:.0f}"
            if a is not None and b is not None and a.tree_rss and b.status == "ok"
            else "–"
        )
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {memory} |")
    return lines


def table(
    results: dict[str, dict[str, Run]],
    sizes: dict[str, str],
    baseline: dict[str, dict[str, Run]] | None = None,
) -> str:
    """Return the figures as Markdown tables."""
    steps = [
        "check",
        "check-warm",
        "check-edit",
        "cite",
        "pdf",
        "site",
        "build",
        "noop",
        "edit",
        "edit-page",
        "edit-handout",
        "edit-reader",
        "edit-site",
        "new-folder",
        "loop-page",
        "loop-handout",
        "floor-site",
        "floor-site-edit",
        "floor-pdf",
    ]
    head = "| reader | size | " + " | ".join(steps) + " | build / floor |"
    lines = [
        "Time: wall seconds (CPU seconds of the process tree).",
        "",
        head,
        "|" + " --- |" * (len(steps) + 3),
    ]
    for name, runs in results.items():
        cells = [runs[s].cell() if s in runs else "–" for s in steps]
        floor = floor_total(runs)
        build = runs.get("build")
        ratio = (
            f"{build.wall / floor:.2f}"
            if floor and build is not None and build.status == "ok"
            else "–"
        )
        lines.append(f"| {name} | {sizes[name]} | " + " | ".join(cells) + f" | {ratio} |")
    lines += [
        "",
        "Peak memory, MiB: largest single process / whole process tree (sampled).",
        "",
        "| reader | check | pdf | site | build | floor-site | floor-pdf |",
        "|" + " --- |" * 7,
    ]
    for name, runs in results.items():
        cells = [
            runs[s].memory() if s in runs else "–"
            for s in ("check", "pdf", "site", "build", "floor-site", "floor-pdf")
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Rebuild after editing one note:", ""]
    for name, runs in results.items():
        edit = runs.get("edit")
        if edit is None:
            continue
        if edit.status != "ok":
            lines.append(f"- {name}: {edit.status}")
            continue
        n = edit.notes
        shown = ", ".join(p.removeprefix("site/") for p in n["pages"][:6])
        more = f" and {len(n['pages']) - 6} more" if len(n["pages"]) > 6 else ""
        lines.append(
            f"- {name}: edited {n['edited']}; {len(n['pages'])} of {n['total_pages']} "
            f"HTML pages rewritten ({shown}{more}); {len(n['pdfs'])} of {n['total_pdfs']} "
            f"PDFs rewritten ({', '.join(p.removeprefix('pdf/') for p in n['pdfs'])}); "
            f"{len(n['changed'])} files in all"
        )
    baseline = baseline if baseline is not None else load_baseline(None)
    lines += ["", *compared(results, baseline), "", *verdicts(results, baseline)]
    return "\n".join(lines)


def verdicts(
    results: dict[str, dict[str, Run]], baseline: dict[str, dict[str, Run]] | None = None
) -> list[str]:
    """Return one line per target: met, not met, or not measured, with the figure."""
    out = ["Targets:", ""]
    baseline = baseline if baseline is not None else load_baseline(None)

    def line(ok: bool | None, text: str) -> None:
        mark = "not measured" if ok is None else ("met" if ok else "NOT met")
        out.append(f"- {text}: {mark}")

    biggest = list(results)[-1]
    for step, what in (("check", "first check, no cache"), ("check-edit", "check after an edit")):
        check = results[biggest].get(step)
        line(
            None if check is None or check.status != "ok" else check.wall < CHECK_LIMIT,
            f"{what} of {biggest} under {CHECK_LIMIT:.0f} s"
            + (f" ({check.wall:.2f} s wall, {check.cpu:.2f} s CPU)" if check else ""),
        )
    for name, runs in results.items():
        noop = runs.get("noop")
        if noop is not None:
            line(
                None if noop.status != "ok" else noop.wall < NOOP_LIMIT,
                f"no-op build of {name} under {NOOP_LIMIT:.0f} s ({noop.cell()})",
            )
        floor, build = floor_total(runs), runs.get("build")
        if build is not None:
            ok = None
            if floor and build.status == "ok":
                ok = build.wall <= floor * (1 + FLOOR_MARGIN)
            line(
                ok,
                f"full build of {name} within {FLOOR_MARGIN:.0%} of the floor"
                + (f" ({build.wall:.1f} s against {floor:.1f} s)" if floor else ""),
            )
        edit = runs.get("edit")
        if edit is not None and edit.status == "ok":
            n = edit.notes
            few = len(n["pdfs"]) < max(2, n["total_pdfs"]) and len(n["pages"]) < max(
                2, n["total_pages"] // 2
            )
            line(
                few,
                f"{name}: only outputs that use the edited note rebuilt "
                f"({len(n['pages'])} pages, {len(n['pdfs'])} PDFs)",
            )
    for name, runs in results.items():
        for step, limit, what in (
            ("loop-page", LOOP_PAGE_LIMIT.get(name), "a saved note's pages reloaded"),
            ("loop-handout", LOOP_HANDOUT_LIMIT if name == "flagship" else None,
             "its reading's handout written again"),
        ):  # fmt: skip
            run = runs.get(step)
            if run is None or limit is None:
                continue
            line(
                None if run.status != "ok" else run.wall <= limit,
                f"{name}: edit loop, {what} within {limit:.0f} s ("
                + (f"{run.wall:.2f} s, median of {LOOP_EDITS}" if run.status == "ok" else "–")
                + ")",
            )
    b50 = results.get("synth-50", {}).get("build")
    b200 = results.get("synth-200", {}).get("build")
    if b50 and b200:
        ok = None
        if b50.status == "ok" and b200.status == "ok":
            ok = b200.wall <= SCALE_LIMIT * b50.wall
        ratio = f"{b200.wall / b50.wall:.2f}×" if ok is not None else "–"
        line(ok, f"200-reading build at most {SCALE_LIMIT}× the 50-reading build ({ratio})")
        ok = None if b200.status != "ok" else b200.tree_rss < MEMORY_LIMIT
        line(
            ok,
            f"peak memory of the 200-reading build under 2 GiB "
            f"({b200.tree_rss / MIB:.0f} MiB for the process tree)",
        )
    for name, runs in results.items():
        for step, floor_step, what in (
            ("site", "floor-site", "the site into a fresh folder"),
            ("edit-site", "floor-site-edit", "the site after a one-note edit"),
        ):
            site, floor = runs.get(step), runs.get(floor_step)
            if site is None or floor is None:
                continue
            ok = None
            if site.status == "ok" and floor.status == "ok":
                ok = site.wall <= floor.wall * (1 + FLOOR_MARGIN)
            line(
                ok,
                f"{name}: {what} within {FLOOR_MARGIN:.0%} of plain sphinx-build "
                f"({site.cell()} against {floor.cell()})",
            )
    for name, runs in results.items():
        build, old = runs.get("build"), baseline.get(name, {}).get("build")
        limit = BUILD_LIMIT.get(name)
        if build is not None and limit is not None:
            line(
                None if build.status != "ok" else build.wall <= limit,
                f"{name}: full build within {limit:.0f} s ({build.cell()})",
            )
        share = SPEEDUP_LIMIT.get(name)
        if build is not None and share is not None and old is not None:
            line(
                None if build.status != "ok" else build.wall <= share * old.wall,
                f"{name}: full build at most {share}× the baseline's {old.wall:.0f} s "
                f"({build.cell()})",
            )
        if build is not None and old is not None and old.tree_rss:
            line(
                None if build.status != "ok" else build.tree_rss <= old.tree_rss * 1.05,
                f"{name}: peak memory of the full build no higher than the baseline's "
                f"({old.tree_rss / MIB:.0f} → {build.tree_rss / MIB:.0f} MiB, 5% for noise)",
            )
        edit = runs.get("edit")
        limit = EDIT_LIMIT.get(name)
        if edit is not None and limit is not None:
            line(
                None if edit.status != "ok" else edit.wall <= limit,
                f"{name}: build after a one-note edit within {limit:.0f} s ({edit.cell()})",
            )
        site = runs.get("edit-site")
        if name == "flagship" and site is not None:
            limit = EDIT_WRITTEN_LIMIT["page"]
            line(
                None if site.status != "ok" else site.wall <= limit,
                f"{name}: after a one-note edit, build --only site within {limit:.1f} s "
                f"({site.cell()})",
            )
        if name == "flagship":
            for what, limit in EDIT_WRITTEN_LIMIT.items():
                run = runs.get(f"edit-{what}")
                if run is None:
                    continue
                line(
                    None if run.status != "ok" else run.wall <= limit,
                    f"{name}: after a one-note edit, {what} written within {limit:.1f} s "
                    f"of the build's start ({run.cell()})",
                )
    for name, runs in results.items():
        pdf = runs.get("pdf")
        if pdf is not None and pdf.status == "ok":
            parallel = pdf.processes > 2 and pdf.cpu > 1.2 * pdf.wall
            line(
                parallel if (os.cpu_count() or 1) > 1 else None,
                f"{name}: PDFs rendered in parallel ({pdf.processes} processes at once, "
                f"CPU {pdf.cpu:.1f} s over {pdf.wall:.1f} s wall)",
            )
    return out


def write_json(path: Path, results: dict[str, dict[str, Run]]) -> None:
    """Write the figures (without the captured output) as JSON."""
    data = {
        name: {
            step: {k: v for k, v in asdict(run).items() if k != "notes"}
            | {"notes": {k: v for k, v in run.notes.items() if k != "output"}}
            for step, run in runs.items()
        }
        for name, runs in results.items()
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def compile_coursepack() -> None:
    """Let Python keep compiled bytecode, and compile coursepack's modules before measuring.

    Installed, coursepack runs from bytecode compiled once; from a fresh clone, or with
    ``PYTHONDONTWRITEBYTECODE`` set, every process would compile its source again (0.3 to
    0.5 s of a check at 200 readings), which is not what an editor's check costs.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    spec = importlib.util.find_spec("coursepack")
    folders = spec.submodule_search_locations if spec else None
    for folder in folders or ():
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description="Measure coursepack; print a table.")
    parser.add_argument("--sizes", default="10,50,200", help="synthetic reader sizes")
    parser.add_argument("--quick", action="store_true", help="leave out the largest size")
    parser.add_argument("--annotations-per-reading", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only",
        default="check,cite,pdf,site,build,noop,edit,new-folder,loop,floor",
        help="steps to run (check,cite,pdf,site,build,noop,edit,new-folder,loop,floor or "
        "floor-site,floor-pdf)",
    )
    parser.add_argument("--no-flagship", action="store_true", help="synthetic readers only")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: cores)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per step")
    parser.add_argument("--workdir", type=Path, help="keep the readers and outputs here")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a --json file of an earlier run to compare with (default: figures built in)",
    )
    parser.add_argument("--dump-html", nargs=2, metavar=("ROOT", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--weasyprint", nargs=2, metavar=("DIR", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--dump-site", nargs=2, metavar=("ROOT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    jobs = args.jobs or os.cpu_count() or 1
    if args.dump_html:
        return 0 if dump_html(Path(args.dump_html[0]), Path(args.dump_html[1])) else 1
    if args.dump_site:
        return 0 if dump_site(Path(args.dump_site[0]), Path(args.dump_site[1])) else 1
    if args.weasyprint:
        weasyprint_all(Path(args.weasyprint[0]), Path(args.weasyprint[1]), jobs)
        return 0

    compile_coursepack()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if args.quick and len(sizes) > 1:
        sizes = sizes[:-1]
    steps = {s.strip() for s in args.only.split(",") if s.strip()}
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="coursepack-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"coursepack benchmark: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}; work in {workdir}",
        file=sys.stderr,
    )
    readers: dict[str, Path] = {}
    if not args.no_flagship:
        readers["flagship"] = copy_flagship(workdir / "flagship")
    synth = load_synth()
    for n in sizes:
        root = workdir / f"synth-{n}"
        synth.generate(root, n, args.annotations_per_reading, args.seed)
        readers[f"synth-{n}"] = root
    sizes_text = {name: _size(root) for name, root in readers.items()}
    results: dict[str, dict[str, Run]] = {}
    started = time.perf_counter()
    for name, root in readers.items():
        print(f"{name}: {sizes_text[name]}", file=sys.stderr, flush=True)
        results[name] = bench_reader(name, root, steps, jobs, args.timeout)
        if args.json:  # after each reader, so a long run that is stopped keeps its figures
            write_json(args.json, results)
    print(
        f"# coursepack benchmark\n\n{os.cpu_count()} cores (os.cpu_count()), {jobs} worker "
        f"processes; load average {os.getloadavg()[0]:.1f} at the end; "
        f"{time.perf_counter() - started:.0f} s in all.\n"
    )
    print(table(results, sizes_text, load_baseline(args.baseline)))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
