"""A reader longer than a volume is printed in volumes, each complete in itself."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import ClassVar

import pytest
from pdfcheck import Rendered, destinations, flat, page_texts, render
from pypdf import PdfReader

from coursepack import processes
from coursepack.model import Reader
from coursepack.refs import Refs


@pytest.fixture(scope="module")
def volumes(mini_reader: Reader, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Render the mini reader with one reading per volume."""
    reader = dataclasses.replace(
        mini_reader, meta=dataclasses.replace(mini_reader.meta, volume_readings=1)
    )
    out = tmp_path_factory.mktemp("volumes")
    (out / "reader.pdf").write_bytes(b"%PDF-1.7 from a build before the split")
    return Rendered(reader, out, *render(reader, out))


def _text(path: Path) -> str:
    return flat("\n".join(page_texts(path)))


def test_one_file_per_volume_and_none_for_the_whole(volumes: Rendered) -> None:
    names = sorted(p.name for p in volumes.out.glob("reader*.pdf"))
    assert names == ["reader-volume-1.pdf", "reader-volume-2.pdf"]
    assert [r.getMessage() for r in volumes.warnings] == []


def test_each_volume_holds_its_readings_and_says_which_it_is(volumes: Rendered) -> None:
    first = _text(volumes.out / "reader-volume-1.pdf")
    second = _text(volumes.out / "reader-volume-2.pdf")
    assert "Volume 1 of 2" in first and "Volume 2 of 2" in second
    assert "A Strike Call" in first and "Unions and the law" not in first.split("Contents")[1]
    assert "Unions and the law" in second
    meta = PdfReader(volumes.out / "reader-volume-2.pdf").metadata
    assert meta is not None and meta.title == "A Mini Reader, volume 2 of 2"


def test_apparatus_follows_the_readings(volumes: Rendered) -> None:
    # The only historical note is anchored in beta, so it is printed in volume 2 alone.
    first = _text(volumes.out / "reader-volume-1.pdf")
    second = _text(volumes.out / "reader-volume-2.pdf")
    assert "Historical notes" not in first and "The 1934 strikes" not in first
    assert "Historical notes" in second and "The 1934 strikes" in second
    # Questions keep their numbers in the whole reader: the comparative group is second.
    assert "2.1" in first and "2.1" in second


def test_every_link_lands_inside_its_volume(volumes: Rendered) -> None:
    for path in sorted(volumes.out.glob("reader-volume-*.pdf")):
        names = destinations(path)
        pdf = PdfReader(path)
        internal = 0
        for page in pdf.pages:
            for annot in page.get("/Annots") or []:
                dest = annot.get_object().get("/Dest")
                if dest is not None:
                    internal += 1
                    assert str(dest) in names, f"{path.name}: link to missing #{dest}"
        assert internal > 5


def test_index_lists_only_the_volumes_pages(volumes: Rendered) -> None:
    for path in sorted(volumes.out.glob("reader-volume-*.pdf")):
        names = destinations(path)
        count = len(PdfReader(path).pages)
        assert "index" in names
        assert all(page <= count for page in names.values())


def test_single_volume_replaces_the_volumes(volumes: Rendered, mini_reader: Reader) -> None:
    render(mini_reader, volumes.out)
    names = sorted(p.name for p in volumes.out.glob("reader*.pdf"))
    assert names == ["reader.pdf"]


def test_site_offers_each_volume_by_its_readings(volumes: Rendered) -> None:
    from coursepack.render import pdf
    from coursepack.render.site.state import downloads_of

    build = volumes.out.parent / "build-for-site"
    (build / "pdf").mkdir(parents=True)
    for n in (1, 2):
        (build / "pdf" / f"reader-volume-{n}.pdf").write_bytes(b"%PDF-1.7")
    (build / "pdf" / "instructor-guide.pdf").write_bytes(b"%PDF-1.7")
    refs = Refs(volumes.reader)
    found = downloads_of(pdf.outputs(refs, build / "pdf"), build, "instructor")
    first, second = (refs.short(ids[0]) for ids in volumes.reader.volumes)
    assert [(d.path, d.label) for d in found] == [
        ("pdf/reader-volume-1.pdf", f"The course reader, volume 1 of 2: {first} (PDF)"),
        ("pdf/reader-volume-2.pdf", f"The course reader, volume 2 of 2: {second} (PDF)"),
        ("pdf/instructor-guide.pdf", "Instructor’s guide, with teaching notes (PDF)"),
    ]
    students = downloads_of(pdf.outputs(refs, build / "pdf"), build, "student")
    assert [d.path for d in students] == ["pdf/reader-volume-1.pdf", "pdf/reader-volume-2.pdf"]


