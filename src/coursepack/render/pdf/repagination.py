"""Keep WeasyPrint 70 from laying out again pages whose page numbers it already has.

A cross-reference prints the page of what it leads to (``target-counter(attr(href url),
page)`` in the print CSS: "See the historical note, p. 35", the contents, the passages a
note quotes). WeasyPrint lays the pages out in order, and a reference to a later page is
laid out before its number is known: its page is laid out again once it is. That second
layout is the price of laying out in one pass. WeasyPrint 70 also lays out again every
page that refers to an earlier page, whose number it had, and then every page that holds
a reference a third time, once the page count is known, for nothing:

- ``build.compute_content_list`` files the counters a reference waits for under the name
  of an anchor it never works out for ``attr()`` (so: under ``None``), and puts the same
  list in the name that holds the reference's own page counters. WeasyPrint therefore
  cannot tell, when it lays out a target, which references name it; the references are
  instead parsed again whenever the counters of their own page change, which they all do
  once more when the first pass ends and the page count is set.
- ``TargetCollector.cache_target_page_counters`` takes a reference to have changed when
  any counter of its target's page did (the page count among them), not the one it prints;
  and a reference whose target is laid out before it waits to be parsed until its own
  page has been laid out (``make_page``), which then has to be laid out again.

:func:`apply` rebuilds these from WeasyPrint's own source with those lines amended: the
anchor named as ``lookup_target`` names it, the target's counters in a name of their own;
a reference parsed again only when the counter it prints has another value; and a
reference whose target is already laid out parsed at once, so that its page is laid out
right the first time (unless the target came earlier on the same page, which is then laid
out again as before). The pages are the same, byte for byte (the tests compare whole
PDFs); the flagship reader, laid out whole, takes 96 page layouts instead of 154, the
labor-ranks handout 21 instead of 43. The change is made only for the WeasyPrint version
it was written against, and only when the sources read as expected; otherwise nothing is
changed.
"""

from __future__ import annotations

import inspect
import logging
import textwrap
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import weasyprint
from weasyprint.css import targets
from weasyprint.formatting_structure import build
from weasyprint.layout import page
from weasyprint.urls import get_url_tuple

LOGGER = logging.getLogger("coursepack.pdf")

#: The WeasyPrint release whose repagination this module amends.
VERSION = "70.0"
#: In ``compute_content_list``: the counters a reference waits for, filed under an anchor
#: name worked out from the unresolved ``attr()`` and kept in the name of its own.
REFERENCE = """                anchor_name = targets.anchor_name_from_token(anchor_token)
                missing_counters = missing_target_counters.setdefault(
                    anchor_name, [])
                if counter_name not in missing_counters:
                    missing_counters.append(counter_name)"""
REFERENCE_AMENDED = """                anchor_name = _anchor_name(anchor_token, parent_box)
                missing_target = missing_target_counters.setdefault(
                    anchor_name, [])
                if counter_name not in missing_target:
                    missing_target.append(counter_name)"""
#: In ``cache_target_page_counters``: the target's counters as they were are kept...
CACHED = """            if item.cached_page_counter_values != page_counter_values:
                item.cached_page_counter_values = copy.deepcopy("""
CACHED_AMENDED = """            if item.cached_page_counter_values != page_counter_values:
                previous = item.cached_page_counter_values
                item.cached_page_counter_values = copy.deepcopy("""
#: ... and a reference changes only when the counter it prints has another value.
CHANGED = """                        if counter_value is not None:"""
CHANGED_AMENDED = """                        if (counter_value is not None and
                                counter_value != previous.get(counter_name)):"""
#: ... and a reference whose target is laid out before it is parsed at once, when it
#: prints no counter of its own page (which is not known before its page is laid out).
WAITING = """                        item.pending = True
                        continue"""
WAITING_AMENDED = """                        item.pending = True
                        if not item.missing_counters:
                            item.parse_again(item.cached_page_counter_values)
                            item.parsed_on_page = page_maker_index
                        continue"""
#: In ``make_page``: a reference parsed before its page was laid out has its page right.
PENDING = """                counter_lookup.pending = False
                call_parse_again = True"""
PENDING_AMENDED = """                counter_lookup.pending = False
                call_parse_again = getattr(
                    counter_lookup, 'parsed_on_page', page_number - 1) == page_number - 1"""
#: WeasyPrint's own functions, kept once amended (for comparison in tests).
UNAMENDED: dict[str, Callable[..., Any]] = {}


def _anchor_name(anchor_token: tuple[Any, ...], box: Any) -> str | None:
    """Return the anchor a ``target-counter()`` names, ``attr()`` read from its box, as
    ``TargetCollector.lookup_target`` reads it."""
    if anchor_token[0] == "attr()":
        attr_name, kind, fallback = anchor_token[1]
        value = box.element.get(attr_name, fallback)
        if kind == "string":
            anchor_token = ("string", value)
        elif kind == "url":
            anchor_token = ("url", get_url_tuple(value, box.style.base_url))
    name: str | None = targets.anchor_name_from_token(anchor_token)
    return name


def _amended(function: Callable[..., Any], changes: dict[str, str]) -> str | None:
    """Return a function's source with each text replaced, or None when it differs from the
    source the changes were written against."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    for old, new in changes.items():
        if source.count(old) != 1:
            return None
        source = source.replace(old, new)
    return source


@lru_cache(maxsize=1)
def apply() -> bool:
    """Amend WeasyPrint's repagination once per process; return whether it is amended."""
    if weasyprint.__version__ != VERSION:
        LOGGER.debug("repagination: WeasyPrint %s left as it is", weasyprint.__version__)
        return False
    method = targets.TargetCollector.cache_target_page_counters
    content = _amended(build.compute_content_list, {REFERENCE: REFERENCE_AMENDED})
    cache = _amended(
        method, {CACHED: CACHED_AMENDED, CHANGED: CHANGED_AMENDED, WAITING: WAITING_AMENDED}
    )
    pages = _amended(page.make_page, {PENDING: PENDING_AMENDED})
    if content is None or cache is None or pages is None:
        LOGGER.debug("repagination: WeasyPrint's sources are not the expected ones")
        return False
    UNAMENDED.update(
        compute_content_list=build.compute_content_list,
        cache_target_page_counters=method,
        make_page=page.make_page,
    )
    # WeasyPrint's own code, with the lines above amended.
    build._anchor_name = _anchor_name
    exec(compile(content, build.__file__, "exec"), vars(build))
    exec(compile(pages, page.__file__, "exec"), vars(page))
    scope: dict[str, Any] = dict(vars(targets))
    exec(compile(textwrap.dedent(cache), targets.__file__, "exec"), scope)
    targets.TargetCollector.cache_target_page_counters = scope["cache_target_page_counters"]
    return True
