"""The require_tool helper: skip locally, fail under CI."""

from __future__ import annotations

import pytest

from tools import require_tool

MISSING = "coursepack-no-such-program"


def test_missing_tool_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_tool(MISSING)


def test_missing_tool_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run this test"):
        require_tool(MISSING)


def test_present_tool_gives_its_path() -> None:
    assert require_tool("sh").endswith("/sh")
