"""Read input files: regular files under the reader's root only, of a bounded size.

Every input goes through :func:`read_bytes`, which never follows a symbolic link out of the
reader's root (and says nothing of where it leads), never opens anything but a regular
file (a FIFO would block, a device never end), and refuses a file larger than its kind
allows before reading it. Text is then decoded as UTF-8 with problems at their positions.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from coursepack.diagnostics import Location, Report
from coursepack.kinds import MAX_BYTES

BOM = b"\xef\xbb\xbf"


def shown_path(root: Path, path: Path) -> str:
    """Return a path as diagnostics show it: from the root, with / and no raw controls.

    A file name may hold a line break or another control character; it is shown escaped
    (``bad\\n.md``), so that every diagnostic stays on one line.
    """
    name, base = os.fspath(path), os.fspath(root).rstrip("/") + "/"
    if os.sep == "/" and name.startswith(base) and len(name) > len(base):
        text = name[len(base) :]  # what relative_to gives, without its cost (4,600 files)
    else:
        try:
            text = path.relative_to(root).as_posix()
        except ValueError:
            text = path.as_posix()
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def position_of(data: bytes, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column (in characters) of a byte offset."""
    before = data[:offset]
    line = before.count(b"\n") + 1
    start = before.rfind(b"\n") + 1
    col = len(before[start:].decode("utf-8", errors="replace")) + 1
    return line, col


def decode(data: bytes, shown: str, report: Report, *, allow_bom: bool = True) -> str | None:
    """Decode UTF-8 bytes, reporting a bad byte or a byte-order mark; None if unreadable."""
    if data.startswith(BOM):
        if allow_bom:
            report.warning(
                "file.bom",
                "file starts with a UTF-8 byte-order mark, which is ignored; "
                "save it as UTF-8 without BOM",
                Location(shown, 1, 1),
            )
        data = data[len(BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = position_of(data, exc.start)
        report.error(
            "file.encoding",
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8; "
            "save the file as UTF-8 (most editors: 'Save with encoding')",
            Location(shown, line, col),
        )
        return None


def _what(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _too_large(size: int, limit: int, where: Location, report: Report) -> None:
    report.error(
        "file.too-large",
        f"file is {size / 1048576:.1f} MiB; coursepack reads files of at most "
        f"{limit / 1048576:g} MiB: split it into several files",
        where,
    )


class Files:
    """Reads the files of one reader: regular files under its root, of bounded size."""

    def __init__(self, root: Path) -> None:
        #: The reader's root, absolute, its links resolved.
        self.root = os.path.realpath(root)
        self._root = Path(self.root)
        #: Each folder read from, with its links resolved.
        self._folders: dict[str, str] = {}

    def shown(self, path: Path) -> str:
        """Return a path as diagnostics show it (see :func:`shown_path`)."""
        return shown_path(self._root, path)

    def inside(self, real: str) -> bool:
        """Return whether a path with its links resolved is under the root."""
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)

    def _resolved(self, path: Path) -> tuple[str, os.stat_result | None]:
        """Return a path with its links resolved, and what it is if it is no link (a
        link's target is looked at only once it is known to be under the root)."""
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return os.path.realpath(path), None
        # Not a link itself: only its folder can lead elsewhere (once resolved per folder).
        folder, name = os.path.split(path)
        if folder not in self._folders:
            self._folders[folder] = os.path.realpath(folder)
        return os.path.join(self._folders[folder], name), info

    def read_bytes(
        self, path: Path, shown: str, report: Report, limit: int = MAX_BYTES
    ) -> bytes | None:
        """Read a regular file under the root of at most limit bytes; None (reported)
        otherwise. A file that does not exist is reported as missing: the caller checks
        first where a missing file is no problem."""
        where = Location(shown, 1, 1)
        try:
            real, info = self._resolved(path)
            if not self.inside(real):
                report.error(
                    "file.outside",
                    "this is a symbolic link to a file outside the reader's folder, which "
                    "coursepack never reads; put the file itself here instead of a link",
                    where,
                )
                return None
            if info is None:
                info = os.stat(real)
        except OSError as exc:
            _unreadable(exc, path, where, report)
            return None
        if not stat.S_ISREG(info.st_mode):
            report.error(
                "file.special",
                f"this is {_what(info.st_mode)}, where coursepack expects a file; "
                "replace it with a file, or move it out of the reader",
                where,
            )
            return None
        if info.st_size > limit:
            _too_large(info.st_size, limit, where, report)
            return None
        try:
            # Opened without waiting (a FIFO swapped in after the check must not block)
            # and without following a link swapped in after the path was resolved.
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(real, flags | getattr(os, "O_CLOEXEC", 0))
            try:
                opened = os.fstat(fd)
                if not stat.S_ISREG(opened.st_mode):
                    report.error("file.special", f"this is {_what(opened.st_mode)}", where)
                    return None
                # As many bytes as the file holds, and one more: a buffer of the limit
                # would be allocated, and given back, for every file.
                data = os.read(fd, min(opened.st_size, limit) + 1)
                while len(data) <= limit and (more := os.read(fd, limit + 1 - len(data))):
                    data += more
            finally:
                os.close(fd)
        except OSError as exc:
            _unreadable(exc, path, where, report)
            return None
        if len(data) > limit:  # it grew while being read
            _too_large(len(data), limit, where, report)
            return None
        return data

    def read_text(
        self, path: Path, shown: str, report: Report, limit: int = MAX_BYTES
    ) -> str | None:
        """Read an annotation file as text with LF line ends; None if it cannot be used."""
        data = self.read_bytes(path, shown, report, limit)
        if data is None:
            return None
        text = decode(data, shown, report)
        if text is None:
            return None
        if not text.strip():
            report.error(
                "file.empty",
                "file is empty; write its content or delete it",
                Location(shown, 1, 1),
            )
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")


def _unreadable(exc: OSError, path: Path, where: Location, report: Report) -> None:
    if exc.errno == errno.ENOENT and os.path.islink(path):
        message = (
            "this is a symbolic link to a file that does not exist; remove the link, "
            "or put the file itself here"
        )
    elif exc.errno == errno.ENOENT:
        message = "the file does not exist"
    else:
        message = f"cannot read the file: {exc.strerror}"
    report.error("file.missing", message, where)
