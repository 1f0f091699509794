"""Work in a forked child: the same answer whether or not the child ran, or failed.

A process with other threads never forks (see coursepack.background), and the test
process has some (the browser tests' server), so the cases that need a fork run in a
fresh interpreter of their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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
    pickled = background.start(lambda: {(os.getpid(), 1): ("a", 1)}, pickled=True)
    [(key, value)] = pickled.result().items()
    assert pickled.forked and key[0] != here and value == ("a", 1)


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


def failing_child_with_fallback() -> None:
    here = os.getpid()
    ran_here: list[int] = []

    def compute() -> int:
        if os.getpid() == here:
            ran_here.append(1)
        raise RuntimeError("fails everywhere")

    pending = background.start(compute, fallback=lambda: "fallback")
    assert pending.result() == "fallback" and not pending.forked
    assert not ran_here  # with a fallback, the work is never done in the parent


def parts_in_turn(folder: str) -> None:
    """A child sends results in turn and goes on without waiting for them to be read."""
    here = os.getpid()
    first_sent = Path(folder) / "first-sent"

    def compute() -> Any:
        yield "x" * 2_000_000  # far more than a pipe holds
        first_sent.touch()
        yield os.getpid()

    pending = background.start_parts(compute, [lambda: "no first", lambda: "no second"])
    for _ in range(500):  # the child finishes sending the first before it is read
        if first_sent.exists():
            break
        time.sleep(0.01)
    assert first_sent.exists()
    assert pending.result() == "x" * 2_000_000 and pending.forked
    pid = pending.result()
    assert pending.forked and pid != here
    with pytest.raises(ChildProcessError):  # the child is gone, and reaped
        os.waitpid(pid, os.WNOHANG)


def parts_after_a_failure() -> None:
    """What a child does not send comes from its fallback; a child not wanted is stopped."""
    here = os.getpid()

    def dies_after_one() -> Any:
        yield 1
        raise RuntimeError("fails in the child")

    pending = background.start_parts(dies_after_one, [lambda: "one", lambda: "two"])
    assert pending.result() == 1 and pending.forked
    assert pending.result() == "two" and not pending.forked

    def never_ends() -> Any:
        yield os.getpid()
        time.sleep(600)
        yield "late"

    started = time.monotonic()
    pending = background.start_parts(never_ends, [lambda: here, lambda: "unused"])
    pid = pending.result()
    assert pid != here
    pending.close()
    assert time.monotonic() - started < 60
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def searched_ahead(root: str) -> None:
    """The child that parses ahead also finds the occurrences; resolve takes them."""
    from coursepack import load
    from coursepack.load.cache import DISABLE
    from coursepack.pipeline import read_reader
    from coursepack.resolve.occurrences import OccurrenceFinder

    os.environ[DISABLE] = "1"
    expected, _ = read_reader(root)
    del os.environ[DISABLE]
    here = os.getpid()
    searched_here: list[int] = []
    real_find = OccurrenceFinder.find

    def find(self: OccurrenceFinder, paragraphs: Any, text: str) -> Any:
        if os.getpid() == here:
            searched_here.append(1)
        return real_find(self, paragraphs, text)

    OccurrenceFinder.find = find  # type: ignore[method-assign]
    load.PARALLEL_COST = 0
    reader, report = read_reader(root)
    assert expected is not None and reader == expected and report.ok
    assert sum(len(t.occurrences) for t in reader.terms) > 100
    assert not searched_here  # every text was searched by the child
    # What it found is kept: the next check searches nothing either.
    again, _ = read_reader(root)
    assert again == expected and not searched_here


def _documents(raw: Any) -> list[tuple[str, Any, Any, Any]]:
    """Every document a load kept, with its values and their positions."""
    docs = [r.front for r in raw.notes + raw.terms] + raw.questions + raw.textual
    docs += [raw.entities] if raw.entities is not None else []
    return [(d.path, d.data, d.values, d.keys) for d in docs]


def parsed_ahead(root: str) -> None:
    """A first load with the later documents parsed in a child is the load without it."""
    from coursepack import load
    from coursepack.diagnostics import Report
    from coursepack.load.cache import DISABLE, ParseCache

    os.environ[DISABLE] = "1"
    alone = Report()
    expected = load.load_project(Path(root), alone)
    del os.environ[DISABLE]

    here = os.getpid()
    parsed_here: list[str] = []
    taken: list[int] = []
    real_parse, real_take = load.parse_front_matter, ParseCache.take

    def parse(text: str, path: str, report: Report) -> Any:
        if os.getpid() == here:
            parsed_here.append(path)
        return real_parse(text, path, report)

    def take(self: ParseCache, entries: dict[str, str]) -> None:
        taken.append(len(entries))
        real_take(self, entries)

    load.parse_front_matter = parse  # type: ignore[assignment]
    ParseCache.take = take  # type: ignore[method-assign]
    load.PARALLEL_COST = 0
    load.CHILD_SHARE = 0.9  # a small reader: the child takes Markdown files too
    report = Report()
    raw = load.load_project(Path(root), report)
    assert report.format() == alone.format()
    assert _documents(raw) == _documents(expected)
    # The child parsed the later documents (here: glossary terms, questions and textual
    # notes, names); the parent parsed the earlier ones and took the child's from them.
    assert taken and taken[0] > 0
    fronts = len(raw.notes) + len(raw.terms) + len(raw.broken_ids)
    assert 0 < len(parsed_here) < fronts
    # What the child parsed is saved with the rest: a second load parses only the file
    # with a problem (never kept).
    assert raw.cache is not None
    raw.cache.save()
    parsed_here.clear()
    again = load.load_project(Path(root), Report())
    assert _documents(again) == _documents(expected)
    assert parsed_here == ["annotations/glossary/zz-broken.md"]


@needs_fork
@pytest.mark.parametrize(
    "case", ["child_result", "failing_child", "killed_child", "failing_child_with_fallback"]
)
def test_in_a_child(case: str) -> None:
    _in_fresh_python(case)


def _flagship(tmp_path: Path) -> Path:
    """Return a copy of this repository's reader (its seeds and annotations)."""
    root = tmp_path / "flagship"
    for part in ("seeds", "annotations"):
        shutil.copytree(REPO / part, root / part)
    return root


