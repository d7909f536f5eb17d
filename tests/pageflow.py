"""Read a PDF's pages as a reader turns them: how full each page's text block is.

Words come from poppler (pdftotext -bbox), with no knowledge of the stylesheet: the running
head is the line most pages share at their top, apart from the lines below it, the folio and
stamp the lines most pages share at their foot; what lies between is body text. The text
block runs from the highest body word of the book to the lowest, so the check holds for any
margins or paper size.
"""

from __future__ import annotations

import html
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pypdf

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")
SECTION_ANCHORS = re.compile(r"^(chapter-(?!.*-(see-also|heading)$).*|acronyms|"
                             r"introduction|figures|"
                             r"index-entities|index-countries|annex-sources|toc-heading|"
                             r"foreword|acknowledgements|methodology|back-cover)$")
"""Named destinations where a part of the book opens (a chapter, a front or back matter
section): the page before one is the last of its section and may be short."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page as a reader sees it."""

    number: int
    """Physical page, from 1."""
    words: tuple[tuple[float, float, str], ...]
    """(top, bottom, text) of every word on the page."""
    spans: tuple[tuple[float, float], ...] = ()
    """(left, right) of every word, as ``words``."""


def read_pages(pdf: Path) -> list[Page]:
    """Return every page's words."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    pages = []
    for number, chunk in enumerate(out.split("<page ")[1:], start=1):
        found = _WORD.findall(chunk)
        words = tuple((float(m[1]), float(m[3]), html.unescape(m[4])) for m in found)
        pages.append(Page(number, words, tuple((float(m[0]), float(m[2])) for m in found)))
    return pages


MARGIN_GAP = 20
"""Points at least between a page's top or foot line and the next one when it lies in the
margin (a running head, a folio); the body's lines are closer. On a baseline grid the body's
lines also fall on the same baselines on most pages: shared alone, they read as margins."""


def margin_lines(pages: list[Page]) -> set[float]:
    """Return the baselines most pages have as their top or foot line, apart from the rest:
    running heads, folios, stamps."""
    counts: Counter[int] = Counter()
    for page in pages:
        lines = sorted({round(w[1]) for w in page.words})
        # The head: the first line or two, then a gap; the foot: a gap, then the last line
        # or two (the stamp and the folio may sit a point or two apart).
        head = next((lines[:n] for n in (1, 2) if n < len(lines)
                     and lines[n] - lines[n - 1] >= MARGIN_GAP), [])
        foot = next((lines[-n:] for n in (1, 2) if n < len(lines)
                     and lines[-n] - lines[-n - 1] >= MARGIN_GAP), [])
        counts.update({*head, *foot})
    return {line for line, n in counts.items() if n >= max(3, len(pages) // 3)}


def body_words(page: Page, margins: set[float]) -> list[tuple[float, float, str]]:
    """Return the words of ``page`` outside the lines that repeat on most pages."""
    return [w for w in page.words if round(w[1]) not in margins]


def section_starts(pdf: Path) -> set[int]:
    """Return the physical pages (from 1) where a section of the book opens."""
    reader = pypdf.PdfReader(pdf)
    starts = set()
    for name, dest in reader.named_destinations.items():
        if SECTION_ANCHORS.match(str(name).lstrip("/")):
            starts.add(reader.get_destination_page_number(dest) + 1)
    return starts


@dataclass(frozen=True, slots=True)
class Flow:
    """How the body text fills the pages."""

    fill: dict[int, float]
    """Page → how far down the text block its body text reaches (0 to 1); blank pages
    are left out."""
    blank: set[int]
    """Pages with no body text."""
    last_of_section: set[int]
    """Pages that end a section (before a section's opening, or the book's last page)."""

    def short_pages(self, least: float = 0.7) -> list[int]:
        """Return the pages, not the last of a section, that stop above ``least``."""
        return [n for n, f in sorted(self.fill.items())
                if f < least and n not in self.last_of_section]


def page_flow(pdf: Path) -> Flow:
    """Return how the body text of ``pdf`` fills its pages."""
    pages = read_pages(pdf)
    margins = margin_lines(pages)
    body = {p.number: body_words(p, margins) for p in pages}
    filled = [ws for ws in body.values() if ws]
    top = min(w[0] for ws in filled for w in ws)
    bottom = max(w[1] for ws in filled for w in ws)
    fill = {n: (max(w[1] for w in ws) - top) / (bottom - top) for n, ws in body.items() if ws}
    blank = {n for n, ws in body.items() if not ws}
    starts = section_starts(pdf)
    # The cover and title pages, before the first section, are composed, not flowed.
    last = {len(pages)} | set(range(1, min(starts, default=1)))
    for start in starts:
        before = start - 1
        while before in blank:
            before -= 1
        last.add(before)
    return Flow(fill, blank, last)
