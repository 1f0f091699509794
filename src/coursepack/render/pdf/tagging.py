"""Tag the PDFs for PDF/UA-1: one structure element per HTML element, across pages.

WeasyPrint 70.0 tags a PDF (``pdf_variant="pdf/ua-1"``) page by page, box by box: an
element that runs over three pages becomes three elements, a paragraph is a ``P`` inside
its own anonymous ``P``, every piece of text a ``Span`` of its own (empty ones included),
and the running heads and folios are marked content outside the tree rather than
artifacts. A screen reader then reads "The Day of Truth and Freedom … 6" on every page,
and a reading is as many sections as it has pages.

:func:`add_tags` builds the tree instead, from the same boxes and the same marked content
WeasyPrint drew, with these rules:

* every HTML element is one structure element however many pages it spans, its content
  in the order of the pages (marked-content references name their page);
* a paragraph, heading, list, section, block quote or link is the standard type of its
  HTML element; the contents (``ol.toc``) are a ``TOC`` of ``TOCI``; inline elements that
  carry no meaning (``span``, ``i``, ``em``…) add nothing, so no ``Span`` is empty and no
  ``P`` is inside a ``P``;
* a paragraph number (``span.pn``) is a ``Lbl``;
* a footnote is a ``Note`` with an ``ID``, placed right after its call; the call is a
  ``Reference`` holding a ``Link`` to the note (a link annotation over the call);
* running heads, folios and the dots of the contents' leaders are artifacts
  (``/Artifact <</Type /Pagination>>``), taken out of the tree and of the parent tree;
* every link annotation sits in the ``Link`` element of its ``<a>``, with a ``Contents``
  that says where it leads, and is printable.

:func:`apply` puts :func:`add_tags` in place of WeasyPrint's, only for the version it was
written against; another WeasyPrint keeps its own tagging (and the PDFs still declare
PDF/UA-1 as before, unchecked).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pydyf
import weasyprint
from weasyprint import pdf as weasy_pdf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import tags as weasy_tags

LOGGER = logging.getLogger("coursepack.pdf")

#: The WeasyPrint release whose tagging this module replaces.
VERSION = "70.0"
#: WeasyPrint's own tagging, kept (for comparison in tests).
ORIGINAL = weasy_tags.add_tags

#: Structure types of HTML elements; an element not listed adds no element of its own.
TYPES = {
    "section": "Sect",
    "article": "Art",
    "main": "Part",
    "div": "Div",
    "header": "Div",
    "footer": "Div",
    "nav": "Div",
    "p": "P",
    "h1": "H1",
    "h2": "H2",
    "h3": "H3",
    "h4": "H4",
    "h5": "H5",
    "h6": "H6",
    "blockquote": "BlockQuote",
    "ol": "L",
    "ul": "L",
    "dl": "L",
    "li": "LI",
    "dt": "LI",
    "dd": "LI",
    "pre": "P",
    "code": "Code",
    "table": "Table",
    "tr": "TR",
    "th": "TH",
    "td": "TD",
    "hr": "",
}
#: The artifact every piece of page furniture becomes.
PAGINATION = pydyf.Dictionary({"Type": "/Pagination"})


@lru_cache(maxsize=1)
def apply() -> bool:
    """Put this module's tagging in WeasyPrint's place once; return whether it is there."""
    if weasyprint.__version__ != VERSION:
        LOGGER.debug("tagging: WeasyPrint %s keeps its own", weasyprint.__version__)
        return False
    if getattr(weasy_pdf, "add_tags", None) is not ORIGINAL:
        LOGGER.debug("tagging: WeasyPrint's PDF writer is not the expected one")
        return False
    weasy_pdf.add_tags = add_tags
    return True


class Node:
    """A structure element to be: made when its first content or child arrives."""

    def __init__(self, tree: Tree, kind: str, parent: Node | None, lang: str = "") -> None:
        self.tree = tree
        self.kind = kind
        self.parent = parent
        self.lang = lang
        self.page = -1
        self.element: pydyf.Dictionary | None = None
        #: Extra entries of the element (a note's ID).
        self.extra: dict[str, Any] = {}
        #: For a list item or an entry of the contents: the element that takes its content.
        self.body: Node | None = None

    def made(self, page: int) -> pydyf.Dictionary:
        """Return the structure element, making it (and its parents) first if need be."""
        if self.element is None:
            parent = self.parent.made(page) if self.parent is not None else self.tree.document
            self.page = page
            self.element = pydyf.Dictionary(
                {
                    "Type": "/StructElem",
                    "S": f"/{self.kind}",
                    "K": pydyf.Array(),
                    "P": parent.reference,
                    "Pg": self.tree.page_reference(page),
                }
            )
            if self.lang:
                self.element["Lang"] = pydyf.String(self.lang)
            self.element.update(self.extra)
            self.tree.pdf.add_object(self.element)
            parent["K"].append(self.element.reference)
        return self.element

    def content(self, page: int, mcid: int) -> None:
        """Add a piece of marked content of a page."""
        element = self.made(page)
        if page == self.page:
            element["K"].append(mcid)
        else:
            element["K"].append(
                pydyf.Dictionary(
                    {"Type": "/MCR", "Pg": self.tree.page_reference(page), "MCID": mcid}
                )
            )
        self.tree.parents[page][mcid] = element.reference

    def annotation(self, page: int, annotation: pydyf.Dictionary) -> None:
        """Add a link annotation of a page."""
        element = self.made(page)
        reference = pydyf.Dictionary(
            {
                "Type": "/OBJR",
                "Obj": annotation.reference,
                "Pg": self.tree.page_reference(page),
            }
        )
        self.tree.pdf.add_object(reference)
        element["K"].append(reference.reference)
        self.tree.annotations.append((element.reference, annotation))


class Tree:
    """The structure tree of one document, built page after page."""

    def __init__(self, pdf: pydyf.PDF, document: Any, lang: str) -> None:
        self.pdf = pdf
        self.document_box = document
        self.lang = lang
        self.document = pydyf.Dictionary(
            {"Type": "/StructElem", "S": "/Document", "K": pydyf.Array()}
        )
        #: Each page's marked content: MCID -> the element that holds it (None: artifact).
        self.parents: list[dict[int, Any]] = []
        self.annotations: list[tuple[bytes, pydyf.Dictionary]] = []
        #: The node of each HTML element (and of each footnote's call), across pages.
        self.nodes: dict[tuple[Any, str], Node] = {}
        self._pages = pdf.page_references

    def page_reference(self, page: int) -> bytes:
        """Return the reference of a page (from 0)."""
        reference: bytes = self._pages[page]
        return reference

    def node(self, element: Any, role: str, kind: str, parent: Node | None) -> Node:
        """Return the node of an HTML element in a role, made on first use."""
        key = (element, role)
        found = self.nodes.get(key)
        if found is None:
            lang = element.get("lang", "") if element is not None else ""
            found = Node(self, kind, parent, lang if lang and lang != self.lang else "")
            self.nodes[key] = found
        return found


def add_tags(pdf: pydyf.PDF, document: Any, pdf_version: Any, page_streams: list[Any]) -> None:
    """Add the structure tree to a PDF WeasyPrint is writing (in place of its own)."""
    lang = str(document.pages[0]._page_box.style["lang"] or "") if document.pages else ""
    tree = Tree(pdf, document, lang)
    root = pydyf.Dictionary({"Type": "/StructTreeRoot"})
    parent_tree = pydyf.Dictionary({"Nums": pydyf.Array()})
    pdf.add_object(parent_tree)
    pdf.add_object(root)
    pdf.add_object(tree.document)
    tree.document["P"] = root.reference
    root["K"] = pydyf.Array([tree.document.reference])
    root["ParentTree"] = parent_tree.reference
    pdf.catalog["StructTreeRoot"] = root.reference

    for number, (page, stream) in enumerate(zip(document.pages, page_streams, strict=True)):
        marks: dict[Any, dict[str, Any]] = stream._tags
        tree.parents.append({})
        walker = _PageWalker(tree, number, marks)
        walker.walk_page(page._page_box)
        # Every mark WeasyPrint drew has found its place (or become an artifact).
        for box in list(marks):
            walker.artifact(box)
        _mark_artifacts(stream, walker.artifacts)

    nums = parent_tree["Nums"]
    for number, mapped in enumerate(tree.parents):
        nums.append(number)
        size = max(mapped, default=-1) + 1
        nums.append(pydyf.Array([mapped.get(i) or b"null" for i in range(size)]))
    start = len(document.pages)
    for key, (element, annotation) in enumerate(tree.annotations, start=start):
        nums.append(key)
        nums.append(element)
        annotation["StructParent"] = key
    root["ParentTreeNextKey"] = start + len(tree.annotations)

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
    if "Lang" not in pdf.catalog:
        LOGGER.error('Missing required "lang" attribute at the root of the document')
        pdf.catalog["Lang"] = pydyf.String()


def _mark_artifacts(stream: Any, artifacts: set[int]) -> None:
    """Turn the marked content of some MCIDs into pagination artifacts in a page's stream."""
    if not artifacts:
        return
    operations = stream.stream
    for i, item in enumerate(operations):
        if isinstance(item, pydyf.Dictionary) and item.get("MCID") in artifacts:
            operations[i - 1] = "/Artifact"
            operations[i] = PAGINATION


