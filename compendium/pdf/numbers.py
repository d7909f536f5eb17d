"""Page numbers: on which page every anchor falls, and the folio sheets they are drawn from.

The front matter is numbered i, ii, … from the cover, the rest 1, 2, … from the first
chapter; every part opens on a right-hand page, a blank verso put before it when needed,
which carries no number. The numbers themselves are laid out on folio sheets (three pages
holding FOLIO_BLOCK numbers, cached), and the join draws each page's line of its sheet
where WeasyPrint sets a page number on that side.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

from compendium.cache import Cache, key_of
from compendium.errors import RenderError
from compendium.model import Pagination
from compendium.pdf.jobs import LaidPart, PdfJob, PrintJob
from compendium.pdf.parts import ROMAN_KINDS, Part

CONTENTS_GUESS = 1
"""Pages of the contents before they are laid out."""


def paginate(parts: Sequence[Part], laid: Mapping[str, LaidPart]) -> Pagination:
    """Return the page number of every anchor: roman in the front matter, then arabic."""
    numbers: dict[str, int] = {}
    roman: dict[str, str] = {}
    for part, _, before in places(parts, laid):
        for anchor, page in (laid[part.name].anchors if part.name in laid else {}).items():
            if part.kind in ROMAN_KINDS:
                roman.setdefault(anchor, roman_numeral(before + page))
            else:
                numbers.setdefault(anchor, before + page)
    return Pagination(numbers, roman)


def places(parts: Sequence[Part],
            laid: Mapping[str, LaidPart]) -> Iterator[tuple[Part, bool, int]]:
    """Yield each part, whether a blank page goes before it (it opens on a right-hand page
    and does not run on),
    and how many pages of its numbering come before it: roman from the cover, arabic from
    the first chapter (itself on a right-hand page, so both count sides alike). A part not
    laid out yet counts as CONTENTS_GUESS pages if it is the contents, none otherwise."""
    physical = 0
    origin: int | None = None  # where the arabic numbers start
    for part in parts:
        blank = physical % 2 == 1 and part.runs_on is None
        physical += blank
        if origin is None and part.kind not in ROMAN_KINDS:
            origin = physical
        yield part, blank, physical - (origin or 0)
        pdf = laid.get(part.name)
        physical += pdf.pages if pdf else CONTENTS_GUESS if part.kind == "contents" else 0


def arabic_pages(parts: Sequence[Part], laid: Mapping[str, LaidPart]) -> int:
    """Return how many arabic pages are known: up to the first part not laid out yet."""
    known = 0
    for part, _, before in places(parts, laid):
        if part.kind in ROMAN_KINDS:
            continue
        if part.name not in laid:
            return before
        known = before + laid[part.name].pages
    return known




def hint_key(job: PrintJob) -> str:
    """Return the cache key of the last pagination of ``job``'s project and kind of PDF."""
    return key_of("pagination-hint", str(job.base.project), str(job.base.variant))


def last_pagination(job: PrintJob, cache: Cache) -> Pagination:
    """Return the page numbers of the last build like ``job`` (a guess: always checked)."""
    found = cache.latest(hint_key(job))
    return Pagination.from_json(found.decode()) if found else Pagination()


FOLIO_CSS = """
@page { @bottom-center { content: counter(page, %s); } }
@page :first { counter-reset: page %d; }
@page :nth(2) { @bottom-center { content: %s; } }
@page :nth(3) { @bottom-center { content: %s; white-space: pre; } }
"""
"""Page rules of a folio sheet (see folio_job)."""


