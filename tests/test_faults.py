"""Faults during a build: an interrupt or a kill at any moment leaves build/ whole.

A build of the mini reader is interrupted (SIGINT, SIGTERM) or killed (SIGKILL) at several
moments of its measured length. After each, ``build/`` must hold exactly one complete
build, the previous or the new (compared as manifests of file hashes), no process of the
build may outlive it for more than a moment, and the next build must put right what was
left and finish. An interrupt ends in one line and exit code 130 (SIGINT) or 143 (SIGTERM).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

#: Files of build/ that differ between two builds of the same inputs: Sphinx's pickled
#: environment and doctrees (times of reading), and the stamps (times of writing).
UNSTABLE = (".site-doctrees/", ".coursepack-stamp.json")
#: How long a process of a killed build may live on: "a moment".
MOMENT = 3.0
#: Fixed, so that two builds of the same inputs write the same bytes.
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}


def manifest(out: Path) -> dict[str, str]:
    """Return every file of a build folder, but the unstable ones, with its sha256."""
    found: dict[str, str] = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and not rel.startswith(UNSTABLE):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def command(root: Path) -> list[str]:
    return [sys.executable, "-m", "coursepack", "--root", str(root), "build", "-j", "2"]


def build(root: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command(root), capture_output=True, text=True, env=ENV, cwd=root, check=False
    )
    assert result.returncode == 0, result.stderr
    return result


def group_members(pgid: int) -> list[str]:
    """Return the live processes of a process group (zombies are dead), described."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
        state, _ppid, pgrp = stat.rpartition(")")[2].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            found.append(f"{entry.name} {state} {cmdline.strip()}")
    return found


def survivors(pgid: int) -> list[str]:
    """Return the processes of a group still alive a moment after its leader ended."""
    deadline = time.monotonic() + MOMENT
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def handling(pid: int, timeout: float = 30.0) -> None:
    """Wait until the process catches SIGTERM: coursepack's own handlers are in place.

    Before that, the interpreter itself is starting (a signal then is Python's to report,
    not coursepack's; the moments of the cases below are counted from here). Python
    catches SIGINT from its start, SIGTERM only once coursepack has installed its handlers.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return  # (it has ended already)
        caught = int(status.partition("SigCgt:")[2].split()[0], 16)
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.002)
    raise AssertionError(f"the build (pid {pid}) did not start within {timeout} s")


@dataclass
class Scenario:
    """The mini reader with a complete build (old), and the inputs of the next (new)."""

    root: Path
    base: Path
    old: dict[str, str]
    new: dict[str, str] = field(default_factory=dict)
    #: Seconds the new build takes, uninterrupted.
    seconds: float = 0.0

    def reset(self) -> None:
        """Put back the reader, edited, beside its old build, at the same path."""
        shutil.rmtree(self.root)
        shutil.copytree(self.base, self.root, symlinks=True)

    def start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            command(self.root),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
            cwd=self.root,
            start_new_session=True,  # its own process group: its pid is the group's id
        )


def _edit(root: Path) -> None:
    """Change what every target shows: the reader's title."""
    meta = root / "annotations" / "reader.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("title: A Mini Reader", "title: A Small Reader"),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    work = tmp_path_factory.mktemp("faults")
    root = work / "reader"
    shutil.copytree(Path(__file__).parent / "data" / "mini", root)
    build(root)
    old = manifest(root / "build")
    _edit(root)
    # The base every run starts from: the edited reader beside its old build, kept at the
    # path it was built at (Sphinx's environment holds its paths).
    base = work / "base"
    shutil.copytree(root, base, symlinks=True)
    # The shorter of two timed builds: on a busy machine one may take twice the other.
    seconds = []
    for _ in range(2):
        shutil.rmtree(root)
        shutil.copytree(base, root, symlinks=True)
        started = time.monotonic()
        build(root)
        seconds.append(time.monotonic() - started)
    scenario = Scenario(root, base, old, manifest(root / "build"), min(seconds))
    assert scenario.new != scenario.old and scenario.new.keys() >= {
        "cite/coursepack.bib",
        "pdf/reader.pdf",
        "site/index.html",
    }
    return scenario


@dataclass
class Counts:
    interrupts: int = 0
    mixed: int = 0
    survivors: int = 0
    outcomes: list[str] = field(default_factory=list)


COUNTS = Counts()
#: When each signal is sent, as a share of the measured build: while the reader loads and
#: the staging copy is made, while the PDFs are laid out, while the site is built (Sphinx's
#: parallel workers running), and, for SIGKILL, near the swap.
CASES = [
    *((signal.SIGINT, f) for f in (0.1, 0.4, 0.8)),
    *((signal.SIGKILL, f) for f in (0.1, 0.4, 0.8, 0.95)),
    *((signal.SIGTERM, f) for f in (0.4, 0.8)),
]


