"""What the PDF workers are asked to lay out (PdfJob), what they give back (RenderedPdf), the
print edition as a whole (PrintJob), and how a laid-out job is kept in the cache.

The build process only makes jobs; layout.py, which the workers load, lays them out with
WeasyPrint. render_pdf imports it on first use, so that a build does not load WeasyPrint
(0.3 s) in a process that never calls it.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from compendium.cache import key_of
from compendium.fonts import font_files_hash

if TYPE_CHECKING:
    from compendium.html.document import Document


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    """A laid-out PDF and what WeasyPrint said while making it."""

    data: bytes
    """The PDF file."""
    pages: int
    """Number of pages."""
    anchors: Mapping[str, int]
    """The page (from 1) of every anchor, first occurrence winning."""
    warnings: tuple[str, ...]
    """Messages WeasyPrint logged (missing resources, unsupported CSS)."""
    blank: tuple[int, ...] = ()
    """Pages (from 0) that carry no page number: left blank before a right-hand opening,
    or a cover (layout.blank_pages)."""
    levels: tuple[int, ...] | None = None
    """The bookmark level (CSS ``bookmark-level``) of each item of its outline, in order: a
    piece that starts within its part nests its outline from its own first item."""


@dataclass(frozen=True, slots=True)
class LaidPart:
    """A part of the print edition laid out: its pieces, in order, each a PDF of its own."""

    pieces: tuple[RenderedPdf, ...]
    """The pieces (flow.py): runs of pages, each laid out once and remembered."""
    keys: tuple[str, ...] = ()
    """The cache entry of each piece, in order (none for a PDF laid out whole)."""
    lookups: tuple[int, int] = (0, 0)
    """Hits and misses of the cache in the worker that laid the pieces out."""
    fresh: int = 0
    """Pages WeasyPrint laid out for it in this build (those of the pieces not remembered,
    and those laid out again where a window ran out)."""
    index_keys: tuple[str, ...] = ()
    """The piece index entries it looked at (flow.py): kept by prune with the pieces."""

    @property
    def pages(self) -> int:
        """Number of pages."""
        return sum(piece.pages for piece in self.pieces)

    @property
    def anchors(self) -> dict[str, int]:
        """The page (from 1) of every anchor, first occurrence winning."""
        found: dict[str, int] = {}
        before = 0
        for piece in self.pieces:
            for anchor, page in piece.anchors.items():
                found.setdefault(anchor, before + page)
            before += piece.pages
        return found

    @property
    def blank(self) -> tuple[int, ...]:
        """Pages (from 0) that carry no page number (see RenderedPdf.blank)."""
        found: list[int] = []
        before = 0
        for piece in self.pieces:
            found += [before + page for page in piece.blank]
            before += piece.pages
        return tuple(found)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What WeasyPrint said, each message once."""
        return tuple(dict.fromkeys(w for piece in self.pieces for w in piece.warnings))


@dataclass(frozen=True, slots=True)
class PdfJob:
    """What to lay out and how to write it."""

    html: str
    """The compendium's HTML for the pdf medium."""
    project: Path
    """The only folder (with the font packages) the renderer may read."""
    stylesheets: tuple[Path, ...] = ()
    """Project stylesheets, in order."""
    page_css: str = ""
    """Generated rules: paper size, draft stamp."""
    variant: str | None = None
    """WeasyPrint PDF variant: pdf/ua-1 for publication, pdf/a-3u for the archive."""
    attachments: tuple[tuple[str, bytes, str], ...] = ()
    """(file name, content, description) to embed (PDF/A-3)."""
    date: datetime | None = None
    """Date every attachment carries, so the file stays reproducible."""
    tagged: bool = True
    """Whether to write the tag tree (not for folio sheets and the stamp, all artifact)."""


def render_pdf(job: PdfJob) -> RenderedPdf:
    """Lay out ``job`` with WeasyPrint (in a PDF worker, where pdf/layout.py is preloaded)."""
    from compendium.pdf.layout import typeset

    return typeset(job)


def render_part(job: PdfJob, cache: Path | None) -> LaidPart:
    """Lay out the part ``job`` as pieces remembered in ``cache`` (in a PDF worker)."""
    from compendium.pdf.flow import lay_out_part

    return lay_out_part(job, cache)


def stamp_job(part: PdfJob, stamp_css: str) -> PdfJob:
    """Return a job laying out one page with the draft stamp alone, drawn on every page."""
    rules = "@page { @bottom-center { content: none; } }"
    return PdfJob(html='<html lang="en"><body></body></html>', project=part.project,
                  stylesheets=part.stylesheets,
                  page_css=f"{part.page_css}\n{rules}\n{stamp_css}", tagged=False)


def css_string(text: str) -> str:
    """Return ``text`` as a quoted CSS string: quotes, backslashes and every control or
    line-breaking character escaped (a raw line break ends a CSS string: the rule holding it
    was dropped, and a title written over two lines lost its running heads)."""
    return '"' + "".join(f"\\{ord(c):x} " if c in '"\\' or unicodedata.category(c) == "Cc"
                         or c in "\u2028\u2029" else c for c in text) + '"'


@dataclass(frozen=True, slots=True)
class PrintJob:
    """What the print edition is made from."""

    document: Document
    """The compendium, its chapters those of the PDF."""
    templates: Path
    """The project's templates folder."""
    base: PdfJob
    """Stylesheets, page rules, variant and attachments; its ``html`` is unused."""
    stamp_css: str = ""
    """The draft stamp's page rule. Not in the parts' rules: it names the sources' state, so
    it would make every part new after any edit. Drawn over every page instead."""


def part_key(job: PdfJob) -> str:
    """Return the cache key of everything the PDF of ``job`` depends on."""
    return key_of("pdf-part", job.html, job.page_css, str(job.variant), str(job.date),
                  str(job.tagged), font_files_hash(),
                  *(p.read_bytes() for p in job.stylesheets),
                  *(part for name, data, _ in job.attachments for part in (name, data)))


def pack_pdf(pdf: RenderedPdf) -> bytes:
    """Return ``pdf`` as a cache entry."""
    meta = json.dumps({"pages": pdf.pages, "anchors": dict(pdf.anchors),
                       "warnings": list(pdf.warnings), "blank": list(pdf.blank),
                       "levels": None if pdf.levels is None else list(pdf.levels)}).encode()
    return len(meta).to_bytes(8, "big") + meta + pdf.data


def unpack_pdf(entry: bytes) -> RenderedPdf:
    """Return the PDF kept by pack_pdf."""
    size = int.from_bytes(entry[:8], "big")
    meta = json.loads(entry[8:8 + size])
    levels = meta.get("levels")
    return RenderedPdf(entry[8 + size:], meta["pages"], meta["anchors"],
                       tuple(meta["warnings"]), tuple(meta.get("blank", ())),
                       None if levels is None else tuple(levels))
