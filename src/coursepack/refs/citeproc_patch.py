"""The changes coursepack makes to citeproc-py, applied only while citations are formatted.

Two context managers, each putting its changes in place on entry and taking them away on
exit, so that nothing else using citeproc-py in the same process sees them: a cache that
changes no result (:func:`memoized_macros`), and three corrections that make citeproc-py
write what citeproc-js (Zotero's processor) and pandoc's citeproc write (:func:`corrections`).

citeproc-py finds a macro, a locale term or an inherited option with an XPath search every
time it renders or inspects an element, and a citation's record through three lookups; with
the 4,000-line Chicago style that is most of the run time (the flagship's 363 records: 16.7 s
with no cache, 2.0 s with it). A parsed style never changes while it formats, so within
:func:`memoized_macros` each answer is kept.

It is written against citeproc-py the release in ``PINNED``; ``tests/cite/test_citeproc_patch.py``
fails when another version is installed, so that the patch is looked at again (and
offered upstream: caching ``get_macro`` in citeproc-py itself would make it unneeded).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from citeproc import model as csl_model
from citeproc import source
from citeproc.string import NoCase

#: The citeproc-py release this patch is written for.
PINNED = "0.11.1"


@contextmanager
def memoized_macros() -> Iterator[None]:
    """Within the block, make citeproc-py look each macro up once per style, make each of
    its XPath searches (locale terms, an element's layout, its inherited options) once per
    element, and find each citation's record once."""
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

    search = element.xpath_search
    item = source.CitationItem
    item_reference = item.reference
    # Keyed by the object's id, the object kept in the value for the same reason. A style's
    # and a locale's elements never change while citeproc-py formats, nor does the record
    # a citation item stands for.
    found: dict[tuple[int, str], tuple[Any, Any]] = {}
    references: dict[int, tuple[Any, Any]] = {}

    def xpath_search(self: Any, expression: str) -> Any:
        key = (id(self), expression)
        hit = found.get(key)
        if hit is None:
            hit = found[key] = (self, search(self, expression))
        return hit[1]

    def reference(self: Any) -> Any:
        hit = references.get(id(self))
        if hit is None:
            hit = references[id(self)] = (self, item_reference.fget(self))
        return hit[1]

    element.get_macro = get_macro
    text.calls_variable = calls_variable
    element.xpath_search = xpath_search
    item.reference = property(reference)
    try:
        yield
    finally:
        element.get_macro = find_macro
        text.calls_variable = text_calls_variable
        element.xpath_search = search
        item.reference = item_reference


@contextmanager
def corrections(*, disambiguate: bool = False) -> Iterator[None]:
    """Within the block, make citeproc-py follow the CSL specification where it does not.

    - ``<if disambiguate="true">`` holds only for a citation that would otherwise read
      like another one's (``disambiguate``: True while such citations are formatted again,
      see :func:`coursepack.refs.csl._disambiguated`). citeproc-py ignores the test, so the
      condition always held: MLA's in-text citation then always carried the short title,
      "(Beynon, Military Stands Down Troops…)" where citeproc-js writes "(Beynon)".
    - Initials of a hyphenated given name: a part after a hyphen that starts in lower
      case, as in the romanized Korean name "Hyung-jin", is dropped, as citeproc-js and
      pandoc do ("Kim, H."); citeproc-py took it for a particle and wrote "Kim, H.-. jin .".
    - Title case: each part of a hyphenated word, and a word after an opening quotation
      mark, is capitalized, and citeproc-js's list of words left in lower case is used
      ("A Labor-Law Primer", "The Called-off Federal 'Surge'"); citeproc-py capitalized
      only a word's first letter ("A Labor-law Primer", "'surge'").
    """
    condition = csl_model.If
    name = csl_model.Name
    cased = csl_model.TextCased
    render_if = condition.render
    initialize = name.initialize
    case = cased.case

    def render(self: Any, item: Any, context: Any = None, delimiter: str = "", **kw: Any) -> Any:
        if "disambiguate" not in self.attrib:
            return render_if(self, item, context=context, delimiter=delimiter, **kw)
        results = [disambiguate == (self.get("disambiguate") == "true")]
        # The other tests citeproc-py knows, as its own If.render makes them.
        for attribute, test in (
            ("type", lambda: self._type(item)),
            ("variable", lambda: self._variable(item)),
            ("is-numeric", lambda: self._is_numeric(item)),
            ("is-uncertain-date", lambda: self._is_uncertain_date(item)),
            ("locator", lambda: self._locator(item)),
            ("position", lambda: self._position(item, context)),
        ):
            if attribute in self.attrib:
                results += test()  # type: ignore[no-untyped-call]
        match = self.get("match")
        held = (
            any(results)
            if match == "any"
            else not any(results)
            if match == "none"
            else all(results)
        )
        if not held:
            raise csl_model.ConditionFailed
        return self.render_children(item, context=context, delimiter=delimiter, **kw)

    def initialize_name(self: Any, given: str, mark: str, context: Any) -> Any:
        if self.get_option("initialize-with-hyphen", context) and "-" in given:
            first, *rest = given.split("-")
            given = "-".join([first, *(part for part in rest if part[:1].isupper())])
        return initialize(self, given, mark, context)

    def title_case(self: Any, text: Any, language: Any = None) -> Any:
        if self.get("text-case") != "title" or language != "en":
            return case(self, text, language)
        words = []
        before = ":"  # the first word is capitalized
        given = list(text.words())
        for index, word in enumerate(given):
            if word.islower() and not isinstance(word, NoCase):
                last = index == len(given) - 1
                word = word.__class__(_title_word(str(word), first=before in ":.", last=last))
            before = str(word)[-1:]
            words.append(word)
        return " ".join(words)  # a plain string, as citeproc-py's own title case returns

    condition.render = render
    name.initialize = initialize_name
    cased.case = title_case
    try:
        yield
    finally:
        condition.render = render_if
        name.initialize = initialize
        cased.case = case


#: Words title case leaves in lower case, as citeproc-js 2.4 has them (``CSL.SKIP_WORDS``).
SKIP_WORDS = frozenset(
    [
        "about",
        "above",
        "across",
        "afore",
        "after",
        "against",
        "al",
        "along",
        "alongside",
        "amid",
        "amidst",
        "among",
        "amongst",
        "anenst",
        "apropos",
        "apud",
        "around",
        "as",
        "aside",
        "astride",
        "at",
        "athwart",
        "atop",
        "barring",
        "before",
        "behind",
        "below",
        "beneath",
        "beside",
        "besides",
        "between",
        "beyond",
        "but",
        "by",
        "circa",
        "despite",
        "down",
        "during",
        "et",
        "except",
        "for",
        "forenenst",
        "from",
        "given",
        "in",
        "inside",
        "into",
        "lest",
        "like",
        "modulo",
        "near",
        "next",
        "notwithstanding",
        "of",
        "off",
        "on",
        "onto",
        "out",
        "over",
        "per",
        "plus",
        "pro",
        "qua",
        "sans",
        "since",
        "than",
        "through",
        "thru",
        "throughout",
        "thruout",
        "till",
        "to",
        "toward",
        "towards",
        "under",
        "underneath",
        "until",
        "unto",
        "up",
        "upon",
        "versus",
        "vs.",
        "v.",
        "vs",
        "v",
        "via",
        "vis-à-vis",
        "with",
        "within",
        "without",
        "or",
        "yet",
        "so",
        "and",
        "nor",
        "a",
        "an",
        "the",
        "de",
        "d'",
        "von",
        "van",
        "c",
        "ca",
    ]
)


def _title_word(word: str, *, first: bool, last: bool) -> str:
    """Return a lower-case word in title case: each hyphenated part that starts with a
    letter (past any opening quotation mark or bracket) capitalized, unless it is a word
    left in lower case; the first part of a title's or subtitle's first word, and the last
    part of its last word, always ("80th" and "7250's" start with no letter)."""
    parts = word.split("-")
    out = []
    for index, part in enumerate(parts):
        bare = part.strip("'\"‘’“”()[],.;:!?")
        always = (index == 0 and first) or (index == len(parts) - 1 and last)
        start = len(part) - len(part.lstrip("'\"‘’“”(["))
        if (bare in SKIP_WORDS and not always) or not part[start : start + 1].isalpha():
            out.append(part)
        else:
            out.append(part[:start] + part[start].upper() + part[start + 1 :])
    return "-".join(out)
