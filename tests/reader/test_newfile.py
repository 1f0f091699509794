"""coursepack new: every kind written so that it checks; quotes checked at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursepack.cli import main
from coursepack.pipeline import read_reader
from coursepack.scaffold import init_reader


@pytest.fixture
def reader(tmp_path: Path) -> Path:
    return init_reader(tmp_path / "reader", title="Test Reader")


def new(reader: Path, *args: str) -> int:
    return main(["--root", str(reader), "-q", "new", *args])


def test_each_kind_checks(reader: Path) -> None:
    assert new(reader, "note", "dedication", "--date", "1863-11-19", "--source", "loc2013hay",
               "--source", "wills1992lincoln", "--reading", "gettysburg-1863",
               "--quote", "a final resting place") == 0  # fmt: skip
    assert new(reader, "term", "consecrate", "--source", "ahd2011", "--definition",
               "To declare sacred.") == 0  # fmt: skip
    assert new(reader, "question", "gettysburg-nation", "--reading", "gettysburg-1863",
               "--question", 'What is "that nation"?', "--level", "recall",
               "--quote", "testing whether that nation") == 0  # fmt: skip
    assert new(reader, "entity", "abraham-lincoln", "--kind", "person", "--name",
               "Abraham Lincoln", "--description", "President, 1861–1865.") == 0  # fmt: skip
    assert new(reader, "textual", "gettysburg-can-not", "--reading", "gettysburg-1863",
               "--kind", "variant", "--quote", "can not dedicate", "--prefix", "we ",
               "--note", "Written as two words throughout.") == 0  # fmt: skip
    got, report = read_reader(reader)
    assert got is not None, report.format()
    assert {n.id for n in got.notes} == {"five-copies", "dedication"}
    assert {q.id for q in got.questions} == {"gettysburg-dedicate", "gettysburg-nation"}
    assert [e.id for e in got.entities] == ["abraham-lincoln"]
    assert [t.id for t in got.textual_notes] == ["gettysburg-can-not"]
    questions = (reader / "annotations/questions/gettysburg-1863.yaml").read_text()
    # The sample's question and its layout are kept; the new one follows it.
    assert questions.index("gettysburg-dedicate") < questions.index("gettysburg-nation")


def test_an_ambiguous_quote_lists_the_places(
    reader: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = new(reader, "note", "here", "--date", "1863", "--source", "loc2013hay",
               "--reading", "gettysburg-1863", "--quote", "dedicated to")  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "annotations/notes/here.md:1:1: error: quote matches 2 places" in err
    assert "¶1" in err and "¶3" in err
    assert "--prefix, --suffix or --occurrence N" in err
    assert "[coursepack.anchor.ambiguous]" in err
    assert not (reader / "annotations/notes/here.md").exists()
    assert new(reader, "note", "here", "--date", "1863", "--source", "loc2013hay",
               "--reading", "gettysburg-1863", "--quote", "dedicated to",
               "--occurrence", "2") == 0  # fmt: skip


def test_every_problem_at_once(reader: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = new(reader, "note", "five-copies", "--date", "1863", "--source", "nobody",
               "--reading", "gettysburg", "--quote", "x")  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "[coursepack.new.exists]" in err
    assert "unknown reference key 'nobody'" in err
    assert "unknown reading 'gettysburg' (did you mean 'gettysburg-1863'?)" in err
    assert "3 errors; nothing was written" in err
    assert new(reader, "entity", "Bad Id", "--kind", "person", "--description", "x") == 1