@pytest.mark.parametrize(
    ("signum", "fraction"),
    CASES,
    ids=[f"{signal.Signals(n).name}-{round(f * 100)}pct" for n, f in CASES],
)
def test_a_build_stopped_at_any_moment_leaves_one_complete_build(
    scenario: Scenario, signum: int, fraction: float
) -> None:
    scenario.reset()
    process = scenario.start()
    handling(process.pid)
    time.sleep(scenario.seconds * fraction)
    delivered = process.poll() is None  # (a build quicker than the one measured may be done)
    if delivered:
        process.send_signal(signum)
        COUNTS.interrupts += 1
    stdout, stderr = process.communicate(timeout=60)
    left = survivors(process.pid)
    COUNTS.survivors += len(left)
    assert not left, f"still running after {MOMENT} s: {left}"
    now = manifest(scenario.root / "build")
    which = "old" if now == scenario.old else "new" if now == scenario.new else "mixed"
    COUNTS.outcomes.append(f"{signal.Signals(signum).name} at {fraction:.0%}: {which}")
    if which == "mixed":
        COUNTS.mixed += 1
    assert which != "mixed", _difference(now, scenario)
    if not delivered:
        assert (process.returncode, which) == (0, "new"), stderr
    elif signum == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    elif process.returncode != 0:  # (the build may have ended before the signal came)
        assert process.returncode == 128 + signum, stderr
        assert "Traceback" not in stderr
        (line,) = stderr.strip().splitlines()[-1:]
        assert line.startswith("coursepack: interrupted (")
        # What build/ holds is said, unless the interrupt came before the build began.
        out = scenario.root / "build"
        said = line.partition("; ")[2]
        true = {"": "old", f"{out}/ is unchanged": "old", f"{out}/ holds the new build": "new"}
        assert true.get(said) == which, line
    # The next build repairs what was left, if anything, and ends with the new build.
    again = build(scenario.root)
    assert manifest(scenario.root / "build") == scenario.new
    assert not (scenario.root / ".build.staging" / "next").exists()
    del stdout, again


#: A program that runs ``python -m coursepack check`` and sends itself SIGINT while the
#: command line's modules load, when the module named by argv[1] is first imported. It
#: first handles SIGINT as Python does in a terminal: a test run started in the
#: background by a shell without job control inherits SIGINT ignored, and Python then
#: leaves it ignored.
INTERRUPTED_WHILE_LOADING = """
import builtins, os, runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
target, load = sys.argv.pop(1), builtins.__import__
def load_and_interrupt(name, *args, **kwargs):
    if name == target and name not in sys.modules:
        os.kill(os.getpid(), signal.SIGINT)
    return load(name, *args, **kwargs)
builtins.__import__ = load_and_interrupt
sys.argv[1:] = ["check"]
runpy.run_module("coursepack", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("module", ["argparse", "coursepack.options"])
def test_an_interrupt_while_the_command_line_loads_is_told_in_one_line(
    tmp_path: Path, module: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_WHILE_LOADING, module],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert (result.returncode, result.stderr) == (130, "coursepack: interrupted (Ctrl-C)\n")


def test_a_build_removes_its_font_files_and_those_a_killed_build_left(
    scenario: Scenario, tmp_path: Path
) -> None:
    # WeasyPrint copies a document's faces into a temporary folder (1.8 MB); a build that
    # is killed, or ends with a document alive, must not leave them in the system's.
    temp = tmp_path / "tmp"
    temp.mkdir()
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    left = temp / f"coursepack-fonts-{int(ended.stdout)}" / "weasyprint-faces"
    left.mkdir(parents=True)
    (left / "face").write_bytes(b"\0" * 1024)
    running = temp / f"coursepack-fonts-{os.getpid()}"  # a process that runs: kept
    running.mkdir()
    scenario.reset()
    env = {**ENV, "TMPDIR": str(temp), "COURSEPACK_NO_CACHE": "1"}
    result = subprocess.run(
        [*command(scenario.root), "--only", "pdf"],
        capture_output=True,
        text=True,
        env=env,
        cwd=scenario.root,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "pdf:" in result.stdout and "(up to date)" not in result.stdout
    assert sorted(p.name for p in temp.iterdir()) == [running.name]


def test_counts_of_the_fault_runs() -> None:
    """Report the counts of the runs above (run after them, in file order)."""
    print(
        f"\nfault runs: {COUNTS.interrupts} interrupts, {COUNTS.mixed} mixed builds, "
        f"{COUNTS.survivors} surviving processes; " + "; ".join(COUNTS.outcomes)
    )
    assert COUNTS.mixed == 0 and COUNTS.survivors == 0


def _difference(now: dict[str, str], scenario: Scenario) -> str:
    old = sorted(k for k in now if now.get(k) == scenario.old.get(k))
    new = sorted(k for k in now if now.get(k) == scenario.new.get(k))
    return f"files as in the old build: {old[:10]}; as in the new: {new[:10]}"
