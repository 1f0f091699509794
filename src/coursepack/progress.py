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

Targets built at the same time share one line through a :class:`Line`
(``pdf: 3/12 (25%) · site: 40/80 (50%)``), which ends when the last of them is done.
"""

from __future__ import annotations

import sys
import threading
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
        line: Line | None = None,
    ) -> None:
        #: Where to draw; standard error unless told otherwise (or the shared line's).
        if stream is None:
            stream = line.stream if line is not None else sys.stderr
        self.stream: TextIO = stream
        #: Whether to draw at all; by default, only when the stream is a terminal.
        self.enabled: bool = _isatty(self.stream) if enabled is None else enabled
        self._interval = interval
        self._clock = clock
        self._target: str | None = None
        self._total = 0
        self._count = 0
        self._drawn_at: float | None = None
        self._line = line
        if line is not None:
            line.join(self)

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
            if self._line is not None:
                self._line.finish(self)  # a target that never started holds no line open
            return
        self._draw(force=True)
        if self._line is not None:
            self._line.finish(self)
        elif self.enabled:
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
        if self._line is not None:
            self._line.draw()
            return
        # Counts only grow, so each redraw covers the whole of the one before.
        self.stream.write(f"\r{self.line()}")
        self.stream.flush()


class Line:
    """One terminal line shared by the targets built at the same time.

    Each :class:`Progress` made with ``line=`` draws the whole line, every target's count
    side by side, from whichever thread advances it; the line ends once every target on it
    is done, so no target's final count is lost.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self._members: list[Progress] = []
        self._finished: set[int] = set()
        self._texts: dict[int, str] = {}
        self._width = 0
        self._lock = threading.RLock()

    def join(self, progress: Progress) -> None:
        """Add a target's progress to the line."""
        with self._lock:
            self._members.append(progress)

    def draw(self) -> None:
        """Redraw the line from every target's count."""
        with self._lock:
            for member in self._members:
                if member.target is not None:
                    self._texts[id(member)] = member.line()
            text = " · ".join(self._texts[id(m)] for m in self._members if id(m) in self._texts)
            # A target's text can shrink (a new total): pad over what was there before.
            self.stream.write("\r" + text.ljust(self._width))
            self.stream.flush()
            self._width = len(text)

    def finish(self, progress: Progress) -> None:
        """Count a target as done; end the line when it was the last."""
        with self._lock:
            self._finished.add(id(progress))
            if all(id(m) in self._finished for m in self._members if m.enabled):
                if any(m.enabled for m in self._members):
                    self.stream.write("\n")
                    self.stream.flush()
                self._members.clear()
                self._finished.clear()
                self._texts.clear()
                self._width = 0


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
