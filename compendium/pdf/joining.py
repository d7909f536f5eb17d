"""Join the parts' PDFs into the compendium: pages, tag tree, links, outline, page numbers.

WeasyPrint lays out each part as a document of its own (see parts.py). Joining them keeps
what makes the PDF accessible and navigable: one tag tree (each part's elements under one
Document element, with the parent-tree keys renumbered), one set of named destinations (so
links between parts land), one outline, page labels (roman front matter), and the page
numbers, cut from the folio sheets and drawn as /Artifact. qpdf (through pikepdf) writes the file
with an identifier made from its content, so the same parts give the same bytes.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from compendium.errors import RenderError
from compendium.pdf.intent import add_output_intent
from compendium.pdf.numbers import Folio, sheet_lines
from compendium.pdf.parts import FOREIGN_LINK
from compendium.pdf.subsets import SubsetMerger


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of pages laid out together, as the join takes it: a piece of a part (flow.py),
    a part's divisions being those that open on a right-hand page (parts.py)."""

    data: bytes
    """The piece's PDF."""
    pages: int
    """Its page count, as its worker reported it."""
    blank_before: bool
    """Whether a blank page goes before it (it opens on a right-hand page)."""
    levels: tuple[int, ...] | None = None
    """The bookmark level of each of its outline items (RenderedPdf.levels), if known."""


@dataclass(frozen=True, slots=True)
class Assembled:
    """The joined PDF and what went wrong on the way."""

    data: bytes
    """The PDF file."""
    pages: int
    """Its page count."""
    warnings: tuple[str, ...]
    """Links whose target no part has."""


OWN_STREAMS_FROM = 16 << 20
"""Bytes of parts from which the join copies their streams as it copies their pages, and
closes each part at once (_own_streams): below, the parts stay open until the file is
written, which is a fifth faster (2.76 s against 3.41 s, medians of 3 side by side, for the
232 pieces of a 1,000-record book, 6.6 MB, the same bytes written) and holds them all in
memory; at 10,000 records (47 MB of parts) that would take the joining process over 1 GB
(issue 16)."""
_LEFT_TO_THE_END: list[object] = []
"""What joins in a process that ends after them left unfreed (join_pieces' ``ending``)."""


def join_pieces(pieces: Sequence[Piece], sheets: Sequence[bytes],
                folios: Sequence[Folio | None], roman_pages: int,
                stamp: bytes | None = None, ending: bool = False) -> Assembled:
    """Join ``pieces`` (the first gives the catalog: metadata, language, attachments).

    ``folios[i]`` is the number drawn over page i, from the folio ``sheets`` (none: no
    number), and the first page of ``stamp`` is drawn over every page; the first
    ``roman_pages`` pages are labelled i, ii, … and the rest 1, 2, …

    ``ending``: the calling process ends after the join (the joining process, ended by
    os._exit like every worker), so a small book's qpdf objects are left for the end to
    free: freed one by one, they took 0.3 s of a 2.2 s join (1,000 records)."""
    with contextlib.ExitStack() as parts_open:
        # A small book's parts stay open until the file is written, and qpdf copies their
        # streams then; a large one's streams are copied as its pages are (_own_streams).
        keep = parts_open if sum(len(p.data) for p in pieces) < OWN_STREAMS_FROM else None
        out, missing = _joined(pieces, sheets, folios, roman_pages, stamp, keep)
        pages = len(out.pages)
        with tempfile.TemporaryFile() as file:
            # To a file, not to memory, and read back once qpdf's objects are gone: at
            # 10,000 records they take about 900 MB, the file 27 MB, and this process must
            # stay under 1 GB (issue 16).
            out.save(file, deterministic_id=True, compress_streams=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate)
            if ending and keep is not None:  # (a large book's are freed here, before the
                # file is read back: the process stays under 1 GB)
                _LEFT_TO_THE_END.append((out, parts_open.pop_all()))
            del out
            parts_open.close()
            file.seek(0)
            return Assembled(file.read(), pages, tuple(missing))


