"""Lay out a part as a flow of pieces, each remembered, so that an edit lays out only the
pages it moves, and no process holds more than a window of a long part (in a PDF worker).

A part is laid out as WeasyPrint lays out one document, but one page at a time
(stream.py), in windows of its HTML, and written in pieces: runs of pages, each ending
where a page opens with an element of its own (a checkpoint, see resume.py) that
starts_piece picks. Each piece is kept in the cache with what its pages depend on: the
checkpoint it starts at (side, running heads, the elements it sits in) and the text from
there to the end of the page after its last. Laying out a part is then a walk from its
start: take the piece that starts at the checkpoint if its text is unchanged; else lay out
from the checkpoint until a page starts a piece that was remembered with the same text
(the layout has met the last one again), and walk on from there.

A window holds the part's text from a checkpoint on, up to about ``window`` characters;
when it runs out, the pages after its last piece are laid out again in the next one (a
page is only taken once the page after it is laid out).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from weasyprint import CSS
from weasyprint.urls import FatalURLFetchingError

from compendium.cache import Cache, key_of
from compendium.errors import RenderError
from compendium.fonts import needs_script_faces
from compendium.logcapture import captured_warnings
from compendium.pdf.cuts import starts_piece
from compendium.pdf.drawing import Drawing, laying_out
from compendium.pdf.jobs import LaidPart, PdfJob, RenderedPdf, pack_pdf, part_key, unpack_pdf
from compendium.pdf.layout import (
    PDFUA_XMP,
    anchor_pages,
    attachments_of,
    blank_pages,
    parsed_styles,
    slimmed,
)
from compendium.pdf.resume import (
    RESUMED_CSS,
    START,
    Checkpoint,
    PartSource,
    elements_on,
    opening_element,
    resumed,
)
from compendium.pdf.stream import PageStream
from compendium.pdf.tags import mark_margins_as_artifacts

FIRST_WINDOW = 15_000
"""Characters of HTML (about 4 pages of a chapter) at least beyond the end of the piece laid
out from a checkpoint before, in the first window laid out from there after an edit; as
many as that piece and its next page held, if more. WeasyPrint parses and styles the whole
window before the first page: a fixed 60,000 cost 12 % more over twelve edits of the
longest chapter and the annex (1,000 records), for the same pages laid out; a fixed 15,000
ran out in the annex (a page of it holds three times the HTML), which was then laid out
again from its last piece in a window twice as long: 13 pages for 9 (bench/README.md)."""
MAX_WINDOW = 1_000_000
"""Characters a window grows to (doubling while the layout has not converged): about 240
pages."""
KEPT_VERSIONS = 6
"""Versions of the piece starting at a checkpoint that the index keeps (undo, rounds)."""


@dataclass(frozen=True, slots=True)
class _Found:
    """A remembered piece whose text is unchanged."""

    pdf: RenderedPdf
    key: str
    next: Checkpoint | None


class _PieceIndex:
    """The pieces laid out before, by the checkpoint they start at (in the cache)."""

    def __init__(self, cache: Cache, job: PdfJob, source: PartSource) -> None:
        self._cache = cache
        self._job = part_key(replace(job, html=""))  # stylesheets, page rules, fonts, …
        self._source = source
        self.kept: list[tuple[RenderedPdf, str]] = []
        """The pieces laid out, with their keys, in order."""
        self.fresh = 0
        """Pages laid out."""
        self.consulted: set[str] = set()
        """The index entries looked at: prune must keep them for the next edit."""
        self._found: dict[Checkpoint, _Found | None] = {}

    def _index_key(self, at: Checkpoint) -> str:
        return key_of("pdf-piece-at", self._job, self._source.context(at))

    def find(self, at: Checkpoint) -> _Found | None:
        """Return the piece laid out before from ``at`` whose text is unchanged, if any
        (looked up once a job: the layout asks at a boundary, the walk again after it)."""
        if at not in self._found:
            self._found[at] = self._look_up(at)
        return self._found[at]

    def _look_up(self, at: Checkpoint) -> _Found | None:
        index = self._index_key(at)
        for version in self._versions(index):
            if self._source.text_hash(at.element, self._end(version["end"])) != \
                    version["through"]:
                continue
            entry = self._cache.get(version["piece"])
            if entry is None:
                continue
            following = version["next"]
            return _Found(unpack_pdf(entry), version["piece"],
                          None if following is None else Checkpoint.from_json(following))
        return None

    def reach(self, at: Checkpoint) -> int | None:
        """Return how far (in characters from ``at``) the text the pieces laid out from
        ``at`` before depended on went, the farthest of them; None if none was."""
        ends = [self._end(version["end"]) for version in self._versions(self._index_key(at))]
        start = self._source.offset(at.element)
        return max((end - start for end in ends if end > start), default=None)

    def keep(self, at: Checkpoint, pdf: RenderedPdf, following: Checkpoint | None,
             end: str | None) -> None:
        """Remember ``pdf``, laid out from ``at`` up to ``following``, its pages depending
        on the text up to the end of the element ``end`` (None: of the part)."""
        index = self._index_key(at)
        through = self._source.text_hash(at.element, self._end(end))
        piece = key_of("pdf-piece", index, through)
        self._cache.put(piece, pack_pdf(pdf))
        version = {"end": end, "through": through, "piece": piece,
                   "next": None if following is None else following.to_json()}
        versions = [version, *(v for v in self._versions(index) if v["piece"] != piece)]
        self._cache.replace(index, json.dumps(versions[:KEPT_VERSIONS]).encode())
        self._found[at] = None  # laid out anew: its text was not remembered
        self.kept.append((pdf, piece))

    def _versions(self, index: str) -> list[dict[str, Any]]:
        self.consulted.add(index)
        found = self._cache.latest(index)
        if found is None:
            return []
        try:
            versions = json.loads(found)
        except ValueError:
            return []
        return versions if isinstance(versions, list) else []

    def _end(self, element: str | None) -> int:
        if element is not None and not self._source.has(element):
            return -1  # gone: the text hash cannot match
        return self._source.end_of(element)


def lay_out_part(job: PdfJob, folder: Path | None) -> LaidPart:
    """Lay out ``job`` (a part) as pieces, remembered in the cache under ``folder``."""
    source = PartSource(job.html)
    cache = Cache(folder)
    index = _PieceIndex(cache, job, source)
    pieces: list[tuple[RenderedPdf, str]] = []
    at: Checkpoint | None = START
    with laying_out():
        while at is not None:
            found = index.find(at)
            if found is not None:
                pieces.append((found.pdf, found.key))
                at = found.next
                continue
            at = _Layout(job, source, index).run(at)
            pieces += index.kept
            index.kept.clear()
    return LaidPart(tuple(pdf for pdf, _ in pieces), tuple(key for _, key in pieces),
                    (cache.hits, cache.misses), index.fresh, tuple(sorted(index.consulted)))


class _Layout:
    """Laying a part out from a checkpoint until it meets a remembered piece, or ends."""

    def __init__(self, job: PdfJob, source: PartSource, index: _PieceIndex) -> None:
        self._job = job
        self._source = source
        self._index = index
        self._styles = parsed_styles(job.project, job.stylesheets, needs_script_faces(job.html))
        extra = job.page_css + RESUMED_CSS
        self._css = [*self._styles.sheets,
                     CSS(string=extra, font_config=self._styles.fonts,
                         url_fetcher=self._styles.fetcher)]
        self._drawing: Drawing[_Drawn] = Drawing(self._keep)
        self._warnings: list[str] = []
        """What WeasyPrint says in the window being laid out (see _draw)."""

    def run(self, at: Checkpoint) -> Checkpoint | None:
        """Lay out from ``at`` (the pieces go to the index); return where the walk goes on
        (None: the part's end)."""
        # After an edit, the layout meets the last one again soon after the piece laid out
        # from here before ends: a window to there and as far again (at least FIRST_WINDOW:
        # a dense part, such as the annex, holds more HTML a page, and a window that ran out
        # is laid out again from its last piece). Whole windows in a part never laid out.
        reach = self._index.reach(at)
        window = MAX_WINDOW if reach is None else \
            min(reach + max(FIRST_WINDOW, reach), MAX_WINDOW)
        while True:
            until = self._source.after(at.element, window)
            reached, converged = self._window(at, until)
            if reached is None or converged:
                return reached
            # Wider each time: the layout has not met the last one yet (after an edit), or
            # no page of the window started a piece.
            window = 2 * window if reached == at else min(2 * window, MAX_WINDOW)
            at = reached

    def _window(self, at: Checkpoint, until: str | None) -> tuple[Checkpoint | None, bool]:
        """Lay out the window from ``at`` to ``until`` (its pieces drawn and kept); return
        the checkpoint the next window starts at (None: the part ended), and whether the
        layout met a remembered piece there."""
        html, dropped = resumed(self._source, at, until)
        with captured_warnings("weasyprint") as warnings:
            self._warnings = warnings
            try:
                reached = self._paginate(html, dropped, at, until, warnings)
                # Drawn while the next window is parsed and laid out, if a core is free;
                # all of them before the walk goes on (run).
                self._drawing.flush()
                if reached[0] is None or reached[1]:
                    self._drawing.finish()
                return reached
            # WeasyPrint raises many types, and a refused fetch as a BaseException (see
            # layout.typeset).
            except (Exception, FatalURLFetchingError) as exc:
                self._drawing.abandon()
                if isinstance(exc, RenderError):
                    raise
                reason = f"{exc} ({exc.__cause__})" if exc.__cause__ else str(exc)
                raise RenderError(f"PDF rendering failed: {reason}") from exc

    def _paginate(self, html: str, dropped: int, at: Checkpoint, until: str | None,
                  warnings: list[str]) -> tuple[Checkpoint | None, bool]:
        """Lay out ``html`` (see _window), writing a piece at each checkpoint that starts
        one (starts_piece), and stopping at one where a remembered piece starts.

        A page is taken once the page after it is laid out: a page that opens with an
        element is a checkpoint only if the window goes on after it."""
        stream = PageStream(html, self._job.project.as_uri() + "/", self._styles.fetcher,
                            self._css, self._styles.fonts)
        if self._job.variant == "pdf/a-3u":
            stream.metadata.xmp_metadata.append(PDFUA_XMP)
        piece = _OpenPiece(at)
        seen: set[int] = set()
        pending: tuple[Checkpoint, Any, list[str]] | None = None
        told = 0  # warnings given to a page or a piece so far
        for number, page in enumerate(stream.pages(), start=1):
            self._index.fresh += 1
            box = page._page_box
            # A warning goes with the page whose layout gave it: a piece remembers its own
            # pages' only (not its window's), so a fixed record's warning is not given
            # again by the pieces the cache has beside it.
            said, told = list(warnings[told:]), len(warnings)
            if number <= dropped:  # the page of carried running heads
                seen |= elements_on(box)
                piece.warnings += said
                continue
            if pending is not None:
                checkpoint, opened, opened_said = pending
                pending = None
                self._write(stream, piece, checkpoint, opened)
                if self._index.find(checkpoint) is not None:
                    return checkpoint, True
                piece = _OpenPiece(checkpoint, [opened], opened_said)
            opening = opening_element(box, seen) if piece.pages else None
            seen |= elements_on(box)
            if opening is None or not self._source.has(opening.element) or \
                    not starts_piece(opening.element, len(piece.pages)):
                piece.pages.append(page)
                piece.warnings += said
                continue
            side = box.page_type.side == "right"
            strings = tuple(sorted(stream.strings_before(number).items()))
            pending = (Checkpoint(opening.element, side, strings, opening.forced), page, said)
        if until is not None:  # the window ran out: the next one takes up the open piece
            return piece.start, False
        if pending is not None:
            piece.pages.append(pending[1])
            piece.warnings += pending[2]
        piece.warnings += warnings[told:]
        self._write(stream, piece, None, None)
        return None, False

    def _write(self, stream: PageStream, piece: _OpenPiece, following: Checkpoint | None,
               opened: Any) -> None:
        """Draw ``piece`` up to ``following`` (whose page is ``opened``), now or apart
        (drawing.py), and keep it, with the warnings of its pages' layout and of its
        drawing."""
        end = last_element(opened._page_box) if opened is not None else None
        self._drawing.add(functools.partial(self._draw, stream, piece, following, end))

    def _draw(self, stream: PageStream, piece: _OpenPiece, following: Checkpoint | None,
              end: str | None) -> _Drawn:
        first = piece.start == START  # the catalog's: attachments and their date
        job = self._job
        # Its drawing's warnings are its own, not the page's being laid out meanwhile:
        # taken out of the window's (whichever is laid out when it is drawn).
        warnings = self._warnings
        before = len(warnings)
        data = stream.write(
            piece.pages, pdf_variant=job.variant, pdf_tags=job.tagged, pdf_identifier=True,
            attachments=attachments_of(job) if first else [], uncompressed_pdf=False,
            finisher=mark_margins_as_artifacts)
        pdf, foreign = slimmed(data)
        said = dict.fromkeys([*piece.warnings, *warnings[before:], *foreign])
        del warnings[before:]
        rendered = RenderedPdf(
            pdf, len(piece.pages), anchor_pages(piece.pages), tuple(said),
            blank_pages(piece.pages),
            tuple(level for page in piece.pages for level, *_ in page.bookmarks))
        return _Drawn(rendered, piece.start, following, end)

    def _keep(self, drawn: _Drawn) -> None:
        self._index.keep(drawn.start, drawn.pdf, drawn.following, drawn.end)


@dataclass(frozen=True, slots=True)
class _Drawn:
    """A piece drawn, and where it lies in its part."""

    pdf: RenderedPdf
    start: Checkpoint
    following: Checkpoint | None
    end: str | None


@dataclass(slots=True)
class _OpenPiece:
    """The pages of a piece being laid out."""

    start: Checkpoint
    """Where it starts."""
    pages: list[Any] = field(default_factory=list)
    """Its pages so far (WeasyPrint's)."""
    warnings: list[str] = field(default_factory=list)
    """What WeasyPrint said laying those pages out."""


def last_element(page_box: Any) -> str | None:
    """Return the id of the innermost element with one that holds the end of the page."""
    found: str | None = None
    box = page_box.children[0]
    while True:
        element = getattr(box, "element", None)
        if element is not None and element.get("id"):
            found = element.get("id")
        children = [child for child in getattr(box, "children", ())
                    if not isinstance(child, str)]
        if not children:
            return found
        box = children[-1]
