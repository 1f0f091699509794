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
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import weasyprint

from coursepack.model import Reader
from coursepack.options import BuildOptions, source_date_epoch
from coursepack.progress import Progress
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

__all__ = ["HASHES", "created_date", "plan_jobs", "reader_file", "render_pdfs"]

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
    out.mkdir(parents=True, exist_ok=True)
    hashes_path = out / HASHES
    old = _load_hashes(hashes_path)
    # A first build of a one-volume reader lays out every PDF: its workers start, and
    # import WeasyPrint, while the jobs are planned (formatting the citations takes a while).
    expected = len(reader.volumes) + 1 + len(reader.readings)
    workers = min(options.workers, expected)
    early = not old and workers > 1 and len(reader.volumes) == 1
    shared = _start_pool(workers, warm=True) if early else None
    fresh: ProcessPoolExecutor | None = None
    try:
        jobs = plan_jobs(reader, out, options)

        def key(job: Job) -> str:
            return job.target.relative_to(out).as_posix()

        todo = [j for j in jobs if not (j.target.exists() and old.get(key(j)) == j.digest)]
        # The longest first, so that no long document starts last while the others idle.
        todo.sort(key=lambda j: -j.size)
        _remove_stale(out, jobs)
        progress = Progress(enabled=options.progress)
        progress.start("pdf", total=len(todo))
        workers = min(options.workers, len(todo))
        if shared is None and workers <= 1:
            for job in todo:
                run_job(job)
                progress.advance()
        else:
            shared = shared or _start_pool(workers)
            # A worker keeps much of the memory of a long document after writing it
            # (WeasyPrint's caches, a fragmented heap): each volume of a reader in volumes
            # is laid out in a fresh process, so that memory is bounded by one volume.
            if len(reader.volumes) > 1 and any(j.index for j in todo):
                fresh = _start_pool(workers, one_task=True)
            _run_parallel(todo, workers, shared, fresh, progress)
        progress.done()
    finally:
        for pool in (shared, fresh):
            if pool is not None:
                pool.shutdown(cancel_futures=True)
    _save_hashes(hashes_path, {key(j): j.digest for j in jobs})
    return [j.target for j in jobs]


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
