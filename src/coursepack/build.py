"""Run the stages: check the input, then build each target into build/.

Input problems stop the run before any output is touched, so a failed build leaves the
previous ``build/`` exactly as it was. Each target writes its own files atomically. When
the stamps (:mod:`coursepack.stamp`) show that no input, option or code changed since
every wanted target was built, and its outputs are untouched, nothing is loaded at all.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.pipeline import read_reader
from coursepack.stamp import Stamps, input_fingerprint, target_key

#: Target name -> (module, function, output folder under build/).
RENDERERS: dict[str, tuple[str, str, str]] = {
    "cite": ("coursepack.render.cite", "render_cite", "cite"),
    "pdf": ("coursepack.render.pdf", "render_pdfs", "pdf"),
    "site": ("coursepack.render.site.build", "render_site", "site"),
}
#: Citations and PDFs first, so the site's downloads page can link them.
ORDER = ("cite", "pdf", "site")


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
    for target in wanted:
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


def _print_warnings(target: str, warnings: list[str]) -> None:
    for warning in warnings:
        print(f"{target}: warning: {warning}", file=sys.stderr)
