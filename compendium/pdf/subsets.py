"""One embedded subset per font face in the joined PDF.

Each part of the PDF is laid out alone, so each embeds its own subset of every face it
uses, under the same six-letter tag (WeasyPrint derives it from the face, not the glyphs):
different subsets under one tag, which ISO 32000-1 §9.6.4 forbids and preflight flags, and
the same outlines stored once a part. WeasyPrint subsets TrueType faces keeping each
glyph's id (HarfBuzz's retain-gids, in one pass: layout.subset_keeping_glyph_ids), so the
subsets of one face are the same font with different glyphs left empty: their union is one
subset that every part can draw with. The join merges them here, as it copies the pages:
glyph outlines, widths (/W), the text map (/ToUnicode) and /CIDSet, under a tag made from
the merged font's bytes. A font it cannot
merge this way (another encoding or font format) keeps its subset, under a tag of its own.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import struct
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import pikepdf
from pikepdf import Array, Dictionary, Name

_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


class SubsetMerger:
    """Folds the subsets of each face into one as the join copies pages, then writes the
    merged font (``finish``).

    The first subset met of a face is kept as its font; every later one gives its data
    (program, widths, text map, box) to the face, the resources naming it are pointed at the
    kept font, and its objects are emptied at once. qpdf holds every object the join copies
    until it writes the file: at 10,000 records, 1,168 pieces' five subsets each were
    about 120 MB of the joining process, which must stay under 1 GB."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self._pdf = pdf
        self._faces: dict[str, _Face] = {}
        self._folded: dict[tuple[int, int], Dictionary] = {}  # subset → its face's font
        self._alone: dict[tuple[int, int], Dictionary] = {}  # fonts not mergeable
        self._alone_by_print: dict[bytes, Dictionary] = {}  # those, by what they hold
        # Objects no emptied subset may take with it: the faces' fonts' and the others'.
        self._kept: set[tuple[int, int]] = set()

    def fold(self, pages: Iterable[pikepdf.Page]) -> None:
        """Fold the subsets that ``pages`` (and their forms and annotations) draw with."""
        emptied: list[Dictionary] = []
        for fonts in _resources(pages):
            for key in list(fonts.keys()):
                font = fonts[key]
                if not _is_type0(font) or font.objgen in self._alone:
                    continue
                if font.objgen not in self._folded:
                    target = self._fold(font) or self._same_as_alone(font)
                    if target is None:
                        self._alone[font.objgen] = font
                        self._kept |= _reachable(font)
                        continue
                    self._folded[font.objgen] = target
                    if target is not font:
                        emptied.append(font)
                fonts[key] = self._folded[font.objgen]
        for font in emptied:  # once every resource of ``pages`` names its face's font
            for objgen in _reachable(font) - self._kept:
                self._pdf._replace_object(objgen, Dictionary())  # no public way to free it

    def _fold(self, font: Dictionary) -> Dictionary | None:
        """Give ``font``'s data to its face; return the face's font, or None if ``font``
        cannot be merged (another kind of font, or not a subset of the face's font)."""
        outlines = _Outlines.read(_data(font)) if _is_mergeable(font) else None
        if outlines is None:
            return None
        name = _face_name(font)
        face = self._faces.get(name)
        if face is None:
            face = self._faces[name] = _Face(font, _Union(outlines))
            self._kept |= _reachable(font)
        elif not face.union.add(outlines):
            return None
        face.subsets += 1
        _merge(face.widths, dict(_widths(_descendant(font).get("/W", Array()))))
        for gid, text in _to_unicode(font.ToUnicode.read_bytes()).items():
            face.texts.setdefault(gid, Counter())[text] += 1
        face.boxes.append([float(v) for v in _descendant(font).FontDescriptor.FontBBox])
        return face.font

    def _same_as_alone(self, font: Dictionary) -> Dictionary | None:
        """Return a font left alone before that ``font`` repeats exactly (each piece that
        falls back to a CFF face, such as Noto Serif CJK, embeds the same subset again),
        or None; the first met of such fonts is remembered."""
        key = _fingerprint(font)
        if key not in self._alone_by_print:
            self._alone_by_print[key] = font
            return None
        return self._alone_by_print[key]

    def finish(self) -> int:
        """Fold the subsets drawn since (page numbers, stamp), write each face's merged font
        under a tag of its own, and tag the fonts left alone; return how many subsets were
        merged away."""
        self.fold(self._pdf.pages)
        for face in self._faces.values():
            self._write(face)
        for font in self._alone.values():
            _retag(font, _data(font))
        return sum(face.subsets - 1 for face in self._faces.values())

    def _write(self, face: _Face) -> None:
        """Write the merged program, widths, text map, glyph set and box into ``face.font``."""
        if face.subsets == 1:
            _retag(face.font, _data(face.font))
            return
        data = face.union.program()
        descendant = _descendant(face.font)
        descriptor = descendant.FontDescriptor
        descriptor.FontFile2.write(data)
        descriptor.FontFile2.Length1 = len(data)
        descendant.W = _widths_array(face.widths)
        face.font.ToUnicode = self._pdf.make_stream(_to_unicode_cmap(
            {gid: _most_said(texts) for gid, texts in face.texts.items()}))
        if "/CIDSet" in descriptor:
            descriptor.CIDSet = self._pdf.make_stream(_cid_set(face.widths))
        descriptor.FontBBox = Array([min(b[0] for b in face.boxes), min(b[1] for b in face.boxes),
                                     max(b[2] for b in face.boxes), max(b[3] for b in face.boxes)])
        _retag(face.font, data)


