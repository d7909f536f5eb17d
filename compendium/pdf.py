"""What the PDF workers are asked to lay out (PdfJob) and what they give back (RenderedPdf).

The build process only makes jobs and hands them over; typeset.py, which the workers load,
lays them out with WeasyPrint. render_pdf imports it on first use, so that a build does not
load WeasyPrint (0.3 s) in the process that never calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


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
    """Pages (from 0) left blank before a right-hand opening: they carry no page number."""


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
    """Lay out ``job`` with WeasyPrint (in a PDF worker, where typeset.py is preloaded)."""
    from compendium.typeset import typeset

    return typeset(job)


FOLIO_CSS = """
@page { @top-center { content: none; } @bottom-center { content: counter(page, %s); } }
@page :first { counter-reset: page %d; }
@page :nth(2) { @bottom-center { content: %s; white-space: pre; } }
"""
"""Page rules of a folio sheet (see folio_job)."""


def folio_job(part: PdfJob, style: str, first: int, count: int) -> PdfJob:
    """Return a job laying out the folio sheet of ``count`` page numbers from ``first`` in
    ``style`` (a CSS counter style), to be drawn over the parts' pages (see assembly.py).

    Two pages, not one a number: WeasyPrint spends 2.6 ms on a page (its margin boxes), so
    0.15 s on 50 numbers, where the sheet takes 0.02 s. Its page 1 shows ``first`` at the
    foot, where every page shows its number; page 2 shows them all there, one a line, each
    centred as on a page of its own. The join draws line n of page 2 moved to where page 1
    draws its number."""
    lines = "\\A ".join(folio_text(style, n) for n in range(first, first + count))
    return PdfJob(html='<html lang="en"><body><div></div><div style="break-before: page">'
                       "</div></body></html>", project=part.project,
                  stylesheets=part.stylesheets,
                  page_css=part.page_css + FOLIO_CSS % (style, first, f'"{lines}"'),
                  tagged=False)


def folio_text(style: str, number: int) -> str:
    """Return ``number`` as the CSS counter ``style`` (decimal or lower-roman) prints it."""
    if style == "lower-roman":
        return roman_numeral(number)
    if style == "decimal":
        return str(number)
    raise ValueError(f"no folio style {style!r}")


def roman_numeral(number: int) -> str:
    """Return ``number`` in lower-case roman numerals, as CSS's lower-roman counts."""
    digits = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
              (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    text = ""
    for value, letters in digits:
        count, number = divmod(number, value)
        text += letters * count
    return text


def stamp_job(part: PdfJob, stamp_css: str) -> PdfJob:
    """Return a job laying out one page with the draft stamp alone, drawn on every page."""
    rules = "@page { @top-center { content: none; } @bottom-center { content: none; } }"
    return PdfJob(html='<html lang="en"><body></body></html>', project=part.project,
                  stylesheets=part.stylesheets,
                  page_css=f"{part.page_css}\n{rules}\n{stamp_css}", tagged=False)


def css_string(text: str) -> str:
    """Return ``text`` as a quoted CSS string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
