"""A reader longer than a volume is printed in volumes, each complete in itself."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import ClassVar

import pytest
from pdfcheck import Rendered, destinations, flat, page_texts, render
from pypdf import PdfReader

from coursepack.model import Reader


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
    from coursepack.render.site import _downloads

    build = volumes.out.parent / "build-for-site"
    (build / "pdf").mkdir(parents=True)
    for n in (1, 2):
        (build / "pdf" / f"reader-volume-{n}.pdf").write_bytes(b"%PDF-1.7")
    (build / "pdf" / "instructor-guide.pdf").write_bytes(b"%PDF-1.7")
    found = _downloads(build, volumes.reader, "instructor")
    assert [(d.path, d.label) for d in found][:2] == [
        ("pdf/reader-volume-1.pdf", "The course reader, volume 1 of 2: Roe (PDF)"),
        (
            "pdf/reader-volume-2.pdf",
            "The course reader, volume 2 of 2: Example Collective (PDF)",
        ),
    ]


class FakePool:
    """Stands in for a process pool: records how it was made and what ran where."""

    made: ClassVar[list[FakePool]] = []

    def __init__(self, **kwargs: object) -> None:
        self.one_task = kwargs.get("max_tasks_per_child") == 1
        self.ran: list[object] = []
        FakePool.made.append(self)

    def submit(self, function: object, *args: object) -> Future[None]:
        self.ran.append(args[0].target.name if args else function)  # type: ignore[attr-defined]
        future: Future[None] = Future()
        future.set_result(None)
        return future

    def shutdown(self, **kwargs: object) -> None:
        pass


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[FakePool]:
    import coursepack.render.pdf as pdf

    FakePool.made = []
    monkeypatch.setattr(pdf, "ProcessPoolExecutor", FakePool)
    return FakePool.made


def test_volumes_are_laid_out_in_fresh_processes(
    volumes: Rendered, pools: list[FakePool], tmp_path: Path
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    pdf.render_pdfs(volumes.reader, tmp_path / "a", BuildOptions(jobs=2))
    # A pool of one-task processes for the volumes, a shared one for the rest.
    shared, fresh = sorted(pools, key=lambda p: p.one_task)
    assert fresh.one_task and not shared.one_task
    assert fresh.ran and all(str(name).startswith("reader-volume-") for name in fresh.ran)
    assert shared.ran and not any(str(n).startswith("reader-volume-") for n in shared.ran)
    pools.clear()
    one = dataclasses.replace(
        volumes.reader, meta=dataclasses.replace(volumes.reader.meta, volume_readings=25)
    )
    pdf.render_pdfs(one, tmp_path / "b", BuildOptions(jobs=2))
    # One volume: one shared pool, its two workers started (one warm-up task each) before
    # the jobs were planned.
    (pool,) = pools
    assert not pool.one_task
    assert pool.ran[:2] == [pdf.warm_up, pdf.warm_up] and "reader.pdf" in pool.ran


def test_the_longest_documents_are_laid_out_first(
    volumes: Rendered, pools: list[FakePool], tmp_path: Path
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    jobs = pdf.plan_jobs(volumes.reader, tmp_path, BuildOptions(jobs=2))
    pdf.render_pdfs(volumes.reader, tmp_path, BuildOptions(jobs=2))
    order = [name for pool in sorted(pools, key=lambda p: not p.one_task) for name in pool.ran]
    # The volumes first, then the rest by size, whatever order they are planned in.
    sizes = {job.target.name: job.size for job in jobs}
    assert sorted(order) == sorted(sizes)
    assert [sizes[str(name)] for name in order] == sorted(sizes.values(), reverse=True)
    assert str(order[0]).startswith("reader-volume-")


class SlowPool(FakePool):
    """A pool whose jobs finish a little later, on another thread: counts volumes at once."""

    lock = threading.Lock()
    running: ClassVar[list[int]] = [0, 0]  # volumes now, most volumes at once
    order: ClassVar[list[str]] = []  # every job, as submitted to either pool

    def submit(self, function: object, *args: object) -> Future[None]:
        name = str(args[0].target.name) if args else ""  # type: ignore[attr-defined]
        self.ran.append(name)
        SlowPool.order.append(name)
        volume = name.startswith("reader-volume-")
        future: Future[None] = Future()
        with SlowPool.lock:
            if volume:
                SlowPool.running[0] += 1
                SlowPool.running[1] = max(SlowPool.running)

        def finish() -> None:
            with SlowPool.lock:
                if volume:
                    SlowPool.running[0] -= 1
            future.set_result(None)

        threading.Timer(0.02, finish).start()
        return future


def test_one_volume_at_a_time_on_two_workers(
    volumes: Rendered, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import coursepack.render.pdf as pdf
    from coursepack.options import BuildOptions

    FakePool.made, SlowPool.running, SlowPool.order = [], [0, 0], []
    monkeypatch.setattr(pdf, "ProcessPoolExecutor", SlowPool)
    pdf.render_pdfs(volumes.reader, tmp_path, BuildOptions(jobs=2))
    ran = [name for name in SlowPool.order if name]
    assert sum(str(n).startswith("reader-volume-") for n in ran) >= 2
    assert len(ran) == len(set(ran)) == len(pdf.plan_jobs(volumes.reader, tmp_path, BuildOptions()))
    assert SlowPool.running[1] == 1
    # A handout starts beside the first volume rather than waiting for it.
    first, second = ran[:2]
    assert str(first).startswith("reader-volume-") and not str(second).startswith("reader-")
