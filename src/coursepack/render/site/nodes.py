"""Docutils nodes for the HTML the site needs beyond docutils' own (details, tooltips, ARIA).

An :class:`element` is one HTML element with attributes; its children are ordinary nodes, so
docutils escapes their text as usual and Sphinx's search indexes it. Every attribute value
is escaped when written. A link points at an address of the site map (resolved to a URL
relative to the page by the builder) or at a file copied into the output. Other builders
(text, LaTeX) keep the children and drop the element itself.
"""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from sphinx.util.osutil import relative_uri
from sphinx.writers.html5 import HTML5Translator

from coursepack.refs.sitemap import Address

#: Elements written without a closing tag.
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link"})


class element(nodes.Element, nodes.General):  # type: ignore[misc]
    """One HTML element with escaped attributes around ordinary child nodes."""


class html_only(nodes.Element, nodes.General):  # type: ignore[misc]
    """Children that make sense in HTML only (tooltips, buttons): other builders skip them."""


def make(tag: str, *children: nodes.Node, **attrs: Any) -> element:
    """Return an element; attribute names use ``_`` for ``-`` (``aria_label``)."""
    node = element("", *children, tag=tag)
    node["attrs"] = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items() if v is not None}
    return node


def text(value: str, tag: str = "span", **attrs: Any) -> element:
    """Return an element holding plain text."""
    return make(tag, nodes.Text(value), **attrs)


def link(address: Address, *children: nodes.Node, **attrs: Any) -> element:
    """Return a link to an address of the site (a page, and an id on it)."""
    node = make("a", *children, **attrs)
    node["refdoc"] = address.page
    node["refanchor"] = address.fragment
    return node


def file_link(path: str, *children: nodes.Node, **attrs: Any) -> element:
    """Return a link to a file at a path relative to the output's root."""
    node = make("a", *children, **attrs)
    node["reffile"] = path
    return node


def _resolve_href(self: HTML5Translator, node: element) -> str | None:
    builder = self.builder
    current = builder.current_docname
    if node.get("refdoc"):
        uri = builder.get_relative_uri(current, node["refdoc"])
        return f"{uri}#{node['refanchor']}" if node["refanchor"] else uri
    if node.get("reffile"):
        return relative_uri(builder.get_target_uri(current), node["reffile"])
    return None


def visit_element_html(self: HTML5Translator, node: element) -> None:
    """Write the start tag, escaping every attribute value."""
    attrs: dict[str, Any] = dict(node["attrs"])
    if node["tag"] == "a" and "href" not in attrs:
        href = _resolve_href(self, node)
        if href is not None:
            attrs["href"] = href
    parts = [node["tag"]]
    for name, value in attrs.items():
        if value is True:
            parts.append(name)
        elif value is not False:
            parts.append(f'{name}="{html.escape(str(value), quote=True)}"')
    self.body.append(f"<{' '.join(parts)}>")


def depart_element_html(self: HTML5Translator, node: element) -> None:
    """Write the end tag."""
    if node["tag"] not in _VOID:
        self.body.append(f"</{node['tag']}>")


def visit_passthrough(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    """Keep the children only (builders other than HTML)."""


def depart_passthrough(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    """Close nothing (builders other than HTML)."""


#: Elements that start a new block of text in the text builder.
_BLOCKS = frozenset({"p", "div", "li", "dt", "dd", "pre", "details", "summary"})


def visit_element_text(self: Any, node: element) -> None:
    """Start a block for block elements (text builder)."""
    if node["tag"] in _BLOCKS:
        self.new_state(0)


def depart_element_text(self: Any, node: element) -> None:
    """End a block for block elements (text builder)."""
    if node["tag"] in _BLOCKS:
        self.end_state(wrap=node["tag"] != "pre")


def visit_skip(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    """Leave the node out (builders other than HTML)."""
    raise nodes.SkipNode


def visit_html_only_html(self: HTML5Translator, node: html_only) -> None:
    """Write the children as usual."""


def depart_html_only_html(self: HTML5Translator, node: html_only) -> None:
    """Close nothing."""


class file_size(nodes.Inline, nodes.Element):  # type: ignore[misc]
    """The size of a file the site offers, shown as it is when the page is written.

    ``file`` is its path under the build folder. The HTML keeps it in a marked span that
    :func:`coursepack.render.site.sizes.finish` fills again once every file is written.
    """


def _shown_size(self: nodes.NodeVisitor, node: file_size) -> str:
    from coursepack.render.site.sizes import size_of
    from coursepack.render.site.state import get_state

    state = get_state(self.builder.env)
    return size_of(state.build_dir if state is not None else None, node["file"])


def visit_size_html(self: HTML5Translator, node: file_size) -> None:
    """Write the size in its marked span."""
    from coursepack.render.site.sizes import span

    self.body.append(span(node["file"], _shown_size(self, node)))
    raise nodes.SkipNode


def visit_size_text(self: Any, node: file_size) -> None:
    """Write the size as text (text builder)."""
    self.add_text(_shown_size(self, node))
    raise nodes.SkipNode


def visit_size_latex(self: Any, node: file_size) -> None:
    """Write the size as text (LaTeX builder)."""
    self.body.append(self.encode(_shown_size(self, node)))
    raise nodes.SkipNode