class FakePool:
    """Stands in for a process pool: records how it was made and what ran where."""

    made: ClassVar[list[FakePool]] = []

    def __init__(self, **kwargs: object) -> None:
        self.one_task = kwargs.get("max_tasks_per_child") == 1
        self.initializer = kwargs.get("initializer")
        self.ran: list[object] = []  # a task's file names, or the function run without jobs
        FakePool.made.append(self)

    def submit(self, function: object, *args: object) -> Future[None]:
        self.ran.append(_names(args[0]) if args else function)
        future: Future[None] = Future()
        future.set_result(None)
        return future

    def shutdown(self, **kwargs: object) -> None:
        pass


def _names(task: object) -> tuple[str, ...]:
    return tuple(job.target.name for job in task)  # type: ignore[attr-defined]


def _is_volume(name: object) -> bool:
    return str(name).startswith("reader-volume-")


def _is_long(name: str) -> bool:
    return _is_volume(name) or name == "instructor-guide.pdf"


def _handouts(reader: Reader) -> set[str]:
    return {f"{r.id}.pdf" for r in reader.readings}


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[FakePool]:
    import coursepack.render.pdf as pdf

    FakePool.made = []
    monkeypatch.setattr(pdf, "ProcessPoolExecutor", FakePool)
    return FakePool.made


