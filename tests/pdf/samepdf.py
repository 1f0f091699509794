"""What a PDF means, read back, to tell whether two PDFs of one document say the same.

Two PDFs of the same pages, one written whole by WeasyPrint and one stitched from the PDFs
of its parts, differ in their bytes (object numbers, font subsets, the keys of the parent
tree); :func:`meaning` reads what a reader of either gets: each page's size and text, the
page labels, each named destination's page, each link (where on which page, where it
leads, what it says), the bookmarks (depth, title, page), and the structure tree with what
each element holds (its marked content by page, its links by page and target), which
marked content the parent tree maps to which element, and the artifacts of each page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
from pypdf import PdfReader
from uacheck import Element, read_structure


def meaning(path: Path) -> dict[str, Any]:
    """Return what a PDF says, as plain data to compare."""
    reader = PdfReader(path)
    structure = read_structure(path)
    paths: dict[int, str] = {}

    def tree(element: Element, where: str) -> tuple[Any, ...]:
        for number, found in structure.by_number.items():
            if found is element:
                paths[number] = where
        links = sorted(_link(structure.links.get(a)) for a in element.annotations)
        children = tuple(
            tree(child, f"{where}/{i}:{child.kind}") for i, child in enumerate(element.children)
        )
        return (element.kind, element.id, tuple(element.content), tuple(links), children)

    root = tree(structure.root, "")
    # Marked content and links, each with the path of the element the parent tree names.
    mapped = _parent_tree(path, paths)
    return {
        "sizes": [
            (round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
            for p in reader.pages
        ],
        "texts": [page.extract_text() or "" for page in reader.pages],
        "labels": list(reader.page_labels),
        "destinations": {
            str(name): reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()
        },
        "links": list(_links(path)),
        "outline": list(_outline(reader, reader.outline, 0)),
        "structure": root,
        "mapped": mapped,
        "marked": sorted(structure.marked),
        "artifacts": sorted(structure.artifacts.items()),
        "language": str(pikepdf.open(path).Root.get("/Lang", "")),
        "title": str((reader.metadata or {}).get("/Title", "")),
    }


def _link(link: tuple[int, int | None, str] | None) -> tuple[int, str]:
    if link is None:
        return (-1, "")
    page, _, target = link
    return (page, target)


def _links(path: Path) -> Iterator[tuple[int, tuple[float, ...], str, str]]:
    with pikepdf.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            for annotation in page.get("/Annots", []):
                target = str(annotation.get("/Dest", "")) or str(annotation.A.URI)
                rect = tuple(round(float(v), 2) for v in annotation.Rect)
                yield index, rect, target, str(annotation.get("/Contents", ""))


def _outline(reader: PdfReader, items: list[Any], depth: int) -> Iterator[tuple[int, str, int]]:
    for item in items:
        if isinstance(item, list):
            yield from _outline(reader, item, depth + 1)
        else:
            yield depth, str(item.title), reader.get_destination_page_number(item) + 1


def _parent_tree(path: Path, paths: dict[int, str]) -> list[tuple[Any, ...]]:
    """Return, for each page, the element path of each MCID, and for each link the path
    of the element that holds it, as the parent tree says."""
    out: list[tuple[Any, ...]] = []
    with pikepdf.open(path) as pdf:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        table = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for index, page in enumerate(pdf.pages):
            key = int(page.obj.StructParents)
            value = table.get(key)
            if isinstance(value, pikepdf.Array):
                for mcid, element in enumerate(value):
                    if isinstance(element, pikepdf.Dictionary):
                        out.append(("mcid", index, mcid, paths.get(element.objgen[0], "?")))
            for annotation in page.get("/Annots", []):
                parent = annotation.get("/StructParent")
                element = table.get(int(parent)) if parent is not None else None
                where = paths.get(element.objgen[0], "?") if element is not None else "none"
                target = str(annotation.get("/Dest", "")) or str(annotation.A.URI)
                out.append(("link", index, target, where))
    return out


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Return what differs between two meanings, one line a difference (at most a few)."""
    found: list[str] = []
    for key in a:
        if a[key] == b[key]:
            continue
        if isinstance(a[key], list) and isinstance(b[key], list):
            if len(a[key]) != len(b[key]):
                found.append(f"{key}: {len(a[key])} items against {len(b[key])}")
            for i, (x, y) in enumerate(zip(a[key], b[key], strict=False)):
                if x != y:
                    found.append(f"{key}[{i}]: {x!r:.300} against {y!r:.300}")
                    break
        else:
            found.append(f"{key}: {a[key]!r:.300} against {b[key]!r:.300}")
    return found