def _joined(pieces: Sequence[Piece], sheets: Sequence[bytes],
            folios: Sequence[Folio | None], roman_pages: int,
            stamp: bytes | None, keep: contextlib.ExitStack | None = None
            ) -> tuple[pikepdf.Pdf, list[str]]:
    """Return the joined document of join_pieces, not yet written, and its links that land
    nowhere; the parts are closed as they are copied, or, given ``keep``, left open in it
    (their streams then copied by qpdf when the document is written)."""
    out = _open(pieces[0], 1)
    fonts = SubsetMerger(out)
    fonts.fold(out.pages)
    tree = _TagTree(out)
    outline = _leveled(_outline_items(out, out, 1), pieces[0].levels)
    dests = dict(_dests(out, out))
    for number, piece in enumerate(pieces[1:], start=2):
        if piece.blank_before:
            _add_blank_page(out)
        first = len(out.pages)
        source = _open(piece, number)
        # Closed at the end of this block, or, kept, when ``keep`` closes.
        with source if keep is None else contextlib.nullcontext(keep.enter_context(source)):
            with warnings.catch_warnings():
                # "does not preserve named destinations": _dests joins them below.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                out.pages.extend(source.pages)
            tree.add(source, first)
            outline += _leveled(_outline_items(source, out, 1), piece.levels)
            for name, dest in _dests(source, out):
                dests.setdefault(name, dest)
            fonts.fold(out.pages[first:])
            if keep is None:
                _own_streams(out.pages[first:])
    expected = sum(p.pages + p.blank_before for p in pieces)
    if len(out.pages) != expected:
        raise RenderError(f"the joined PDF has {len(out.pages)} pages, its parts {expected}")
    missing = _missing_links(out, dests)
    if "/Names" not in out.Root:  # a first part without anchors (the title pages)
        out.Root.Names = Dictionary()
    out.Root.Names.Dests = Dictionary(Names=Array(
        [x for name in sorted(dests) for x in (String(name), dests[name])]))
    _write_outline(out, outline)
    _draw_folios(out, [pikepdf.open(io.BytesIO(d)) for d in sheets], folios,
                 pikepdf.open(io.BytesIO(stamp)) if stamp else None)
    fonts.finish()
    add_output_intent(out)
    out.Root.PageLabels = Dictionary(Nums=Array(
        [0, Dictionary(S=Name.r), roman_pages, Dictionary(S=Name.D)]))
    return out, missing


def _open(piece: Piece, number: int) -> pikepdf.Pdf:
    """Open a part's PDF, refusing one whose file lacks pages its worker laid out."""
    source = pikepdf.open(io.BytesIO(piece.data))
    if len(source.pages) != piece.pages:
        raise RenderError(f"part {number} has {len(source.pages)} pages in its file, "
                          f"{piece.pages} when laid out")
    return source


