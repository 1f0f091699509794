"""The progress line: drawn in place on a terminal, silent otherwise."""

from __future__ import annotations

import io

import pytest

from coursepack.progress import Line, Progress


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def frames(output: str) -> list[str]:
    """Return what each carriage-return redraw showed, trailing padding removed."""
    return [part.rstrip() for part in output.replace("\n", "").split("\r") if part]


def test_counts_units_done_and_to_do_then_ends_the_line() -> None:
    out = Terminal()
    progress = Progress(stream=out, interval=0)
    progress.start("pdf", total=3)
    for _ in range(3):
        progress.advance()
    progress.done()
    text = out.getvalue()
    assert frames(text) == [
        "pdf: 0/3 (0%)",
        "pdf: 1/3 (33%)",
        "pdf: 2/3 (66%)",
        "pdf: 3/3 (100%)",
        "pdf: 3/3 (100%)",
    ]
    assert text.endswith("\n")
    assert text.count("\n") == 1


def test_is_silent_when_the_stream_is_not_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(stream=out)
    assert not progress.enabled
    progress.start("site", total=10)
    progress.advance(4)
    progress.done()
    assert out.getvalue() == ""


def test_enabled_false_wins_over_a_terminal() -> None:
    out = Terminal()
    progress = Progress(enabled=False, stream=out)
    progress.start("site", total=2)
    progress.advance(2)
    progress.done()
    assert out.getvalue() == ""


def test_still_counts_when_silent() -> None:
    progress = Progress(enabled=False, stream=io.StringIO())
    progress.start("pdf", total=5)
    progress.advance(2)
    assert (progress.target, progress.count, progress.total) == ("pdf", 2, 5)
    assert progress.line() == "pdf: 2/5 (40%)"


def test_an_unknown_total_counts_up_without_a_percentage() -> None:
    out = Terminal()
    progress = Progress(stream=out, interval=0)
    progress.start("site", total=0)
    progress.advance(100)
    progress.done()
    assert frames(out.getvalue()) == ["site: 0", "site: 100", "site: 100"]


def test_redraws_are_throttled_but_the_last_count_is_always_drawn() -> None:
    out = Terminal()
    clock = Clock()
    progress = Progress(stream=out, interval=1.0, clock=clock)
    progress.start("site", total=100)
    for _ in range(50):
        progress.advance()
    clock.now = 2.0
    progress.advance()
    for _ in range(49):
        progress.advance()
    progress.done()
    shown = frames(out.getvalue())
    assert shown[0] == "site: 0/100 (0%)"
    assert "site: 51/100 (51%)" in shown
    assert "site: 50/100 (50%)" not in shown
    assert shown[-1] == "site: 100/100 (100%)"
    assert len(shown) <= 5


def test_count_never_passes_the_total() -> None:
    progress = Progress(enabled=False)
    progress.start("pdf", total=2)
    progress.advance(5)
    assert progress.count == 2


def test_starting_a_target_ends_the_one_still_open() -> None:
    out = Terminal()
    progress = Progress(stream=out, interval=0)
    progress.start("cite", total=1)
    progress.advance()
    progress.start("pdf", total=2)
    progress.done()
    lines = out.getvalue().split("\n")
    assert frames(lines[0])[-1] == "cite: 1/1 (100%)"
    assert frames(lines[1])[-1] == "pdf: 0/2 (0%)"


@pytest.mark.parametrize("method", ["advance", "done"])
def test_advance_and_done_without_start_do_nothing(method: str) -> None:
    out = Terminal()
    progress = Progress(stream=out)
    getattr(progress, method)()
    assert out.getvalue() == ""
    assert progress.line() == ""


def test_defaults_to_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(enabled=True)
    progress.start("pdf", total=1)
    progress.advance()
    progress.done()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "\rpdf: 1/1 (100%)" in captured.err


def test_retotal_raises_the_total_but_never_below_the_count() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream, enabled=True, interval=0)
    progress.start("site", total=4)
    progress.advance(3)
    progress.retotal(10)
    assert progress.line() == "site: 3/10 (30%)"
    progress.retotal(1)
    assert progress.total == 3
    progress.done()
    progress.retotal(5)  # between targets: nothing to change
    assert progress.target is None


def test_targets_built_together_share_one_line_that_ends_when_both_are_done() -> None:
    out = Terminal()
    line = Line(out)
    pdf = Progress(interval=0, line=line)
    site = Progress(interval=0, line=line)
    assert pdf.enabled and site.enabled  # the line's stream is a terminal
    pdf.start("pdf", total=2)
    site.start("site", total=4)
    pdf.advance()
    site.advance(2)
    pdf.advance()
    pdf.done()
    assert "\n" not in out.getvalue()  # the site is still going: the line stays open
    site.advance(2)
    site.done()
    shown = frames(out.getvalue())
    assert shown[0] == "pdf: 0/2 (0%)"
    assert "pdf: 1/2 (50%) · site: 2/4 (50%)" in shown
    assert shown[-1] == "pdf: 2/2 (100%) · site: 4/4 (100%)"
    assert out.getvalue().endswith("\n") and out.getvalue().count("\n") == 1


def test_a_shared_line_ends_even_if_a_target_never_started() -> None:
    out = Terminal()
    line = Line(out)
    pdf = Progress(interval=0, line=line)
    site = Progress(interval=0, line=line)
    pdf.start("pdf", total=1)
    pdf.advance()
    pdf.done()
    site.done()  # it failed before it had anything to count
    assert frames(out.getvalue())[-1] == "pdf: 1/1 (100%)"
    assert out.getvalue().endswith("\n")


def test_a_shared_line_is_silent_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    line = Line(out)
    pdf, site = Progress(line=line), Progress(line=line)
    pdf.start("pdf", total=1)
    site.start("site", total=1)
    pdf.advance()
    site.advance()
    pdf.done()
    site.done()
    assert out.getvalue() == ""