def test_a_reader_in_volumes_gives_every_task_a_fresh_process(
    volumes: Rendered, pools: list[FakePool], tmp_path: Path
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    pdf.render_pdfs(Refs(volumes.reader), tmp_path / "a", BuildOptions(jobs=2))
    # One pool, of one-task processes: each volume and the guide alone, the handouts together.
    (pool,) = pools
    assert pool.one_task and pool.initializer is processes.start_worker
    assert sorted(sorted(task) for task in pool.ran) == sorted(  # type: ignore[call-overload]
        [
            ["instructor-guide.pdf"],
            ["reader-volume-1.pdf"],
            ["reader-volume-2.pdf"],
            sorted(_handouts(volumes.reader)),
        ]
    )
    pools.clear()
    one = dataclasses.replace(
        volumes.reader, meta=dataclasses.replace(volumes.reader.meta, volume_readings=25)
    )
    pdf.render_pdfs(Refs(one), tmp_path / "b", BuildOptions(jobs=2))
    # One volume: one shared pool, its two workers started (one warm-up task each) before
    # the jobs were planned, and one job a task.
    (pool,) = pools
    assert not pool.one_task
    assert pool.ran[:2] == [pdf.warm_up, pdf.warm_up] and ("reader.pdf",) in pool.ran
    assert all(len(task) == 1 for task in pool.ran[2:])  # type: ignore[arg-type]


def test_a_worker_leaves_without_tearing_its_objects_down() -> None:
    # What a worker holds after laying out a volume (here: one object whose teardown
    # shows) is not freed one object at a time at exit; its output still comes out.
    code = (
        "import sys\n"
        "class Held:\n"
        "    def __del__(self): print('torn down')\n"
        "held = Held()\n"
        "from coursepack.processes import leave_quickly\n"
        "leave_quickly()\n"
        "print('laid out', end='')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (result.stdout, result.returncode) == ("laid out", 0)


def test_handouts_go_in_batches_of_at_most_handout_batch(
    volumes: Rendered, pools: list[FakePool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    monkeypatch.setattr(pdf, "HANDOUT_BATCH", 1)
    pdf.render_pdfs(Refs(volumes.reader), tmp_path, BuildOptions(jobs=2))
    (pool,) = pools
    handouts = _handouts(volumes.reader)
    batches = [task for task in pool.ran if set(task) <= handouts]  # type: ignore[arg-type]
    assert sorted(batches) == sorted((name,) for name in handouts)  # type: ignore[type-var]


def test_the_longest_documents_are_laid_out_first(
    volumes: Rendered, pools: list[FakePool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    monkeypatch.setattr(pdf, "HANDOUT_BATCH", 1)
    jobs = pdf.plan_jobs(Refs(volumes.reader), tmp_path, BuildOptions(jobs=2))
    pdf.render_pdfs(Refs(volumes.reader), tmp_path, BuildOptions(jobs=2))
    order = [name for pool in pools for task in pool.ran for name in task]  # type: ignore[attr-defined]
    # Every document by size, whatever the order they are planned in.
    sizes = {job.target.name: job.size for job in jobs}
    assert sorted(order) == sorted(sizes)
    assert [sizes[str(n)] for n in order] == sorted(sizes.values(), reverse=True)
    assert _is_long(str(order[0]))
    pools.clear()
    # Handouts in batches: a batch counts as long as its handouts together.
    monkeypatch.setattr(pdf, "HANDOUT_BATCH", 2)
    pdf.render_pdfs(Refs(volumes.reader), tmp_path / "b", BuildOptions(jobs=2))
    (pool,) = pools
    totals = [sum(sizes[n] for n in task) for task in pool.ran]  # type: ignore[attr-defined]
    assert totals == sorted(totals, reverse=True) and len(totals) == 4


class SlowPool(FakePool):
    """A pool whose tasks finish a little later, on another thread: counts long ones at once."""

    lock = threading.Lock()
    running: ClassVar[list[int]] = [0, 0]  # long documents now, most at once
    order: ClassVar[list[tuple[str, ...]]] = []  # every task, as submitted
    now: ClassVar[set[str]] = set()  # long documents being laid out
    together: ClassVar[list[frozenset[str]]] = []  # those, each time one starts

    def submit(self, function: object, *args: object) -> Future[None]:
        names = _names(args[0]) if args else ()
        self.ran.append(names)
        SlowPool.order.append(names)
        long = any(_is_long(n) for n in names)
        future: Future[None] = Future()
        with SlowPool.lock:
            if long:
                SlowPool.running[0] += 1
                SlowPool.running[1] = max(SlowPool.running)
                SlowPool.now.update(names)
                SlowPool.together.append(frozenset(SlowPool.now))

        def finish() -> None:
            with SlowPool.lock:
                if long:
                    SlowPool.running[0] -= 1
                    SlowPool.now.difference_update(names)
            future.set_result(None)

        threading.Timer(0.05, finish).start()
        return future


@pytest.mark.parametrize(("memory", "most"), [(1536 << 20, 1), (64 << 30, 2), (None, 1)])
def test_long_documents_at_once_as_memory_allows(
    volumes: Rendered,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    memory: int | None,
    most: int,
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    FakePool.made, SlowPool.running, SlowPool.order = [], [0, 0], []
    monkeypatch.setattr(pdf, "ProcessPoolExecutor", SlowPool)
    monkeypatch.setattr(pdf, "available_memory", lambda: memory)
    assert pdf.large_limit(2) == most
    pdf.render_pdfs(Refs(volumes.reader), tmp_path, BuildOptions(jobs=2))
    ran = [name for task in SlowPool.order for name in task]
    assert (
        len(ran)
        == len(set(ran))
        == len(pdf.plan_jobs(Refs(volumes.reader), tmp_path, BuildOptions()))
    )
    # Three long documents (two volumes and the guide), never more at once than allowed.
    assert SlowPool.running[1] == most
    if most == 1:
        # The handouts and a long document start side by side: neither waits for the other.
        first, second = SlowPool.order[:2]
        assert {_is_long(first[0]), _is_long(second[0])} == {True, False}


def test_a_document_needing_two_shares_is_laid_out_beside_handouts_only(
    volumes: Rendered, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    FakePool.made, SlowPool.running, SlowPool.order = [], [0, 0], []
    SlowPool.now, SlowPool.together = set(), []
    monkeypatch.setattr(pdf, "ProcessPoolExecutor", SlowPool)
    monkeypatch.setattr(pdf, "available_memory", lambda: 64 << 30)  # two shares, two workers
    jobs = pdf.plan_jobs(Refs(volumes.reader), tmp_path, BuildOptions())
    guide = next(j for j in jobs if j.template == "guide.html")
    # The guide is expected to take just over one share (as at 200 readings), a volume less.
    per_character = {"guide.html": pdf.LARGE_JOB_MEMORY // guide.size + 1, "reader.html": 1}
    monkeypatch.setattr(pdf, "MEMORY_PER_CHARACTER", per_character)
    assert pdf._weight((guide,)) == 2
    assert {pdf._weight((j,)) for j in jobs if j.template == "reader.html"} == {1}
    pdf.render_pdfs(Refs(volumes.reader), tmp_path, BuildOptions(jobs=2))
    planned = pdf._tasks(jobs, pdf.HANDOUT_BATCH)
    assert len(SlowPool.order) == len(planned)
    # The guide with no other long document beside it.
    assert all(s == {"instructor-guide.pdf"} for s in SlowPool.together if guide.target.name in s)
    # The long documents in their order (the guide, waiting for its shares, is not
    # overtaken by a later volume); handouts started meanwhile.
    longs = [task for task in SlowPool.order if _is_long(task[0])]
    assert longs == [_names(task) for task in planned if pdf._large(task)]
    assert SlowPool.order != sorted(SlowPool.order, key=lambda task: not _is_long(task[0]))


def test_large_limit_counts_workers_and_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    import coursepack.render.pdf as pdf

    if sys.platform == "linux":  # read from /proc/meminfo
        found = pdf.available_memory()
        assert found is not None and 0 < found < os.sysconf("SC_PHYS_PAGES") * os.sysconf(
            "SC_PAGE_SIZE"
        )
    monkeypatch.setattr(pdf, "available_memory", lambda: 3 * pdf.LARGE_JOB_MEMORY + 1)
    assert [pdf.large_limit(n) for n in (1, 2, 3, 8)] == [1, 2, 3, 3]
    monkeypatch.setattr(pdf, "available_memory", lambda: pdf.LARGE_JOB_MEMORY // 2)
    assert pdf.large_limit(8) == 1
    monkeypatch.setattr(pdf, "available_memory", lambda: None)
    assert [pdf.large_limit(n) for n in (1, 2, 4)] == [1, 1, 2]


def _stitched_before(job: object) -> list[object] | None:
    """Stand in for the parts of a volume's last build (none of any other document)."""
    return [] if getattr(job, "template", "") == "reader.html" else None


def test_a_volume_stitching_gives_up_on_is_laid_out_within_the_memory_shares(
    volumes: Rendered, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    FakePool.made, SlowPool.running, SlowPool.order = [], [0, 0], []
    SlowPool.now, SlowPool.together = set(), []
    monkeypatch.setattr(pdf, "ProcessPoolExecutor", SlowPool)
    monkeypatch.setattr(pdf, "available_memory", lambda: 1536 << 20)  # one share
    # Each volume was laid out before, but so much changed that it is laid out whole.
    monkeypatch.setattr(pdf, "_previous", _stitched_before)
    monkeypatch.setattr(pdf.parts, "settle_parts", lambda *args: None)
    pdf.render_pdfs(Refs(volumes.reader), tmp_path, BuildOptions(jobs=2))
    ran = [name for task in SlowPool.order for name in task]
    assert sorted(name for name in ran if _is_long(name)) == [
        "instructor-guide.pdf",
        "reader-volume-1.pdf",
        "reader-volume-2.pdf",
    ]
    # The volumes, asked for by their stitchers, took their share like the guide.
    assert SlowPool.running[1] == 1


class FailingPool(FakePool):
    """A pool in which laying out a part fails."""

    def submit(self, function: object, *args: object) -> Future[None]:
        future: Future[None] = Future()
        if getattr(function, "__name__", "") == "run_part":
            future.set_exception(ValueError("a part failed"))
        else:
            threading.Timer(0.05, future.set_result, (None,)).start()
        return future


def test_a_part_that_fails_fails_the_build_at_once(
    volumes: Rendered, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    monkeypatch.setattr(pdf, "ProcessPoolExecutor", FailingPool)
    monkeypatch.setattr(pdf, "_previous", _stitched_before)
    monkeypatch.setattr(pdf.parts, "WHOLE_SHARE", 1.0)  # every part laid out anew
    with pytest.raises(ValueError, match="a part failed"):
        pdf.render_pdfs(Refs(volumes.reader), tmp_path, BuildOptions(jobs=2))
    # No stitcher is left waiting for a part.
    for thread in threading.enumerate():
        if thread.name.startswith("stitch "):
            thread.join(timeout=5)
            assert not thread.is_alive()


def _as_built_before(jobs: list[object], out: Path, changed: set[str]) -> None:
    """Leave out as a build before left it: every PDF there with its digest kept, but
    those named changed since had their inputs changed."""
    import coursepack.render.pdf as pdf

    hashes = {}
    for job in jobs:
        target: Path = job.target  # type: ignore[attr-defined]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"%PDF-1.7 laid out before")
        name = target.relative_to(out).as_posix()
        hashes[name] = "before" if target.name in changed else job.digest  # type: ignore[attr-defined]
    (out / pdf.HASHES).write_text(json.dumps(hashes), encoding="utf-8")


def test_after_an_edit_a_changed_document_is_laid_out_while_the_rest_are_planned(
    volumes: Rendered, pools: list[FakePool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    refs = Refs(volumes.reader)
    jobs = pdf.plan_jobs(refs, tmp_path, BuildOptions(jobs=2))
    first, *_, last = [r.id for r in volumes.reader.readings]
    _as_built_before(jobs, tmp_path, {f"{first}.pdf"})
    handed = threading.Event()
    submit = FakePool.submit

    def recorded(self: FakePool, function: object, *args: object) -> Future[None]:
        if args and _names(args[0]) == (f"{first}.pdf",):
            handed.set()
        return submit(self, function, *args)

    monkeypatch.setattr(FakePool, "submit", recorded)
    planned = pdf.handout_context
    waited: list[bool] = []

    def planning(refs: Refs, reading: str, edition: object) -> object:
        if reading == last:
            # The first handout changed: the workers have it before the last is planned.
            waited.append(handed.wait(timeout=5))
        return planned(refs, reading, edition)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "handout_context", planning)
    pdf.render_pdfs(refs, tmp_path, BuildOptions(jobs=2))
    assert waited == [True]
    # Only the changed handout was laid out; its digest is kept.
    (pool,) = pools
    assert not pool.one_task and pool.ran == [(f"{first}.pdf",)]
    hashes = json.loads((tmp_path / pdf.HASHES).read_text(encoding="utf-8"))
    assert hashes == {j.target.relative_to(tmp_path).as_posix(): j.digest for j in jobs}
    # With nothing changed, no worker is even started.
    pdf.render_pdfs(refs, tmp_path, BuildOptions(jobs=2))
    assert len(pools) == 1


def test_after_an_edit_the_edited_readings_documents_are_planned_first(
    volumes: Rendered, pools: list[FakePool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    root = tmp_path / "reader"
    shutil.copytree(volumes.reader.root, root, ignore=shutil.ignore_patterns(".*"))
    reader = dataclasses.replace(volumes.reader, root=str(root))
    refs, out, options = Refs(reader), tmp_path / "out", BuildOptions(jobs=2)
    jobs = pdf.plan_jobs(refs, out, options)
    first, last = [r.id for r in reader.readings]
    _as_built_before(jobs, out, {f"{last}.pdf"})
    # Every input older than the build before, but the historical note anchored in the
    # last reading, saved since.
    before = time.time() - 100
    for path in root.rglob("*"):
        os.utime(path, (before, before))
    os.utime(out / pdf.HASHES, (before + 50, before + 50))
    os.utime(root / "annotations" / "notes" / "strike-1934.md")
    assert pdf.edited_readings(reader, before + 50) == {last}
    # Its handout is planned first, then the volume that prints it, then the rest.
    order = [j.target.name for j in pdf.iter_jobs(refs, out, options, {last})]
    usual = [j.target.name for j in jobs]
    assert order[:2] == [f"{last}.pdf", "reader-volume-2.pdf"]
    assert order[2:] == [n for n in usual if n not in order[:2]]
    assert usual.index(f"{last}.pdf") > usual.index(f"{first}.pdf")
    planned: list[str] = []
    handout_context = pdf.handout_context

    def planning(refs: Refs, reading: str, edition: object) -> object:
        planned.append(reading)
        return handout_context(refs, reading, edition)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "handout_context", planning)
    pdf.render_pdfs(refs, out, options)
    assert planned == [last, first]
    (pool,) = pools
    assert pool.ran == [(f"{last}.pdf",)]
    # A change to most readings (a checkout) puts nothing first.
    for seed in (root / "seeds").iterdir():
        os.utime(seed)
    assert pdf.edited_readings(reader, before + 50) == set()


def test_after_an_edit_a_volume_laid_out_whole_gets_a_process_of_its_own(
    volumes: Rendered, pools: list[FakePool], tmp_path: Path
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    refs = Refs(volumes.reader)
    jobs = pdf.plan_jobs(refs, tmp_path, BuildOptions(jobs=2))
    first = volumes.reader.readings[0].id
    # No parts kept, so the volume is laid out whole, as the handout is.
    _as_built_before(jobs, tmp_path, {"reader-volume-1.pdf", f"{first}.pdf"})
    pdf.render_pdfs(refs, tmp_path, BuildOptions(jobs=2))
    # The handout went to the workers; the volume to a pool of processes that each lay out
    # one task, so that no worker keeps a volume's memory.
    fresh, shared = pools
    assert not shared.one_task and shared.ran == [(f"{first}.pdf",)]
    assert fresh.one_task and fresh.ran == [("reader-volume-1.pdf",)]