def _own_streams(pages: Sequence[pikepdf.Page]) -> None:
    """Give every stream the copied ``pages`` draw (contents, fonts, images) its own copy of
    its encoded data, so that the part they came from can be closed at once.

    qpdf copies a stream's data only when the joined file is written, keeping every part
    open until then, each part's objects parsed in memory besides their copies: a third of
    the join's memory."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = []
    for page in pages:  # what a page draws; of its links (thousands on an index page), only
        # their appearances
        stack += [page.obj.get("/Contents"), page.obj.get("/Resources")]
        stack += [annotation.get("/AP") for annotation in page.obj.get("/Annots", ())]
    while stack:
        obj = stack.pop()
        if not isinstance(obj, pikepdf.Object):
            continue  # numbers, booleans: pikepdf gives them as Python values
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            info = obj.stream_dict
            # The data as it is encoded, with the filters it is encoded by.
            obj.write(obj.read_raw_bytes(), filter=info.get("/Filter"),  # type: ignore[arg-type]
                      decode_parms=info.get("/DecodeParms"),  # type: ignore[arg-type]
                      type_check=False)
            stack.extend(info.values())
        elif isinstance(obj, Dictionary):
            # Not up to the page tree (/Parent) or into the tag tree (/P): no page draws
            # from them, and they are as large as the rest.
            stack.extend(value for key, value in obj.items() if key not in ("/Parent", "/P"))
        elif isinstance(obj, Array):
            stack.extend(obj)


class _TagTree:
    """The joined tag tree: the first part's, with the others' elements appended."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        root = pdf.Root.StructTreeRoot if "/StructTreeRoot" in pdf.Root else None
        self._pdf = pdf
        self._document = root.K[0] if root is not None else None
        self._nums = root.ParentTree.Nums if root is not None else None
        self._next = (max(int(k) for k in self._nums[::2]) + 1
                      if self._nums is not None and len(self._nums) else 0)

    def add(self, source: pikepdf.Pdf, first_page: int) -> None:
        """Append the tags of ``source``, whose pages now start at ``first_page``."""
        if self._document is None or self._nums is None or \
                "/StructTreeRoot" not in source.Root:
            return
        root = source.Root.StructTreeRoot
        theirs = root.K[0]
        del theirs["/P"]  # copy the elements, not the other part's tree root
        kids = _copy(self._pdf, source, theirs.K)
        for kid in kids:
            if isinstance(kid, Dictionary):
                kid.P = self._document
            self._document.K.append(kid)
        offset = self._next
        nums = _copy(self._pdf, source, root.ParentTree.Nums)
        for key, value in zip(nums[::2], nums[1::2], strict=True):
            self._nums.append(int(key) + offset)
            self._nums.append(value)
            self._next = max(self._next, int(key) + offset + 1)
        for page in self._pdf.pages[first_page:]:
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annotation in page.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset


def _copy(out: pikepdf.Pdf, source: pikepdf.Pdf, obj: Any) -> Any:
    """Return ``obj`` of ``source`` copied into ``out``; pages copied before are reused, so
    references to them land on their copies."""
    if not isinstance(obj, pikepdf.Object) or obj.is_indirect:
        return out.copy_foreign(obj)
    return out.copy_foreign(source.make_indirect(obj))


def _add_blank_page(pdf: pikepdf.Pdf) -> None:
    """Append an empty page the size of the last one."""
    box = pdf.pages[-1].MediaBox
    pdf.add_blank_page(page_size=(float(box[2]), float(box[3])))


def _outline_items(source: pikepdf.Pdf, out: pikepdf.Pdf,
                   level: int) -> Iterator[tuple[int, str, Any]]:
    """Yield (level, title, destination in ``out``) of every outline item of ``source``."""
    def walk(items: Any, level: int) -> Iterator[tuple[int, str, Any]]:
        for item in items:
            destination = item.destination
            if source is not out and destination is not None:
                destination = _copy(out, source, destination)
            yield level, item.title, destination
            yield from walk(item.children, level + 1)

    with source.open_outline() as outline:
        yield from walk(outline.root, level)


def _leveled(items: Iterator[tuple[int, str, Any]], levels: Sequence[int] | None
             ) -> list[tuple[int, str, Any]]:
    """Return ``items`` at ``levels``: a piece nests its own outline from its first item,
    which may be a level down from its part's (a record within a chapter)."""
    found = list(items)
    if levels is None:
        return found
    if len(levels) != len(found):
        raise RenderError(f"a piece of the PDF has {len(found)} outline items, "
                          f"{len(levels)} bookmarks when laid out")
    return [(level, title, destination)
            for level, (_, title, destination) in zip(levels, found, strict=True)]


def _write_outline(pdf: pikepdf.Pdf, items: Sequence[tuple[int, str, Any]]) -> None:
    """Replace the outline of ``pdf`` by ``items``, nested by level."""
    with pdf.open_outline() as outline:
        outline.root.clear()
        stack: list[tuple[int, Any]] = []
        for level, title, destination in items:
            item = pikepdf.OutlineItem(title, destination)
            while stack and stack[-1][0] >= level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((level, item))