@dataclass(slots=True)
class _Face:
    """What the subsets of one face folded so far hold."""

    font: Dictionary
    """The font the merged subset goes into (the first subset met)."""
    union: _Union
    """The glyphs of its subsets."""
    subsets: int = 0
    """How many subsets were folded (``font``'s own included)."""
    widths: dict[int, Any] = field(default_factory=dict)
    texts: dict[int, Counter[bytes]] = field(default_factory=dict)
    """The texts each subset gives each glyph, counted."""
    boxes: list[list[float]] = field(default_factory=list)


def _merge(into: dict[int, Any], new: dict[int, Any]) -> None:
    """Add ``new`` to ``into``: where both give a glyph a value (a glyph drawn for two
    characters gives its text as the one it was drawn for), the smaller, so that the merged
    font is the same whatever order the subsets come in."""
    for gid in into.keys() & new.keys():
        if new[gid] != into[gid]:
            new[gid] = min(new[gid], into[gid])
    into.update(new)


def _most_said(texts: Counter[bytes]) -> bytes:
    """Return the text most subsets give a glyph (the smaller on a tie: the same whatever
    order the subsets come in). A glyph drawn for two characters is the one it is drawn for
    in most pieces: ")" drawn mirrored for "(" in one Arabic paragraph (right to left) stays
    ")" in the text of the book, which the smaller made "(" everywhere."""
    return min(texts, key=lambda text: (-texts[text], text))


def _fingerprint(font: Dictionary) -> bytes:
    """Return a digest of what ``font`` draws with: its face, program, widths and text map
    (two fonts with the same are one)."""
    digest = hashlib.sha256(_face_name(font).encode() + b"\0" + _data(font))
    try:
        digest.update(repr(_descendant(font).get("/W")).encode())
    except (AttributeError, IndexError, KeyError, TypeError):
        digest.update(b"no descendant")
    to_unicode = font.get("/ToUnicode")
    digest.update(to_unicode.read_bytes() if isinstance(to_unicode, pikepdf.Stream) else b"")
    return digest.digest()


