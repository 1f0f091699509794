"""Processes: Ctrl-C and SIGTERM end a run in one line, and no helper process outlives it.

The command line calls :func:`install` first. From then on SIGINT and SIGTERM raise
:class:`Interrupted` in the main thread (a :class:`KeyboardInterrupt`, so that code which
cleans up after one cleans up after both), and every child that this process forks
(Sphinx's parallel readers and writers, a background computation) is killed by the system
the moment this process ends, however it ends, SIGKILL included; a child that receives an
interrupt itself leaves at once, quietly, as its parent handles it. Worker processes
started from a fresh interpreter (the PDF workers) begin with :func:`start_worker`, which
ties them to their parent the same way.

This module imports nothing heavy: a new worker runs :func:`start_worker` before it
imports what it works with.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: The signals that end a run, and the exit code each gives (128 + the signal's number).
SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: prctl(2) option: the signal this process receives when its parent ends.
PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when SIGINT or SIGTERM arrives."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        #: The signal that arrived.
        self.signum = signum
        #: What the interrupted work leaves behind, in words (set by whoever knows).
        self.outcome = ""

    @property
    def exit_code(self) -> int:
        """Return the exit code of a process ended by this signal: 128 + its number."""
        return 128 + self.signum


_main_pid: int | None = None
_arrived: int | None = None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _arrived
    if os.getpid() != _main_pid:
        # A forked child: its parent got the same signal, or will end it. Leave quietly.
        os._exit(128 + signum)
    if _arrived is not None:
        # A second interrupt while the first is being cleaned up: stop now. Whatever is
        # left half done is in the staging folder, which the next build clears.
        os._exit(128 + _arrived)
    _arrived = signum
    raise Interrupted(signum)


def install() -> None:
    """Turn SIGINT and SIGTERM into :class:`Interrupted`; tie forked children to this process."""
    global _main_pid, _arrived
    _main_pid, _arrived = os.getpid(), None
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
    # Python's resource tracker, a process of its own, removes the semaphores of worker
    # pools that a killed run left behind; it need not warn about them on the terminal of
    # someone who killed the run. (Options given here reach the processes Python starts.)
    sys.warnoptions.append("ignore:resource_tracker:UserWarning")


_forking_pid = 0


def _before_fork() -> None:
    global _forking_pid
    _forking_pid = os.getpid()
    _prctl()  # loaded here, so that the child only calls it


def _after_fork_in_child() -> None:
    die_with_parent(_forking_pid)


@contextlib.contextmanager
def deferred(*signums: int) -> Iterator[None]:
    """Hold back signals (SIGINT and SIGTERM by default) in this thread until the block ends.

    A signal that arrives meanwhile is delivered when the block ends. Threads started and
    processes spawned inside the block inherit the mask: they never receive those signals.
    """
    held = set(signums or SIGNALS)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """Return prctl(2) from the C library, or None where there is none (not Linux)."""
    import ctypes  # only where a process forks or a worker starts: a check need not load it

    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


def die_with_parent(parent: int) -> None:
    """Have the system kill this process (SIGKILL) when parent ends; leave now if it has.

    On Linux, through prctl(PR_SET_PDEATHSIG). The parent may have ended before the call:
    then this process has been handed to another and leaves at once. Elsewhere only that
    check is made.
    """
    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


#: In a worker process: the process that started it.
_parent: int | None = None


def start_worker(parent: int) -> None:
    """Get a worker process of parent ready (a process pool's initializer).

    The worker dies with its parent, however the parent ends (:func:`die_with_parent`);
    it ignores Ctrl-C, which reaches every process of the terminal and which the parent
    handles for it (by killing it); and it leaves quickly when it is done
    (:func:`leave_quickly`).
    """
    global _parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
    _parent = parent
    leave_quickly()


def leave_on_signal() -> None:
    """Have this forked child leave at once, quietly, on SIGINT or SIGTERM.

    A child forked by a thread of a server inherits the server's handlers (uvicorn's only
    set a flag that the child never reads), so neither Ctrl-C nor a parent's terminate()
    would end it. Its parent handles the interrupt, and ends it.
    """
    for signum in SIGNALS:
        signal.signal(signum, _leave)


def _leave(signum: int, frame: FrameType | None) -> None:
    os._exit(128 + signum)


def stop_pool(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut a process pool down: once its processes are done, or, with kill, killing them
    now. (Its processes are reached through its private table: the executor has no public
    way to kill them before Python 3.14.)"""
    if kill:
        found = list((getattr(pool, "_processes", None) or {}).values())
        for process in found:
            with contextlib.suppress(Exception):
                process.kill()
        for process in found:
            with contextlib.suppress(Exception):
                process.join(timeout=5)
    pool.shutdown(wait=not kill, cancel_futures=True)


def orphaned() -> bool:
    """Return whether this is a worker whose parent has ended (it must write nothing more)."""
    return _parent is not None and os.getppid() != _parent


def leave_quickly() -> None:
    """Make this worker process end, when it is done, without freeing its objects one by one.

    A process that laid out a volume holds some 600 MiB of objects; tearing them down at
    exit takes seconds, during which the pool's replacement worker already lays out the next
    document, so three processes' memory adds up instead of two. Once the worker has sent
    its last result (its queue is flushed before exit handlers run), this exits at once,
    its output flushed, and the system takes its memory back whole.
    """
    atexit.register(_exit_now)


def _exit_now() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)
