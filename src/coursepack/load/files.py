"""Read input files as text, reporting encoding problems with their positions."""

from __future__ import annotations

from pathlib import Path

from coursepack.diagnostics import Location, Report

#: Larger input files are refused: no annotation file or seed text comes near this.
MAX_BYTES = 2 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


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


def read_text(path: Path, shown: str, report: Report) -> str | None:
    """Read an annotation file as text with LF line ends; None if it cannot be used."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            report.error(
                "file.too-large",
                f"file is {size / 1048576:.1f} MiB; coursepack reads files of at most "
                f"{MAX_BYTES // 1048576} MiB: split it into several files",
                Location(shown, 1, 1),
            )
            return None
        data = path.read_bytes()
    except OSError as exc:
        report.error("file.missing", f"cannot read the file: {exc.strerror}", Location(shown))
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
