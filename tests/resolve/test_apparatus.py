"""The chronology, context documents and further reading: resolved, and as the shared layer
orders, addresses and cites them.

The fixture is the mini reader with ``tests/data/apparatus`` laid over it: a chronology
written out of order, a law and a statement, two works of further reading.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from coursepack.cli import summary
from coursepack.diagnostics import Location
from coursepack.load.cache import DISABLE
from coursepack.model import (
    ChronologyEvent,
    ContextDocument,
    FurtherReading,
    PartialDate,
    Period,
    Reader,
    Source,
)
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.refs.orders import Orders

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Return a copy of the mini reader with the apparatus files laid over it."""
    root = tmp_path / "reader"
    shutil.copytree(DATA / "mini", root, ignore=shutil.ignore_patterns(".coursepack-cache"))
    shutil.copytree(DATA / "apparatus", root, dirs_exist_ok=True)
    return root


def _read(root: Path) -> Reader:
    reader, report = read_reader(root)
    assert reader is not None, report.format()
    assert not report.diagnostics, report.format()
    return reader


@pytest.fixture
def reader(root: Path) -> Reader:
    return _read(root)


# -- resolve ------------------------------------------------------------------------------


def test_events_are_resolved_in_date_order(reader: Reader) -> None:
    assert [e.id for e in reader.chronology] == [
        "surge-begins",
        "call-announced",
        "endorsements",
        "alpha-meeting",
        "day-of-action",
    ]


def test_an_event_keeps_its_dates_sources_notes_and_markdown(reader: Reader) -> None:
    assert reader.event("day-of-action") == ChronologyEvent(
        id="day-of-action",
        period=Period(PartialDate(2026, 1, 23)),
        event="The *day of action*; the march crosses downtown.",
        sources=(Source("examplecall2026"),),
        notes=("strike-1934",),
        location=Location("annotations/chronology.yaml", 3, 5),
    )
    call = reader.event("call-announced")
    assert call.sources == (Source("examplecall2026"), Source("walker1937", "p. 3"))
    assert call.notes == ()
    assert reader.event("endorsements").period == Period(
        PartialDate(2026, 1, 16), PartialDate(2026, 1, 21)
    )
    assert reader.event("surge-begins").period == Period(PartialDate(2025, 12))


def test_a_context_keeps_its_front_matter_and_its_text(reader: Reader) -> None:
    law = reader.context("nlra-section-7")
    assert isinstance(law, ContextDocument)
    assert law.title == "National Labor Relations Act, section 7"
    assert law.kind == "law"
    assert law.source == Source("nlra1935", "§ 7")
    assert law.url == "https://www.law.cornell.edu/uscode/text/29/157"
    assert law.provenance.startswith("29 U.S.C. § 157 as it stands")
    assert law.headnote == 'The section *alpha* argues about: it protects "concerted activities".'
    assert law.readings == ("alpha", "beta")
    assert law.text.startswith("> Employees shall have the right to self-organization, […]")
    assert law.text.endswith("protection […].")
    assert law.location == Location("annotations/contexts/nlra-section-7.md", 2, 1)
    assert [c.id for c in reader.contexts] == ["nlra-section-7", "the-call"]
    assert [c.id for c in reader.contexts_for("alpha")] == ["nlra-section-7"]
    assert [c.id for c in reader.contexts_for("beta")] == ["nlra-section-7", "the-call"]


def test_further_reading_keeps_the_editors_order(reader: Reader) -> None:
    assert reader.further_reading == (
        FurtherReading(
            "walker1937",
            "A history of Minneapolis written soon after 1934, *from below*.",
            Location("annotations/further-reading.yaml", 2, 5),
        ),
        FurtherReading(
            "korth1995",
            "An account of the 1934 strikes.",
            Location("annotations/further-reading.yaml", 5, 5),
        ),
    )


def test_the_summary_counts_them(reader: Reader) -> None:
    line = summary(reader)
    assert "5 chronology events, 2 context documents, 2 works of further reading" in line


def test_a_reader_without_them_is_fine(root: Path) -> None:
    (root / "annotations" / "chronology.yaml").unlink()
    (root / "annotations" / "further-reading.yaml").unlink()
    shutil.rmtree(root / "annotations" / "contexts")
    reader = _read(root)
    assert (reader.chronology, reader.contexts, reader.further_reading) == ((), (), ())
    assert Orders(reader).chronology == ()
    assert "0 chronology events, 0 context documents, 0 works of further reading" in summary(reader)


