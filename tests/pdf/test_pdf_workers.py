"""The PDF workers of ``coursepack serve``, kept from one edit to the next: the same
processes lay out the next build's PDFs, which say what a build from nothing says; an
edit that comes while the PDFs build ends their process and its workers."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from samepdf import differences, meaning

from coursepack.options import BuildOptions
from coursepack.scaffold import init_reader
from coursepack.serve import Preview
from tools import build_fresh

pytestmark = pytest.mark.slow

NOTE = "annotations/notes/five-copies.md"


@pytest.fixture(autouse=True)
def server_handlers() -> Iterator[None]:
    """Handle SIGINT and SIGTERM as the preview's server does (uvicorn sets a flag): the
    processes forked meanwhile inherit these handlers."""
    asked: list[int] = []
    previous = {
        s: signal.signal(s, lambda n, _f: asked.append(n)) for s in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def children(pid: int) -> set[int]:
    """Return the processes whose parent is pid (read from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Return whether pid is a process that has not ended (a zombie has)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def pdf_process(preview: Preview) -> int:
    pool = preview._pdf_pool
    assert pool is not None, "the PDFs' process was not kept"
    (process,) = pool._processes.values()  # type: ignore[attr-defined]
    pid: int = process.pid
    return pid


def run(coroutine: Any) -> Any:
    """Run a coroutine to its end in a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def handout_text(out: Path) -> str:
    (handout,) = sorted((out / "pdf" / "handouts").glob("*.pdf"))
    return " ".join(page.extract_text() for page in PdfReader(handout).pages)


def test_the_preview_keeps_its_pdf_workers_and_they_write_what_a_fresh_build_writes(
    tmp_path: Path,
) -> None:
    root = init_reader(tmp_path / "reader", title="Serve Test")
    preview = Preview(root, tmp_path / "serve", BuildOptions(jobs=2), pdf=True)
    try:
        assert preview.build_now(["site"]).code == 0
        run(preview._pdfs())
        process = pdf_process(preview)
        workers = children(process)
        assert len(workers) >= 2, workers  # two PDF workers (and perhaps a helper)
        note = root / NOTE
        note.write_text(
            note.read_text(encoding="utf-8").replace(
                "Five manuscript copies", "Five handwritten copies"
            ),
            encoding="utf-8",
        )
        run(preview._pdfs())
        assert pdf_process(preview) == process
        assert children(process) == workers  # the same workers, warm
        assert "handwritten" in handout_text(tmp_path / "serve")
    finally:
        started = time.monotonic()
        preview.close()
    assert time.monotonic() - started < 2  # the process leaves at once, not after a timeout
    assert not running(process)
    build_fresh(root, tmp_path / "fresh", "pdf")
    warm, cold = tmp_path / "serve" / "pdf", tmp_path / "fresh" / "pdf"
    names = sorted(p.relative_to(cold).as_posix() for p in cold.rglob("*.pdf"))
    assert names == sorted(p.relative_to(warm).as_posix() for p in warm.rglob("*.pdf"))
    for name in names:
        found = differences(meaning(cold / name), meaning(warm / name))
        assert found == [], f"{name}:\n" + "\n".join(found)


def test_an_edit_while_the_pdfs_build_ends_their_process_and_workers(tmp_path: Path) -> None:
    root = init_reader(tmp_path / "reader", title="Serve Test")
    preview = Preview(root, tmp_path / "serve", BuildOptions(jobs=2), pdf=True)

    async def edit_while_building() -> tuple[int, set[int]]:
        preview.start_pdfs()
        deadline = time.monotonic() + 60
        while True:  # the PDF build is under way once its workers are there
            await asyncio.sleep(0.05)
            pool = preview._pdf_pool
            found = pool._processes if pool is not None else {}  # type: ignore[attr-defined]
            if found:
                process = next(iter(found.values())).pid
                workers = children(process)
                if len(workers) >= 2:
                    break
            assert time.monotonic() < deadline, "the PDF workers never started"
        started = time.monotonic()
        await preview.stop_pdfs()
        assert time.monotonic() - started < 2  # at once, not after the join's timeout
        return process, workers

    try:
        assert preview.build_now(["site"]).code == 0
        process, workers = run(edit_while_building())
        assert preview._pdf_pool is None
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in {process, *workers}):
            assert time.monotonic() < deadline, "the PDFs' process or a worker outlived it"
            time.sleep(0.05)
        run(preview._pdfs())  # the next build forks another process
        assert pdf_process(preview) != process
        assert "Five manuscript copies" in handout_text(tmp_path / "serve")
    finally:
        preview.close()
