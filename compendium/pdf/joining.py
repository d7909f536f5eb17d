"""Join the parts' PDFs into the compendium: pages, tag tree, links, outline, page numbers.

WeasyPrint lays out each part as a document of its own (see parts.py). Joining them, as
they come (Joining), keeps what makes the PDF accessible and navigable: one tag tree (each
part's elements under one Document element, with the parent-tree keys renumbered), one set
of named destinations (so links between parts land), one outline, page labels (roman
front matter), and the page numbers, cut from the folio sheets and drawn as /Artifact.
qpdf (through pikepdf) writes the file with an identifier made from its content, so the
same parts, given in the same order, give the same bytes.
"""

from __future__ import annotations

import bisect
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
from compendium.pdf.numbers import Folio, SheetLines, sheet_lines
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
closes each part at once (_own_streams; counted as the parts come, those kept open until
then are let go when it is reached): below, the parts stay open until the file is
written, which is a fifth faster (2.76 s against 3.41 s, medians of 3 side by side, for the
232 pieces of a 1,000-record book, 6.6 MB, the same bytes written) and holds them all in
memory; at 10,000 records (47 MB of parts) that would take the joining process over 1 GB
(issue 16)."""
_LEFT_TO_THE_END: list[object] = []
"""What joins in a process that ends after them left unfreed (Joining.finish's ``ending``)."""


Place = tuple[int, ...]
"""Where a piece goes in the book: numbers that sort as the book runs (its part's, then its
own within the part)."""


def join_pieces(pieces: Sequence[Piece], sheets: Sequence[bytes],
                folios: Sequence[Folio | None], roman_pages: int,
                stamp: bytes | None = None, ending: bool = False) -> Assembled:
    """Join ``pieces`` (the first gives the catalog: metadata, language, attachments).

    ``folios[i]`` is the number drawn over page i, from the folio ``sheets`` (none: no
    number), and the first page of ``stamp`` is drawn over every page; the first
    ``roman_pages`` pages are labelled i, ii, … and the rest 1, 2, …

    ``ending``: the calling process ends after the join (see Joining.finish)."""
    joining = Joining(pieces[0], (0,))
    for number, piece in enumerate(pieces[1:], start=1):
        joining.add((number,), piece)
    return joining.finish([(n,) for n in range(len(pieces))],
                          {(n,) for n, piece in enumerate(pieces) if n and piece.blank_before},
                          sheets, folios, roman_pages, stamp, ending)


@dataclass(slots=True)
class _Placed:
    """A piece copied into the joined document, with what the join takes from it."""

    place: Place
    pages: list[pikepdf.Page]
    """Its pages, in the joined document."""
    kids: int
    """How many elements it adds to the tag tree's Document element."""
    nums: list[Any]
    """Its parent tree's keys and values, the keys its own (numbered when the book's order
    is known, by finish)."""
    outline: list[tuple[int, str, Any]]
    dests: list[tuple[str, Any]]


class Joining:
    """The joined document, made as its pieces come: the first opens it, the others are
    copied in as they are laid out, each to its place in the book; ``finish`` writes the
    file when all are in.

    Pieces given in any order make the same objects: whatever depends on the book's order
    (parent tree numbers, outline, destinations, blank pages, page numbers) is settled by
    ``finish``, and the fonts are folded by rules that do not depend on it (subsets.py). The
    bytes do depend on it: qpdf groups objects into object streams by their numbers, given
    as they are copied. A build gives the pieces in a fixed order (run.join_order), so the
    same parts give the same bytes whichever was laid out first."""

    def __init__(self, first: Piece, place: Place) -> None:
        self._open = contextlib.ExitStack()
        """The parts whose streams the joined document still shares (a small book's)."""
        self._sharing: list[list[pikepdf.Page]] = []
        """The pages copied from them."""
        self._bytes = len(first.data)
        self.out = _open(first, place)
        self._fonts = SubsetMerger(self.out)
        self._fonts.fold(self.out.pages)
        root = self.out.Root.StructTreeRoot if "/StructTreeRoot" in self.out.Root else None
        self._document = root.K[0] if root is not None else None
        self._nums = root.ParentTree.Nums if root is not None else None
        self._placed = [_Placed(place, list(self.out.pages), self._kids(), [],
                                _leveled(_outline_items(self.out, self.out, 1), first.levels),
                                list(_dests(self.out, self.out)))]

    def _kids(self) -> int:
        """Return how many elements the tag tree's Document element holds."""
        return len(self._document.K) if self._document is not None else 0

    def add(self, place: Place, piece: Piece) -> None:
        """Copy ``piece`` in, to go at ``place`` (after the first piece's)."""
        # The pieces mostly come in the book's order: its place is found by bisection, not
        # by comparing it with every piece before (2,000 pieces at 10,000 records).
        index = bisect.bisect_left(self._placed, place, key=lambda placed: placed.place)
        if index == 0 or (index < len(self._placed) and self._placed[index].place == place):
            raise RenderError(f"{_named(place)} of the PDF was given twice, or before the first")
        before = self._placed[:index]
        at_page = sum(len(p.pages) for p in before)
        source = self._open.enter_context(_open(piece, place))
        with warnings.catch_warnings():
            # "does not preserve named destinations": _dests joins them below.
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            for offset, page in enumerate(source.pages):
                self.out.pages.insert(at_page + offset, page)
        pages = list(self.out.pages[at_page:at_page + len(source.pages)])
        kids, nums = self._copy_tags(source, sum(p.kids for p in before))
        self._placed.insert(index, _Placed(
            place, pages, kids, nums, _leveled(_outline_items(source, self.out, 1), piece.levels),
            list(_dests(source, self.out))))
        self._fonts.fold(pages)
        self._bytes += len(piece.data)
        self._sharing.append(pages)
        if self._bytes >= OWN_STREAMS_FROM:
            # A small book's parts stay open until the file is written, and qpdf copies
            # their streams then; a large one's are copied now, and its parts closed.
            for shared in self._sharing:
                _own_streams(shared)
            self._sharing.clear()
            self._open.close()

    def _copy_tags(self, source: pikepdf.Pdf, at: int) -> tuple[int, list[Any]]:
        """Copy the elements of ``source``'s tag tree under the Document element, from its
        ``at``-th, and its parent tree's keys and values; return how many elements, and
        those keys and values."""
        if self._document is None or "/StructTreeRoot" not in source.Root:
            return 0, []
        root = source.Root.StructTreeRoot
        theirs = root.K[0]
        del theirs["/P"]  # copy the elements, not the other part's tree root
        kids = _copy(self.out, source, theirs.K)
        for offset, kid in enumerate(kids):
            if isinstance(kid, Dictionary):
                kid.P = self._document
            self._document.K.insert(at + offset, kid)
        return len(kids), list(_copy(self.out, source, root.ParentTree.Nums))

    def finish(self, order: Sequence[Place], blanks: set[Place], sheets: Sequence[bytes],
               folios: Sequence[Folio | None], roman_pages: int, stamp: bytes | None = None,
               ending: bool = False) -> Assembled:
        """Write the joined document, its pieces at the places ``order`` lists, a blank page
        before those in ``blanks``; draw the page numbers and stamp (see join_pieces).

        ``ending``: the calling process ends after the join (the joining process, ended by
        os._exit like every worker), so a small book's qpdf objects are left for the end to
        free: freed one by one, they took 0.3 s of a 2.2 s join (1,000 records)."""
        given = [p.place for p in self._placed]
        if given != list(order):
            raise RenderError(f"the join was given the pieces {_named_all(given)}, "
                              f"not {_named_all(order)}")
        with self._open:
            missing = self._settle(blanks, folios, sheets, roman_pages, stamp)
            pages = len(self.out.pages)
            with tempfile.TemporaryFile() as file:
                # To a file, not to memory, and read back once qpdf's objects are gone: at
                # 10,000 records they take about 900 MB, the file 27 MB, and this process
                # must stay under 1 GB (issue 16).
                self.out.save(file, deterministic_id=True, compress_streams=True,
                              object_stream_mode=pikepdf.ObjectStreamMode.generate)
                if ending and self._bytes < OWN_STREAMS_FROM:  # (a large book's are freed here,
                    # before the file is read back: the process stays under 1 GB)
                    _LEFT_TO_THE_END.append((self.out, self._placed, self._open.pop_all()))
                del self.out, self._placed, self._fonts, self._document, self._nums
                self._open.close()
                file.seek(0)
                return Assembled(file.read(), pages, tuple(missing))

    def _settle(self, blanks: set[Place], folios: Sequence[Folio | None],
                sheets: Sequence[bytes], roman_pages: int, stamp: bytes | None) -> list[str]:
        """Do what depends on the book's order, now known; return the links landing
        nowhere."""
        out = self.out
        expected = sum(len(p.pages) for p in self._placed) + len(blanks)
        for placed in self._placed:
            if placed.place in blanks:
                _insert_blank_page(out, out.pages.index(placed.pages[0]))
        if len(out.pages) != expected:
            raise RenderError(f"the joined PDF has {len(out.pages)} pages, its parts {expected}")
        self._number_parent_tree()
        outline = [item for placed in self._placed for item in placed.outline]
        dests: dict[str, Any] = {}
        for placed in self._placed:
            for name, dest in placed.dests:
                dests.setdefault(name, dest)
        missing = _missing_links(out, dests)
        if "/Names" not in out.Root:  # a first part without anchors (the title pages)
            out.Root.Names = Dictionary()
        out.Root.Names.Dests = Dictionary(Names=Array(
            [x for name in sorted(dests) for x in (String(name), dests[name])]))
        _write_outline(out, outline)
        _draw_folios(out, [pikepdf.open(io.BytesIO(d)) for d in sheets], folios,
                     pikepdf.open(io.BytesIO(stamp)) if stamp else None)
        self._fonts.finish()
        add_output_intent(out)
        out.Root.PageLabels = Dictionary(Nums=Array(
            [0, Dictionary(S=Name.r), roman_pages, Dictionary(S=Name.D)]))
        return missing

    def _number_parent_tree(self) -> None:
        """Give each piece's parent tree keys their numbers in the book, after the first
        piece's, in the book's order, and its pages and links the same."""
        if self._nums is None:
            return
        following = max((int(k) for k in self._nums[::2]), default=-1) + 1
        for placed in self._placed[1:]:
            offset = following
            for key, value in zip(placed.nums[::2], placed.nums[1::2], strict=True):
                self._nums.append(int(key) + offset)
                self._nums.append(value)
                following = max(following, int(key) + offset + 1)
            for page in placed.pages:
                if "/StructParents" in page:
                    page.StructParents = int(page.StructParents) + offset
                for annotation in page.get("/Annots", ()):
                    if "/StructParent" in annotation:
                        annotation.StructParent = int(annotation.StructParent) + offset


def _named(place: Place) -> str:
    """Return how an error names the piece at ``place``."""
    return ", ".join(f"{word} {number + 1}" for word, number in zip(("part", "piece"), place,
                                                                  strict=False))


def _named_all(places: Sequence[Place]) -> str:
    """Return how an error names the pieces at ``places``."""
    return "; ".join(_named(place) for place in places) or "none"


def _open(piece: Piece, place: Place) -> pikepdf.Pdf:
    """Open a part's PDF, refusing one whose file lacks pages its worker laid out."""
    source = pikepdf.open(io.BytesIO(piece.data))
    if len(source.pages) != piece.pages:
        raise RenderError(f"{_named(place)} has {len(source.pages)} pages in its file, "
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


def _copy(out: pikepdf.Pdf, source: pikepdf.Pdf, obj: Any) -> Any:
    """Return ``obj`` of ``source`` copied into ``out``; pages copied before are reused, so
    references to them land on their copies."""
    if not isinstance(obj, pikepdf.Object) or obj.is_indirect:
        return out.copy_foreign(obj)
    return out.copy_foreign(source.make_indirect(obj))


def _insert_blank_page(pdf: pikepdf.Pdf, at: int) -> None:
    """Insert an empty page the size of the one before it, to be page ``at`` (from 0)."""
    box = pdf.pages[at - 1].MediaBox
    blank = pdf.make_indirect(Dictionary(
        Type=Name.Page, MediaBox=Array([0, 0, float(box[2]), float(box[3])]),
        Contents=pdf.make_stream(b""), Resources=Dictionary()))
    pdf.pages.insert(at, pikepdf.Page(blank))


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
    lines: dict[int, SheetLines] = {}
    resources: dict[int, Any] = {}
    forms: dict[Folio, Any] = {}
    # A name of our own for each form: pikepdf's prefix= draws random ones, and bytes must
    # repeat.
    stamped = (Name.Stamp, pdf.copy_foreign(stamp.pages[0].as_form_xobject())) if stamp else None
    for at, (page, folio) in enumerate(zip(pdf.pages, folios, strict=True)):
        drawn = []
        if folio is not None:
            if folio not in forms:
                sheet = sheets[folio.sheet]
                if folio.sheet not in lines:
                    lines[folio.sheet] = sheet_lines(sheet)
                    resources[folio.sheet] = _copy(pdf, sheet, sheet.pages[-1].Resources)
                # The book opens on a right-hand page: every second page is a left-hand one.
                numbers = lines[folio.sheet].left if at % 2 else lines[folio.sheet].right
                if folio.line >= len(numbers):
                    raise RenderError(f"folio sheet {folio.sheet} has "
                                      f"{len(numbers)} numbers, not {folio.line + 1}")
                forms[folio] = _form(pdf, numbers[folio.line], sheet.pages[-1].MediaBox,
                                     resources[folio.sheet])
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
