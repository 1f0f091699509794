"""The PDF target: the course reader, one handout per reading, and the instructor guide.

:func:`render_pdfs` writes ``reader.pdf`` (or, for a reader longer than a volume,
``reader-volume-<n>.pdf``), ``handouts/<reading>.pdf`` and ``instructor-guide.pdf``.
Each PDF is rendered in its own worker process; one whose inputs
(context, templates, CSS, fonts, options) have not changed since the last build is skipped.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import weasyprint

from coursepack.model import Reader
from coursepack.options import BuildOptions, source_date_epoch
from coursepack.progress import Line, Progress
from coursepack.render.pdf.context import (
    Context,
    guide_context,
    handout_context,
    reader_contexts,
)
from coursepack.render.pdf.engine import (
    PACKAGE_DIR,
    Job,
    file_mode,
    hash_files,
    run_job,
    warm_up,
)

__all__ = [
    "HASHES",
    "PdfRun",
    "created_date",
    "plan_jobs",
    "reader_file",
    "render_pdfs",
    "start_pdfs",
]

#: Where the content hashes of the last build are kept, beside the PDFs.
HASHES = ".hashes.json"


def created_date(reader: Reader) -> str:
    """Return the PDFs' creation date: SOURCE_DATE_EPOCH, else January 1 of the reader's year."""
    epoch = source_date_epoch()
    if epoch is None:
        return f"{reader.meta.year:04d}-01-01T00:00:00Z"
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assets_digest() -> str:
    """Return a hash of everything besides the context that shapes a PDF."""
    files = [
        p
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and p.suffix in {".html", ".css", ".otf", ".ttf", ".py"}
    ]
    return hash_files(files, extra=("weasyprint", weasyprint.__version__))


def reader_file(volume: int, count: int) -> str:
    """Return the file name of a volume of the course reader: reader.pdf when it is one."""
    if count == 1:
        return "reader.pdf"
    return f"reader-volume-{volume:0{len(str(count))}d}.pdf"


def _digest(template: str, context: Context, assets: str) -> tuple[str, int]:
    """Return the content hash of a document's inputs, and their size (a guide to its cost)."""
    payload = json.dumps([template, context], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((assets + payload).encode()).hexdigest(), len(payload)


def plan_jobs(reader: Reader, out: Path, options: BuildOptions) -> list[Job]:
    """Return one job per PDF: the reader's volumes, the guide, the handouts."""
    assets = assets_digest()
    common: dict[str, Any] = {"created": created_date(reader)}

    def job(template: str, context: Context, target: Path, index: bool = False) -> Job:
        context = {**context, **common}
        digest, size = _digest(template, context, assets)
        return Job(template, context, target, digest, index, size)

    volumes = reader_contexts(reader, options)
    jobs = [
        job("reader.html", context, out / reader_file(number, len(volumes)), index=True)
        for number, context in enumerate(volumes, start=1)
    ]
    jobs.append(job("guide.html", guide_context(reader, options), out / "instructor-guide.pdf"))
    for reading in reader.readings:
        jobs.append(
            job(
                "handout.html",
                handout_context(reader, reading.id, options),
                out / "handouts" / f"{reading.id}.pdf",
            )
        )
    return jobs


def _load_hashes(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_hashes(path: Path, hashes: dict[str, str]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(dict(sorted(hashes.items())), handle, indent=2)
        handle.write("\n")
    os.chmod(tmp, file_mode())
    os.replace(tmp, path)


def render_pdfs(reader: Reader, out: Path, options: BuildOptions) -> list[Path]:
    """Write the reader, the handouts and the instructor guide into out; return their paths."""
    return start_pdfs(reader, out, options).wait()


class PdfRun:
    """PDFs being laid out by worker processes, while this process does something else.

    The jobs are handed to the workers from a thread of this process, which only waits on
    them; :meth:`wait` joins it and raises what a job raised.
    """

    def __init__(self, paths: list[Path], work: Callable[[], None] | None, started: float) -> None:
        self.paths = paths
        #: Seconds from the start (planning included) until the last PDF was written.
        self.seconds = time.perf_counter() - started
        self._started = started
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if work is not None:
            self._thread = threading.Thread(target=self._run, args=(work,), name="coursepack-pdf")
            self._thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:  # handed to the thread that waits
            self._error = exc
        self.seconds = time.perf_counter() - self._started

    def wait(self) -> list[Path]:
        """Wait until every PDF is written; return their paths, or raise a job's error."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self.paths


def start_pdfs(
    reader: Reader,
    out: Path,
    options: BuildOptions,
    *,
    line: Line | None = None,
) -> PdfRun:
    """Plan the PDFs here and start laying them out in worker processes; return the run.

    With more than one worker the layout goes on in the background, while this process
    does other work (the site), whose progress shares line. With one worker every PDF is
    laid out here before this returns.
    """
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    hashes_path = out / HASHES
    old = _load_hashes(hashes_path)
    # A first build of a one-volume reader lays out every PDF: its workers start, and
    # import WeasyPrint, while the jobs are planned (formatting the citations takes a while).
    expected = len(reader.volumes) + 1 + len(reader.readings)
    workers = min(options.workers, expected)
    early = not old and workers > 1 and len(reader.volumes) == 1
    shared = _start_pool(workers, warm=True) if early else None
    try:
        jobs = plan_jobs(reader, out, options)
    except BaseException:
        if shared is not None:
            shared.shutdown(cancel_futures=True)
        raise

    def key(job: Job) -> str:
        return job.target.relative_to(out).as_posix()

    todo = [j for j in jobs if not (j.target.exists() and old.get(key(j)) == j.digest)]
    # The longest first, so that no long document starts last while the others idle.
    todo.sort(key=lambda j: -j.size)
    _remove_stale(out, jobs)
    progress = Progress(enabled=options.progress, line=line)
    progress.start("pdf", total=len(todo))
    workers = min(options.workers, len(todo))
    paths = [j.target for j in jobs]

    def finish() -> None:
        progress.done()
        _save_hashes(hashes_path, {key(j): j.digest for j in jobs})

    if shared is None and workers <= 1:
        for job in todo:
            run_job(job)
            progress.advance()
        finish()
        return PdfRun(paths, None, started)
    pool = shared or _start_pool(workers)
    # A worker keeps much of the memory of a long document after writing it (WeasyPrint's
    # caches, a fragmented heap): each volume of a reader in volumes is laid out in a fresh
    # process, so that memory is bounded by one volume.
    in_volumes = len(reader.volumes) > 1
    fresh = (
        _start_pool(workers, one_task=True) if in_volumes and any(j.index for j in todo) else None
    )

    def work() -> None:
        try:
            _run_parallel(todo, workers, pool, fresh, progress)
        finally:
            for each in (pool, fresh):
                if each is not None:
                    each.shutdown(cancel_futures=True)
        finish()

    return PdfRun(paths, work, started)


def _start_pool(workers: int, warm: bool = False, one_task: bool = False) -> ProcessPoolExecutor:
    """Return a pool of worker processes; warm: started now rather than at the first job."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, max_tasks_per_child=1 if one_task else None
    )
    if warm:
        # Spawned on demand, one per task while none is idle: one task each starts them all.
        for _ in range(workers):
            pool.submit(warm_up)
    return pool


def _next_job(pending: list[Job], volume_may_start: bool) -> Job | None:
    """Return the first pending job that may start now: any but a volume, or a volume if
    one may start; None when only volumes are left and none may."""
    return next((j for j in pending if volume_may_start or not j.index), None)


def _run_parallel(
    todo: list[Job],
    workers: int,
    shared: ProcessPoolExecutor,
    fresh: ProcessPoolExecutor | None,
    progress: Progress,
) -> None:
    """Run jobs with at most `workers` at a time: volumes in fresh processes, the rest shared.

    At most half as many volumes as workers (at least one) are laid out at once, the other
    workers taking handouts meanwhile: a volume's process holds some 1.1 GiB at 25
    readings, and two at once took a 200-reading build past 2 GiB. A reader in volumes has
    as many handouts as readings, so the workers rarely wait for this.
    """
    slots = threading.Semaphore(workers)
    changed = threading.Condition()
    volume_limit = max(1, workers // 2)
    running_volumes = 0
    futures: list[Future[tuple[str, int]]] = []
    pending = list(todo)

    def finished(job: Job) -> Callable[[Future[tuple[str, int]]], None]:
        def done(_future: Future[tuple[str, int]]) -> None:
            nonlocal running_volumes
            with changed:
                if job.index:
                    running_volumes -= 1
                progress.advance()
                changed.notify_all()
            slots.release()

        return done

    while pending:
        slots.acquire()
        if any(f.done() and f.exception() is not None for f in futures):
            slots.release()
            break  # a job failed: start no more, and report it below
        with changed:
            while (job := _next_job(pending, running_volumes < volume_limit)) is None:
                changed.wait()
            pending.remove(job)
            if job.index:
                running_volumes += 1
        pool = fresh if fresh is not None and job.index else shared
        future = pool.submit(run_job, job)
        future.add_done_callback(finished(job))
        futures.append(future)
    for future in futures:
        future.result()


def _remove_stale(out: Path, jobs: list[Job]) -> None:
    """Remove handouts of readings the reader no longer has, and volumes it is no longer in."""
    wanted = {j.target for j in jobs}
    for path in out.glob("reader*.pdf"):
        if path not in wanted:
            path.unlink()
    handouts = out / "handouts"
    if handouts.is_dir():
        for path in handouts.glob("*.pdf"):
            if path not in wanted:
                path.unlink()
