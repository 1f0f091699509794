"""Fixtures for the citation tests."""

from __future__ import annotations

import pytest
from cite_builders import base_reader

from coursepack.model import Reader


@pytest.fixture
def reader() -> Reader:
    """Return the small hand-built reader."""
    return base_reader()