def _resources(pages: Iterable[pikepdf.Page]) -> Iterator[Dictionary]:
    """Yield every /Font resource dictionary of ``pages``: theirs, their forms' (folios,
    stamp) and their annotations' appearances'."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = []
    for page in pages:
        stack.append(page.obj.get("/Resources"))
        for annotation in page.obj.get("/Annots", ()):
            appearances = annotation.get("/AP", Dictionary())
            stack += [_stream_resources(a) for a in appearances.values()]
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


def _stream_resources(appearance: Any) -> Any:
    """Return the resources of an appearance stream (None if it is not one)."""
    return appearance.stream_dict.get("/Resources") if isinstance(appearance, pikepdf.Stream) \
        else None


def _is_type0(font: Any) -> TypeGuard[Dictionary]:
    """Return whether ``font`` is a composite (Type0) font object."""
    return isinstance(font, Dictionary) and font.get("/Subtype") == Name.Type0 and \
        font.is_indirect


def _reachable(font: Dictionary) -> set[tuple[int, int]]:
    """Return the objects of ``font`` (itself included): what emptying it must empty.

    Widths (/W) hold numbers only, and a subset's hundreds of them are not walked."""
    found: set[tuple[int, int]] = set()
    stack: list[Any] = [font]
    while stack:
        item = stack.pop()
        if not isinstance(item, pikepdf.Object):
            continue
        if item.is_indirect:
            if item.objgen in found:
                continue
            found.add(item.objgen)
        if isinstance(item, pikepdf.Stream):
            stack.extend(item.stream_dict.values())
        elif isinstance(item, Dictionary):
            for key, value in item.items():
                if key != "/W":
                    stack.append(value)
                elif isinstance(value, pikepdf.Object) and value.is_indirect:
                    found.add(value.objgen)
        elif isinstance(item, Array):
            stack.extend(item)
    return found


def _face_name(font: Dictionary) -> str:
    """Return the face's name without its subset tag ("ABCDEF+Source-Serif-Pro")."""
    return str(font.BaseFont).lstrip("/").split("+", 1)[-1]


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


class _Union:
    """One TrueType font holding every glyph outline of subsets of one font (glyph ids
    kept), made as they come: only the first outline of each glyph is kept (the subsets of
    a face have the same outline for an id: see layout.subset_keeping_glyph_ids), and the
    subset with the most glyphs for the tables besides outlines and metrics (of those with
    as many, the one whose tables sort last: the order the subsets come in does not
    matter).

    Read and written as raw tables (glyf, loca, hmtx): decoding every glyph of every subset
    with fontTools is slow, for outlines that are only copied."""

    def __init__(self, first: _Outlines) -> None:
        self._base = first
        self._glyphs: dict[int, tuple[bytes, tuple[int, int]]] = {}
        self.add(first)

    def add(self, font: _Outlines) -> bool:
        """Take the glyphs of ``font``; return False (taking nothing) if it is not a subset
        of the same font (other units per em)."""
        if font.units != self._base.units:
            return False
        if font.count > self._base.count or \
                (font.count == self._base.count and font.order > self._base.order):
            self._base = font
        for gid in font.outlined():
            if gid not in self._glyphs:
                self._glyphs[gid] = (font.glyph(gid), font.metric(gid))
        return True

    def program(self) -> bytes:
        """Return the font: the base's outlines first, then the first found of each glyph."""
        from fontTools.ttLib.sfnt import SFNTWriter  # the joining process's only

        base = self._base
        own = set(base.outlined())
        glyf, loca, metrics = bytearray(), [0], []
        for gid in range(base.count):
            outline, metric = (base.glyph(gid), base.metric(gid)) if gid in own or \
                gid not in self._glyphs else self._glyphs[gid]
            glyf += outline + b"\0" * (-len(outline) % 4)
            loca.append(len(glyf))
            metrics.append(metric)
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

    @classmethod
    def read(cls, program: bytes) -> _Outlines | None:
        """Return the outlines of ``program``, or None if it is not a TrueType font with
        the tables merging needs. (Its table directory read by hand: fontTools' reader
        took a sixth of the join at 1,000 records.)"""
        try:
            count = struct.unpack_from(">H", program, 4)[0]
            tables = {}
            for index in range(count):
                tag, _, offset, length = struct.unpack_from(">4sIII", program, 12 + 16 * index)
                tables[tag.decode("latin-1")] = program[offset:offset + length]
            return cls(tables, program[:4].decode("latin-1"))
        except (KeyError, struct.error):
            return None

    def __init__(self, tables: dict[str, bytes], flavor: str) -> None:
        self.tables = tables
        self.flavor = flavor
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

    @property
    def order(self) -> tuple[tuple[str, bytes], ...]:
        """Return the font's tables, to choose between subsets of as many glyphs."""
        return tuple(sorted(self.tables.items()))

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
