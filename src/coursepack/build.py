"""Run the stages: check the input, then build each target, all or nothing, into build/.

Input problems stop the run before any output is touched. Otherwise every target is built
into a staging folder that starts as a copy of build/, and the two are swapped only once
every target has succeeded (:mod:`coursepack.staging`): after an error, Ctrl-C, SIGTERM or
SIGKILL, build/ holds the previous complete build or the new one, never a mixture. When
the stamps (:mod:`coursepack.stamp`) show that no input, option or code changed since
every wanted target was built, and its outputs are untouched, nothing is loaded, copied or
written at all. Every path is made absolute first: no output depends on the current
directory, which Sphinx changes while it reads ``conf.py``.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursepack import outputs
from coursepack.options import BuildOptions
from coursepack.processes import Interrupted, deferred
from coursepack.progress import Line
from coursepack.staging import LinkRule, Staging, StagingError
from coursepack.stamp import Stamps, input_fingerprint, target_key

if TYPE_CHECKING:
    from coursepack.diagnostics import Report
    from coursepack.model import Reader

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2

#: Target name -> (module, function, output folder under build/).
RENDERERS: dict[str, tuple[str, str, str]] = {
    "cite": ("coursepack.render.cite", "render_cite", "cite"),
    "pdf": ("coursepack.render.pdf", "render_pdfs", "pdf"),
    "epub": ("coursepack.render.epub", "render_epub", "epub"),
    "site": ("coursepack.render.site.build", "render_site", "site"),
}
#: Citations, PDFs and the EPUB first, so the site's downloads page can link them.
ORDER = ("cite", "pdf", "epub", "site")


Renderer = Callable[..., Any]


def read_reader(root: Path) -> tuple[Reader | None, Report]:
    """Load and resolve the reader at root (imported when first needed: a build with
    nothing to do never loads the reader, nor the code that would)."""
    from coursepack.pipeline import read_reader as read

    return read(root)


def _renderer(target: str) -> Renderer | None:
    module_name, function, _ = RENDERERS[target]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    found: Renderer | None = getattr(module, function, None)
    return found


def build(root: Path, out: Path, targets: Iterable[str], options: BuildOptions) -> int:
    """Check the reader at root and build targets into out; return the exit code."""
    started = time.perf_counter()
    root, out = Path(root).resolve(), Path(out).resolve()
    wanted = [t for t in ORDER if t in set(targets)]
    problem = _misplaced(root, out)
    if problem:
        print(f"coursepack build: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    problem = _unwritable(out)
    if problem:
        print(f"coursepack build: error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    staging = Staging(out)
    try:
        staging.lock()
        try:
            repaired = staging.repair()
            if repaired:
                print(f"coursepack build: {repaired}", file=sys.stderr)
            return _build(root, out, wanted, options, staging, started)
        finally:
            staging.unlock()
    except (OSError, StagingError) as exc:
        print(f"coursepack build: error: {_describe(exc, staging)}", file=sys.stderr)
        return EXIT_INPUT
    except Interrupted as exc:
        exc.outcome = exc.outcome or f"{out}/ is unchanged"
        raise


def _build(
    root: Path,
    out: Path,
    wanted: list[str],
    options: BuildOptions,
    staging: Staging,
    started: float,
) -> int:
    stamps = Stamps(out)
    inputs = input_fingerprint(root)
    if wanted and all(stamps.fresh(t, target_key(inputs, t, options, out)) for t in wanted):
        if stamps.report:
            print(stamps.report, file=sys.stderr)
        for target in wanted:
            _print_warnings(target, stamps.warnings(target))
            print(f"{target}: {out / RENDERERS[target][2]}/ (up to date)")
        print(f"built in {time.perf_counter() - started:.1f} s")
        return EXIT_OK
    # The PDF workers start now, and import WeasyPrint while the reader loads, when the
    # PDFs have anything to do (their stamp is stale).
    workers = None
    if "pdf" in wanted and not stamps.fresh("pdf", target_key(inputs, "pdf", options, out)):
        workers = _start_pdf_workers(options)
    try:
        return _build_loaded(root, out, wanted, options, staging, started, inputs, workers)
    finally:
        if workers is not None:
            from coursepack.render.pdf import stop_workers

            stop_workers(workers)


def _start_pdf_workers(options: BuildOptions) -> Any:
    """Return the PDF renderer's workers, started now (None when it has no renderer, or
    lays out in this process)."""
    try:
        from coursepack.render.pdf import start_workers
    except ModuleNotFoundError:
        return None
    return start_workers(options)


def _build_loaded(
    root: Path,
    out: Path,
    wanted: list[str],
    options: BuildOptions,
    staging: Staging,
    started: float,
    inputs: Any,
    workers: Any,
) -> int:
    reader, report = read_reader(root)
    if report.diagnostics:
        print(report.format(), file=sys.stderr)
    if reader is None:
        n = len(report.errors)
        print(
            f"{n} error{'s' if n != 1 else ''}; nothing was built and {out}/ is unchanged",
            file=sys.stderr,
        )
        return EXIT_INPUT
    unknown = [p for p in options.packets if p not in {k.id for k in reader.meta.packets}]
    if unknown:
        named = ", ".join(k.id for k in reader.meta.packets) or "none (see packets: in reader.yaml)"
        print(
            f"coursepack build: error: no packet {', '.join(map(repr, unknown))} in "
            f"annotations/reader.yaml; its packets: {named}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    renderers: dict[str, Renderer] = {}
    for target in wanted:
        found = _renderer(target)
        if found is None:
            print(f"{target}: not built yet (this version has no {target} renderer)")
        else:
            renderers[target] = found
    if not renderers:
        print(f"built in {time.perf_counter() - started:.1f} s")
        return EXIT_OK
    from coursepack.refs import Refs

    # The shared layer: made once, read by every target (citations formatted on first use).
    # The PDF workers, idle until the documents are planned, format part of a long list of
    # citations the cache does not hold (this process has threads now, so cannot fork).
    refs = Refs(reader, base_url=options.base_url, workers=options.workers, pool=workers)
    # With workers, the PDFs are laid out while this process builds the site first, then
    # the other targets: the site offers every file they are about to write, and shows
    # their sizes once they are written. Not for a reader in volumes: its long layouts
    # have the memory, and its site the cores, after them.
    beside = workers is not None and {"pdf", "site"} <= set(renderers)
    beside = beside and len(reader.volumes) == 1
    order = list(renderers)
    if beside:
        order = ["pdf", "site", *(t for t in order if t not in ("pdf", "site"))]
    pdfs: _PdfsBeside | None = None
    try:
        stage = staging.prepare(_linked(set(renderers)))
        recorded = outputs.load(stage)
        stamps = Stamps(stage)
        stamps.report = report.format() if report.diagnostics else ""
        site_warnings: list[str] = []
        for target in order:
            name = RENDERERS[target][2]
            (stage / name).mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            try:
                if target == "pdf" and beside:
                    pdfs = _PdfsBeside(renderers[target], refs, stage / name, options, workers)
                    pdfs.start()
                    continue
                if target == "site":
                    if pdfs is not None:
                        pdfs.free.wait()  # (see render_pdfs)
                        t0 = time.perf_counter()
                    later = order[order.index(target) + 1 :]
                    said = _render_site(
                        renderers[target], refs, stage, options, recorded, pdfs, later
                    )
                    site_warnings = [_as_built(str(w), stage, out) for w in said or []]
                else:
                    extra = {"pool": workers} if target == "pdf" and workers is not None else {}
                    recorded[target] = list(renderers[target](refs, stage / name, options, **extra))
                    outputs.save(stage, recorded)
            except Exception as exc:
                if not _told(target, exc, stage, out):
                    raise
                if pdfs is not None:
                    pdfs.stop()
                staging.discard()
                return EXIT_INPUT
            _print_warnings(target, site_warnings if target == "site" else [])
            # The site's stamp covers the files it offers: taken once every one is written.
            if target != "site" or pdfs is None:
                said = site_warnings if target == "site" else []
                stamps.record(target, target_key(inputs, target, options, stage), said)
            print(f"{target}: {out / name}/ ({time.perf_counter() - t0:.1f} s)")
        if pdfs is not None:
            try:
                recorded["pdf"] = pdfs.wait()
                outputs.save(stage, recorded)
                _finish_site(stage, options)
            except Exception as exc:
                if not _told("pdf", exc, stage, out):
                    raise
                staging.discard()
                return EXIT_INPUT
            print(f"pdf: {out / 'pdf'}/ ({pdfs.seconds:.1f} s)")
            stamps.record("pdf", target_key(inputs, "pdf", options, stage), [])
            stamps.record("site", target_key(inputs, "site", options, stage), site_warnings)
            pdfs = None
        staging.commit()
    except BaseException as exc:
        if pdfs is not None:
            pdfs.stop()
        if isinstance(exc, Interrupted):
            exc.outcome = (
                f"{out}/ holds the new build" if staging.committed else f"{out}/ is unchanged"
            )
        if not staging.committed:
            staging.discard()
        raise
    print(f"built in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def _told(target: str, exc: Exception, stage: Path, out: Path) -> bool:
    """Tell a renderer's own failure (an exception with its warnings), with the paths the
    user knows; return False for any other exception (a bug, which goes on up)."""
    failed = getattr(exc, "warnings", None)
    if not isinstance(failed, list):
        return False
    _print_warnings(target, [_as_built(str(w), stage, out) for w in failed])
    print(f"{target}: error: {exc}; {out}/ is unchanged", file=sys.stderr)
    return True


def _render_site(
    render: Renderer,
    refs: Any,
    stage: Path,
    options: BuildOptions,
    recorded: dict[str, list[Any]],
    pdfs: _PdfsBeside | None,
    later: list[str],
) -> list[str]:
    """Build the site, offering what the other targets wrote; return Sphinx's warnings.

    With the PDFs laid out beside it, it offers those they will write and the files of the
    targets built after it (later). :func:`_finish_site` puts them in place once written.
    """
    if pdfs is None:
        offered = [o for t in ("cite", "pdf", "epub") for o in recorded.get(t, [])]
        found: list[str] = render(refs, stage / "site", options, outputs=offered)
        return found
    coming: list[Any] = []
    for target in ["pdf", *later]:
        module, _, name = RENDERERS[target]
        coming += importlib.import_module(module).promised(refs, stage / name, options)
    built = [o for t in ("cite", "epub") if t not in later for o in recorded.get(t, [])]
    offered = built + coming
    found = render(
        refs,
        stage / "site",
        options,
        outputs=offered,
        coming={o.path for o in coming},
        line=pdfs.line,
        # Sphinx forks its readers and writers only once the PDFs' thread is done: till
        # then the workers have the cores, and a fork would copy a process with threads.
        may_fork=lambda: not pdfs.is_alive(),
    )
    return found


def _finish_site(stage: Path, options: BuildOptions) -> None:
    from coursepack.render.site.build import finish_site

    finish_site(stage / "site", options)


class _PdfsBeside(threading.Thread):
    """The PDFs, laid out in the build's workers while this process builds the site.

    The thread only plans the documents and hands them to the workers (and stitches a
    reader from its parts): this process is otherwise free for Sphinx. Should anything
    else fail, or an interrupt come, :meth:`stop` kills the workers and waits for the
    thread to end, so that nothing writes into the staging folder as it is removed.
    """

    def __init__(
        self, render: Renderer, refs: Any, out: Path, options: BuildOptions, pool: Any
    ) -> None:
        super().__init__(name="pdfs", daemon=True)
        self.render, self.refs, self.out, self.options, self.pool = (
            render, refs, out, options, pool
        )  # fmt: skip
        self.error: BaseException | None = None
        self.result: list[Any] = []
        self.seconds = 0.0
        #: Set when this process may take a core (:func:`coursepack.render.pdf.render_pdfs`).
        self.free = threading.Event()
        #: The progress line the PDFs and the site share (on a terminal).
        self.line = Line()

    def start(self) -> None:
        # The citations, which both threads read, are formatted here, once, first.
        self.refs.citations  # noqa: B018
        # The thread blocks SIGINT and SIGTERM: this one handles them (and stops it).
        with deferred():
            super().start()

    def run(self) -> None:
        t0 = time.perf_counter()
        try:
            found = self.render(
                self.refs, self.out, self.options, pool=self.pool, free=self.free, line=self.line
            )
            self.result = list(found)
        except BaseException as exc:
            self.error = exc
        finally:
            self.seconds = time.perf_counter() - t0
            self.free.set()

    def wait(self) -> list[Any]:
        """Wait for the PDFs; return them, or raise what stopped them."""
        self.join()
        if self.error is not None:
            raise self.error
        return self.result

    def stop(self) -> None:
        """Kill the workers and wait for the thread to end."""
        from coursepack.render.pdf import abandon

        abandon(self.pool)
        self.join(timeout=30)


OWNED = outputs.OWNED
#: Targets whose every file is written under a temporary name, then renamed over the old
#: one (:func:`coursepack.render.pdf.engine.write_pdf`): never written in place.
WRITTEN_WHOLE = frozenset({"pdf"})


def _linked(building: set[str]) -> LinkRule:
    """Return which files of the build folder its staging copy may share (hard links):
    those of targets not built this time, of those written whole, of the folders that
    are only ever replaced (the files a site offers for download), and Sphinx's doctrees
    and the generated pages' HTML, which the site unlinks before it writes them."""
    shared = {
        name
        for target, names in OWNED.items()
        if target not in building or target in WRITTEN_WHOLE
        for name in names
    }
    return lambda path: (
        path.split("/", 1)[0] in shared
        or path.startswith(outputs.REPLACED_WHOLE)
        or (
            path.startswith(outputs.SITE_DOCTREES)
            and not path.startswith(outputs.SITE_DOCTREE_IMAGES)
        )
        or (path.startswith(outputs.SITE_PAGES) and path.endswith(".html"))
    )


