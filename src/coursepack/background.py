"""Compute something in a forked child process while this one goes on.

A first check of a large reader is work on one core that splits cleanly in two: finding
where glossary terms and names occur in the texts needs the texts and the forms only, and
its answer is a few numbers per occurrence, cheap to send back. :func:`start` forks a
child that computes such a function and writes its result back as JSON through a pipe;
:meth:`Pending.result` reads it. Anything that goes wrong in the child (an exception, a
signal, output that is not JSON) makes the parent compute the result itself, so the
answer never depends on whether the child ran. Where there is no ``fork`` (Windows), or
when the process has other threads (which a fork would leave behind in the child, with
any locks they held), the function simply runs in this process when its result is asked
for. A result that JSON cannot hold as it is (tuples, dictionaries keyed by tuples) may
come back pickled instead: only the child this process forked writes to the pipe, and it
pickles values it made itself. Work that only saves the parent time later (parsing files
ahead, for instance) gives a *fallback* instead: what to answer when no child did the
work, so that it is never done twice.
"""

from __future__ import annotations

import json
import os
import pickle
import threading
from collections.abc import Callable
from typing import Any


class Pending:
    """A result being computed, in a child process or on demand here."""

    def __init__(
        self,
        compute: Callable[[], Any],
        fallback: Callable[[], Any] | None = None,
        pickled: bool = False,
    ) -> None:
        self._compute = compute
        self._fallback = fallback or compute
        self._pickled = pickled
        self._pid: int | None = None
        self._read: int | None = None
        #: Whether the result came from a child process.
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
                value = self._compute()
                if self._pickled:
                    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                else:
                    data = json.dumps(value, ensure_ascii=False).encode()
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> Any:
        """Return the result: the child's if it gave one, else the fallback's (by default,
        computed here and now)."""
        if self._pid is None or self._read is None:
            return self._fallback()
        pid, self._pid = self._pid, None
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            try:
                value = pickle.loads(data) if self._pickled else json.loads(data)
            except (ValueError, pickle.UnpicklingError, EOFError):
                pass
            else:
                self.forked = True
                return value
        return self._fallback()


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
    pending = Pending(compute, fallback, pickled)
    if fork and hasattr(os, "fork") and threading.active_count() == 1:
        pending._start()
    return pending