class _PageWalker:
    """Place the marked content and the links of one page in the tree."""

    def __init__(self, tree: Tree, page: int, marks: dict[Any, dict[str, Any]]) -> None:
        self.tree = tree
        self.page = page
        self.marks = marks
        self.artifacts: set[int] = set()
        self.page_box: Any = None

    def walk_page(self, page_box: Any) -> None:
        """Walk a page: its flow, then its footnotes, then its margins (as artifacts)."""
        self.page_box = page_box
        flow = [
            c
            for c in page_box.children
            if not isinstance(c, (boxes.MarginBox, boxes.FootnoteAreaBox))
        ]
        notes = [c for c in page_box.children if isinstance(c, boxes.FootnoteAreaBox)]
        margins = [c for c in page_box.children if isinstance(c, boxes.MarginBox)]
        for box in flow:
            self.walk(box, None)
        for area in notes:
            for box in area.children:
                self.walk(box, None)
        for margin in margins:
            for text in _texts(margin):
                self.artifact(text)

    def artifact(self, box: Any) -> None:
        """Make the marked content of a text box an artifact."""
        mark = self.marks.pop(box, None)
        if mark is not None:
            self.artifacts.add(mark["mcid"])

    def text(self, box: Any, node: Node | None) -> None:
        """Place a text box's marked content in a node (the document when None)."""
        mark = self.marks.pop(box, None)
        if mark is None:
            return
        if node is None:
            node = self.tree.node(None, "loose", "P", None)
        node.content(self.page, mark["mcid"])

    def walk(self, box: Any, parent: Node | None) -> None:
        """Walk a box with the node its content goes to."""
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if getattr(box, "is_leader", False):
            # A leader's dots are drawn, not read; a link over them is its element's.
            annotation = getattr(box, "link_annotation", None)
            if annotation is not None and parent is not None:
                _describe(annotation, box)
                parent.annotation(self.page, annotation)
            for text in _texts(box):
                self.artifact(text)
            return
        if isinstance(box, boxes.TextBox):
            # A text box shares its inline parent's element: its content is the parent's.
            self.text(box, parent)
            return
        node = self.node_of(box, parent)
        target = node.body if node is not None and node.body is not None else node
        annotation = getattr(box, "link_annotation", None)
        if annotation is not None and target is not None:
            _describe(annotation, box)
            target.annotation(self.page, annotation)
        if isinstance(box, boxes.ReplacedBox):
            self.text(box, target)
        for child in getattr(box, "children", ()):
            self.walk(child, target)
        if box.element_tag and box.element_tag.endswith("::footnote-call"):
            # The note follows its call in the tree.
            note = self.tree.node(box.element, "note", "Note", parent)
            note.extra["ID"] = pydyf.String(f"note-{box.element.get('id', id(box.element))}")
            note.made(self.page)

    def node_of(self, box: Any, parent: Node | None) -> Node | None:
        """Return the node a box's content goes to: its element's, or its parent's."""
        element = box.element
        tag = box.element_tag or ""
        if element is None or isinstance(box, boxes.PageBox) or tag in ("html", "body"):
            return parent
        base, _, pseudo = tag.partition("::")
        classes = set((element.get("class") or "").split())
        if pseudo == "footnote-call":
            call = self.tree.node(element, "call", "Reference", parent)
            link = self.tree.node(element, "call-link", "Link", call)
            self._link_call(box, element, link)
            return link
        if pseudo == "footnote-marker":
            return self.tree.node(element, "marker", "Lbl", self._note(element, parent))
        if pseudo == "marker":
            owner = parent.parent if parent is not None and parent.kind == "LBody" else parent
            return self.tree.node(element, "marker", "Lbl", owner)
        if pseudo:
            return parent  # ::before and ::after belong to their element
        if "fn" in classes and base == "span":
            return self._note(element, parent)
        if "pn" in classes:
            return self.tree.node(element, "", "Lbl", parent)
        if base == "a":
            if element.get("href") is None:
                return parent
            return self.tree.node(element, "", "Link", parent)
        if base in ("ol", "ul") and "toc" in classes:
            return self.tree.node(element, "", "TOC", parent)
        if base == "li":
            toc = parent is not None and parent.kind == "TOC"
            item = self.tree.node(element, "", "TOCI" if toc else "LI", parent)
            if item.body is None:
                item.body = Node(self.tree, "Reference" if toc else "LBody", item)
            return item
        kind = TYPES.get(base)
        if kind is None:
            lang = element.get("lang")
            if lang and lang != self.tree.lang:
                return self.tree.node(element, "", "Span", parent)
            return parent
        if kind == "":
            return parent
        return self.tree.node(element, "", kind, parent)

    def _note(self, element: Any, parent: Node | None) -> Node:
        """Return the Note of a footnote element (made beside its call)."""
        note = self.tree.node(element, "note", "Note", parent)
        note.extra.setdefault("ID", pydyf.String(f"note-{element.get('id', id(element))}"))
        return note

    def _link_call(self, box: Any, element: Any, link: Node) -> None:
        """Give a footnote's call a link annotation to the note."""
        target = element.get("id")
        if not target:
            return
        scale = 0.75
        height = self.page_box.margin_height()
        x1, y1 = box.position_x, box.position_y
        x2, y2 = x1 + box.margin_width(), y1 + box.margin_height()
        annotation = pydyf.Dictionary(
            {
                "Type": "/Annot",
                "Subtype": "/Link",
                "Rect": pydyf.Array(
                    [x1 * scale, (height - y2) * scale, x2 * scale, (height - y1) * scale]
                ),
                "BS": pydyf.Dictionary({"W": 0}),
                "Dest": pydyf.String(target),
                "Contents": pydyf.String("Footnote"),
                "F": 4,
            }
        )
        self.tree.pdf.add_object(annotation)
        page = self.tree.pdf.objects[self.tree.pdf.pages["Kids"][3 * self.page]]
        page.setdefault("Annots", pydyf.Array()).append(annotation.reference)
        link.annotation(self.page, annotation)


def _texts(box: Any) -> Iterator[Any]:
    """Yield the text boxes inside a box."""
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def _describe(annotation: pydyf.Dictionary, box: Any) -> None:
    """Say where a link annotation leads, in words, and let it print."""
    element = box.element
    words = ""
    if element is not None:
        words = element.get("title") or " ".join("".join(element.itertext()).split())
    words = words.replace("\u200b", "")
    if "A" in annotation:
        uri = annotation["A"].get("URI")
        address = str(getattr(uri, "string", uri))
        text = words if words and words.replace("\u200b", "") in address else address
    elif words and all(c.isdigit() or c in "–-, " for c in words):
        text = f"Page {words}"
    else:
        text = words
    if text:
        annotation["Contents"] = pydyf.String(text)
    annotation["F"] = 4
