"""Builds that are all or nothing: made in a staging folder, swapped into place whole.

A build never writes into the build folder (``build/``) itself. Beside it, in
``.build.staging/``, it makes ``next/``: a copy of the build folder as it stands, so that
every target stays incremental (Sphinx's environment and doctrees, the PDFs' content
hashes, the stamps), in which the targets then write. Only when every target has
succeeded are the two folders exchanged, in one step: Linux's ``renameat2`` with
``RENAME_EXCHANGE``. Where that is missing (another system, or a file system without it)
the swap is two renames, ``build`` to ``previous`` and ``next`` to ``build``, behind a
journal written first. Either way the build folder holds, at every moment, either the
previous complete build or the new one, whatever stops the build (an error, Ctrl-C,
SIGTERM, SIGKILL) and whenever.

The copy never shares a file with the live build that anything could write in place.
Sphinx writes its pages in place, so those are copied (keeping their times, which Sphinx
compares). A file is hard-linked instead only where every writer replaces files whole (a
new file renamed over the old), or gives the file a name of its own before it writes
(:func:`unshare`, which the site calls before Sphinx writes a doctree or its environment),
which :class:`Staging` is told by the caller, or where no writer runs in this build.

What an interrupted build leaves (a ``next/`` half written, a swap half done, an old
build not yet removed) is put right by the next build, under the same lock, before it
does anything else (:meth:`Staging.repair`). These guarantees are about the processes
that write, not power cuts: nothing is synced to disk but the folder that was swapped.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from coursepack import processes

#: renameat2(2): paths relative to the current directory (both are absolute here).
AT_FDCWD = -100
#: renameat2(2) flag: exchange the two paths, both of which must exist.
RENAME_EXCHANGE = 2
#: How long to wait for another build of the same folder, or for what an interrupted
#: build left running to end (it holds the lock until it has), in seconds.
LOCK_WAIT = 30.0


class StagingError(Exception):
    """The build folder cannot be staged or replaced; the message says why, in a line."""


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """Return renameat2(2) from the C library, or None (not Linux, or glibc before 2.28)."""
    import ctypes  # only when a build is swapped in: a no-op build need not load it

    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    return function


def exchange(a: Path, b: Path) -> bool:
    """Exchange two folders atomically; return False where the system cannot."""
    import ctypes

    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}:
        return False  # the kernel or the file system has no exchange
    raise OSError(code, os.strerror(code), str(b))


LinkRule = Callable[[str], bool]


class Staging:
    """The staging area of one build folder, and the lock that keeps builds of it apart."""

    def __init__(self, out: Path) -> None:
        #: The live build folder (absolute).
        self.out = out
        #: Beside it: the lock, the journal, the next build and what the swap leaves.
        self.area = out.parent / f".{out.name}.staging"
        self.next = self.area / "next"
        self.previous = self.area / "previous"
        self.journal = self.area / "swap"
        #: Whether the next build has been swapped into place.
        self.committed = False
        self._lock: int | None = None

    # -- the lock ---------------------------------------------------------------------

    def lock(self, wait: float = LOCK_WAIT) -> None:
        """Take the lock of this build folder, waiting up to wait seconds for it.

        It is an advisory lock on a file of the staging area, which the system releases
        when the process ends, however it ends; a child process the build forked holds it
        as long as it lives, so that the next build never starts beside a straggler.
        """
        self.area.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.area / "lock", os.O_RDWR | os.O_CREAT, 0o666)
        start = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and time.monotonic() - start >= 1 and wait > 1:
                    print(f"waiting for another build of {self.out}/ to end", file=sys.stderr)
                    told = True
                if time.monotonic() - start >= wait:
                    os.close(fd)
                    raise StagingError(
                        f"another coursepack build is writing {self.out}/; "
                        "run this one when it is done"
                    ) from None
                time.sleep(0.05)
        self._lock = fd

    def unlock(self) -> None:
        """Release the lock."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # -- repair -----------------------------------------------------------------------

    def repair(self) -> str:
        """Put right what an interrupted build left; return what was done, in words, or "".

        A journal means a swap by two renames was under way, with a complete next build:
        it is finished. Without one, ``next/`` is a build that was never swapped in (or
        the old build, swapped out by an exchange), and ``previous/`` an old build: both
        are removed.
        """
        done = []
        if self.journal.exists():
            if self.next.is_dir():
                if self.out.exists():  # neither rename was made
                    _remove(self.previous)
                    os.rename(self.out, self.previous)
                os.rename(self.next, self.out)
            elif not self.out.exists() and self.previous.is_dir():
                os.rename(self.previous, self.out)  # the build folder went missing
            _sync(self.out.parent)
            self.journal.unlink()
            done.append(f"finished swapping the last build into {self.out}/")
        if self.next.exists() or self.previous.exists():
            _remove(self.next)
            _remove(self.previous)
            done.append("removed what an interrupted build left")
        return "; ".join(done)

    # -- a build ----------------------------------------------------------------------

    def prepare(self, linked: LinkRule) -> Path:
        """Make ``next/``, a copy of the build folder; return it.

        linked(path) says whether a file (its path under the build folder, with /) may be
        hard-linked rather than copied: only if nothing will write it in place.
        """
        self.area.mkdir(parents=True, exist_ok=True)
        _remove(self.next)
        if self.out.is_dir():
            _copy_tree(self.out, self.next, "", linked)
        else:
            self.next.mkdir()
        return self.next

    def commit(self) -> None:
        """Swap ``next/`` into place; remove the build it replaces.

        SIGINT and SIGTERM are held back until the swap is made, so that it is never left
        half done by this process; the removal comes after, and a removal cut short is
        finished by the next build.
        """
        with processes.deferred():
            if not self.out.exists():
                os.rename(self.next, self.out)
                replaced = None
            elif exchange(self.next, self.out):
                replaced = self.next
            else:
                self._swap_by_renames()
                replaced = self.previous
            self.committed = True
            _sync(self.out.parent)
        if replaced is not None:
            shutil.rmtree(replaced, ignore_errors=True)

    def _swap_by_renames(self) -> None:
        _remove(self.previous)
        fd = os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            os.write(fd, b"next -> build\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        _sync(self.area)
        os.rename(self.out, self.previous)
        os.rename(self.next, self.out)
        _sync(self.out.parent)
        self.journal.unlink()

    def discard(self) -> None:
        """Remove ``next/`` (a build that failed), as far as it can be now."""
        shutil.rmtree(self.next, ignore_errors=True)


def _copy_tree(source: Path, target: Path, relative: str, linked: LinkRule) -> None:
    """Copy a folder, its files' times kept; hard-link the files that linked() allows."""
    target.mkdir()
    with os.scandir(source) as entries:
        for entry in entries:
            path = f"{relative}{entry.name}"
            dest = target / entry.name
            if entry.is_dir(follow_symlinks=False):
                _copy_tree(Path(entry.path), dest, path + "/", linked)
            elif entry.is_symlink():
                os.symlink(os.readlink(entry.path), dest)
            elif not (linked(path) and _link(entry.path, dest)):
                shutil.copy2(entry.path, dest, follow_symlinks=False)
    shutil.copystat(source, target)


def unshare(path: Path | str) -> None:
    """Make the file at path one that no other name shares, before it is written in place.

    When the file is a hard link (into the previous build, from the staging copy), this
    name is removed, so that the write makes a new file and the other name keeps the old
    one; a file of its own, or none, is left as it is.
    """
    with contextlib.suppress(FileNotFoundError):
        if os.lstat(path).st_nlink > 1:
            os.unlink(path)


def unshare_keeping(path: Path | str) -> None:
    """Make the file at path one that no other name shares, keeping what it says: for a
    file that may be written in place next, or may not be written at all.

    When the file is a hard link, it is replaced by a copy of itself (written beside it,
    then renamed over it), so that a write then goes to the copy alone, and without a
    write the file still says what it said; a file of its own, or none, is left as it is.
    """
    with contextlib.suppress(FileNotFoundError):
        if os.lstat(path).st_nlink > 1:
            copy = Path(f"{path}.own")
            shutil.copy2(path, copy)
            os.replace(copy, path)


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text to a file through a temporary file and a rename: never in place,
    so that a file another build shares (a hard link) keeps what it says."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def link_or_copy(source: Path | str, target: Path) -> None:
    """Put source's file at target: a hard link where the file system allows (the bytes
    are not copied), else a copy. Only for files that nothing writes in place."""
    if not _link(str(source), target):
        shutil.copyfile(source, target)


def _link(source: str, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links, or too many of them
        return False
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _sync(folder: Path) -> None:
    """Ask the system to write a folder's entries (its renames) to disk."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked(staging: Staging) -> Iterator[Staging]:
    """Hold a staging area's lock for the length of a block."""
    staging.lock()
    try:
        yield staging
    finally:
        staging.unlock()
