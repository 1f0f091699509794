"""Small pieces of the PDF renderer: page ranges, dates, the Jinja environment."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
from pdfcheck import REPO, load

from coursepack.model import PartialDate, Period, Reader
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.refs.labels import format_date, format_period
from coursepack.render.pdf import engine, plan_jobs
from coursepack.render.pdf.engine import environment, page_ranges


def test_page_ranges_merge_runs_and_link_the_first_anchor_on_each_page() -> None:
    pages = {"a": 3, "b": 4, "c": 4, "d": 5, "e": 9, "f": 11, "g": 12}
    ranges = page_ranges(["c", "a", "b", "d", "e", "f", "g", "missing"], pages)
    assert ranges == [
        {"label": "3–5", "anchor": "a"},
        {"label": "9", "anchor": "e"},
        {"label": "11–12", "anchor": "f"},
    ]
    assert page_ranges([], pages) == []


def test_dates_and_periods_read_as_prose() -> None:
    assert format_date(PartialDate(2026, 1, 23)) == "January 23, 2026"
    assert format_date(PartialDate(2026, 1)) == "January 2026"
    assert format_date(PartialDate(1934)) == "1934"
    span = Period(PartialDate(1934, 2, 7), PartialDate(1934, 8, 21))
    assert format_period(span) == "February 7 – August 21, 1934"
    days = Period(PartialDate(2020, 5, 27), PartialDate(2020, 5, 29))
    assert format_period(days) == "May 27–29, 2020"
    months = Period(PartialDate(1985, 8), PartialDate(1986, 6))
    assert format_period(months) == "August 1985 – June 1986"
    years = Period(PartialDate(1933), PartialDate(1935))
    assert format_period(years) == "1933–1935"
    assert format_period(Period(PartialDate(1985), None, "winter 1985–86")) == "winter 1985–86"


def test_templates_escape_and_refuse_missing_values() -> None:
    env = environment()
    assert isinstance(env.undefined, type) and issubclass(env.undefined, jinja2.StrictUndefined)
    rendered = env.from_string("{{ text }}").render(text="<script>x</script>")
    assert rendered == "&lt;script&gt;x&lt;/script&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("guide.html").render(meta={"language": "en"})


class FakeDocument:
    """Stands in for a laid-out document: the HTML it was given and its anchors' pages."""

    def __init__(self, html: str, pages: dict[str, int]) -> None:
        self.html = html
        self.pages = pages


def test_a_paragraph_whose_footnote_slips_starts_a_new_page(
    mini_reader: Reader, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    job = next(
        j
        for j in plan_jobs(Refs(mini_reader), tmp_path, BuildOptions())
        if j.target.stem == "alpha"
    )
    fid, block = next(iter(job.context["footnote_blocks"].items()))
    htmls: list[str] = []

    def layout(html: str, fetcher: object = None) -> FakeDocument:
        htmls.append(html)
        broken = re.search(rf'class="[^"]*page-break[^"]*" id="{block}"', html) is not None
        # The call is on page 1 and its note slips to page 2, unless its block starts page 2.
        return FakeDocument(html, {f"call-{fid}": 2 if broken else 1, fid: 2})

    monkeypatch.setattr(engine, "render_document", layout)
    monkeypatch.setattr(engine, "anchor_pages", lambda document: document.pages)
    engine.build_pdf(job)
    assert len(htmls) == 2
    assert "page-break" not in htmls[0]
    assert re.findall(r'class="[^"]*page-break[^"]*" id="([^"]+)"', htmls[1]) == [block]


def test_terms_and_names_by_reading_match_a_plain_search(mini_reader: Reader) -> None:
    for reading in mini_reader.readings:
        terms = [
            t for t in mini_reader.terms if any(o.reading == reading.id for o in t.occurrences)
        ]
        names = [
            e for e in mini_reader.entities if any(o.reading == reading.id for o in e.occurrences)
        ]
        assert mini_reader.terms_in(reading.id) == sorted(terms, key=lambda t: t.term.casefold())
        assert mini_reader.entities_in(reading.id) == sorted(names, key=lambda e: e.name.casefold())
    assert any(mini_reader.terms_in(r.id) for r in mini_reader.readings)
    assert mini_reader.terms_in("no-such-reading") == []


@pytest.mark.parametrize("which", ["mini", "flagship"])
def test_what_is_anchored_in_each_reading_matches_a_plain_search(
    which: str, mini_reader: Reader
) -> None:
    reader = mini_reader if which == "mini" else load(REPO)
    for reading in [*reader.readings, None]:
        rid = reading.id if reading is not None else "no-such-reading"
        notes = [(n, a) for n in reader.notes for a in n.anchors if a.reading == rid]
        assert reader.notes_for(rid) == sorted(notes, key=lambda p: (p[1].start, p[0].id))
        textual = [t for t in reader.textual_notes if t.reading == rid]
        assert reader.textual_notes_for(rid) == sorted(
            textual, key=lambda t: (t.anchor.start if t.anchor else -1, t.id)
        )
        assert reader.questions_for(rid) == [q for q in reader.questions if q.readings == (rid,)]
        spans = [(s.kind, s.id, s.start, s.end, s.detail) for s in reader.spans_in(rid)]
        expected = [("note", n.id, a.start, a.end, "") for n, a in notes]
        expected += [
            ("textual", t.id, t.anchor.start, t.anchor.end, t.kind)
            for t in textual
            if t.anchor is not None
        ]
        expected += [
            ("question", q.id, a.start, a.end, "")
            for q in reader.questions
            for a in q.anchors
            if a.reading == rid
        ]
        for kind, items in (("term", reader.terms), ("entity", reader.entities)):
            expected += [
                (kind, i.id, o.start, o.end, "")
                for i in items
                for o in i.occurrences
                if o.reading == rid
            ]
        assert spans == expected
    assert reader.comparative_questions == [q for q in reader.questions if len(q.readings) > 1]
    assert any(reader.notes_for(r.id) for r in reader.readings)
    assert any(reader.spans_in(r.id) for r in reader.readings)


def test_a_volumes_questions_are_numbered_as_in_the_whole_reader(mini_reader: Reader) -> None:
    from coursepack.render.pdf.context import _Builder

    builder = _Builder(Refs(mini_reader), BuildOptions())
    whole = builder.question_groups()
    parts = []
    for reading in mini_reader.readings:
        part = builder.question_groups(readings={reading.id})
        expected = [
            {**g, "questions": [q for q in g["questions"] if reading.id in q["reading_ids"]]}
            for g in whole
        ]
        assert part == [g for g in expected if g["questions"]]
        parts.append(part)
    assert any(parts) and any(part != whole for part in parts)
