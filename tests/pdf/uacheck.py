"""Read a tagged PDF's structure back with pikepdf, for the PDF/UA tests."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf


@dataclass
class Element:
    """A structure element: its type, its attributes, its children and what it marks."""

    kind: str
    id: str = ""
    children: list[Element] = field(default_factory=list)
    #: (page index, MCID) of each piece of marked content it holds directly.
    content: list[tuple[int, int]] = field(default_factory=list)
    #: The object numbers of the annotations it holds (OBJR).
    annotations: list[int] = field(default_factory=list)

    def walk(self) -> list[Element]:
        """Return this element and every element under it, depth first."""
        out = [self]
        for child in self.children:
            out += child.walk()
        return out


@dataclass
class Structure:
    """A PDF's structure tree and what it covers."""

    root: Element
    #: (page index, MCID) of every piece of marked content with an MCID in the pages.
    marked: set[tuple[int, int]]
    #: (page index, MCID) the parent tree maps to an element.
    mapped: set[tuple[int, int]]
    #: Every link annotation: object number -> (page index, its StructParent, Dest or URI).
    links: dict[int, tuple[int, int | None, str]]
    #: StructParent -> object number of the element it names.
    parents: dict[int, int]
    #: Object number of each element -> the element.
    by_number: dict[int, Element]
    #: Each page's artifact text operators count, and its MCID-marked ones.
    artifacts: Counter[int]


def read_structure(path: Path) -> Structure:
    """Return the structure tree of a tagged PDF."""
    pdf = pikepdf.open(path)
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    by_number: dict[int, Element] = {}

    def build(obj: pikepdf.Object, page: int) -> Element:
        kind = str(obj.get("/S", "/?"))[1:]
        element = Element(kind, str(obj.get("/ID", "")))
        by_number[obj.objgen[0]] = element
        if "/Pg" in obj:
            page = pages.get(obj.Pg.objgen, page)
        kids = obj.get("/K")
        if kids is None:
            return element
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary):
                kind_of = kid.get("/Type")
                if kind_of == "/MCR":
                    where = pages.get(kid.Pg.objgen, page) if "/Pg" in kid else page
                    element.content.append((where, int(kid.MCID)))
                elif kind_of == "/OBJR":
                    element.annotations.append(kid.Obj.objgen[0])
                else:
                    element.children.append(build(kid, page))
            else:
                element.content.append((page, int(kid)))
        return element

    tree = pdf.Root.StructTreeRoot
    kids = tree.K
    top = Element("StructTreeRoot")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        top.children.append(build(kid, 0))

    nums = tree.ParentTree.Nums
    parents: dict[int, int] = {}
    mapped: set[tuple[int, int]] = set()
    for i in range(0, len(nums), 2):
        key, value = int(nums[i]), nums[i + 1]
        if isinstance(value, pikepdf.Array):
            for mcid, element in enumerate(value):
                if isinstance(element, pikepdf.Dictionary):
                    mapped.add((key, mcid))
        else:
            parents[key] = value.objgen[0]

    marked: set[tuple[int, int]] = set()
    artifacts: Counter[int] = Counter()
    links: dict[int, tuple[int, int | None, str]] = {}
    for index, page in enumerate(pdf.pages):
        stack: list[str] = []
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "BDC":
                tag = str(operands[0])
                stack.append(tag)
                props = operands[1]
                if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                    marked.add((index, int(props.MCID)))
            elif op == "BMC":
                stack.append(str(operands[0]))
            elif op == "EMC" and stack:
                stack.pop()
            elif op in ("Tj", "TJ") and "/Artifact" in stack:
                artifacts[index] += 1
        for annotation in page.get("/Annots", []):
            if annotation.get("/Subtype") != "/Link":
                continue
            target = str(annotation.get("/Dest", "")) or str(annotation.A.URI)
            parent = annotation.get("/StructParent")
            links[annotation.objgen[0]] = (index, None if parent is None else int(parent), target)
    return Structure(top, marked, mapped, links, parents, by_number, artifacts)


#: The start of a web address as printed: up to the end of its line.
URL = re.compile(r"https?://[^\s<>\"“”‘’]+")


def printed_urls(path: Path) -> list[str]:
    """Return the start of every web address printed on a PDF's pages (up to the end of
    its line: an address may go on in the next, broken after "/", "." or "-"). The text
    is read with pypdf, which, unlike pdftotext, joins no line ending in a hyphen."""
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return [m.rstrip(".,;:)]") for m in URL.findall(text.replace("\u200b", ""))]
