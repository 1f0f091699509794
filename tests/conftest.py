"""Shared fixtures: the mini reader used across the stage tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
REPO = Path(__file__).parent.parent


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """Return a fresh copy of the mini reader that a test may change."""
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    return root
