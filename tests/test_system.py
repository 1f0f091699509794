"""The system libraries coursepack needs are there (scripts/debian-packages.txt)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).parent.parent


def test_harfbuzz_subset_is_loaded() -> None:
    # Without it WeasyPrint subsets the fonts with fontTools, and the same commit gives
    # different PDF bytes on different machines.
    from weasyprint.text import ffi

    assert ffi.harfbuzz_subset is not None, (
        "libharfbuzz-subset0 is missing: run scripts/system-deps build"
    )


def test_package_list_names_each_package_once_with_a_use() -> None:
    lines = (REPO / "scripts" / "debian-packages.txt").read_text(encoding="utf-8").splitlines()
    entries = [line.split("#", 1)[0].split() for line in lines]
    entries = [e for e in entries if e]
    assert all(len(e) == 2 and e[0] in {"build", "test"} for e in entries), entries
    names = [e[1] for e in entries]
    assert len(names) == len(set(names))


def test_system_deps_finds_nothing_missing_here() -> None:
    # `make test` ran it before the tests; a package it failed to install shows up here.
    done = subprocess.run(
        [str(REPO / "scripts" / "system-deps"), "test"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "SUDO_ASKPASS": "/bin/false"},
    )
    assert done.returncode == 0, done.stderr
    assert "installing" not in done.stdout


def test_system_deps_without_root_prints_the_command() -> None:
    import os
    import shutil
    import tempfile

    import pytest

    if shutil.which("setpriv") is None or shutil.which("dpkg-query") is None:
        pytest.skip("needs setpriv and dpkg (Debian)")
    # In /tmp itself, so that the unprivileged user can read it.
    fd, listed = tempfile.mkstemp(suffix=".txt", dir="/tmp")
    try:
        os.write(fd, b"build coursepack-no-such-package  # missing on purpose\n")
        os.close(fd)
        os.chmod(listed, 0o644)
        with (REPO / "scripts" / "system-deps").open("rb") as script:
            done = subprocess.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 "sh", "-s", "build"],
                stdin=script,
                capture_output=True,
                text=True,
                check=False,
                env={"PATH": "/usr/bin:/bin", "SYSTEM_DEPS_LIST": listed},
            )  # fmt: skip
    finally:
        os.unlink(listed)
    assert done.returncode == 1, done.stderr
    assert (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        "coursepack-no-such-package"
    ) in done.stderr