def _dests(source: pikepdf.Pdf, out: pikepdf.Pdf) -> Iterator[tuple[str, Any]]:
    """Yield the named destinations of ``source`` (WeasyPrint writes one flat array)."""
    names = source.Root.get("/Names", Dictionary()).get("/Dests", Dictionary()).get(
        "/Names", Array())
    if source is not out:
        names = _copy(out, source, names)
    for name, dest in zip(names[::2], names[1::2], strict=True):
        yield str(name), dest


def name_foreign_links(pdf: pikepdf.Pdf) -> int:
    """Turn a piece's links to FOREIGN_LINK anchors into links to named destinations, which
    the join gives the whole document; return how many.

    Done as each piece is written, on every core, rather than in the join: an index of
    10,000 records holds 75,000 links, and the join's memory holds every object it copies."""
    named = 0
    for page in pdf.pages:
        for annotation in page.get("/Annots", ()):
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith(FOREIGN_LINK):
                anchor = uri[len(FOREIGN_LINK):]
                del annotation["/A"]
                annotation.Dest = String(anchor)
                annotation.Contents = String(anchor)
                named += 1
    return named


def _missing_links(pdf: pikepdf.Pdf, dests: dict[str, Any]) -> list[str]:
    """Name the links whose destination no part has."""
    return [f"no anchor '{annotation.Dest}' for a link"
            for page in pdf.pages for annotation in page.get("/Annots", ())
            if isinstance(annotation.get("/Dest"), String) and str(annotation.Dest) not in dests]


def _draw_folios(pdf: pikepdf.Pdf, sheets: Sequence[pikepdf.Pdf],
                 folios: Sequence[Folio | None], stamp: pikepdf.Pdf | None) -> None:
    """Draw each page's number from its folio sheet, and the stamp, as /Artifact content."""
    if len(folios) != len(pdf.pages):
        raise RenderError(f"{len(folios)} page numbers for {len(pdf.pages)} pages")
    lines: dict[int, list[bytes]] = {}
    resources: dict[int, Any] = {}
    forms: dict[Folio, Any] = {}
    # A name of our own for each form: pikepdf's prefix= draws random ones, and bytes must
    # repeat.
    stamped = (Name.Stamp, pdf.copy_foreign(stamp.pages[0].as_form_xobject())) if stamp else None
    for page, folio in zip(pdf.pages, folios, strict=True):
        drawn = []
        if folio is not None:
            if folio not in forms:
                sheet = sheets[folio.sheet]
                if folio.sheet not in lines:
                    lines[folio.sheet] = sheet_lines(sheet)
                    resources[folio.sheet] = _copy(pdf, sheet, sheet.pages[1].Resources)
                if folio.line >= len(lines[folio.sheet]):
                    raise RenderError(f"folio sheet {folio.sheet} has "
                                      f"{len(lines[folio.sheet])} numbers, not {folio.line + 1}")
                forms[folio] = _form(pdf, lines[folio.sheet][folio.line],
                                     sheet.pages[1].MediaBox, resources[folio.sheet])
            drawn.append((Name(f"/Folio{folio.sheet}l{folio.line}"), forms[folio]))
        if stamped is not None:
            drawn.append(stamped)
        if not drawn:
            continue
        names = b"".join(b" " + str(page.add_resource(form, Name.XObject, name)).encode() +
                         b" Do" for name, form in drawn)
        page.contents_add(pikepdf.Stream(pdf, b"q"), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, b"Q q /Artifact BMC" + names + b" EMC Q"),
                          prepend=False)


def _form(pdf: pikepdf.Pdf, content: bytes, box: Any, resources: Any) -> Any:
    """Return a form XObject of ``pdf`` drawing ``content`` over a page of size ``box``."""
    form = pikepdf.Stream(pdf, content)
    form.Type = Name.XObject
    form.Subtype = Name.Form
    form.BBox = Array([float(v) for v in box])
    form.Resources = resources
    return pdf.make_indirect(form)
