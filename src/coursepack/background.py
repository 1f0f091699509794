"""Compute something in a forked child process while this one goes on.

A first check of a large reader is work on one core that splits cleanly in two: finding
where glossary terms and names occur in the texts needs the texts and the forms only, and
its answer is a few numbers per occurrence, cheap to send back. :func:`start` forks a
child that computes such a function and writes its result back as JSON into an unnamed
file, and its size through a pipe; :meth:`Pending.result` reads it. Anything that goes
wrong in the child (an exception, a signal, a result cut short or that is not JSON)
makes the parent compute the result itself, so the
answer never depends on whether the child ran. Where there is no ``fork`` (Windows), or
when the process has other threads (which a fork would leave behind in the child, with
any locks they held), the function simply runs in this process when its result is asked
for. A result that JSON cannot hold as it is (tuples, dictionaries keyed by tuples) may
come back pickled instead: only the child this process forked writes to that file, and
it pickles values it made itself. Work that only saves the parent time later (parsing files
ahead, for instance) gives a *fallback* instead: what to answer when no child did the
work, so that it is never done twice. A child may also send several results in turn
(:func:`start_parts`): the first is taken while the child computes the next (it never
waits for a result to be read: only sizes go through the pipe), each with a fallback of
its own.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

#: Each result is sent as its length, then its bytes.
_SIZE = struct.Struct("<Q")


class Pending:
    """Results being computed, in a child process or on demand here, taken in turn."""

    def __init__(
        self,
        compute: Callable[[], Iterator[Any]],
        fallbacks: Sequence[Callable[[], Any]],
        pickled: bool = False,
    ) -> None:
        self._compute = compute
        self._fallbacks = list(fallbacks)
        self._pickled = pickled
        self._taken = 0
        self._pid: int | None = None
        #: The pipe that tells each result's size, and the file that holds them, in turn.
        self._pipe: BinaryIO | None = None
        self._file: int | None = None
        self._offset = 0
        #: Whether the last result taken came from a child process.
        self.forked = False

    def _start(self) -> None:
        # The results go to a file, and only their sizes through the pipe: a child never
        # waits for this process to read one before it computes the next.
        file = _scratch_file()
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (read, write, file):
                os.close(fd)
            return
        if pid == 0:  # the child: compute, send, and leave without running any cleanup
            status = 1
            try:
                os.close(read)
                offset = 0
                for value in self._compute():
                    if self._pickled:
                        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                    else:
                        data = json.dumps(value, ensure_ascii=False).encode()
                    view = memoryview(data)
                    while view:
                        written = os.pwrite(file, view, offset)
                        offset += written
                        view = view[written:]
                    os.write(write, _SIZE.pack(len(data)))
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._pipe, self._file = pid, os.fdopen(read, "rb"), file

    def _receive(self) -> tuple[bool, Any]:
        """Read the child's next result: (True, it), or (False, None) if it sent none."""
        if self._pipe is None or self._file is None:
            return False, None
        head = self._pipe.read(_SIZE.size)
        if len(head) == _SIZE.size:
            (size,) = _SIZE.unpack(head)
            parts = []
            while size > 0 and (part := os.pread(self._file, size, self._offset)):
                parts.append(part)
                self._offset += len(part)
                size -= len(part)
            if size == 0:
                data = b"".join(parts)
                try:
                    return True, pickle.loads(data) if self._pickled else json.loads(data)
                except (ValueError, pickle.UnpicklingError, EOFError):
                    pass
        self.close()  # what it sends from here on cannot be trusted
        return False, None

    def result(self) -> Any:
        """Return the next result: the child's if it sent one, else its fallback's (by
        default, computed here and now)."""
        fallback = self._fallbacks[self._taken]
        self._taken += 1
        received, value = self._receive()
        if self._taken == len(self._fallbacks):
            self.close(stop=False)  # it leaves once its last result is sent
        self.forked = received
        return value if received else fallback()

    def close(self, stop: bool = True) -> None:
        """Stop waiting for the child and reap it; stop it first if it still runs (or, with
        stop false, wait for it to leave)."""
        pid, self._pid = self._pid, None
        if self._pipe is not None:
            self._pipe.close()  # a child still writing fails, and leaves
            self._pipe = None
        if self._file is not None:
            os.close(self._file)
            self._file = None
        if pid is None:
            return
        if stop:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return  # it had left
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _scratch_file() -> int:
    """Return a new file that only this process and its children can reach (in memory
    where the system allows it)."""
    if hasattr(os, "memfd_create"):
        try:
            return os.memfd_create("coursepack-results", os.MFD_CLOEXEC)
        except OSError:
            pass
    with tempfile.TemporaryFile() as handle:  # already unlinked; keep only the descriptor
        return os.dup(handle.fileno())


def start(
    compute: Callable[[], Any],
    *,
    fork: bool = True,
    fallback: Callable[[], Any] | None = None,
    pickled: bool = False,
) -> Pending:
    """Start computing a JSON value in a forked child, if this process can fork safely.

    compute must not change anything the parent will see (the child's changes are lost)
    and must return what JSON holds; tuples come back as lists. With a fallback, compute
    runs only in a child: when none ran or it failed, the result is fallback(). pickled:
    the result comes back pickled, tuples and all.
    """
    return start_parts(lambda: iter([compute()]), [fallback or compute], fork=fork, pickled=pickled)


def start_parts(
    compute: Callable[[], Iterator[Any]],
    fallbacks: Sequence[Callable[[], Any]],
    *,
    fork: bool = True,
    pickled: bool = False,
) -> Pending:
    """Start computing several results in turn in a forked child (see :func:`start`).

    compute yields the results, as many as there are fallbacks; each call of
    :meth:`Pending.result` takes the next, waiting for it if it is not there yet, or
    gives its fallback's value when no child computes it. Once the last result is taken
    the child is waited for (it leaves after sending it); :meth:`Pending.close` stops it
    sooner.
    """
    pending = Pending(compute, fallbacks, pickled)
    if fork and hasattr(os, "fork") and threading.active_count() == 1:
        pending._start()
    return pending
