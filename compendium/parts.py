"""Cut the print edition into parts that WeasyPrint can lay out alone, on any core.

A part is the cover with the title page, the contents, the preface (acronyms,
introduction, figures), a slice of a chapter, a chapter's see-also list, the indexes, or a
slice of the annex. Each begins on a new page, so its pages do not depend on what
comes before it; only the page numbers it prints (contents, see-also, index) depend on the
other parts, and those come from ``Pagination``. A chapter longer than ``PART_SIZE`` is cut
between records, the later slices marked ``continued`` (no heading of their own, the
period's heading repeated with "(continued)"), so that no part, and no worker's memory,
grows with the edition.

Where to cut is chosen so that an edit moves no cut: a slice may end once it holds half of
PART_SIZE, before a record whose id hashes to a cut (one in CUT_ODDS), and must end at twice
PART_SIZE. An edited record's length rarely changes which record comes first past the
half, and the cuts after it fall where they fell; only the edited slice is laid out again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from compendium.backmatter import SourcePage
from compendium.html import Document, render_html
from compendium.model import Chapter, Pagination, PeriodGroup, Record

PART_SIZE = 60_000
"""Characters of record HTML per chapter slice: about 20 pages, about a second of layout."""
RECORD_WEIGHT = 400
"""Characters a record's heading and spacing count for, on top of its text."""
CUT_ODDS = 4
"""One record id in CUT_ODDS may begin a slice (see above)."""
FOREIGN_LINK = "compendium:#"
"""How a part links to an anchor of another part: WeasyPrint drops links to anchors it does
not see, so these go out as URIs that assembly.py turns back into internal links."""

PartKind = Literal["title", "contents", "preface", "chapters", "see-also", "index",
                   "index-countries", "annex", "annex-continued"]
ROMAN_KINDS = ("title", "contents", "preface")
"""Parts numbered i, ii, …; the chapters start at 1."""
WAITING_KINDS = ("contents", "index", "index-countries", "annex", "annex-continued")
"""Parts whose page counts no chapter's numbers depend on: without a guess of the numbers
they print, they are laid out once the chapters' numbers are known."""
ANNEX_SIZE = 100
"""Records listed per slice of the annex (about 3 pages, 0.3 s of layout: an edit that changes
a record's excerpt lays its slice out again)."""


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of the PDF, laid out on its own."""

    name: str
    """Unique, stable name: ``title``, ``contents``, ``iom-2``, ``iom-see-also``, ``index``,
    ``annex-1``."""
    kind: PartKind
    """Which of the template's parts it is."""
    chapter: Chapter | None = None
    """The chapter slice (or the chapter whose see-also list this is)."""
    annex: tuple[SourcePage, ...] = ()
    """The raw pages listed by a slice of the annex."""
    starts_right: bool = False
    """Whether it opens on a right-hand page (a blank page may be put before it)."""
    running_head: str = ""
    """The running head of a part that does not set one itself (continued slices)."""
    paginated: bool = False
    """Whether it prints page numbers of other parts (its HTML depends on Pagination)."""


def split_parts(chapters: Sequence[Chapter], document: Document,
                size: int = PART_SIZE) -> tuple[Part, ...]:
    """Return the parts of the print edition in reading order."""
    # The title page names the sources' state and date, which every edit changes: apart from
    # the contents, it is the only part an edit that moves no page always lays out again.
    parts = [Part("title", "title", starts_right=True),
             Part("contents", "contents", starts_right=True, paginated=True),
             Part("preface", "preface", starts_right=True)]
    for chapter in chapters:
        for number, piece in enumerate(_slices(chapter, document, size), start=1):
            parts.append(Part(f"{chapter.slug}-{number}", "chapters", piece,
                              starts_right=not piece.continued,
                              running_head=_head(chapter) if piece.continued else ""))
        if chapter.references:
            parts.append(Part(f"{chapter.slug}-see-also", "see-also", chapter,
                              running_head=_head(chapter), paginated=True))
    # Two parts, laid out side by side: long runs of linked page numbers are slow to lay out.
    parts.append(Part("index", "index", starts_right=True, paginated=True))
    if document.country_index:
        parts.append(Part("index-countries", "index-countries", starts_right=True,
                          paginated=True))
    for number, pages in enumerate(_annex_slices(document.annex), start=1):
        parts.append(Part(f"annex-{number}", "annex" if number == 1 else "annex-continued",
                          annex=pages, starts_right=number == 1, paginated=True,
                          running_head="" if number == 1 else "Annex: sources"))
    return tuple(parts)


