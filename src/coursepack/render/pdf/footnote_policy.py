"""Keep WeasyPrint 70 from moving a footnote away from its call when it says `line`.

CSS Generated Content for Paged Media says that under ``footnote-policy: line`` a footnote
that does not fit on its call's page takes the call's line to the next page with it. In
WeasyPrint 70.0, when a line near the foot of a page would break a paragraph against
``orphans`` or ``widows``, the line layout first makes room by deferring footnotes already
placed on the page (their calls stay behind) and keeps the line; only then does it consider
breaking. Every reader measured had such footnotes, and each cost a second layout of the
whole document to mend (see :func:`coursepack.render.pdf.engine.build_pdf`).

:func:`apply` rebuilds WeasyPrint's ``_linebox_layout`` from its own source with one
condition added: footnotes are deferred that way only while every footnote on the page has
``footnote-policy: auto``, the one policy that allows it. The paragraph then breaks the way
it would without footnotes (or moves to the next page whole). The change is made only for
the WeasyPrint version it was written against and only when the source reads as expected;
otherwise nothing is changed and the renderer's check of every footnote's page (and its
second layout) still keeps notes beside their calls.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import weasyprint
from weasyprint.layout import block

LOGGER = logging.getLogger("coursepack.pdf")

#: The WeasyPrint release whose line layout this module amends.
VERSION = "70.0"
#: The condition under which WeasyPrint 70.0 defers the page's footnotes to fit one more line.
ORIGINAL = "report = not context.in_column and can_break_now and not could_break_before"
#: The same condition, limited to pages whose footnotes all allow it.
AMENDED = (
    "report = not context.in_column and can_break_now and not could_break_before and all("
    "note.style['footnote_policy'] == 'auto' for note in context.current_page_footnotes)"
)
#: WeasyPrint's own line layout, kept once amended (for comparison in tests).
UNAMENDED: Callable[..., Any] | None = None


@lru_cache(maxsize=1)
def apply() -> bool:
    """Amend WeasyPrint's line layout once per process; return whether it is amended."""
    if weasyprint.__version__ != VERSION:
        LOGGER.debug("footnote policy: WeasyPrint %s left as it is", weasyprint.__version__)
        return False
    try:
        source = inspect.getsource(block._linebox_layout)
    except (OSError, TypeError):
        LOGGER.debug("footnote policy: WeasyPrint's source is not available")
        return False
    if source.count(ORIGINAL) != 1:
        LOGGER.debug("footnote policy: WeasyPrint's line layout is not the expected one")
        return False
    global UNAMENDED
    UNAMENDED = block._linebox_layout
    code = compile(source.replace(ORIGINAL, AMENDED), block.__file__, "exec")
    # Defined in the module's own namespace, the new function replaces the old one where
    # WeasyPrint's block layout looks it up.
    exec(code, vars(block))  # WeasyPrint's own code with one condition changed
    return True
