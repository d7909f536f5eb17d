"""One embedded subset per font face in the joined PDF.

Each part of the PDF is laid out alone, so each embeds its own subset of every face it
uses, under the same six-letter tag (WeasyPrint derives it from the face, not the glyphs):
different subsets under one tag, which ISO 32000-1 §9.6.4 forbids and preflight flags, and
the same outlines stored once a part. WeasyPrint subsets TrueType faces keeping each
glyph's id (HarfBuzz's retain-gids), so the subsets of one face are the same font with
different glyphs left empty: their union is one subset that every part can draw with. The
join merges them here: glyph outlines, widths (/W), the text map (/ToUnicode) and /CIDSet,
under a tag made from the merged font's bytes. A face it cannot merge this way (another
encoding or font format) keeps its subsets, each under a tag of its own.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pikepdf
from pikepdf import Array, Dictionary, Name

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont


_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def merge_subsets(pdf: pikepdf.Pdf) -> int:
    """Give every face of ``pdf`` one subset; return how many font objects were merged away."""
    faces: dict[str, dict[tuple[int, int], Dictionary]] = {}
    for font in _type0_fonts(pdf):
        faces.setdefault(_face_name(font), {})[font.objgen] = font
    merged_away = 0
    for fonts in faces.values():
        group = list(fonts.values())
        target = _merge(pdf, group) if len(group) > 1 else None
        if target is None:
            for font in group:
                _retag(font, _data(font))
            continue
        _repoint(pdf, {f.objgen for f in group}, target)
        merged_away += len(group) - 1
    return merged_away


def _resources(pdf: pikepdf.Pdf) -> Iterator[Dictionary]:
    """Yield every /Font resource dictionary: the pages' and their forms' (folios, stamp)."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [page.obj.get("/Resources") for page in pdf.pages]
    while stack:
        resources = stack.pop()
        if not isinstance(resources, Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        fonts = resources.get("/Font")
        if isinstance(fonts, Dictionary):
            yield fonts
        for xobject in resources.get("/XObject", Dictionary()).values():
            if isinstance(xobject, pikepdf.Stream) and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                stack.append(xobject.stream_dict.get("/Resources"))


def _type0_fonts(pdf: pikepdf.Pdf) -> Iterator[Dictionary]:
    """Yield every composite (Type0) font the pages draw with."""
    for fonts in _resources(pdf):
        for font in fonts.values():
            if isinstance(font, Dictionary) and font.get("/Subtype") == Name.Type0 and \
                    font.is_indirect:
                yield font


def _face_name(font: Dictionary) -> str:
    """Return the face's name without its subset tag ("ABCDEF+Source-Serif-Pro")."""
    return str(font.BaseFont).lstrip("/").split("+", 1)[-1]


def _repoint(pdf: pikepdf.Pdf, olds: set[tuple[int, int]], target: Dictionary) -> None:
    """Make every resource naming one of ``olds`` name ``target`` instead."""
    for fonts in _resources(pdf):
        for key in list(fonts.keys()):
            font = fonts[key]
            if isinstance(font, Dictionary) and font.is_indirect and font.objgen in olds:
                fonts[key] = target


def _descendant(font: Dictionary) -> Dictionary:
    """Return the CIDFont of a Type0 font."""
    descendant = font.DescendantFonts[0]
    assert isinstance(descendant, Dictionary)
    return descendant


def _is_mergeable(font: Dictionary) -> bool:
    """Return whether ``font`` is a TrueType subset drawn by glyph id (WeasyPrint's kind)."""
    try:
        cid = _descendant(font)
        return (font.get("/Encoding") == Name("/Identity-H")
                and cid.get("/Subtype") == Name.CIDFontType2
                and cid.get("/CIDToGIDMap") == Name.Identity
                and "/FontFile2" in cid.FontDescriptor
                and "/ToUnicode" in font)
    except (AttributeError, IndexError, KeyError, TypeError):
        return False


def _merge(pdf: pikepdf.Pdf, fonts: list[Dictionary]) -> Dictionary | None:
    """Merge the subsets ``fonts`` of one face into the first; return it, or None."""
    if not all(_is_mergeable(f) for f in fonts):
        return None
    # Loaded here, in the joining process: the build process never needs it.
    from fontTools.ttLib import TTFont

    # No timestamp: the same parts must give the same bytes.
    programs = [TTFont(io.BytesIO(_data(f)), lazy=True, recalcTimestamp=False)
                for f in fonts]
    base_index = max(range(len(programs)), key=lambda i: len(programs[i].getGlyphOrder()))
    base = programs[base_index]
    for program in programs:
        if program is not base and not _add_glyphs(base, program):
            return None
    buffer = io.BytesIO()
    base.save(buffer)
    data = buffer.getvalue()
    target = fonts[0]
    descriptor = _descendant(target).FontDescriptor
    descriptor.FontFile2.write(data)
    descriptor.FontFile2.Length1 = len(data)
    widths: dict[int, Any] = {}
    texts: dict[int, bytes] = {}
    for font in fonts:
        widths.update(_widths(_descendant(font).get("/W", Array())))
        texts.update(_to_unicode(font.ToUnicode.read_bytes()))
    _descendant(target).W = _widths_array(widths)
    target.ToUnicode = pdf.make_stream(_to_unicode_cmap(texts))
    if "/CIDSet" in descriptor:
        descriptor.CIDSet = pdf.make_stream(_cid_set(widths))
    descriptor.FontBBox = _union_box([_descendant(f).FontDescriptor.FontBBox for f in fonts])
    _retag(target, data)
    return target


def _data(font: Dictionary) -> bytes:
    """Return the font program embedded for ``font`` (empty if none)."""
    try:
        descriptor = _descendant(font).FontDescriptor
    except (AttributeError, IndexError, KeyError, TypeError):
        return b""
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if key in descriptor:
            return descriptor[key].read_bytes()
    return b""


def _add_glyphs(base: TTFont, other: TTFont) -> bool:
    """Copy into ``base`` the outlines ``other`` has and ``base`` left empty.

    By glyph id, not name: a subset names only the glyphs it keeps."""
    order = base.getGlyphOrder()
    theirs = other.getGlyphOrder()
    if len(theirs) > len(order) or base["head"].unitsPerEm != other["head"].unitsPerEm:
        return False  # not subsets of one font kept by glyph id
    base_glyf, their_glyf = base["glyf"], other["glyf"]
    base_hmtx, their_hmtx = base["hmtx"], other["hmtx"]
    for ours, name in zip(order, theirs, strict=False):
        if _is_empty(base_glyf.glyphs[ours]) and not _is_empty(their_glyf.glyphs[name]):
            base_glyf.glyphs[ours] = their_glyf.glyphs[name]
            base_hmtx[ours] = their_hmtx[name]
    return True


def _is_empty(glyph: Any) -> bool:
    """Return whether a glyph of the glyf table has no outline (without decoding it)."""
    return "data" not in vars(glyph) and getattr(glyph, "numberOfContours", 0) == 0


def _widths(array: Any) -> Iterator[tuple[int, Any]]:
    """Yield (glyph id, width) from a /W array (both of its forms)."""
    items = list(array)
    i = 0
    while i + 1 < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], Array):
            for offset, width in enumerate(items[i + 1]):
                yield first + offset, width
            i += 2
        else:
            for cid in range(first, int(items[i + 1]) + 1):
                yield cid, items[i + 2]
            i += 3