def _misplaced(root: Path, out: Path) -> str:
    """Return why out cannot be the build folder of the reader at root, or ""."""
    if root == out or root.is_relative_to(out):
        return f"{out}/ holds the reader itself; choose an output folder inside it (--out)"
    for name in ("seeds", "annotations"):
        if out.is_relative_to(root / name):
            return f"{out}/ is inside the reader's {name}/; choose another folder (--out)"
    return ""


def _unwritable(out: Path) -> str:
    """Return why the build folder out cannot be replaced, in a line, or ""."""
    if out.exists() and not out.is_dir():
        return f"{out} is not a folder; remove it, or build elsewhere with --out"
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        return f"cannot write {out}/ (permission denied); make it writable, or use --out"
    if out.is_dir() and os.path.ismount(out):
        return (
            f"{out}/ is a mount point, and a build replaces its folder whole; "
            "build into a folder inside it with --out"
        )
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        return (
            f"cannot write in {parent}/, where {out.name}/ and its staging folder go "
            "(permission denied); use --out"
        )
    return ""


def _describe(exc: OSError | StagingError, staging: Staging) -> str:
    """Return an error that stopped a build, in a line, naming paths as the user knows them."""
    if isinstance(exc, StagingError):
        return str(exc)
    where = str(exc.filename or "")
    if where.startswith(str(staging.next)):
        where = str(staging.out) + where[len(str(staging.next)) :]
    reason = exc.strerror or str(exc)
    return f"{reason}: {where}; {staging.out}/ is unchanged" if where else reason


def _as_built(text: str, stage: Path, out: Path) -> str:
    """Return a message about a file of the staging folder as about the file it becomes."""
    return text.replace(str(stage), str(out))


def _print_warnings(target: str, warnings: list[str]) -> None:
    for warning in warnings:
        print(f"{target}: warning: {warning}", file=sys.stderr)
