"""Run the stages: check the input, then build each target into build/.

Input problems stop the run before any output is touched, so a failed build leaves the
previous ``build/`` exactly as it was. Each target writes its own files atomically. When
the stamps (:mod:`coursepack.stamp`) show that no input, option or code changed since
every wanted target was built, and its outputs are untouched, nothing is loaded at all.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.pipeline import read_reader
from coursepack.progress import Line
from coursepack.stamp import Stamps, input_fingerprint, target_key

#: Target name -> (module, function, output folder under build/).
RENDERERS: dict[str, tuple[str, str, str]] = {
    "cite": ("coursepack.render.cite", "render_cite", "cite"),
    "pdf": ("coursepack.render.pdf", "render_pdfs", "pdf"),
    "site": ("coursepack.render.site.build", "render_site", "site"),
}
#: Citations and PDFs first, so the site's downloads page can link them.
ORDER = ("cite", "pdf", "site")
#: The largest reader whose site is built while its PDFs are laid out. Beyond it, the
#: site's Sphinx environment (some 700 MB at 200 readings) held beside a volume being laid
#: out (1.1 GiB) and a handout would take the build past 2 GiB: the site comes after.
TOGETHER_MAX_READINGS = 100


def _renderer(target: str) -> Callable[[Reader, Path, BuildOptions], Any] | None:
    module_name, function, _ = RENDERERS[target]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    found: Callable[[Reader, Path, BuildOptions], Any] | None = getattr(module, function, None)
    return found


def build(root: Path, out: Path, targets: Iterable[str], options: BuildOptions) -> int:
    """Check the reader at root and build targets into out; return the exit code."""
    started = time.perf_counter()
    wanted = [t for t in ORDER if t in set(targets)]
    stamps = Stamps(out)
    inputs = input_fingerprint(root)
    if wanted and all(stamps.fresh(t, target_key(inputs, t, options, out)) for t in wanted):
        if stamps.report:
            print(stamps.report, file=sys.stderr)
        for target in wanted:
            _print_warnings(target, stamps.warnings(target))
            print(f"{target}: {out / RENDERERS[target][2]}/ (up to date)")
        print(f"built in {time.perf_counter() - started:.1f} s")
        return 0
    reader, report = read_reader(root)
    if report.diagnostics:
        print(report.format(), file=sys.stderr)
    if reader is None:
        n = len(report.errors)
        print(
            f"{n} error{'s' if n != 1 else ''}; nothing was built and {out}/ is unchanged",
            file=sys.stderr,
        )
        return 1
    stamps.report = report.format() if report.diagnostics else ""
    together = _together(reader, wanted, options)
    for target in wanted:
        if together and target in {"pdf", "site"}:
            if target == "site":
                _pdf_and_site(reader, out, options, stamps, inputs)
            continue
        render = _renderer(target)
        folder = out / RENDERERS[target][2]
        if render is None:
            print(f"{target}: not built yet (this version has no {target} renderer)")
            continue
        t0 = time.perf_counter()
        key = target_key(inputs, target, options, out)
        stamps.forget(target)
        folder.mkdir(parents=True, exist_ok=True)
        result = render(reader, folder, options)
        warnings = [str(w) for w in result] if target == "site" and result else []
        _print_warnings(target, warnings)
        stamps.record(target, key, warnings)
        print(f"{target}: {folder}/ ({time.perf_counter() - t0:.1f} s)")
    print(f"built in {time.perf_counter() - started:.1f} s")
    return 0


def _together(reader: Reader, wanted: list[str], options: BuildOptions) -> bool:
    """Return whether the site is built while the PDFs are laid out: with more than one
    worker, for a reader of at most TOGETHER_MAX_READINGS, when both are wanted (and this
    version renders both)."""
    return (
        options.workers > 1
        and len(reader.readings) <= TOGETHER_MAX_READINGS
        and {"pdf", "site"} <= set(wanted)
        and _renderer("pdf") is not None
        and _renderer("site") is not None
    )


def _pdf_and_site(
    reader: Reader, out: Path, options: BuildOptions, stamps: Stamps, inputs: str
) -> None:
    """Build the site in this process while worker processes lay out the PDFs.

    Most of a build is the PDFs, laid out in worker processes; this one only hands out
    their jobs, and builds the site meanwhile, instead of after them. The site's downloads
    page, which lists the PDFs with their sizes, is written once they are all done.
    """
    from coursepack.render.pdf import start_pdfs
    from coursepack.render.site.build import render_site

    folders = {t: out / RENDERERS[t][2] for t in ("pdf", "site")}
    pdf_key = target_key(inputs, "pdf", options, out)
    for target, folder in folders.items():
        stamps.forget(target)
        folder.mkdir(parents=True, exist_ok=True)
    line = Line()
    t0 = time.perf_counter()
    # The jobs are planned here (formatting the citations, which the site then reuses),
    # while the workers start; only then does the site begin.
    pdfs = start_pdfs(reader, folders["pdf"], options, line=line)

    def wait_for_pdfs() -> None:
        with contextlib.suppress(Exception):
            pdfs.wait()  # a failed PDF is raised below, as the build's error

    try:
        warnings = [
            str(w)
            for w in render_site(
                reader, folders["site"], options, files_pending=wait_for_pdfs, line=line
            )
        ]
    except BaseException:
        wait_for_pdfs()
        raise
    pdfs.wait()
    site_seconds = time.perf_counter() - t0
    stamps.record("pdf", pdf_key, [])
    print(f"pdf: {folders['pdf']}/ ({pdfs.seconds:.1f} s)")
    _print_warnings("site", warnings)
    # The site's key covers the PDFs it offers: taken now that they are written.
    stamps.record("site", target_key(inputs, "site", options, out), warnings)
    print(f"site: {folders['site']}/ ({site_seconds:.1f} s, beside the PDFs)")


def _print_warnings(target: str, warnings: list[str]) -> None:
    for warning in warnings:
        print(f"{target}: warning: {warning}", file=sys.stderr)
