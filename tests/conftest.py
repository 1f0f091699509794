"""Shared fixtures: the mini reader used across the stage tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools import require_tool

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
REPO = Path(__file__).parent.parent


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """Return a fresh copy of the mini reader that a test may change."""
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    return root


#: Chromium's switches for the tests: no sandbox (containers), nothing fetched on its own.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright: one for the session, as Playwright's
    synchronous API runs one event loop at a time in a thread."""
    chromium = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        yield b
        b.close()
