"""Markdown to safe HTML, shared by the site and the PDFs.

Annotation bodies are untrusted text. markdown-it-py (the CommonMark parser MyST is built
on) renders them with raw HTML turned off, so ``<script>`` and every other tag comes out
as escaped text, and its link validator refuses ``javascript:``, ``vbscript:``, ``file:``
and ``data:`` URLs other than images. nh3 (the Rust ammonia sanitizer) then checks the
result against an allow-list as a second wall.
"""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core.replacements import RARE_RE, replace_rare
from markdown_it.rules_core.state_core import StateCore

_TAGS = {
    "p", "em", "strong", "a", "code", "ul", "ol", "li", "blockquote", "br", "hr",
    "h3", "h4", "h5", "h6", "sup", "sub", "pre",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def _dashes_and_ellipses(state: StateCore) -> None:
    """markdown-it's typographic replacements less "(c)", "(r)" and "(tm)": in a law or a
    contract "(c)" is a subsection's letter, not a copyright sign. Dashes ("--", "---"),
    ellipses and "+-" are still set as typographers set them."""
    if not state.md.options.typographer:
        return
    for token in state.tokens:
        if token.type == "inline" and token.children and RARE_RE.search(token.content):
            replace_rare(token.children)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["replacements", "smartquotes"])
    md.core.ruler.at("replacements", _dashes_and_ellipses)
    return md


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


@lru_cache(maxsize=16384)
def markdown_to_html(text: str) -> str:
    """Render Markdown as sanitized block HTML (remembered: a reader's PDFs render each
    note and question more than once)."""
    return _clean(_parser().render(text)).strip()


def markdown_to_inline_html(text: str) -> str:
    """Render Markdown as sanitized inline HTML (no paragraph wrapper)."""
    return _clean(_parser().renderInline(text)).strip()


def markdown_to_text(text: str) -> str:
    """Render Markdown as plain text (for tooltips, metadata and search)."""
    return html.unescape(nh3.clean(markdown_to_html(text), tags=set())).strip()