@needs_fork
def test_parts_in_turn(tmp_path: Path) -> None:
    _in_fresh_python("parts_in_turn", str(tmp_path))


@needs_fork
def test_parts_after_a_failure() -> None:
    _in_fresh_python("parts_after_a_failure")


@needs_fork
def test_occurrences_searched_ahead_are_the_same(tmp_path: Path) -> None:
    root = _flagship(tmp_path)
    _in_fresh_python("searched_ahead", str(root))


@needs_fork
def test_occurrences_found_in_a_child_are_the_same(tmp_path: Path) -> None:
    root = _flagship(tmp_path)
    _in_fresh_python("occurrences_in_a_child", str(root))


@needs_fork
def test_files_parsed_ahead_in_a_child_load_the_same(tmp_path: Path) -> None:
    root = _flagship(tmp_path)
    # Problems in the child's part are found by the parent, and reported once.
    (root / "annotations/glossary/zz-broken.md").write_text("---\nid: [unclosed\n---\nBody.\n")
    textual = root / "annotations/textual/crosse-2026.yaml"
    textual.write_text(textual.read_text(encoding="utf-8") + "\nnotes: []\n", encoding="utf-8")
    _in_fresh_python("parsed_ahead", str(root))


def test_no_fork_when_asked_not_to_or_with_other_threads() -> None:
    here = os.getpid()
    assert background.start(os.getpid, fork=False).result() == here
    assert background.start(os.getpid, fork=False, fallback=lambda: 0).result() == 0
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pending = background.start(os.getpid)
        assert pending.result() == here and not pending.forked
    finally:
        stop.set()
        thread.join()
