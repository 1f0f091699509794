"""Compute something in another process while this one goes on.

Some work splits cleanly in two and sends back little: formatting one part of a long list
of citations, or finding where glossary terms and names occur in the texts. :func:`start`
forks a child that computes such a function and writes its result back as JSON through a
pipe; :meth:`Pending.result` reads it. Anything that goes wrong in the child (an
exception, a signal, a result cut short or that is not JSON) makes the parent compute the
result itself, so the answer never depends on whether the child ran. Where there is no
``fork`` (Windows), or when the process has other threads (which a fork would leave
behind in the child, with any locks they held), the function simply runs in this process
when its result is asked for.

A build that has started its PDF workers has such threads (the pool's own), and the
workers wait, WeasyPrint imported, until the documents are planned, which needs the
citations. Given that pool, :func:`start` hands it the function instead (which must then
be picklable: a module's function, or a :func:`functools.partial` of one), with the same
promise: should the pool fail it in any way, this process computes the result.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, BinaryIO


class Pending:
    """A result being computed, in a child process or on demand here."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._pid: int | None = None
        self._pipe: BinaryIO | None = None
        self._future: Future[Any] | None = None
        #: Whether the result came from another process (a forked child, a pool's worker).
        self.forked = False

    def _start(self) -> None:
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: compute, send, and leave without running any cleanup
            status = 1
            try:
                os.close(read)
                data = json.dumps(self._compute(), ensure_ascii=False).encode()
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def _submit(self, pool: Executor) -> None:
        try:
            self._future = pool.submit(self._compute)
        except Exception:  # shut down, broken, or the function does not pickle
            self._future = None

    def result(self) -> Any:
        """Return the result: the child's if it sent one whole, else computed here."""
        if self._future is not None:
            future, self._future = self._future, None
            try:
                value = future.result()
            except Exception:  # failed there, or the pool broke: computed here
                return self._compute()
            self.forked = True
            return value
        if self._pipe is None:
            return self._compute()
        data = self._pipe.read()
        pid = self._pid
        self.close(stop=False)
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) if pid else 1
        if status == 0:
            try:
                value = json.loads(data)
            except ValueError:
                pass
            else:
                self.forked = True
                return value
        return self._compute()

    def close(self, stop: bool = True) -> None:
        """Stop waiting for the child; stop and reap it if it still runs (with stop false,
        leave the reaping to the caller)."""
        if self._future is not None:
            self._future.cancel()  # a pool's worker that has begun finishes it, unheard
            self._future = None
        if self._pipe is not None:
            self._pipe.close()  # a child still writing fails, and leaves
            self._pipe = None
        pid, self._pid = self._pid, None
        if pid is None or not stop:
            return
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return  # it had left
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def start(
    compute: Callable[[], Any], *, fork: bool = True, pool: Executor | None = None
) -> Pending:
    """Start computing a JSON value in a forked child, if this process can fork safely, or
    in pool, when one is given (and fork is true).

    compute must not change anything the parent will see (the child's changes are lost)
    and must return what JSON holds; tuples come back as lists (from a forked child).
    """
    pending = Pending(compute)
    if fork and pool is not None:
        pending._submit(pool)
    elif fork and hasattr(os, "fork") and threading.active_count() == 1:
        pending._start()
    return pending
