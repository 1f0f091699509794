"""Mentions in the apparatus: the mark before the first mention of each name and term in
a note, which the index lists beside the readings' occurrences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from pdfcheck import REPO, load

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.render.markup import markdown_to_html
from coursepack.render.pdf.context import (
    MentionPatterns,
    _Builder,
    _forms_pattern,
    _mark_first,
    _spellings,
)


def marked_by_pattern_alone(builder: _Builder, html: Markup, where: str) -> tuple[str, list[str]]:
    """Return what marking gives by the definition: every name's and term's pattern tried
    on the text, in turn, with no quicker test first."""
    found = []
    for kind, item_id, pattern, _ in builder._patterns:
        anchor = f"m-{kind}-{item_id}-{where}"
        marked = _mark_first(html, pattern, anchor)
        if marked is not None:
            html = marked
            found.append(anchor)
    return str(html), found


def test_a_mention_is_marked_in_the_text_never_in_a_tag(mini_reader: Reader) -> None:
    builder = _Builder(Refs(mini_reader), BuildOptions())
    kind, item_id, _pattern, spellings = builder._patterns[0]
    name = spellings[0]
    html = Markup(f'<p><a href="https://example.org/{name}">a link</a> and then {name}.</p>')
    marked = str(builder.mark_mentions(html, "n-test"))
    anchor = f"m-{kind}-{item_id}-n-test"
    assert marked.count(f'id="{anchor}"') == 1
    assert marked.index(f'id="{anchor}"') > marked.index("and then")
    assert builder.mentions[(kind, item_id)] == [anchor]
    plain = Markup("<p>Nobody is named here.</p>")
    assert builder.mark_mentions(plain, "n-none") == plain


def test_every_note_of_the_repository_is_marked_as_its_patterns_alone_mark_it() -> None:
    reader = load(REPO)
    refs = Refs(reader)
    quick, alone = _Builder(refs, BuildOptions()), _Builder(refs, BuildOptions())
    expected_anchors = []
    for note in reader.notes:
        html = Markup(markdown_to_html(note.body))
        where = f"n-{note.id}"
        expected, anchors = marked_by_pattern_alone(alone, html, where)
        assert str(quick.mark_mentions(html, where)) == expected, note.id
        expected_anchors += anchors
    assert len(expected_anchors) > 50  # the notes do name people, organizations and terms
    remembered = [anchor for anchors in quick.mentions.values() for anchor in anchors]
    assert sorted(remembered) == sorted(expected_anchors)


def test_the_patterns_are_made_once_for_every_document_planned(
    mini_reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursepack.render.pdf import context, plan_jobs

    made: list[object] = []
    forms_pattern = context._forms_pattern

    def counted(*args: Any) -> Any:
        made.append(args)
        return forms_pattern(*args)

    monkeypatch.setattr(context, "_forms_pattern", counted)
    refs = Refs(mini_reader)
    jobs = plan_jobs(refs, tmp_path, BuildOptions(edition="both"))
    # Several documents (the reader, each handout, the guide), one pattern per name and
    # term, made once; another Refs (another build) makes its own.
    assert len(jobs) > 3
    assert len(made) == len(mini_reader.entities) + len(mini_reader.terms) > 0
    plan_jobs(Refs(mini_reader), tmp_path, BuildOptions())
    assert len(made) == 2 * (len(mini_reader.entities) + len(mini_reader.terms))


# Forms and texts from a few letters, spaces and signs, so that forms overlap, begin or end
# with a sign ("#", "'") and run into one another.
_FORM = st.text(alphabet="abAé #'-", min_size=1, max_size=6).filter(str.strip)
_TEXT = st.lists(
    st.one_of(
        st.text(alphabet="abAé #'-.", max_size=12), st.sampled_from(['<a href="ab">', "</a>"])
    )
).map("".join)


@given(forms=st.lists(st.lists(_FORM, min_size=1, max_size=3), min_size=1, max_size=6), text=_TEXT)
def test_the_patterns_worth_trying_include_every_pattern_that_finds_a_mention(
    forms: list[list[str]], text: str
) -> None:
    patterns = MentionPatterns(
        [
            ("term", f"t{i}", _forms_pattern(f, True), _spellings(f, True))
            for i, f in enumerate(forms)
        ]
    )
    html = Markup(text)
    finding = [p for p in patterns if _mark_first(html, p[2], "x") is not None]
    candidates = patterns.candidates(html)
    assert all(p in candidates for p in finding)
    # in the order the patterns are tried
    assert candidates == [p for p in patterns if p in candidates]
