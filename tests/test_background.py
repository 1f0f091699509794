"""Work in a forked child: the same answer whether or not the child ran, or failed.

A process with other threads never forks (see coursepack.background), and the test
process has some (the browser tests' server), so the cases that need a fork run in a
fresh interpreter of their own.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from coursepack import background

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="this system has no fork")


def _in_fresh_python(case: str, *args: str) -> None:
    """Run one of the functions below in a new interpreter, where no other thread runs."""
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import test_background as t; "
    code += f"t.{case}(*sys.argv[1:])"
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def child_result() -> None:
    here = os.getpid()
    pending = background.start(lambda: [os.getpid(), ("a", 1)])
    pid, pair = pending.result()
    assert pending.forked and pid != here
    assert pair == ["a", 1]  # JSON: a tuple comes back as a list
    big = background.start(lambda: "x" * 2_000_000)  # far more than a pipe holds
    assert big.result() == "x" * 2_000_000 and big.forked


def failing_child() -> None:
    here = os.getpid()

    def compute() -> int:
        if os.getpid() != here:
            raise RuntimeError("only in the child")
        return 7

    pending = background.start(compute)
    assert pending.result() == 7 and not pending.forked


def killed_child() -> None:
    here = os.getpid()

    def compute() -> str:
        if os.getpid() != here:
            os.kill(os.getpid(), 9)
        return "here"

    pending = background.start(compute)
    assert pending.result() == "here" and not pending.forked


def stopped_child() -> None:
    """A child whose result is not wanted is stopped and reaped."""
    pending = background.start(lambda: time.sleep(600))
    pid = pending._pid
    assert pid is not None
    started = time.monotonic()
    pending.close()
    assert time.monotonic() - started < 60
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def occurrences_in_a_child(root: str) -> None:
    """The reader resolves the same with its occurrences searched in a child."""
    from coursepack import resolve
    from coursepack.load.cache import DISABLE
    from coursepack.pipeline import read_reader

    os.environ[DISABLE] = "1"
    here, _ = read_reader(root)
    started: list[background.Pending] = []
    real_start = background.start

    def spy(compute: Callable[[], Any], **options: Any) -> background.Pending:
        pending = real_start(compute, **options)
        started.append(pending)
        return pending

    background.start = spy  # type: ignore[assignment]
    resolve.BACKGROUND_CHARS = 0
    there, report = read_reader(root)
    assert [p.forked for p in started] == [True]
    assert here is not None and there == here and report.ok
    assert sum(len(t.occurrences) for t in there.terms) > 100


@needs_fork
@pytest.mark.parametrize("case", ["child_result", "failing_child", "killed_child", "stopped_child"])
def test_in_a_child(case: str) -> None:
    _in_fresh_python(case)


def _flagship(tmp_path: Path) -> Path:
    """Return a copy of this repository's reader (its seeds and annotations)."""
    root = tmp_path / "flagship"
    for part in ("seeds", "annotations"):
        shutil.copytree(REPO / part, root / part)
    return root


@needs_fork
def test_occurrences_found_in_a_child_are_the_same(tmp_path: Path) -> None:
    root = _flagship(tmp_path)
    _in_fresh_python("occurrences_in_a_child", str(root))


def test_no_fork_when_asked_not_to_or_with_other_threads() -> None:
    here = os.getpid()
    assert background.start(os.getpid, fork=False).result() == here
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pending = background.start(os.getpid)
        assert pending.result() == here and not pending.forked
    finally:
        stop.set()
        thread.join()


def _spawned_pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


def test_a_pool_computes_in_its_worker_though_this_process_has_threads() -> None:
    here = os.getpid()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with _spawned_pool() as pool:
            pending = background.start(os.getpid, pool=pool)
            assert pending.result() != here and pending.forked
            # Not asked to leave this process: the pool is not used either.
            assert background.start(os.getpid, fork=False, pool=pool).result() == here
    finally:
        stop.set()
        thread.join()


def slow_elsewhere(here: int) -> int:
    """Return the process's id: at once in process here, after ten minutes elsewhere."""
    if os.getpid() != here:
        time.sleep(600)
    return os.getpid()


def test_what_a_pool_fails_is_computed_here() -> None:
    here = os.getpid()
    with _spawned_pool() as pool:
        # A function that does not pickle cannot be sent.
        pending = background.start(lambda: os.getpid(), pool=pool)
        assert pending.result() == here and not pending.forked
        # An exception there: computed again here, where it raises as it would have.
        with pytest.raises(ValueError, match="invalid literal"):
            background.start(partial(int, "not a number"), pool=pool).result()
        # A worker killed while it computes: what it was given is computed here, at once.
        assert background.start(os.getpid, pool=pool).result() != here
        waiting = background.start(partial(slow_elsewhere, here), pool=pool)
        time.sleep(0.5)
        for process in list(pool._processes.values()):
            process.kill()
        started = time.monotonic()
        assert waiting.result() == here and not waiting.forked
        assert time.monotonic() - started < 60
        # The pool is broken now: what it is given is computed here.
        pending = background.start(os.getpid, pool=pool)
        assert pending.result() == here and not pending.forked
    # And once it is shut down.
    pending = background.start(os.getpid, pool=pool)
    assert pending.result() == here and not pending.forked
