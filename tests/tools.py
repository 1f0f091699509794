"""Helpers for tests that need an outside program, or coursepack as a program."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest


def require_tool(name: str) -> str:
    """Return the path of a program; skip the test locally, fail it under CI, when missing."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run this test)")
        pytest.skip(message)
    return path


def build_fresh(root: Path, out: Path, only: str) -> None:
    """Build one target of the reader at root into out with the command line, as a new
    process with nothing kept from the test's own; fail the test if the build fails."""
    done = subprocess.run(
        [sys.executable, "-m", "coursepack", "--root", str(root), "build", "--only", only,
         "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


#: The synthetic reader generator.
SYNTH = Path(__file__).parents[1] / "scripts" / "synth.py"


def load_synth() -> ModuleType:
    """Import scripts/synth.py as a module (once)."""
    if "coursepack_synth" in sys.modules:
        return sys.modules["coursepack_synth"]
    spec = importlib.util.spec_from_file_location("coursepack_synth", SYNTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["coursepack_synth"] = module
    spec.loader.exec_module(module)
    return module
