"""Work in a forked child: the same answer whether or not the child ran, or failed."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coursepack import background
from coursepack import resolve as resolve_module
from coursepack.load.cache import DISABLE
from coursepack.pipeline import read_reader

REPO = Path(__file__).resolve().parents[1]
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="this system has no fork")


@needs_fork
def test_result_comes_from_a_child() -> None:
    here = os.getpid()
    pending = background.start(lambda: [os.getpid(), ("a", 1)])
    pid, pair = pending.result()
    assert pending.forked and pid != here
    assert pair == ["a", 1]  # JSON: a tuple comes back as a list


@needs_fork
def test_a_failing_child_is_computed_again_here() -> None:
    here = os.getpid()

    def compute() -> int:
        if os.getpid() != here:
            raise RuntimeError("only in the child")
        return 7

    pending = background.start(compute)
    assert pending.result() == 7
    assert not pending.forked


@needs_fork
def test_a_child_killed_by_a_signal_is_computed_again_here() -> None:
    here = os.getpid()

    def compute() -> str:
        if os.getpid() != here:
            os.kill(os.getpid(), 9)
        return "here"

    pending = background.start(compute)
    assert pending.result() == "here" and not pending.forked


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


@needs_fork
def test_occurrences_found_in_a_child_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flagship reader resolves the same with its occurrences searched in a child."""
    root = tmp_path / "flagship"
    for part in ("seeds", "annotations"):
        shutil.copytree(REPO / part, root / part)
    monkeypatch.setenv(DISABLE, "1")
    here, _ = read_reader(root)
    started: list[background.Pending] = []
    real_start = background.start

    def spy(compute: Callable[[], Any], *, fork: bool = True) -> background.Pending:
        pending = real_start(compute, fork=fork)
        started.append(pending)
        return pending

    monkeypatch.setattr(background, "start", spy)
    monkeypatch.setattr(resolve_module, "BACKGROUND_CHARS", 0)
    there, report = read_reader(root)
    assert [p.forked for p in started] == [True]
    assert here is not None and there == here and report.ok
    assert sum(len(t.occurrences) for t in there.terms) > 100
