"""Cut the print edition into parts that WeasyPrint can lay out alone, on any core.

The parts are the book's own divisions, each of which opens on a new right-hand page by
design: the title pages, the contents, the preface (acronyms, introduction, figures), each
chapter whole (its see-also list after its last entry), the annex, the index of entities
and the index of countries (with the back cover). Within a part, text flows as WeasyPrint
lays out one continuous document: no part boundary falls where the design puts no page
break. Only the contents and the indexes print page numbers of other parts (from
``Pagination``); cross-references and the annex cite entry numbers
(Chapter.entry_numbers), known before any layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from compendium.html.document import Document
from compendium.html.page import render_html
from compendium.model import Chapter, Pagination
from compendium.records.validate import LOCAL_LINK, page_ids

FOREIGN_LINK = "compendium:#"
"""How a part links to an anchor of another part: WeasyPrint drops links to anchors it does
not see, so these go out as URIs that the join turns back into internal links."""

PART_CSS = "@page { @bottom-center { content: none; } }"
"""The page rules every part is laid out with: no page number (the join draws them, from
folio sheets, once the pages before are known)."""

PartKind = Literal["title", "contents", "preface", "chapters", "index", "index-countries",
                   "annex"]
ROMAN_KINDS = ("title", "contents", "preface")
"""Parts numbered i, ii, …; the chapters start at 1."""
WAITING_KINDS = ("contents", "index", "index-countries")
"""Parts whose page counts no chapter's numbers depend on: without a guess of the numbers
they print, they are laid out once the chapters' numbers are known."""


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of the PDF, laid out on its own, opening on a right-hand page."""

    name: str
    """Unique, stable name: ``title``, ``contents``, ``chapter-iom``, ``index``, ``annex``."""
    kind: PartKind
    """Which of the template's parts it is."""
    chapter: Chapter | None = None
    """The chapter, for a chapter's part."""
    paginated: bool = False
    """Whether it prints page numbers of other parts (its HTML depends on Pagination)."""
    runs_on: str | None = None
    """For a part that opens on the next page of either side (a section of the division
    before it), the id of its first element: the page number it is given says its side."""


def split_parts(chapters: Sequence[Chapter], document: Document) -> tuple[Part, ...]:
    """Return the parts of the print edition in reading order."""
    # The title page names the sources' state and date, which every edit changes: apart from
    # the contents, it is the only part an edit that moves no page always lays out again.
    parts = [Part("title", "title"), Part("contents", "contents", paginated=True),
             Part("preface", "preface")]
    parts += [Part(f"chapter-{chapter.slug}", "chapters", chapter) for chapter in chapters]
    # The annex before the indexes: a book's index comes last (a designer's review).
    parts.append(Part("annex", "annex"))
    # Two parts, laid out side by side: long runs of linked page numbers are slow to lay out.
    # The last holds the back cover.
    parts.append(Part("index", "index", paginated=True))
    if document.country_index:
        # The second index runs on after the first (no blank verso between them).
        parts.append(Part("index-countries", "index-countries", paginated=True,
                          runs_on="index-countries"))
    return tuple(parts)


def part_html(part: Part, document: Document, templates: Path, pages: Pagination) -> str:
    """Return the HTML of ``part``, its links to other parts' anchors made foreign."""
    if part.chapter is not None:
        document = replace(document, chapters=(part.chapter,))
    html = render_html(document, templates, "pdf", pages=pages, part=part.kind)
    if opens_left(part, pages):
        # A document's first page is a right-hand one but for its root's break.
        html = html.replace("<html ", '<html style="break-before: left" ', 1)
    return _foreign_links(html)


def opens_left(part: Part, pages: Pagination) -> bool:
    """Return whether ``part`` opens on a left-hand page: it runs on, and the number
    ``pages`` gives its first element is even (page 1, the first chapter's, is a right-hand
    one). Without a number (not laid out yet), on a right-hand one; the page numbers are
    settled by laying out again (run.py), which gives it its side too."""
    return part.runs_on is not None and pages.numbers.get(part.runs_on, 1) % 2 == 0


def _foreign_links(html: str) -> str:
    """Point links to anchors this part lacks at FOREIGN_LINK, so that they survive."""
    own = set(page_ids(html))

    def rewrite(match: re.Match[str]) -> str:
        anchor = match.group(1)
        return match.group(0) if anchor in own else f'href="{FOREIGN_LINK}{anchor}"'

    return LOCAL_LINK.sub(rewrite, html)