def folio_job(part: PdfJob, style: str, first: int, count: int) -> PdfJob:
    """Return a job laying out the folio sheet of ``count`` page numbers from ``first`` in
    ``style`` (a CSS counter style), to be drawn over the parts' pages (see joining.py).

    Three pages, not one a number: WeasyPrint spends most of a page's time on its margin
    boxes, so a page a number costs several times the sheet. Its page 1, a right-hand page,
    shows ``first`` at the foot, where every right-hand page shows its number; page 2, a
    left-hand one, shows ``first`` again where a left-hand page does (under its text, which
    the mirrored margins move across); page 3 shows them all, one a line, each centred as on
    a right-hand page of its own. The join draws line n of page 3 moved to where page 1
    draws its number, and moved across as page 2's is on a left-hand page."""
    lines = "\\A ".join(folio_text(style, n) for n in range(first, first + count))
    again = f'"{folio_text(style, first)}"'
    return PdfJob(html='<html lang="en"><body><div></div><div style="break-before: page">'
                       '</div><div style="break-before: page"></div></body></html>',
                  project=part.project, stylesheets=part.stylesheets,
                  page_css=part.page_css + FOLIO_CSS % (style, first, again, f'"{lines}"'),
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


@dataclass(frozen=True, slots=True)
class Folio:
    """Where a page's number comes from: a line of one of the folio sheets (folio_job)."""

    sheet: int
    """Index of the folio sheet."""
    line: int
    """Line of the sheet's second page, from 0."""


SHOWING = {"TJ", "Tj"}
"""The text operators a folio sheet shows its numbers with."""


UNEXPECTED = {"Td", "TD", "T*", "'", '"'}
"""Text operators that would move lines in ways sheet_lines does not follow."""


@dataclass(frozen=True, slots=True)
class SheetLines:
    """What the join draws from a folio sheet."""

    right: list[bytes]
    """Content drawing each number alone where a right-hand page has its number."""
    left: list[bytes]
    """The same, where a left-hand page has it (under its text, moved across)."""


def sheet_lines(sheet: pikepdf.Pdf) -> SheetLines:
    """Return, for each line of a folio sheet's page 3, content drawing that line alone
    where page 1 draws its one number, and how far page 2 has that number across (see
    folio_job).

    WeasyPrint sets each line with its own text matrix (Tm), centred in the same box as
    page 1's number: a line needs only page 1's baseline. The sheet is refused if it is not
    drawn that way (the first number on pages 1 and 2, and as page 3's first line at page
    1's place across), rather than a page number drawn astray."""
    reference = pikepdf.parse_content_stream(sheet.pages[0])
    left = _text_lines(pikepdf.parse_content_stream(sheet.pages[1])) \
        if len(sheet.pages) == 3 else []
    operations = pikepdf.parse_content_stream(sheet.pages[-1])
    first, shown = _text_lines(reference), _text_lines(operations)
    if len(sheet.pages) != 3 or len(first) != 1 or len(left) != 1 or not shown or \
            not first[0][1] == left[0][1] == shown[0][1] or first[0][0][0] != shown[0][0][0]:
        raise RenderError("a folio sheet is not laid out as the join expects: one number on "
                          "pages 1 and 2, and on page 3 a first line showing it at page 1's "
                          f"place across (found {len(first)} number(s), {len(shown)} "
                          "line(s))")
    baseline, across = first[0][0][1], left[0][0][0] - first[0][0][0]
    return SheetLines([_line_alone(operations, n, baseline) for n in range(len(shown))],
                      [_line_alone(operations, n, baseline, across) for n in range(len(shown))])


def _text_lines(operations: Sequence[Any]) -> list[tuple[tuple[Any, Any], bytes]]:
    """Return the position (Tm's e and f) and shown glyphs of every line of text."""
    lines: list[tuple[tuple[Any, Any], bytes]] = []
    for instruction in operations:
        operator = str(instruction.operator)
        if operator in UNEXPECTED:
            raise RenderError(f"a folio sheet is not laid out as the join expects: {operator}")
        if operator == "Tm":
            lines.append(((instruction.operands[4], instruction.operands[5]), b""))
        elif operator in SHOWING and lines:
            position, glyphs = lines[-1]
            lines[-1] = (position, glyphs + pikepdf.unparse_content_stream([instruction]))
    return lines


def _line_alone(operations: Sequence[Any], wanted: int, baseline: Any, across: Any = 0) -> bytes:
    """Return ``operations`` showing only line ``wanted``, moved down to ``baseline`` and
    ``across`` (in the text matrix's units)."""
    kept = []
    line = -1
    for instruction in operations:
        operator = str(instruction.operator)
        if operator == "Tm":
            line += 1
            if line == wanted:
                a, b, c, d, e, _ = instruction.operands
                kept.append(pikepdf.ContentStreamInstruction([a, b, c, d, e + across, baseline],
                                                             instruction.operator))
        elif operator not in SHOWING or line == wanted:
            kept.append(instruction)
    return pikepdf.unparse_content_stream(kept)
