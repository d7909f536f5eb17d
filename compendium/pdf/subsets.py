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
import itertools
import re
import struct
from collections.abc import Iterator
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

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
    data = merged_program([_data(f) for f in fonts])
    if data is None:
        return None
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


def merged_program(programs: list[bytes]) -> bytes | None:
    """Return one TrueType font holding every glyph outline of ``programs`` (subsets of one
    font, glyph ids kept), or None if they are not that.

    Read and written as raw tables (glyf, loca, hmtx): decoding every glyph of every subset
    with fontTools is slow, for outlines that are only copied."""
    from fontTools.ttLib.sfnt import SFNTReader, SFNTWriter  # the joining process's only

    try:
        fonts = [_Outlines(SFNTReader(io.BytesIO(program))) for program in programs]
    except (KeyError, ValueError, struct.error, AssertionError):
        return None
    base = max(fonts, key=lambda font: font.count)
    if any(font.units != base.units for font in fonts):
        return None  # not subsets of one font
    glyf, loca, metrics = bytearray(), [0], []
    owner: dict[int, _Outlines] = {}  # the first subset holding each glyph's outline
    for font in (base, *fonts):
        for gid in font.outlined():
            owner.setdefault(gid, font)
    for gid in range(base.count):
        source = owner.get(gid, base)
        outline = source.glyph(gid)
        glyf += outline + b"\0" * (-len(outline) % 4)
        loca.append(len(glyf))
        metrics.append(source.metric(gid))
    tables = dict(base.tables)
    tables["glyf"] = bytes(glyf)
    tables["loca"] = struct.pack(f">{len(loca)}I", *loca)
    tables["hmtx"] = b"".join(struct.pack(">Hh", *metric) for metric in metrics)
    head = bytearray(tables["head"])
    head[8:12] = b"\0\0\0\0"  # checkSumAdjustment: the writer sets it
    head[50:52] = struct.pack(">h", 1)  # long offsets in loca
    tables["head"] = bytes(head)
    hhea = bytearray(tables["hhea"])
    hhea[34:36] = struct.pack(">H", base.count)  # a full metric for every glyph
    tables["hhea"] = bytes(hhea)
    buffer = io.BytesIO()
    writer = SFNTWriter(buffer, len(tables), base.flavor)
    for tag in sorted(tables):
        writer[tag] = tables[tag]
    writer.close()
    return buffer.getvalue()


class _Outlines:
    """The raw outline tables of a TrueType font."""

    def __init__(self, reader: Any) -> None:
        tags = list(reader.keys())  # an SFNTReader is not iterable
        self.tables: dict[str, bytes] = {tag: reader[tag] for tag in tags}
        self.flavor = reader.sfntVersion
        head, maxp = self.tables["head"], self.tables["maxp"]
        self.units: int = struct.unpack(">H", head[18:20])[0]
        self.count: int = struct.unpack(">H", maxp[4:6])[0]
        long_offsets = struct.unpack(">h", head[50:52])[0] == 1
        loca = self.tables["loca"]
        # Offsets as stored (halved when short): only glyph() needs them in bytes.
        self._loca: tuple[int, ...] = struct.unpack_from(
            f">{self.count + 1}{'I' if long_offsets else 'H'}", loca)
        self._scale = 1 if long_offsets else 2
        self._glyf = self.tables["glyf"]
        self._hmetrics: int = struct.unpack(">H", self.tables["hhea"][34:36])[0]
        self._hmtx = self.tables["hmtx"]

    def outlined(self) -> list[int]:
        """Return the ids of the glyphs that have an outline here (a subset: a few)."""
        return [gid for gid, (start, end) in enumerate(itertools.pairwise(self._loca))
                if end > start]

    def glyph(self, gid: int) -> bytes:
        """Return the outline of glyph ``gid`` as stored (empty if none)."""
        if gid >= self.count:
            return b""
        return bytes(self._glyf[self._scale * self._loca[gid]:self._scale * self._loca[gid + 1]])

    def metric(self, gid: int) -> tuple[int, int]:
        """Return (advance width, left side bearing) of glyph ``gid``: a glyph past the
        last full metric has the last advance and a bearing of its own."""
        if gid >= self.count:
            return (0, 0)
        if gid < self._hmetrics:
            advance, bearing = struct.unpack_from(">Hh", self._hmtx, 4 * gid)
            return advance, bearing
        advance = struct.unpack_from(">H", self._hmtx, 4 * (self._hmetrics - 1))[0]
        bearing = struct.unpack_from(">h", self._hmtx,
                                     4 * self._hmetrics + 2 * (gid - self._hmetrics))[0]
        return advance, bearing


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
