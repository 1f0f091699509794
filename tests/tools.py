"""Helpers for tests that need an outside program."""

from __future__ import annotations

import os
import shutil

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
