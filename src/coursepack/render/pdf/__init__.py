"""The PDF target: the course reader, one handout per reading, the instructor guide and
the packets.

:func:`render_pdfs` writes ``reader.pdf`` (or, for a reader longer than a volume,
``reader-volume-<n>.pdf``), ``handouts/<reading>.pdf``, ``packets/<packet>.pdf`` and
``instructor-guide.pdf``; in the instructor edition, ``reader-instructor.pdf`` and, where
teaching notes apply, ``handouts/<reading>-instructor.pdf`` and
``packets/<packet>-instructor.pdf`` (:func:`outputs` lists them all).
Each PDF is rendered in its own worker process; one whose inputs
(context, templates, CSS, fonts, options) have not changed since the last build is skipped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from coursepack import processes
from coursepack.model import Packet, Reader
from coursepack.options import EDITIONS, BuildOptions, source_date_epoch
from coursepack.outputs import Output, edition_name
from coursepack.progress import Line, Progress
from coursepack.refs import Refs
from coursepack.refs.labels import reading_title
from coursepack.render.pdf import parts
from coursepack.render.pdf.context import (
    Context,
    guide_context,
    handout_context,
    packet_context,
    reader_context,
)
from coursepack.render.pdf.jobs import (
    PACKAGE_DIR,
    Job,
    file_mode,
    hash_files,
    run_jobs,
    run_part,
    warm_up,
)

__all__ = [
    "HASHES",
    "created_date",
    "iter_jobs",
    "plan_jobs",
    "reader_file",
    "render_pdfs",
    "start_workers",
    "stop_workers",
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
    return hash_files(files, extra=("weasyprint", version("weasyprint")))


def reader_file(volume: int, count: int) -> str:
    """Return the file name of a volume of the course reader: reader.pdf when it is one."""
    if count == 1:
        return "reader.pdf"
    return f"reader-volume-{volume:0{len(str(count))}d}.pdf"


def _digest(template: str, context: Context, assets: str) -> tuple[str, int]:
    """Return the content hash of a document's inputs, and their size (a guide to its cost)."""
    payload = json.dumps([template, context], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((assets + payload).encode()).hexdigest(), len(payload)


def wanted(refs: Refs, out: Path, options: BuildOptions) -> list[tuple[Output, Packet | None]]:
    """Return the PDFs the options ask for, in the order of :func:`outputs`, each with the
    packet it prints (None for any other PDF): every PDF of the editions asked for, or,
    when the options name packets, only theirs."""
    reader = refs.reader
    found = []
    for output in outputs(refs, out):
        if output.edition and output.edition not in options.editions:
            continue
        packet = _packet_of(reader, output, out)
        if options.packets and (packet is None or packet.id not in options.packets):
            continue
        found.append((output, packet))
    return found


def plan_jobs(refs: Refs, out: Path, options: BuildOptions, kept: Path | None = None) -> list[Job]:
    """Return one job per PDF the options ask for (:func:`wanted`); kept: the folder that
    keeps what each is laid out from (by default :func:`coursepack.render.pdf.parts.kept_in`)."""
    return list(iter_jobs(refs, out, options, kept=kept))


def iter_jobs(
    refs: Refs,
    out: Path,
    options: BuildOptions,
    first: Collection[str] = (),
    kept: Path | None = None,
) -> Iterator[Job]:
    """Plan one job per PDF the options ask for, one at a time, in the order of
    :func:`wanted`, but the documents of the readings in first before the rest
    (:func:`_edited_first`): each is ready to lay out before the next is planned."""
    reader = refs.reader
    assets = assets_digest()
    kept = kept or parts.kept_in(out, reader.root)
    common: dict[str, Any] = {"created": created_date(reader)}
    # A reader (each volume, each packet) is written in parts that later builds reuse;
    # each document keeps the pages of its places for its next layout.
    for output, packet in _edited_first(wanted(refs, out, options), set(first)):
        edition = options.for_edition("instructor" if output.edition == "instructor" else "student")
        if output.role == "reader":
            volume = reader.volumes.index(output.readings) + 1
            template, context, index = "reader.html", reader_context(refs, edition, volume), True
        elif output.role == "guide":
            template, context, index = "guide.html", guide_context(refs, edition), False
        elif output.role == "handout":
            template, index = "handout.html", False
            context = handout_context(refs, output.readings[0], edition)
        else:
            assert packet is not None, output
            template, context, index = "reader.html", packet_context(refs, edition, packet), True
        context = {**context, **common}
        digest, size = _digest(template, context, assets)
        cache = parts.folder_of(kept, out, output.path)
        # In the build cache, a copy of the finished PDF is kept too.
        finished = cache / f"{digest}.pdf" if kept != out / parts.CACHE else None
        yield Job(template, context, output.path, digest, index, size, assets, cache, finished)


def _edited_first(
    found: list[tuple[Output, Packet | None]], edited: set[str]
) -> list[tuple[Output, Packet | None]]:
    """Return the documents in the order to plan them: the handouts of the edited readings
    first (quick to plan, and each laid out alone), then the readers (volumes, packets)
    that print one, then the rest in their order. The guide, which prints every reading,
    keeps its place."""

    def rank(pair: tuple[Output, Packet | None]) -> int:
        output = pair[0]
        if output.role == "guide" or edited.isdisjoint(output.readings):
            return 2
        return 0 if output.role == "handout" else 1

    return sorted(found, key=rank) if edited else found


def edited_readings(reader: Reader, since: float) -> set[str]:
    """Return the readings whose documents the files modified after since (a time) most
    likely change: a reading's own files (its seed, and the files named after it, as its
    questions and textual notes are), and those of the historical notes anchored in it and
    of the glossary terms that occur in it. Nothing when most of the readings would be
    named (a checkout, a change of everything): there is then nothing to put first.

    Modification times give only the order in which the documents are planned (the
    documents' digests decide what is laid out again), so a time that misleads costs a
    moment, never a wrong PDF.
    """
    names: set[str] = set()
    for folder in ("seeds", "annotations"):
        for dirpath, _, filenames in os.walk(Path(reader.root) / folder):
            for name in filenames:
                try:
                    modified = os.stat(os.path.join(dirpath, name)).st_mtime
                except OSError:
                    continue
                if modified > since:
                    names.add(name.partition(".")[0])
    if not names:
        return set()
    edited = {r.id for r in reader.readings if r.id in names}
    for note in reader.notes:
        if note.id in names:
            edited.update(a.reading for a in note.anchors)
    for term in reader.terms:
        if term.id in names:
            edited.update(o.reading for o in term.occurrences)
    return set() if 2 * len(edited) > len(reader.readings) else edited


def packet_file(out: Path, packet: Packet, edition: str) -> Path:
    """Return where a packet's PDF goes in an edition."""
    return out / "packets" / edition_name(f"{packet.id}.pdf", edition)


def _packet_of(reader: Reader, output: Output, out: Path) -> Packet | None:
    """Return the packet an output prints, or None when it is no packet."""
    if output.role != "packet":
        return None
    edition = output.edition or "student"
    return next(p for p in reader.meta.packets if packet_file(out, p, edition) == output.path)


def _taught(reader: Reader) -> tuple[set[str], set[str]]:
    """Return the readings whose printed apparatus has teaching notes (a question on them
    with a teaching note, a historical note anchored in them with teaching), and the
    questions that have a teaching note."""
    readings: set[str] = set()
    questions: set[str] = set()
    for q in reader.questions:
        if q.teaching_note:
            readings.update(q.readings)
            questions.add(q.id)
    for n in reader.notes:
        if n.teaching:
            readings.update(a.reading for a in n.anchors)
    return readings, questions


def _load_hashes(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _written_at(path: Path) -> float:
    """Return when a file was last written (its modification time); 0 if it is gone."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _save_hashes(path: Path, hashes: dict[str, str]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(dict(sorted(hashes.items())), handle, indent=2)
        handle.write("\n")
    os.chmod(tmp, file_mode())
    os.replace(tmp, path)


def outputs(refs: Refs, out: Path) -> list[Output]:
    """Return every PDF the target may write into out, each with what it is: the reader's
    volumes, the instructor guide, the handouts and the packets, in the student edition and,
    where teaching notes apply, in the instructor edition (named apart by
    :func:`~coursepack.outputs.edition_name`)."""
    reader = refs.reader
    volumes = reader.volumes
    taught, taught_questions = _taught(reader)
    found: list[Output] = []
    for edition in EDITIONS:
        teacher = edition == "instructor"
        said = ", instructor edition, with teaching notes" if teacher else ""
        for number, ids in enumerate(volumes, start=1):
            path = out / edition_name(reader_file(number, len(volumes)), edition)
            if len(volumes) == 1:
                label = f"The full course reader{said} (PDF)"
            else:
                first, last = refs.short(ids[0]), refs.short(ids[-1])
                span = first if first == last else f"{first} to {last}"
                label = f"The course reader, volume {number} of {len(volumes)}: {span}{said} (PDF)"
            found.append(Output(path, label, teacher, 0, "reader", ids, edition))
        if not teacher:
            found.append(
                Output(
                    out / "instructor-guide.pdf",
                    "Instructor’s guide, with teaching notes (PDF)",
                    instructor=True,
                    rank=1,
                    role="guide",
                )
            )
        for reading in reader.readings:
            if teacher and reading.id not in taught:
                continue
            path = out / "handouts" / edition_name(f"{reading.id}.pdf", edition)
            label = f"Handout: {reading_title(reading)}{said} (PDF)"
            found.append(Output(path, label, teacher, 2, "handout", (reading.id,), edition))
        for packet in reader.meta.packets:
            if teacher and not (
                taught & set(packet.readings) or taught_questions & set(packet.questions)
            ):
                continue
            path = packet_file(out, packet, edition)
            label = f"Packet: {packet.title}{said} (PDF)"
            found.append(Output(path, label, teacher, 2, "packet", packet.readings, edition))
    return found


def promised(refs: Refs, out: Path, options: BuildOptions) -> list[Output]:
    """Return the PDFs that out holds once :func:`render_pdfs` has written it: those the
    options ask for, and those of other editions or packets already there."""
    asked = {output.path for output, _ in wanted(refs, out, options)}
    return [o for o in outputs(refs, out) if o.path in asked or o.path.is_file()]


def abandon(pool: ProcessPoolExecutor) -> None:
    """Kill the workers a build started, kept ones too (:func:`start_workers`): whatever
    :func:`render_pdfs` was doing with them fails, and no worker writes on."""
    _release(pool, kill=True)


def render_pdfs(
    refs: Refs,
    out: Path,
    options: BuildOptions,
    *,
    line: Line | None = None,
    pool: ProcessPoolExecutor | None = None,
    free: threading.Event | None = None,
) -> list[Output]:
    """Write the reader, the handouts and the instructor guide into out; return them.

    Every PDF whose inputs changed is laid out, by worker processes when there is more than
    one worker. Should anything fail or an interrupt arrive, the workers are killed at
    once: none goes on writing into out. line: a progress line shared with other targets.
    pool: workers the build started before it loaded the reader (:func:`start_workers`),
    which this function stops. free: set when the caller may take a core for other work (the
    site, whose pages an edit's author waits for): at once in a build after an edit, whose
    documents are short; otherwise once a worker has nothing left to do, so that the longest
    document (a first build's reader) keeps its core.
    """
    out.mkdir(parents=True, exist_ok=True)
    try:
        with parts.kept_for_build(out, refs.reader.root) as kept:
            return _render_pdfs(refs, out, options, kept, line, pool, free)
    finally:
        if free is not None:
            free.set()


def _render_pdfs(
    refs: Refs,
    out: Path,
    options: BuildOptions,
    kept: Path,
    line: Line | None,
    pool: ProcessPoolExecutor | None,
    free: threading.Event | None = None,
) -> list[Output]:
    """Write the PDFs as :func:`render_pdfs` says, keeping what they are laid out from in
    kept."""
    reader = refs.reader
    hashes_path = out / HASHES
    old = _load_hashes(hashes_path)
    _remove_stale(out, [o.path for o in outputs(refs, out)])
    workers = min(options.workers, len(wanted(refs, out, options)))
    progress = Progress(enabled=options.progress, line=line)
    if old and (pool is not None or workers > 1):
        # A build after an edit: each document that changed is handed to the workers as
        # soon as it is planned, while the others are planned.
        planner = _Planner(refs, out, options, kept, old, _written_at(hashes_path))
        if free is not None:
            free.set()  # an edit's documents are short: the site's pages first
        _lay_out_as_planned(planner, pool, workers, len(reader.volumes) > 1, progress)
        jobs, todo = planner.jobs, planner.todo
    else:
        jobs, todo = _plan_then_lay_out(
            refs, out, options, kept, old, pool, workers, progress, free
        )
    progress.done()
    # Files of another edition, or packets not asked for, keep their hashes.
    digests = {_key(out, j): j.digest for j in jobs}
    still = {o.path.relative_to(out).as_posix() for o in outputs(refs, out)}
    _save_hashes(hashes_path, {**{k: v for k, v in old.items() if k in still}, **digests})
    made = [parts.folder_of(kept, out, o.path) for o in outputs(refs, out)]
    parts.prune(kept, made, [j.cache for j in todo if j.cache is not None])
    return outputs(refs, out)


def _key(out: Path, job: Job) -> str:
    """Return the name a document's digest is kept under in HASHES."""
    return job.target.relative_to(out).as_posix()


def _changed(out: Path, old: dict[str, str], job: Job) -> bool:
    """Return whether a document must be laid out: it is missing, or its inputs changed,
    and the build cache keeps no PDF of its inputs (which is then put in place)."""
    if job.target.exists() and old.get(_key(out, job)) == job.digest:
        return False
    return not parts.reuse_finished(job)


def _plan_then_lay_out(
    refs: Refs,
    out: Path,
    options: BuildOptions,
    kept: Path,
    old: dict[str, str],
    pool: ProcessPoolExecutor | None,
    workers: int,
    progress: Progress,
    free: threading.Event | None = None,
) -> tuple[list[Job], list[Job]]:
    """Plan every document, then lay out those that changed, the longest first (a first
    build, or one in this process); return the jobs and those laid out."""
    in_volumes = len(refs.reader.volumes) > 1
    # A first build of a one-volume reader lays out every PDF: its workers start, and
    # import WeasyPrint, while the jobs are planned (formatting the citations takes a while).
    early = pool is None and not old and workers > 1 and not in_volumes
    if not early and pool is None:
        # Otherwise the citations, most of planning, are formatted before any worker
        # starts (on every core, for a long list: it forks).
        refs.citations  # noqa: B018 (formatted on first use)
    shared = pool or (_start_pool(workers, warm=True) if early else None)
    try:
        jobs = plan_jobs(refs, out, options, kept)
    except BaseException:
        if shared is not None:
            _release(shared, kill=True)
        raise
    todo = [j for j in jobs if _changed(out, old, j)]
    if free is not None and len(todo) < options.workers:
        free.set()  # a worker has nothing to lay out from the start
    # The longest first, so that no long document starts last while the others idle.
    todo.sort(key=lambda j: -j.size)
    # A reader laid out before is laid out again part by part: only the parts that changed.
    previous = [_previous(j) for j in todo]
    stitched = [(j, p) for j, p in zip(todo, previous, strict=True) if p is not None]
    whole = [j for j, p in zip(todo, previous, strict=True) if p is None]
    progress.start("pdf", total=len(todo))
    workers = min(workers, len(todo))
    if shared is None and workers <= 1:
        for job, layouts in stitched:
            _stitch(job, layouts, _lay_out_here, _run_here)
            progress.advance()
        for job in whole:
            _run_here(job)
            progress.advance()
        return jobs, todo
    if in_volumes and any(_large((j,)) for j in whole):
        # A process keeps much of the memory of a long document after writing it
        # (WeasyPrint's caches, a fragmented heap): when volumes (or the guide) of a
        # reader in volumes are laid out whole, every task gets a fresh process, each
        # volume and the guide a task alone, the handouts a few at a time, so that no
        # idle worker holds a volume's memory.
        if shared is not None:
            _release(shared, kill=True)
            shared = None
        used = _start_pool(workers, one_task=True)
        tasks = _tasks(whole, HANDOUT_BATCH)
    else:
        used = shared or _start_pool(workers, warm=bool(stitched))
        tasks = _tasks(whole, 1)
    limit = large_limit(workers) if in_volumes else workers
    scheduler = _Scheduler(lambda: used, workers, limit, progress, free=free)
    try:
        scheduler.run(tasks, [_Stitcher(job, layouts, scheduler) for job, layouts in stitched])
    except BaseException:
        _release(used, kill=True)
        raise
    # Kept workers that laid out a volume whole hold its memory: they are not kept.
    _release(used, kill=used is _kept and in_volumes and scheduler.laid_out_long)
    if shared is not None and shared is not used:
        _release(shared, kill=False)
    return jobs, todo


def _lay_out_as_planned(
    planner: _Planner,
    pool: ProcessPoolExecutor | None,
    workers: int,
    in_volumes: bool,
    progress: Progress,
) -> None:
    """Lay out the documents that changed as the planner finds them, in the workers.

    A long document laid out whole in a reader in volumes (a volume whose stitching is
    given up on, the guide) gets a process of its own, started for it, as in a first build;
    the rest go to the workers the build started (or to workers started now).
    """
    # The citations are formatted here, before planning starts on another thread (for a
    # long list, formatting them forks).
    planner.refs.citations  # noqa: B018 (formatted on first use)
    progress.start("pdf", total=0)
    # The pools, by whether each process lays out one task; started when first needed
    # (when nothing changed, none is).
    made: dict[bool, ProcessPoolExecutor] = {} if pool is None else {False: pool}

    def started(one_task: bool) -> ProcessPoolExecutor:
        if one_task not in made:
            made[one_task] = _start_pool(workers, one_task=one_task)
        return made[one_task]

    scheduler = _Scheduler(
        functools.partial(started, False),
        workers,
        large_limit(workers) if in_volumes else workers,
        progress,
        functools.partial(started, True) if in_volumes else None,
    )
    try:
        scheduler.run([], [], planner)
    except BaseException:
        for used in made.values():
            _release(used, kill=True)
        raise
    shared, fresh = made.get(False), made.get(True)
    if shared is not None:
        _release(shared, kill=shared is _kept and in_volumes and scheduler.laid_out_long)
    if fresh is not None:
        _release(fresh, kill=False)


class _Planner(threading.Thread):
    """Plan the documents one by one (:func:`iter_jobs`), handing each that changed to the
    scheduler at once: a reader laid out before to a stitcher of its own, any other
    document as a task. Planning all of a long reader's documents takes seconds (8 s for
    209 documents of 200 readings); the one an edit changed need not wait for the rest."""

    def __init__(
        self,
        refs: Refs,
        out: Path,
        options: BuildOptions,
        kept: Path,
        old: dict[str, str],
        since: float,
    ):
        super().__init__(name="plan pdfs", daemon=True)
        self.refs = refs
        self.out = out
        self.options = options
        self.kept = kept
        self.old = old
        #: When the build before wrote its digests: the documents of readings whose files
        #: changed since are planned first (:func:`edited_readings`).
        self.since = since
        #: Every document planned, in order; and those that changed.
        self.jobs: list[Job] = []
        self.todo: list[Job] = []
        self.scheduler: _Scheduler | None = None

    def run(self) -> None:
        scheduler = self.scheduler
        assert scheduler is not None
        try:
            edited = edited_readings(self.refs.reader, self.since)
            for job in iter_jobs(self.refs, self.out, self.options, edited, self.kept):
                if scheduler.closed:
                    return
                self.jobs.append(job)
                if not _changed(self.out, self.old, job):
                    continue
                self.todo.append(job)
                layouts = _previous(job)
                if layouts is None:
                    scheduler.add((job,))
                else:
                    scheduler.add_stitcher(_Stitcher(job, layouts, scheduler))
        except BaseException as exc:
            scheduler.fail(exc)
        finally:
            scheduler.planned()


#: The workers this process keeps from one build to the next, once :func:`keep_workers`
#: is called; None until they start, and again once they are killed.
_kept: ProcessPoolExecutor | None = None
_keeping = False


def keep_workers() -> None:
    """Keep the workers that builds in this process start, from one build to the next.

    For a process that builds again and again (``coursepack serve``'s PDF process): after an
    edit, the next build finds its workers with WeasyPrint imported and amended, instead of
    starting and importing afresh. A build that fails or is interrupted still kills them
    (the next one starts others); they die with this process.
    """
    global _keeping
    _keeping = True


def start_workers(options: BuildOptions) -> ProcessPoolExecutor | None:
    """Start the PDF workers now, importing WeasyPrint while the build loads the reader;
    None when the PDFs are laid out in this process (one worker). Workers kept from the last
    build (:func:`keep_workers`) are used again, if every one of them is alive."""
    global _kept
    if options.workers <= 1:
        return None
    if _kept is not None and _alive(_kept, options.workers):
        return _kept
    if _kept is not None:
        _release(_kept, kill=True)
    pool = _start_pool(options.workers, warm=True)
    if _keeping:
        _kept = pool
    return pool


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop workers that :func:`start_workers` started, at once (after a failure, or when
    :func:`render_pdfs` has stopped them already); kept workers are left as they are (a
    failure in laying out has killed them already)."""
    if pool is not _kept:
        _stop_pool(pool, kill=True)


def _alive(pool: ProcessPoolExecutor, workers: int) -> bool:
    """Return whether a pool of kept workers can take another build's jobs."""
    found = list((getattr(pool, "_processes", None) or {}).values())
    return (
        not getattr(pool, "_broken", False)
        and not getattr(pool, "_shutdown_thread", False)
        and len(found) == workers
        and all(process.is_alive() for process in found)
    )


def _release(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Stop a pool as :func:`_stop_pool` does, but leave kept workers running unless killed."""
    global _kept
    if pool is _kept:
        if not kill:
            return
        _kept = None
    _stop_pool(pool, kill=kill)


def _previous(job: Job) -> list[parts.Layout] | None:
    """Return the layouts of a reader's parts in its last build, if it can be stitched."""
    if job.cache is None or not job.index:
        return None
    return parts.previous_layouts(job, job.cache)


def _run_here(job: Job) -> None:
    """Lay out and write one job in this process."""
    from coursepack.render.pdf import engine

    engine.run_job(job)


def _lay_out_here(todo: list[parts.Part]) -> None:
    """Lay out some parts in this process."""
    from coursepack.render.pdf import engine

    for part in todo:
        engine.run_part(part)


def _stitch(
    job: Job,
    previous: list[parts.Layout],
    lay_out: Callable[[list[parts.Part]], None],
    whole: Callable[[Job], None],
) -> None:
    """Lay out the parts of a reader that changed and stitch it; or, when most changed,
    lay it out whole (whole)."""
    from coursepack.render.pdf import stitch

    assert job.cache is not None, job.target
    settled = parts.settle_parts(job, job.cache, previous, lay_out)
    if settled is None:
        whole(job)
        return
    continued = [parts.chapter_of(p.name) is not None for p in settled]
    paths = [p.pdf for p in settled]
    fonts = stitch.stitch(paths, job.target, job.digest, job.cache, job.assets, continued)
    parts.save_manifest(job, job.cache, settled, fonts)
    parts.keep_finished(job)


class _Stitcher(threading.Thread):
    """Lay out a reader's changed parts in the workers and stitch it, beside other tasks.

    It asks the scheduler for its parts (or, when most changed, for the whole reader),
    whose thread hands them to the workers: a pool starts a worker in the thread that
    submits, and a worker dies with the thread that started it (PR_SET_PDEATHSIG), while
    this thread ends before the others.
    """

    def __init__(self, job: Job, previous: list[parts.Layout], scheduler: _Scheduler) -> None:
        super().__init__(name=f"stitch {job.target.name}", daemon=True)
        self.job = job
        self.previous = previous
        self.scheduler = scheduler
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            _stitch(self.job, self.previous, self.lay_out, self.whole)
        except BaseException as exc:
            self.error = exc
        finally:
            self.scheduler.left(self)

    def lay_out(self, todo: list[parts.Part]) -> None:
        """Lay out parts in the workers, the longest first; wait for them."""
        futures = [self.scheduler.ask(run_part, p) for p in sorted(todo, key=lambda p: -p.size)]
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            future.result()

    def whole(self, job: Job) -> None:
        """Lay out a reader whole in a worker, within the memory shares; wait for it."""
        self.scheduler.ask(run_jobs, (job,), weight=_weight((job,))).result()


class _Abandoned(Exception):
    """A task never handed to a worker: another failed first."""


@dataclass(eq=False)
class _Item:
    """A task waiting for a worker."""

    function: Callable[[Any], Any]
    argument: Any
    #: The shares of LARGE_JOB_MEMORY it is expected to take; 0 for a short one.
    weight: int
    #: The documents it writes, for the progress line (a stitcher counts its own).
    count: int
    #: The size of its inputs: the longest waiting task goes first.
    size: int = 0
    #: Its outcome, for whoever asked for it.
    future: Future[Any] = field(default_factory=Future)


def _job_item(task: Task) -> _Item:
    """Return a task of whole documents as the scheduler queues it."""
    return _Item(run_jobs, task, _weight(task) if _large(task) else 0, len(task), _size(task))


def _size(task: Task) -> int:
    return sum(j.size for j in task)


class _Scheduler:
    """Hand tasks to the workers, all from the thread that runs it: at most one task per
    worker, long documents within the memory shares (see _weight), and a stitcher's parts
    before any document not yet started, since the stitcher waits for them.

    Tasks and stitchers are given to :meth:`run`, or, while a planner runs, added as it
    finds them (:meth:`add`, :meth:`add_stitcher`). shared: the workers' pool, asked for
    when a task is handed over. one_task: when given, the pool a long document goes to
    instead (of processes that each lay out one task). free: set when a worker is free and
    no task waits for one.
    """

    def __init__(
        self,
        shared: Callable[[], ProcessPoolExecutor],
        workers: int,
        large_limit: int,
        progress: Progress,
        one_task: Callable[[], ProcessPoolExecutor] | None = None,
        free: threading.Event | None = None,
    ) -> None:
        self.shared = shared
        self.free = free
        self.workers = workers
        self.large_limit = large_limit
        self.progress = progress
        self.one_task = one_task
        self.changed = threading.Condition()
        self.asked: list[_Item] = []
        self.pending: list[_Item] = []
        self.stitchers: list[_Stitcher] = []
        self.running = 0
        self.running_large = 0
        self.stitching = 0
        self.planning = False
        self.closed = False
        self.failed = False
        self.error: BaseException | None = None
        #: Whether a long document was laid out by a shared worker (which then holds on to
        #: its memory).
        self.laid_out_long = False
        self.submitted: list[Future[Any]] = []

    def ask(self, function: Callable[[Any], Any], argument: Any, weight: int = 0) -> Future[Any]:
        """Queue a task from a stitcher's thread; return its outcome."""
        item = _Item(function, argument, weight, 0)
        with self.changed:
            if self.closed:
                item.future.set_exception(_Abandoned())
            else:
                self.asked.append(item)
                self.changed.notify_all()
        return item.future

    def add(self, task: Task) -> None:
        """Queue documents to lay out whole, found by the planner, among those waiting by
        size (the longest first)."""
        item = _job_item(task)
        with self.changed:
            if self.closed:
                return
            at = next((i for i, p in enumerate(self.pending) if p.size < item.size), None)
            self.pending.insert(len(self.pending) if at is None else at, item)
            self.progress.retotal(self.progress.total + item.count)
            self.changed.notify_all()

    def add_stitcher(self, stitcher: _Stitcher) -> None:
        """Start a stitcher found by the planner."""
        with self.changed:
            if self.closed:
                return
            self.stitchers.append(stitcher)
            self.stitching += 1
            self.progress.retotal(self.progress.total + 1)
            stitcher.start()

    def fail(self, error: BaseException) -> None:
        """Stop handing out tasks: the planner failed."""
        with self.changed:
            self.failed = True
            self.error = self.error or error
            self.changed.notify_all()

    def planned(self) -> None:
        """Note that the planner has found every document there is to lay out."""
        with self.changed:
            self.planning = False
            self.changed.notify_all()

    def left(self, stitcher: _Stitcher) -> None:
        """Note that a stitcher is done, or has failed."""
        with self.changed:
            self.stitching -= 1
            if stitcher.error is None:
                self.progress.advance()
            elif not isinstance(stitcher.error, _Abandoned):
                self.failed = True
                self.error = self.error or stitcher.error
            self.changed.notify_all()

    def run(
        self, tasks: list[Task], stitchers: list[_Stitcher], planner: _Planner | None = None
    ) -> None:
        """Run the tasks and the stitchers, and those the planner adds; raise the first
        failure as soon as it happens, without waiting for the other tasks (the caller then
        kills their workers)."""
        self.pending = [_job_item(t) for t in tasks]
        self.stitchers = list(stitchers)
        self.stitching = len(stitchers)
        for stitcher in stitchers:
            stitcher.start()
        if planner is not None:
            planner.scheduler = self
            self.planning = True
            planner.start()
        try:
            with self.changed:
                while not self.failed and (
                    self.asked or self.pending or self.stitching or self.planning
                ):
                    item = self._next() if self.running < self.workers else None
                    if item is None:
                        # A worker has nothing to do: only what is running is left, or
                        # what a stitcher may yet ask for.
                        if self.free is not None and not (
                            self.running >= self.workers
                            or self.asked
                            or self.pending
                            or self.planning
                        ):
                            self.free.set()
                        self.changed.wait()
                        continue
                    (self.asked if item in self.asked else self.pending).remove(item)
                    self.running += 1
                    self.running_large += item.weight
                    if item.weight and self.one_task is not None:
                        pool = self.one_task()
                    else:
                        pool = self.shared()
                        self.laid_out_long |= item.weight > 0
                    future = _submit(pool, item.function, item.argument)
                    self.submitted.append(future)
                    future.add_done_callback(functools.partial(self._done, item))
        finally:
            with self.changed:
                self.closed = True
                for item in self.asked:
                    item.future.set_exception(_Abandoned())
                self.asked.clear()
        if self.error is not None:
            raise self.error
        wait(self.submitted, return_when=FIRST_EXCEPTION)
        for future in sorted(self.submitted, key=lambda f: not (f.done() and f.exception())):
            future.result()
        if planner is not None:
            planner.join()
        for stitcher in self.stitchers:
            stitcher.join()
            if stitcher.error is not None:
                raise stitcher.error

    def _next(self) -> _Item | None:
        """Return the first task that may start now, or None if none may.

        A short one may always start; a long document when its memory shares are free (or
        when no other long one runs). One that must wait holds back the long ones after it,
        so that it is not left to the end, while short ones start meanwhile.
        """
        queue = self.asked + self.pending
        free = self.large_limit - self.running_large
        if queue and (queue[0].weight == 0 or self.running_large == 0 or queue[0].weight <= free):
            return queue[0]
        return next((item for item in queue if item.weight == 0), None)

    def _done(self, item: _Item, future: Future[Any]) -> None:
        failure = _Abandoned() if future.cancelled() else future.exception()
        with self.changed:
            self.running -= 1
            self.running_large -= item.weight
            self.failed |= failure is not None
            if item.count:
                self.progress.advance(item.count)
            if self.free is not None and self.closed:
                self.free.set()  # every task is handed out: this worker has no more
            self.changed.notify_all()
        if failure is not None:
            item.future.set_exception(failure)
        else:
            item.future.set_result(future.result())


#: Handouts laid out one after another by one process, in a reader in volumes.
HANDOUT_BATCH = 8
#: The share of memory a long document is given: the large_limit counts them. A volume of
#: 25 readings takes one, the instructor guide of 200 readings two (see _weight).
LARGE_JOB_MEMORY = 1 << 30
#: What laying out a long document takes, in bytes per character of its input (measured
#: at 200 readings: a volume of 25 readings, 1.55 million characters, peaked at 0.69 GiB;
#: the instructor guide, 1.58 million characters of every reading's apparatus, at 1.09 GiB
#: as its PDF was written).
MEMORY_PER_CHARACTER = {"reader.html": 470, "guide.html": 740}

Task = tuple[Job, ...]
T = TypeVar("T")


def _tasks(todo: list[Job], batch: int) -> list[Task]:
    """Return the jobs as tasks: each but a handout alone, handouts by batch (in the
    order given), the longest task first."""
    tasks: list[Task] = [(j,) for j in todo if not _is_handout(j)]
    handouts = [j for j in todo if _is_handout(j)]
    tasks += [tuple(handouts[i : i + batch]) for i in range(0, len(handouts), batch)]
    return sorted(tasks, key=lambda task: -_size(task))


def _is_handout(job: Job) -> bool:
    return job.template == "handout.html"


def _large(task: Task) -> bool:
    """Return whether a task is one long document (a volume or the guide)."""
    return not all(_is_handout(j) for j in task)


def _weight(task: Task) -> int:
    """Return how many shares of LARGE_JOB_MEMORY a task is expected to take (at least one)."""
    expected = sum(j.size * MEMORY_PER_CHARACTER.get(j.template, 0) for j in task)
    return max(1, -(-expected // LARGE_JOB_MEMORY))


def available_memory() -> int | None:
    """Return the memory available to new processes, in bytes, if the system says."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def large_limit(workers: int) -> int:
    """Return how many shares of LARGE_JOB_MEMORY long documents may take at once: one per
    worker, as far as the available memory allows, at least one."""
    memory = available_memory()
    if memory is None:
        return max(1, workers // 2)
    return max(1, min(workers, memory // LARGE_JOB_MEMORY))


def _start_pool(workers: int, warm: bool = False, one_task: bool = False) -> ProcessPoolExecutor:
    """Return a pool of worker processes; warm: started now rather than at the first job."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=processes.start_worker,
        initargs=(os.getpid(),),
        max_tasks_per_child=1 if one_task else None,
    )
    if warm:
        # Spawned on demand, one per task while none is idle: one task each starts them all.
        for _ in range(workers):
            _submit(pool, warm_up)
    return pool


def _submit(pool: ProcessPoolExecutor, function: Callable[..., T], *args: Any) -> Future[T]:
    """Hand a pool a task, with Ctrl-C held back meanwhile.

    The pool starts its processes, and its thread that manages them, as tasks come: all
    begin life with SIGINT blocked, so that a Ctrl-C, sent to every process of the
    terminal, reaches only this one, which handles it, killing the workers, instead of
    each worker printing a traceback. (Each worker also ignores SIGINT once started.)
    """
    with processes.deferred(signal.SIGINT):
        return pool.submit(function, *args)


def _stop_pool(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut a pool down (:func:`coursepack.processes.stop_pool`): killed at once, no worker
    goes on laying out, or writing, a PDF that nobody wants any more."""
    processes.stop_pool(pool, kill=kill)


def _remove_stale(out: Path, written: list[Path]) -> None:
    """Remove the PDFs the reader no longer makes: handouts of readings it no longer has,
    volumes it is no longer in, packets it no longer names (in either edition)."""
    wanted = set(written)
    for path in out.glob("reader*.pdf"):
        if path not in wanted:
            path.unlink()
    for folder in ("handouts", "packets"):
        if (out / folder).is_dir():
            for path in (out / folder).glob("*.pdf"):
                if path not in wanted:
                    path.unlink()