def test_an_empty_contexts_folder_is_fine(root: Path) -> None:
    shutil.rmtree(root / "annotations" / "contexts")
    (root / "annotations" / "contexts").mkdir()
    assert _read(root).contexts == ()


# -- the shared layer ---------------------------------------------------------------------


def test_the_chronology_places_each_reading_s_publication(reader: Reader) -> None:
    entries = Orders(reader).chronology
    assert [(e.kind, e.id) for e in entries] == [
        ("event", "surge-begins"),
        # beta is dated January 2026: a month goes before the days of that month.
        ("publication", "published-beta"),
        ("event", "call-announced"),
        # A span goes by its start, and after the single days that start with it.
        ("event", "endorsements"),
        # alpha is dated 2026-01-21: after the events of that day.
        ("event", "alpha-meeting"),
        ("publication", "published-alpha"),
        ("event", "day-of-action"),
    ]
    beta = entries[1]
    assert beta.reading is reader.reading("beta") and beta.event is None
    assert beta.period == Period(PartialDate(2026, 1))
    assert entries[0].event is reader.event("surge-begins") and entries[0].reading is None


def test_events_of_one_day_go_by_end_then_id(reader: Reader) -> None:
    same_day = Period(PartialDate(2026, 1, 13))
    events = (
        dataclasses.replace(reader.event("day-of-action"), id="b-day", period=same_day),
        dataclasses.replace(
            reader.event("day-of-action"),
            id="a-span",
            period=Period(PartialDate(2026, 1, 13), PartialDate(2026, 1, 14)),
        ),
        dataclasses.replace(reader.event("day-of-action"), id="a-day", period=same_day),
    )
    entries = Orders(dataclasses.replace(reader, chronology=events, readings=())).chronology
    assert [e.id for e in entries] == ["a-day", "b-day", "a-span"]


def test_contexts_go_laws_first_then_by_title(reader: Reader) -> None:
    assert [c.id for c in Orders(reader).contexts] == ["nlra-section-7", "the-call"]
    assert Orders(reader).further_reading == reader.further_reading


def test_addresses(reader: Reader) -> None:
    site = Refs(reader).site
    assert site.context("the-call").href == "contexts/the-call.html"
    assert site.contexts().href == "contexts/index.html"
    assert site.context("the-call").relative_to("contexts/index") == "the-call.html"
    assert site.chronology("day-of-action").href == "timeline.html#day-of-action"
    assert site.chronology("published-alpha").href == "timeline.html#published-alpha"
    assert site.further_reading().href == "bibliography.html#further-reading"
    assert site.reference("walker1937").href == "bibliography.html#ref-walker1937"
    assert site.url(site.context("the-call")) == "https://example.org/mini/contexts/the-call.html"


def test_a_context_is_citable_as_a_document_of_the_reader(reader: Reader) -> None:
    refs = Refs(reader)
    law = reader.context("nlra-section-7")
    key = refs.key(law)
    assert key == "minireader2026:context:nlra-section-7"
    assert refs.key("context:nlra-section-7") == key
    assert refs.item(key).kind == "context"
    record = next(r for r in refs.records if r["id"] == key)
    assert record["title"] == law.title
    assert record["container-title"] == reader.meta.title
    assert record["URL"] == "https://example.org/mini/contexts/nlra-section-7.html"
    for flavour in ("bibtex", "biblatex"):
        entry = refs.bibtex(law, flavour)
        assert entry.startswith("@") and key in entry
        assert "contexts/nlra-section-7.html" in entry


# -- the flagship reader --------------------------------------------------------------------


def test_the_flagship_s_apparatus_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE, "1")
    reader = _read(DATA.parents[1])
    assert len(reader.chronology) >= 20
    assert {c.kind for c in reader.contexts} == {"law", "contract", "statement"}
    keys = [w.key for w in reader.further_reading]
    assert 8 <= len(keys) <= 12 and len(set(keys)) == len(keys)
    entries = Orders(reader).chronology
    published = [e.reading.id for e in entries if e.reading is not None]
    assert sorted(published) == sorted(r.id for r in reader.readings)
    starts = [e.period.start.sort_key() for e in entries]
    assert starts == sorted(starts)