def _head(chapter: Chapter) -> str:
    """Return the running head the chapter's heading sets (print.css: string-set)."""
    return f"{chapter.number}. {chapter.title}"


def part_html(part: Part, document: Document, templates: Path, pages: Pagination) -> str:
    """Return the HTML of ``part``, its links to other parts' anchors made foreign."""
    if part.chapter is not None:
        document = replace(document, chapters=(part.chapter,))
    if part.annex:
        document = replace(document, annex_slice=part.annex)
    html = render_html(document, templates, "pdf", pages=pages, part=part.kind)
    return _foreign_links(html)


def _slices(chapter: Chapter, document: Document, size: int) -> Iterator[Chapter]:
    """Yield ``chapter`` cut between records into slices of ``size`` / 2 to 2 × ``size``
    characters (see the module's docstring)."""
    weight = sum(_weight(r, document) for r in chapter.profiles)
    groups: list[PeriodGroup] = []
    first = True
    for group in chapter.groups:
        batch: list[Record] = []
        continued = False
        for record in group.records:
            if _cuts_before(record, weight, size):
                if batch:
                    groups.append(replace(group, records=tuple(batch), continued=continued))
                yield _slice(chapter, groups, first)
                # The group goes on in the next slice if some of it was in this one.
                continued = continued or bool(batch)
                first, groups, batch, weight = False, [], [], 0
            batch.append(record)
            weight += _weight(record, document)
        groups.append(replace(group, records=tuple(batch), continued=continued))
    yield _slice(chapter, groups, first)


def _annex_slices(annex: Sequence[SourcePage]) -> Iterator[tuple[SourcePage, ...]]:
    """Yield the annex's raw pages in slices of about ANNEX_SIZE records, cut between pages."""
    batch: list[SourcePage] = []
    count = 0
    for page in annex:
        if batch and count + len(page.records) > ANNEX_SIZE:
            yield tuple(batch)
            batch, count = [], 0
        batch.append(page)
        count += len(page.records)
    yield tuple(batch)


def _cuts_before(record: Record, weight: int, size: int) -> bool:
    """Return whether a slice holding ``weight`` characters ends before ``record``."""
    if weight >= 2 * size:
        return True
    odds = hashlib.sha256(record.id.encode()).digest()[0] % CUT_ODDS
    return weight >= size // 2 and odds == 0


def _slice(chapter: Chapter, groups: list[PeriodGroup], first: bool) -> Chapter:
    """Return the slice of ``chapter`` holding ``groups`` (and the profiles if ``first``)."""
    return replace(chapter, groups=tuple(groups), references=(), continued=not first,
                   profiles=chapter.profiles if first else ())


def _weight(record: Record, document: Document) -> int:
    """Return how much of a slice ``record`` takes."""
    return len(document.bodies.get(record.id, "")) + RECORD_WEIGHT


_ID = re.compile(r'\sid="([^"]+)"')
_LOCAL_HREF = re.compile(r'href="#([^"]+)"')


def _foreign_links(html: str) -> str:
    """Point links to anchors this part lacks at FOREIGN_LINK, so that they survive."""
    own = set(_ID.findall(html))

    def rewrite(match: re.Match[str]) -> str:
        anchor = match.group(1)
        return match.group(0) if anchor in own else f'href="{FOREIGN_LINK}{anchor}"'

    return _LOCAL_HREF.sub(rewrite, html)
