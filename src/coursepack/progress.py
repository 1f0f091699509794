"""Progress of long work, one line per target, shown only on a terminal.

A :class:`Progress` draws ``pdf: 3/12 (25%)`` on standard error and redraws it in place
with a carriage return as work advances; :meth:`Progress.done` ends the line. When it is
disabled (standard error is not a terminal, or ``--quiet``), it writes nothing at all, so
logs and CI output stay clean::

    progress = Progress(enabled=options.progress)
    progress.start("pdf", total=len(jobs))
    for job in jobs:
        render(job)
        progress.advance()
    progress.done()
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: Redraw at most this often (seconds); the first and the last count are always drawn.
INTERVAL = 0.1


class Progress:
    """Show how much of one target's work is done: ``target: done/total``."""

    def __init__(
        self,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        *,
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        #: Where to draw; standard error unless told otherwise.
        self.stream: TextIO = stream if stream is not None else sys.stderr
        #: Whether to draw at all; by default, only when the stream is a terminal.
        self.enabled: bool = _isatty(self.stream) if enabled is None else enabled
        self._interval = interval
        self._clock = clock
        self._target: str | None = None
        self._total = 0
        self._count = 0
        self._drawn_at: float | None = None

    @property
    def target(self) -> str | None:
        """Return the target being counted, or None between targets."""
        return self._target

    @property
    def count(self) -> int:
        """Return how many units of the current target are done."""
        return self._count

    @property
    def total(self) -> int:
        """Return how many units the current target has in all."""
        return self._total

    def start(self, target: str, total: int) -> None:
        """Begin counting a target's units (PDFs, pages); end any target still open."""
        if self._target is not None:
            self.done()
        self._target = target
        self._total = max(0, total)
        self._count = 0
        self._drawn_at = None
        self._draw(force=True)

    def retotal(self, total: int) -> None:
        """Set the current target's total, once more is known (never below the count)."""
        if self._target is None:
            return
        self._total = max(total, self._count)
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        """Count n more units as done."""
        if self._target is None:
            return
        self._count = min(self._total, self._count + n) if self._total else self._count + n
        self._draw(force=self._count >= self._total)

    def done(self) -> None:
        """Finish the current target: draw its final count and end the line."""
        if self._target is None:
            return
        self._draw(force=True)
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
        self._target = None

    def line(self) -> str:
        """Return the text of the progress line as it stands."""
        if self._target is None:
            return ""
        if self._total:
            percent = 100 * self._count // self._total
            return f"{self._target}: {self._count}/{self._total} ({percent}%)"
        return f"{self._target}: {self._count}"

    def _draw(self, *, force: bool) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if not force and self._drawn_at is not None and now - self._drawn_at < self._interval:
            return
        self._drawn_at = now
        # Counts only grow, so each redraw covers the whole of the one before.
        self.stream.write(f"\r{self.line()}")
        self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