def _widths_array(widths: dict[int, Any]) -> Array:
    """Return a /W array of ``widths``, runs of consecutive ids together."""
    array: list[Any] = []
    run: list[Any] = []
    previous = -2
    for cid in sorted(widths):
        if cid != previous + 1:
            run = []
            array += [cid, run]
        run.append(widths[cid])
        previous = cid
    return Array([Array(item) if isinstance(item, list) else item for item in array])


def _to_unicode(cmap: bytes) -> dict[int, bytes]:
    """Return the glyph id → UTF-16BE hex text of a /ToUnicode CMap of bfchar entries."""
    body = cmap.split(b"endcodespacerange", 1)[-1]
    return {int(gid, 16): text for gid, text in _BFCHAR.findall(body)}


def _to_unicode_cmap(texts: dict[int, bytes]) -> bytes:
    """Return a /ToUnicode CMap mapping each glyph id to its text, as WeasyPrint writes one."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)",
             b"/Supplement 0", b">> def", b"/CMapName /Adobe-Identity-UCS def",
             b"/CMapType 2 def", b"1 begincodespacerange", b"<0000> <ffff>",
             b"endcodespacerange"]
    items = sorted(texts.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(b"%d beginbfchar" % len(batch))
        lines += [b"<%04x> <%s>" % (gid, text) for gid, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cid_set(widths: dict[int, Any]) -> bytes:
    """Return a /CIDSet stream's bits: one for each glyph id present."""
    size = (max(widths, default=0) + 8) // 8
    bits = bytearray(size)
    for cid in widths:
        bits[cid // 8] |= 0x80 >> (cid % 8)
    return bytes(bits)


def _union_box(boxes: list[Any]) -> Array:
    """Return the box holding every one of ``boxes``."""
    values = [[float(v) for v in box] for box in boxes]
    return Array([min(b[0] for b in values), min(b[1] for b in values),
                  max(b[2] for b in values), max(b[3] for b in values)])


def _retag(font: Dictionary, data: bytes) -> None:
    """Give ``font`` a subset tag made from its name and glyphs, so no two subsets share one."""
    face = _face_name(font)
    digest = hashlib.sha256(face.encode() + data).digest()
    tag = "".join(chr(65 + b % 26) for b in digest[:6])
    name = Name(f"/{tag}+{face}")
    font.BaseFont = name
    try:
        cid = _descendant(font)
    except (AttributeError, IndexError, KeyError, TypeError):
        return
    cid.BaseFont = name
    if "/FontDescriptor" in cid:
        cid.FontDescriptor.FontName = name
