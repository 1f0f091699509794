"""The one patch to citeproc-py: pinned, scoped to formatting, and changing no result."""

from __future__ import annotations

import contextlib
import re
from importlib import metadata

import pytest
from citeproc import model as csl_model
from citeproc import source as csl_source

from coursepack.model import Reader
from coursepack.refs import Refs, citeproc_patch, csl


def test_the_patch_is_written_for_the_installed_citeproc() -> None:
    # A new citeproc-py release: read its CitationStylesElement.get_macro and
    # Text.calls_variable again, and see whether the cache is still needed (or upstream).
    assert metadata.version("citeproc-py") == citeproc_patch.PINNED


def _cached() -> tuple[object, ...]:
    element = csl_model.CitationStylesElement
    return (element.get_macro, element.xpath_search, csl_model.Text.calls_variable,
            csl_source.CitationItem.__dict__["reference"])  # fmt: skip


def test_the_patch_holds_only_while_formatting() -> None:
    original = _cached()
    with citeproc_patch.memoized_macros():
        assert all(a is not b for a, b in zip(_cached(), original, strict=True))
    assert _cached() == original
    with pytest.raises(RuntimeError), citeproc_patch.memoized_macros():
        raise RuntimeError
    assert _cached() == original


def test_formatting_with_the_patch_equals_formatting_without(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = Refs(reader).records
    patched = csl._render_records(records, "html")
    monkeypatch.setattr(csl, "memoized_macros", contextlib.nullcontext)
    assert csl._render_records(records, "html") == patched


def test_the_corrections_hold_only_while_formatting() -> None:
    originals = (csl_model.If.render, csl_model.Name.initialize, csl_model.TextCased.case)
    with citeproc_patch.corrections():
        assert csl_model.Name.initialize is not originals[1]
    assert (csl_model.If.render, csl_model.Name.initialize, csl_model.TextCased.case) == originals


@pytest.mark.parametrize(
    ("word", "first", "last", "cased"),
    [
        ("labor-law", False, False, "Labor-Law"),
        ("called-off", False, False, "Called-off"),  # "off" stays in lower case ...
        ("sick-out", False, True, "Sick-Out"),  # ... but not as a title's last word
        ("of", True, False, "Of"),
        ("of", False, False, "of"),
        ("'surge'", False, False, "'Surge'"),
        ("80th", False, False, "80th"),
        ("301(a)–(c)", False, False, "301(a)–(c)"),
    ],
)
def test_title_case_capitalizes_each_part_of_a_word(
    word: str, first: bool, last: bool, cased: str
) -> None:
    assert citeproc_patch._title_word(word, first=first, last=last) == cased


def test_hyphenated_given_names_initialize_as_citeproc_js_does() -> None:
    record = {
        "id": "k",
        "type": "article-newspaper",
        "title": "A Title",
        "author": [
            {"family": "Kim", "given": "Hyung-jin"},
            {"family": "Sartre", "given": "Jean-Paul"},
        ],
        "issued": {"date-parts": [[2025]]},
    }
    [[entry, _]] = csl._render_records([record], "html", "apa")
    assert entry.startswith("Kim, H., &amp; Sartre, J.-P."), entry


def test_mla_names_the_title_only_to_tell_two_citations_apart() -> None:
    # What tells two citations apart is left to the disambiguate condition: held, MLA adds
    # the short title; not held (the first time), it does not, as citeproc-js has it.
    record = {"id": "a", "type": "webpage", "title": "Action Alert",
              "author": [{"literal": "AFL-CIO"}]}  # fmt: skip
    [[_, alone]] = csl._render_records([record], "html", "mla")
    [[_, told]] = csl._render_records([record], "html", "mla", disambiguate=True)
    assert alone == "(AFL-CIO)"
    assert re.sub(r"<[^>]*>", "", told) == "(AFL-CIO, Action Alert)"
