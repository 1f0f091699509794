"""Fixtures for the scale tests: the synthetic reader generator in scripts/synth.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).parents[2] / "scripts" / "synth.py"


def load_synth() -> ModuleType:
    """Import scripts/synth.py as a module."""
    if "coursepack_synth" in sys.modules:
        return sys.modules["coursepack_synth"]
    spec = importlib.util.spec_from_file_location("coursepack_synth", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["coursepack_synth"] = module
    spec.loader.exec_module(module)
    return module


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
