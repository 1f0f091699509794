"""The one change coursepack makes to citeproc-py, applied only while citations are formatted.

citeproc-py finds a macro with an XPath search every time it renders or inspects a
``<text macro=...>``; with the 4,000-line Chicago style that is most of the run time (the
flagship's 213 items: 7.8 s without this, 1.6 s with it). A parsed style never changes, so
within :func:`memoized_macros` each answer is kept per style root and macro name. The
patch is put in place on entry and taken away on exit: nothing else that uses citeproc-py
in the same process sees it.

It is written against citeproc-py the release in ``PINNED``; ``tests/cite/test_citeproc_patch.py``
fails when another version is installed, so that the patch is looked at again (and
offered upstream: caching ``get_macro`` in citeproc-py itself would make it unneeded).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from citeproc import model as csl_model

#: The citeproc-py release this patch is written for.
PINNED = "0.11.1"


@contextmanager
def memoized_macros() -> Iterator[None]:
    """Within the block, make citeproc-py look each macro up once per style."""
    element = csl_model.CitationStylesElement
    text = csl_model.Text
    find_macro = element.get_macro
    text_calls_variable = text.calls_variable
    # Keyed by the style root's id; the root is kept in the value so the id stays its own.
    macros: dict[tuple[int, str], tuple[Any, Any]] = {}
    calls: dict[tuple[int, str], tuple[Any, bool]] = {}

    def get_macro(self: Any, name: str) -> Any:
        root = self.get_root()
        hit = macros.get((id(root), name))
        if hit is None:
            hit = macros[(id(root), name)] = (root, find_macro(self, name))
        return hit[1]

    def calls_variable(self: Any) -> bool:
        if "macro" not in self.attrib:
            return bool(text_calls_variable(self))
        root = self.get_root()
        key = (id(root), str(self.get("macro")))
        hit = calls.get(key)
        if hit is None:
            hit = calls[key] = (root, bool(text_calls_variable(self)))
        return hit[1]

    element.get_macro = get_macro
    text.calls_variable = calls_variable
    try:
        yield
    finally:
        element.get_macro = find_macro
        text.calls_variable = text_calls_variable
