"""Fixtures for the scale tests: the synthetic reader generator in scripts/synth.py."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tools import load_synth


@pytest.fixture(scope="session")
def synth() -> ModuleType:
    """Return the generator module."""
    return load_synth()


@pytest.fixture(scope="session")
def three(tmp_path_factory: pytest.TempPathFactory, synth: ModuleType) -> Path:
    """Return a synthetic reader of three readings, 40 annotations each, seed 1."""
    root = tmp_path_factory.mktemp("synth") / "three"
    synth.generate(root, 3, 40, 1)
    return root
