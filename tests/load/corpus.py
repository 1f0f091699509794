"""Build a bad-input case from the mini reader: overlay files, deletions, special files.

A case is a folder of tests/data/bad with ``expected.txt`` (the exact diagnostics) and any
of: ``overlay/`` (files copied over the mini reader), ``delete`` (paths to remove, one a
line), ``huge`` (a path to fill with a glossary term of 2.7 MiB), and ``special`` (one
operation a line, for what a repository cannot hold):

- ``fifo PATH``: a named pipe at PATH;
- ``symlink PATH TARGET``: PATH becomes a symbolic link to TARGET, as written (an absolute
  path such as ``/dev/zero``, or one relative to PATH's folder);
- ``dir PATH``: PATH becomes an empty folder;
- ``rename PATH NEW``: PATH is renamed NEW, where ``\\n`` in NEW stands for a line break;
- ``grow PATH``: 2.5 MiB of words are added to the end of PATH.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

BAD = Path(__file__).parent.parent / "data" / "bad"
MINI = Path(__file__).parent.parent / "data" / "mini"


def cases() -> list[str]:
    """Return the names of the bad-input cases."""
    return sorted(p.name for p in BAD.iterdir() if p.is_dir())


def _replace(target: Path) -> None:
    """Remove whatever is at target (a file, a link or a folder), and make its folder."""
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)


def _special(root: Path, line: str) -> None:
    operation, path, *rest = line.split()
    target = root / path
    if operation == "fifo":
        _replace(target)
        os.mkfifo(target)
    elif operation == "symlink":
        _replace(target)
        target.symlink_to(rest[0])
    elif operation == "dir":
        _replace(target)
        target.mkdir()
    elif operation == "grow":
        with target.open("ab") as out:
            out.write(b"More words of a text. " * 120_000)
    elif operation == "rename":
        target.rename(target.parent / rest[0].replace("\\n", "\n"))
    else:
        raise ValueError(f"unknown operation in a corpus case: {line!r}")


def materialize(name: str, root: Path) -> Path:
    """Copy the mini reader to root and apply a case to it."""
    case = BAD / name
    shutil.copytree(MINI, root)
    overlay = case / "overlay"
    for path in overlay.rglob("*"):
        if path.is_file():
            target = root / path.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    if (case / "delete").exists():
        for line in (case / "delete").read_text().split():
            (root / line).unlink()
    if (case / "huge").exists():
        target = root / (case / "huge").read_text().strip()
        with target.open("wb") as out:
            out.write(b"---\nterm: huge\nsources: [walker1937]\n---\n\n")
            out.write(b"A long definition. " * 150_000)
    if (case / "special").exists():
        for line in (case / "special").read_text(encoding="utf-8").splitlines():
            if line.strip():
                _special(root, line)
    return root
