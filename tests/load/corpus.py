"""Build a bad-input case from the mini reader: overlay files, deletions, a huge file."""

from __future__ import annotations

import shutil
from pathlib import Path

BAD = Path(__file__).parent.parent / "data" / "bad"
MINI = Path(__file__).parent.parent / "data" / "mini"


def cases() -> list[str]:
    """Return the names of the bad-input cases."""
    return sorted(p.name for p in BAD.iterdir() if p.is_dir())


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
    return root
