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
    """Whether to write the tag tree (not for folio documents, which are all artifact)."""


def render_pdf(job: PdfJob) -> RenderedPdf:
    """Lay out ``job`` with WeasyPrint (in a PDF worker, where typeset.py is preloaded)."""
    from compendium.typeset import typeset

    return typeset(job)


FOLIO_CSS = """
@page { @top-center { content: none; } @bottom-center { content: counter(page, %s); } }
@page :first { counter-reset: page %d; }
"""
"""Page rules of a folio document: the page number (and the draft stamp) alone."""
COVER_CSS = "@page :first { @bottom-center { content: none; } }"
"""The cover has no number."""


def stamp_job(part: PdfJob, stamp_css: str) -> PdfJob:
    """Return a job laying out one page with the draft stamp alone, drawn on every page."""
    rules = "@page { @top-center { content: none; } @bottom-center { content: none; } }"
    return PdfJob(html='<html lang="en"><body></body></html>', project=part.project,
                  stylesheets=part.stylesheets,
                  page_css=f"{part.page_css}\n{rules}\n{stamp_css}", tagged=False)


def css_string(text: str) -> str:
    """Return ``text`` as a quoted CSS string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def folio_job(part: PdfJob, style: str, first: int, count: int) -> PdfJob:
    """Return a job laying out ``count`` empty pages numbered from ``first`` in ``style``
    (a CSS counter style), to be drawn over the parts' pages (see assembly.py). Page 1 of
    the roman numbers is the cover's, which shows no number."""
    body = '<div></div>' + '<div style="break-before: page"></div>' * (count - 1)
    cover = style == "lower-roman" and first == 1
    rules = FOLIO_CSS % (style, first) + (COVER_CSS if cover else "")
    return PdfJob(html=f'<html lang="en"><body>{body}</body></html>', project=part.project,
                  stylesheets=part.stylesheets, page_css=part.page_css + rules, tagged=False)
