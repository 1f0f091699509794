"""Run the stages: check the input, then build each target into build/.

Input problems stop the run before any output is touched, so a failed build leaves the
previous ``build/`` exactly as it was. Each target writes its own files atomically.
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
    wanted = set(targets)
    for target in ORDER:
        if target not in wanted:
            continue
        render = _renderer(target)
        folder = out / RENDERERS[target][2]
        if render is None:
            print(f"{target}: not built yet (this version has no {target} renderer)")
            continue
        t0 = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        result = render(reader, folder, options)
        if target == "site" and result:
            for warning in result:
                print(f"site: warning: {warning}", file=sys.stderr)
        print(f"{target}: {folder}/ ({time.perf_counter() - t0:.1f} s)")
    print(f"built in {time.perf_counter() - started:.1f} s")
    return 0
