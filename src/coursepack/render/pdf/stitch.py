"""Stitch the PDFs of a reader's parts into one, as if it had been laid out whole.

Each part is a tagged PDF of its own (:mod:`coursepack.render.pdf.parts`), with its pages,
its structure tree, its bookmarks and its named destinations (the HTML ids), and with its
links into the other parts kept. The reader is the first part's PDF (its catalog, its
metadata, its language) with the pages of the others appended, and:

* the children of each part's ``Document`` structure element appended to the first's, and
  each part's parent tree appended to the first's, its keys moved past those before it
  (each page's ``StructParents`` and each link's ``StructParent`` with them);
* the named destinations of all parts in one sorted name tree, the first of a name
  winning, as WeasyPrint resolves links over all the pages it writes;
* each part's top-level bookmarks appended to the first's (every part opens with a
  heading of the first level, so the tree is the one the whole would have), but those of
  a part that continues a chapter (:data:`coursepack.render.pdf.parts.FLOWING`), which has
  no heading, appended under the chapter's, and its structure elements under the
  chapter's section;
* one subset of each font for all the parts (:func:`merge_fonts`), as the whole would
  embed: its glyphs those of every part, its widths and its text (ToUnicode) of each glyph
  the first part's that uses it, as WeasyPrint maps a glyph to its first text;
* the file identifier derived from the reader's inputs, as WeasyPrint writes it.

pikepdf and fontTools are imported only here, when a reader is stitched.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coursepack.render.pdf.jobs import written_whole


def stitch(
    paths: list[Path],
    target: Path,
    digest: str,
    cache: Path | None = None,
    assets: str = "",
    continued: Sequence[bool] = (),
) -> list[str]:
    """Write the PDF of parts' PDFs (in order) to target, atomically; return the keys of
    the merged font programs it used, which are kept in cache (under a hash of their name,
    their glyphs and the assets, the font files among them). continued: whether each part
    continues the chapter of the part before it."""
    import pikepdf

    with contextlib.ExitStack() as stack:
        pdf = stack.enter_context(pikepdf.open(paths[0]))
        tree = pdf.Root.StructTreeRoot
        document = tree.K[0]
        dests: dict[bytes, Any] = dict(_names(pdf))
        # The parent tree as WeasyPrint writes it: each page's entry under its index, then
        # each link's, in the order of the pages. Entries by part, then by their old key.
        entries: list[dict[int, Any]] = [_parent_tree(pdf.Root.StructTreeRoot, None)]
        owner = [0] * len(pdf.pages)
        for index, path in enumerate(paths[1:], start=1):
            part = stack.enter_context(pikepdf.open(path))
            with warnings.catch_warnings():
                # Named destinations are merged below, not by pikepdf.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                pdf.pages.extend(part.pages)
            owner += [index] * len(part.pages)
            # The structure: the part's elements under the reader's Document element, or
            # those of a continued chapter's section under the chapter's section.
            source = part.Root.StructTreeRoot
            follows = index < len(continued) and continued[index]
            parent, kids = document, _kids(source.K[0])
            if follows:
                parent, kids = document.K[len(document.K) - 1], _kids(kids[0])
            for kid in kids:
                copied = pdf.copy_foreign(kid)
                copied.P = parent
                parent.K.append(copied)
            entries.append(_parent_tree(source, pdf))
            for name, destination in _names(part):
                dests.setdefault(name, _copy(pdf, destination))
            _append_outline(pdf, part, under_last=follows)
        nums = pikepdf.Array()
        for number, page in enumerate(pdf.pages):
            nums.append(number)
            nums.append(entries[owner[number]][int(page.obj.StructParents)])
            page.obj.StructParents = number
        next_key = len(pdf.pages)
        for number, page in enumerate(pdf.pages):
            for annotation in page.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    nums.append(next_key)
                    nums.append(entries[owner[number]][int(annotation.StructParent)])
                    annotation.StructParent = next_key
                    next_key += 1
        tree.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))
        tree.ParentTreeNextKey = next_key
        fonts = merge_fonts(pdf, cache, assets)
        if dests:
            names = pikepdf.Array()
            for name in sorted(dests):
                names.append(pikepdf.String(name))
                names.append(dests[name])
            if "/Names" not in pdf.Root:
                pdf.Root.Names = pikepdf.Dictionary()
            pdf.Root.Names.Dests = pikepdf.Dictionary(Names=names)
        identifier = pikepdf.String(digest[:32].encode("ascii"))
        pdf.trailer.ID = pikepdf.Array([identifier, identifier])
        _save(pdf, target)
    return fonts


def merge_fonts(pdf: Any, cache: Path | None = None, assets: str = "") -> list[str]:
    """Give all pages one font of each that the parts subset apart (same name, same key).

    WeasyPrint subsets with HarfBuzz keeping the glyph ids and without subroutines, so a
    glyph's outline is the same bytes in every subset that has it: the subset with the
    most glyphs takes the others' outlines and advances. Fonts whose subsets differ in
    anything else (their private dictionaries) are left apart. A merged font program is
    kept in cache, under its name and glyphs; return the keys of those used.
    """
    used_keys: list[str] = []
    groups: dict[tuple[str, str], list[Any]] = {}
    tables: dict[tuple[int, int], Any] = {}
    for page in pdf.pages:
        fonts = page.obj.Resources.get("/Font")
        if fonts is None:
            continue
        tables.setdefault(page.obj.Resources.objgen, fonts)
        for key, font in fonts.items():
            group = groups.setdefault((str(key), str(font.BaseFont)), [])
            if all(font.objgen != other.objgen for other in group):
                group.append(font)
    for (key, name), fonts in groups.items():
        if len(fonts) < 2:
            continue
        merged = _merged_font(pdf, fonts, cache, assets, used_keys)
        if merged is None:
            continue
        for table in tables.values():
            if key in table and str(table[key].BaseFont) == name:
                table[key] = merged
    return used_keys


def _merged_font(
    pdf: Any, fonts: list[Any], cache: Path | None, assets: str, used_keys: list[str]
) -> Any:
    """Return one Type 0 font for several subsets of a font (in page order), or None."""
    import pikepdf

    descendants = [font.DescendantFonts[0] for font in fonts]
    for descendant in descendants:
        if descendant.Subtype != "/CIDFontType0" or "/FontFile3" not in descendant.FontDescriptor:
            return None
    widths: dict[int, Any] = {}
    used: list[set[int]] = []
    for descendant in descendants:
        own = _widths(descendant.W)
        used.append(set(own))
        for gid, width in own.items():
            widths.setdefault(gid, width)
    texts: dict[int, str] = {}
    for font in fonts:
        for gid, text in _to_unicode(font.ToUnicode.read_bytes()).items():
            texts.setdefault(gid, text)
    name = str(fonts[0].BaseFont)
    key = hashlib.sha256(f"{assets} {name} {sorted(widths)}".encode()).hexdigest()
    kept = cache / f"{key}.font" if cache is not None else None
    data = kept.read_bytes() if kept is not None and kept.exists() else None
    if data is None:
        data = _merged_program([d.FontDescriptor.FontFile3 for d in descendants], used)
        if data is None:
            return None
        if kept is not None:
            _write_bytes(kept, data)
    used_keys.append(key)

    program = pikepdf.Stream(pdf, data)
    program.Subtype = pikepdf.Name.OpenType
    descriptor = pikepdf.Dictionary(descendants[0].FontDescriptor)
    descriptor.FontFile3 = program
    box = [float(v) for v in descriptor.FontBBox]
    box[2] = max(float(w) for w in widths.values()) if widths else 0
    descriptor.FontBBox = pikepdf.Array(box)
    descendant = pikepdf.Dictionary(descendants[0])
    descendant.FontDescriptor = pdf.make_indirect(descriptor)
    descendant.W = _width_array(widths)
    font = pikepdf.Dictionary(fonts[0])
    font.DescendantFonts = pikepdf.Array([pdf.make_indirect(descendant)])
    font.ToUnicode = pikepdf.Stream(pdf, _to_unicode_stream(texts))
    return pdf.make_indirect(font)


def _merged_program(programs: list[Any], used: list[set[int]]) -> bytes | None:
    """Return a font program with the outlines of every subset's glyphs (by glyph id), or
    None when the subsets are not of one font in the same way."""
    import io

    from fontTools.misc.psCharStrings import T2CharString
    from fontTools.ttLib import TTFont

    def opened(i: int) -> Any:
        font = TTFont(
            io.BytesIO(programs[i].read_bytes()), recalcBBoxes=False, recalcTimestamp=False
        )
        return font if "CFF " in font else None

    # The subset that reaches the highest glyph id (all ids up to it are in it, empty or
    # not) takes the outlines of those the others add; only the subsets that add any are
    # read.
    order = sorted(range(len(used)), key=lambda i: (-max(used[i], default=0), -len(used[i])))
    base = order[0]
    target = opened(base)
    if target is None:
        return None
    top = target["CFF "].cff.topDictIndex[0]
    if hasattr(top, "FDArray") or hasattr(top.Private, "Subrs"):
        return None
    widths = (getattr(top.Private, "nominalWidthX", 0), getattr(top.Private, "defaultWidthX", 0))
    names = target.getGlyphOrder()
    charstrings = top.CharStrings
    have = set(used[base])
    for i in order[1:]:
        new = used[i] - have
        if not new:
            continue
        program = opened(i)
        if program is None:
            return None
        theirs = program["CFF "].cff.topDictIndex[0]
        private = theirs.Private
        same = (getattr(private, "nominalWidthX", 0), getattr(private, "defaultWidthX", 0))
        if same != widths or hasattr(private, "Subrs") or hasattr(theirs, "FDArray"):
            return None
        their_names = program.getGlyphOrder()
        for gid in sorted(new):
            if gid >= len(names) or gid >= len(their_names) or names[gid] != their_names[gid]:
                return None
            glyph = theirs.CharStrings[their_names[gid]]
            if glyph.bytecode is None:
                glyph.compile()
            charstrings[names[gid]] = T2CharString(
                bytecode=glyph.bytecode, private=top.Private, globalSubrs=top.GlobalSubrs
            )
            target["hmtx"][names[gid]] = program["hmtx"][their_names[gid]]
        have |= new
    if have - set(range(len(names))):
        return None
    data = io.BytesIO()
    target.save(data)
    return data.getvalue()


def _write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (under a temporary name, then renamed)."""
    with written_whole(path) as tmp:
        tmp.write_bytes(data)


