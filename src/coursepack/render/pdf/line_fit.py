"""Keep WeasyPrint 70 from breaking a line after its first word when only a space overflows.

WeasyPrint fits text into a line with ``split_first_line``: Pango lays the text out at the
available width, and when Pango puts all of it on one line WeasyPrint keeps it whole, if
the line is no wider than the measure. That width counts the text's trailing space, which
Pango lets hang past the measure and which the line loses at its end anyway. So a piece of
text followed by an inline box (a ``<span>``, a link, a footnote call) whose words fill the
measure exactly but for that space is taken for a line that cannot be split: WeasyPrint
keeps only its first word, hyphenated where it can. The rest goes on the next line, where
the same happens again, so one paragraph showed "halt‐ / ing / step" on three lines of
their own, and a heading followed by ``<span>(Crosse 2026)</span>`` broke after "Union".

:func:`apply` rebuilds WeasyPrint's ``split_first_line`` from its own source with one
condition widened: the whole text fits when it fits without its trailing spaces (where
spaces collapse, as the line drops them at its end). WeasyPrint's inline layout already
measures an overflowing box without its trailing space; this makes the text layout agree.
The change is made only for the WeasyPrint version it was written against, and only when
the source reads as expected; otherwise nothing is changed.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import weasyprint
from weasyprint.layout import inline, preferred
from weasyprint.text import line_break

LOGGER = logging.getLogger("coursepack.pdf")

#: The WeasyPrint release whose text layout this module amends.
VERSION = "70.0"
#: The test by which WeasyPrint 70.0 keeps a text whole on one line.
ORIGINAL = "if resume_index is None and first_line_width <= max_width:"
#: The same test, with the text's trailing spaces left out of its width where they collapse
#: (the trimmed layout is kept in a name while its line is measured: Pango frees a line
#: with its layout).
AMENDED = (
    "if resume_index is None and (first_line_width <= max_width or ("
    "space_collapse and text.endswith(' ') and line_size((trimmed := create_layout("
    "text.rstrip(' '), style, context, None, justification_spacing"
    ")).get_first_line()[0], style)[0] <= max_width)):"
)
#: WeasyPrint's own function, kept once amended (for comparison in tests).
UNAMENDED: Callable[..., Any] | None = None


@lru_cache(maxsize=1)
def apply() -> bool:
    """Amend WeasyPrint's text layout once per process; return whether it is amended."""
    if weasyprint.__version__ != VERSION:
        LOGGER.debug("line fit: WeasyPrint %s left as it is", weasyprint.__version__)
        return False
    try:
        source = inspect.getsource(line_break.split_first_line)
    except (OSError, TypeError):
        LOGGER.debug("line fit: WeasyPrint's source is not available")
        return False
    if source.count(ORIGINAL) != 1:
        LOGGER.debug("line fit: WeasyPrint's split_first_line is not the expected one")
        return False
    global UNAMENDED
    UNAMENDED = line_break.split_first_line
    code = compile(source.replace(ORIGINAL, AMENDED), line_break.__file__, "exec")
    exec(code, vars(line_break))  # WeasyPrint's own code with one condition widened
    # The layout modules imported the function by name: they get the amended one too.
    amended = line_break.split_first_line
    for module in (inline, preferred):
        module.split_first_line = amended
    return True
