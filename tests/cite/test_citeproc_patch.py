"""The one patch to citeproc-py: pinned, scoped to formatting, and changing no result."""

from __future__ import annotations

import contextlib
from importlib import metadata

import pytest
from citeproc import model as csl_model

from coursepack.model import Reader
from coursepack.refs import Refs, citeproc_patch, csl


def test_the_patch_is_written_for_the_installed_citeproc() -> None:
    # A new citeproc-py release: read its CitationStylesElement.get_macro and
    # Text.calls_variable again, and see whether the cache is still needed (or upstream).
    assert metadata.version("citeproc-py") == citeproc_patch.PINNED


def test_the_patch_holds_only_while_formatting() -> None:
    original = csl_model.CitationStylesElement.get_macro
    with citeproc_patch.memoized_macros():
        assert csl_model.CitationStylesElement.get_macro is not original
    assert csl_model.CitationStylesElement.get_macro is original
    with pytest.raises(RuntimeError), citeproc_patch.memoized_macros():
        raise RuntimeError
    assert csl_model.CitationStylesElement.get_macro is original


def test_formatting_with_the_patch_equals_formatting_without(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = Refs(reader).records
    patched = csl._render_records(records, "html")
    monkeypatch.setattr(csl, "memoized_macros", contextlib.nullcontext)
    assert csl._render_records(records, "html") == patched