def _widths(array: Any) -> dict[int, Any]:
    """Return the widths of a CID font's W array, by glyph id."""
    out: dict[int, Any] = {}
    items = list(array)
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], list) or hasattr(items[i + 1], "__len__"):
            for offset, width in enumerate(items[i + 1]):
                out[first + offset] = width
            i += 2
        else:
            last, width = int(items[i + 1]), items[i + 2]
            for gid in range(first, last + 1):
                out[gid] = width
            i += 3
    return out


def _width_array(widths: dict[int, Any]) -> Any:
    """Return a W array for widths by glyph id, as WeasyPrint writes one."""
    import pikepdf

    array = pikepdf.Array()
    run: Any = None
    for gid in sorted(widths):
        if gid - 1 not in widths:
            array.append(gid)
            run = pikepdf.Array()
            array.append(run)
            run = array[-1]
        run.append(widths[gid])
    return array


_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)> <([0-9a-fA-F]*)>")


def _to_unicode(data: bytes) -> dict[int, str]:
    """Return the text of each glyph of a ToUnicode CMap as WeasyPrint writes one."""
    return {
        int(glyph, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
        for glyph, text in _BFCHAR.findall(data)
    }


def _to_unicode_stream(texts: dict[int, str]) -> bytes:
    """Return a ToUnicode CMap for the text of each glyph, as WeasyPrint writes one."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(texts.items())
    for i in range(0, len(items), 100):
        batch = items[i : i + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for glyph, text in batch:
            lines.append(f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [
        b"endcmap",
        b"CMapName currentdict /CMap defineresource pop",
        b"end",
        b"end",
    ]
    return b"\n".join(lines)


def _parent_tree(root: Any, pdf: Any) -> dict[int, Any]:
    """Return a structure tree root's parent tree by key, its values copied into pdf
    (when it is another PDF's)."""
    items = list(root.ParentTree.Nums)
    return {
        int(key): value if pdf is None else _copy(pdf, value)
        for key, value in zip(items[::2], items[1::2], strict=True)
    }


def _names(pdf: Any) -> list[tuple[bytes, Any]]:
    """Return the named destinations of a PDF as WeasyPrint writes them (one flat array)."""
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    flat = list(names.Dests.Names)
    return [(bytes(n), d) for n, d in zip(flat[::2], flat[1::2], strict=True)]


def _copy(pdf: Any, value: Any) -> Any:
    """Return a value of another PDF as a value of pdf: its indirect objects copied."""
    import pikepdf

    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return pdf.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(pdf, v) for v in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({k: _copy(pdf, v) for k, v in value.items()})
    return value


def _kids(element: Any) -> list[Any]:
    """Return the kids of a structure element (one kid may stand alone, not in an array)."""
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _append_outline(pdf: Any, part: Any, under_last: bool = False) -> None:
    """Append a part's top-level bookmarks (with theirs) to the reader's; under_last: as
    children of the reader's last top-level bookmark (a chapter the part continues)."""
    import pikepdf

    source = part.Root.get("/Outlines")
    if source is None or "/First" not in source:
        return
    items = []
    item = source.First
    while True:
        items.append(pdf.copy_foreign(item))
        if "/Next" not in item:
            break
        item = item.Next
    if "/Outlines" not in pdf.Root:
        pdf.Root.Outlines = pdf.make_indirect(pikepdf.Dictionary(Count=0))
    outlines = pdf.Root.Outlines
    # How many bookmarks the part adds to those shown with their parents open.
    shown = int(source.get("/Count", 0))
    parent = outlines
    if under_last and "/Last" in outlines:
        parent = outlines.Last
        count = int(parent.get("/Count", 0))
        # A closed bookmark counts its children as negative (WeasyPrint's add_outlines).
        parent.Count = count - shown if count < 0 else count + shown
        if count >= 0:
            outlines.Count = int(outlines.get("/Count", 0)) + shown
    else:
        outlines.Count = int(outlines.get("/Count", 0)) + shown
    for copied in items:
        copied.Parent = parent
    if "/Last" in parent:
        last = parent.Last
        last.Next = items[0]
        items[0].Prev = last
    else:
        parent.First = items[0]
    parent.Last = items[-1]


def _save(pdf: Any, target: Path) -> None:
    """Save a PDF under a temporary name, then rename it into place (never half written)."""
    import pikepdf

    with written_whole(target) as tmp:
        pdf.save(
            tmp,
            fix_metadata_version=False,
            static_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
