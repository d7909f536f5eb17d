"""Lay out the print edition in parts on every core, settle its page numbers, join it.

1. Cut the edition into parts (parts.py) and lay out each in a worker process, or take it
   from the cache when its HTML was laid out before.
2. Number the pages: the front matter in roman numerals, then 1, 2, … from the first
   chapter, with a blank page before each part that opens on a right-hand page.
3. The parts that print page numbers (contents, indexes) are laid out again
   when the numbers they printed were wrong, until none changes. The first guess is the last
   build's numbers, so after an edit only the edited part and the parts whose numbers moved
   are laid out again.
4. Lay out the page numbers themselves (folio sheets of 50, cached), and join.
"""

from __future__ import annotations

import concurrent.futures
import functools
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import get_args

from compendium.cache import Cache
from compendium.errors import BuildStopped, InvalidInput, RenderError
from compendium.html.page import PAGE_TEMPLATE
from compendium.model import Pagination, Record
from compendium.pdf.jobs import (
    LaidPart,
    PdfJob,
    PrintJob,
    RenderedPdf,
    pack_pdf,
    part_key,
    stamp_job,
    unpack_pdf,
)
from compendium.pdf.joining import Piece, Place
from compendium.pdf.numbers import (
    Folio,
    arabic_pages,
    folio_job,
    hint_key,
    last_pagination,
    paginate,
    places,
)
from compendium.pdf.parts import (
    PART_CSS,
    ROMAN_KINDS,
    WAITING_KINDS,
    Part,
    PartKind,
    part_html,
    split_parts,
)
from compendium.pdf.workers import Join, Workers
from compendium.progress import Progress
from compendium.records.validate import doubled_id_problems, page_ids

PART_WORDS = {"title": "title pages", "contents": "contents",
              "preface": "acronyms, introduction and figures", "index": "index of entities",
              "index-countries": "index of countries", "annex": "annex of sources",
              "folio": "page numbers", "stamp": "draft stamp"}
"""How the progress line names the parts of the PDF that are not chapters."""
MAX_ROUNDS = 6
"""Layouts of a paginated part before its numbers are declared unsettled."""
FOLIO_BLOCK = 50
"""Page numbers per folio sheet: a sheet is laid out once and reused by every build."""


@dataclass(slots=True)
class _Laid:
    """A part (or folio sheet, or stamp) laid out from some HTML."""

    html: str
    pdf: LaidPart


@dataclass(slots=True)
class PrintRun:
    """A print edition being laid out: started early, finished by ``result``."""

    job: PrintJob
    cache: Cache
    progress: Progress
    parts: tuple[Part, ...] = ()
    laid: dict[str, _Laid] = field(default_factory=dict)
    pending: dict[str, tuple[str, threading.Event, concurrent.futures.Future[LaidPart]]] = \
        field(default_factory=dict)
    workers: Workers | None = None
    stop: threading.Event | None = None
    """Set when a newer build supersedes this one (the preview): it stops waiting for parts."""
    sent: list[str] = field(default_factory=list)
    """Names of the parts (and folio sheets) laid out by workers, not from the cache."""
    joining: Join | None = None
    """The join, under way as soon as the title pages are laid out (see _feed)."""
    fed: int = 0
    """How many parts, in the order the join takes them, it was given."""

    def start(self) -> PrintRun:
        """Send the first round of parts to the workers."""
        self.parts = split_parts(self.job.document.chapters, self.job.document)
        hint = self._hint()
        if self.job.stamp_css:  # new after every edit, and needed only by the join
            self._submit_job("stamp", stamp_job(self.job.base, self.job.stamp_css))
        self._ensure_folios("lower-roman", 1)  # the front matter's numbers: i to l
        # Without a guess, the contents and indexes wait for the chapters' numbers.
        ready = [p for p in self.parts if hint.numbers or p.kind not in WAITING_KINDS]
        # The preface shows the charts, which may still be being drawn: it goes last, and
        # the chapters keep the workers busy meanwhile.
        html = {p.name: self._html(p, hint) for p in ready if p.kind != "preface"}
        # The title pages first, for the join starts from them (_feed); then the longest
        # first: two workers then finish together, not one waiting for the other's long
        # chapter sent last.
        for name in sorted(html, key=lambda n: (n != "title", -len(html[n]))):
            self._submit(next(p for p in ready if p.name == name), html[name])
        for part in ready:
            if part.kind == "preface":
                self._submit(part, self._html(part, hint))
        self._feed(settled=False)
        return self

    def result(self) -> RenderedPdf:
        """Wait for the parts, settle the page numbers, and return the joined PDF."""
        try:
            pages = self._settle()
            return self._join(pages)
        finally:
            if self.joining is not None:
                self.joining.abandon()  # a build stopped or failed: nothing to finish
            if self.workers is not None:
                self.workers.release(wait=True)

    def _settle(self) -> Pagination:
        """Lay out paginated parts again until the numbers they print are the true ones."""
        for _ in range(MAX_ROUNDS):
            self._collect()
            pdfs = {name: laid.pdf for name, laid in self.laid.items()}
            pages = paginate(self.parts, pdfs)
            opening = replace(pages, numbers={**pages.numbers, **run_on_pages(self.parts, pdfs)})
            wanted = {p.name: self._html(p, opening if p.runs_on else pages) for p in self.parts
                      if p.name not in self.laid or p.paginated}
            stale = [p for p in self.parts if p.name in wanted and
                     (p.name not in self.laid or self.laid[p.name].html != wanted[p.name])]
            # A part that runs on waits for the part before it, which says its side; it is
            # laid out ahead meanwhile (_lay_out_ahead), and is in the cache when its turn
            # comes. On a guessed side (a cold build) it was laid out twice, 1.8 s of a
            # 1,000-record build's 22; after the part before it, 1.5 s later.
            waiting = [p for p in stale if p.runs_on is not None and
                       self._before(p) in {q.name for q in stale}]
            stale = [p for p in stale if p not in waiting]
            # The contents print every part's first page, so they may have to be laid out
            # once more after the others; they go with them all the same (a page or two, on
            # a worker that would wait), and last.
            for part in stale:
                if part.kind != "contents":
                    self._submit(part, wanted[part.name])
            for part in waiting:
                self._lay_out_ahead(part, pages, pdfs)
            for part in stale:
                if part.kind == "contents":
                    self._submit(part, wanted[part.name])
            stale += waiting
            # The page numbers, meanwhile: the sheets of the pages known, and one beyond
            # while parts are still to come (laid out for nothing if they fit: 0.02 s).
            known = arabic_pages(self.parts, pdfs)
            ahead = FOLIO_BLOCK if any(p.name not in pdfs for p in self.parts) else 0
            for first in range(1, known + ahead + 1, FOLIO_BLOCK):
                self._ensure_folios("decimal", first)
            if not stale:
                self.cache.replace(hint_key(self.job), pages.to_json().encode())
                return pages
        raise RenderError(f"page numbers did not settle after {MAX_ROUNDS} layouts")

    def _join(self, pages: Pagination) -> RenderedPdf:
        """Lay out the page numbers and finish the join."""
        laid = {n: laid.pdf for n, laid in self.laid.items()}
        _refuse_doubled(self.parts, laid, self.job.templates,
                        [r for c in self.job.document.chapters for r in c.records],
                        Counter(found for part in self.parts
                                for found in page_ids(self.laid[part.name].html)))
        self._feed(settled=True)
        roman = roman_pages(self.parts, laid)
        order, blanks = join_places(self.parts, laid)
        arabic = sum(laid[p.name].pages for p in self.parts) + len(blanks) - roman
        blocks = [("lower-roman", first) for first in range(1, roman + 1, FOLIO_BLOCK)]
        after_roman = len(blocks)
        blocks += [("decimal", first) for first in range(1, arabic + 1, FOLIO_BLOCK)]
        sheets = [self._ensure_folios(style, first) for style, first in blocks]
        self._collect()
        # The title pages (the cover, the title page and the imprint: i to iv) are counted
        # and show no number, as a book's; nor do the versos left blank.
        unnumbered = laid[self.parts[0].name].pages if self.parts[0].kind == "title" else 1
        folios: list[Folio | None] = [None] * unnumbered + [
            Folio(n // FOLIO_BLOCK, n % FOLIO_BLOCK) for n in range(unnumbered, roman)] + [
            Folio(after_roman + n // FOLIO_BLOCK, n % FOLIO_BLOCK) for n in range(arabic)]
        blank = blank_flags(self.parts, laid)
        folios = [None if is_blank else folio for folio, is_blank in zip(folios, blank,
                                                                          strict=True)]
        stamp = self.laid["stamp"].pdf.pieces[0].data if self.job.stamp_css else None
        self.progress.step(f"putting the {len(order)} parts of the PDF together")
        if self.joining is None:  # fed every part just above: the title pages at least
            raise RenderError("the join was given no part of the PDF")
        joined = self.joining.finish(order, blanks,
                                     [self.laid[n].pdf.pieces[0].data for n in sheets],
                                     folios, roman, stamp)
        warnings = [w for part in self.parts for w in self.laid[part.name].pdf.warnings]
        return RenderedPdf(joined.data, joined.pages, pages.numbers,
                           tuple(dict.fromkeys([*warnings, *joined.warnings])))

    def _feed(self, settled: bool) -> None:
        """Give the join the pieces of the parts laid out for good, in join_order, while
        the workers lay out the others: after an edit, it copies those the cache had
        before the edited ones are laid out, where it would have waited for them all.

        A part is laid out for good once laid out, or, if it prints page numbers, once
        they are ``settled``. The title pages start the join (their catalog is the book's)."""
        order = join_order(self.parts)
        while self.fed < len(order):
            index = order[self.fed]
            part = self.parts[index]
            if part.name not in self.laid or part.name in self.pending or \
                    (part.paginated and not settled):
                return
            pieces = self.laid[part.name].pdf.pieces
            for number, pdf in enumerate(pieces):
                piece = Piece(pdf.data, pdf.pages, False, pdf.levels)
                if self.joining is None:
                    if self.workers is None:  # every part came from the cache
                        self.workers = Workers()
                    self.joining = self.workers.start_join(piece, (index, number))
                else:
                    self.joining.add((index, number), piece)
            self.fed += 1

    def _lay_out_ahead(self, part: Part, pages: Pagination,
                       laid: Mapping[str, LaidPart]) -> None:
        """Lay out a part that runs on, while the part before it is laid out, as it will
        open (kept in the cache under its HTML; its turn takes it from there): on the side
        the ``laid`` layout of the part before it gives (after an edit), else on both."""
        assert part.runs_on is not None
        guess = run_on_pages(self.parts, laid).get(part.runs_on)
        for side, number in (("right", 1), ("left", 2)):
            name = f"{part.name} ({side})"
            if guess is not None and guess % 2 != number % 2:
                continue
            if name not in self.laid and name not in self.pending:
                numbers = {**pages.numbers, part.runs_on: number}
                self._submit(part, self._html(part, replace(pages, numbers=numbers)), name)

    def _before(self, part: Part) -> str:
        """Return the name of the part before ``part``."""
        return self.parts[self.parts.index(part) - 1].name

    def _html(self, part: Part, pages: Pagination) -> str:
        """Return the HTML of ``part`` printing the numbers ``pages`` gives."""
        return part_html(part, self.job.document, self.job.templates, pages)

    def _submit(self, part: Part, html: str, name: str | None = None) -> None:
        """Lay out ``part`` from ``html`` (from the cache if it was laid out before), as
        ``name`` (the part's own by default)."""
        base = self.job.base
        first = part.kind == "title"  # the catalog's: attachments and their date
        job = replace(base, html=html,
                      page_css=base.page_css + PART_CSS,
                      attachments=base.attachments if first else (),
                      date=base.date if first else None)
        self._submit_job(name or part.name, job, whole=False)

    def _ensure_folios(self, style: str, first: int) -> str:
        """Lay out the sheet of FOLIO_BLOCK page numbers in ``style`` from ``first`` unless it
        is laid out or on its way; return its name."""
        name = f"folio-{style}-{first}-{FOLIO_BLOCK}"
        self._ensure(name, folio_job(self.job.base, style, first, FOLIO_BLOCK))
        return name

    def _ensure(self, name: str, job: PdfJob) -> None:
        """Lay out ``job`` unless it is laid out or on its way."""
        if name not in self.laid and name not in self.pending:
            self._submit_job(name, job)

    def _submit_job(self, name: str, job: PdfJob, whole: bool = True) -> None:
        """Take ``job`` from the cache, or send it to a worker: laid out ``whole`` (a folio
        sheet, the stamp), or as a part's pieces (flow.py)."""
        key = part_key(job)
        found = self._cached(key, whole)
        if found is not None:
            self.laid[name] = _Laid(job.html, found)
            return
        if self.workers is None:
            self.workers = Workers()
        future: concurrent.futures.Future[LaidPart]
        if whole:
            future = _as_part(self.workers.submit(job))
        else:
            future = self.workers.lay_out_part(job, self.cache.folder)
        # Kept as soon as it is laid out, even if this build is stopped before it needs it.
        kept = threading.Event()
        future.add_done_callback(functools.partial(_keep, self.cache, key, whole, kept))
        self.pending[name] = (job.html, kept, future)
        self.sent.append(name)

    def _cached(self, key: str, whole: bool) -> LaidPart | None:
        """Return what was laid out for ``key`` before, if the cache has all of it."""
        found = self.cache.get(key)
        if found is None:
            return None
        if whole:
            return LaidPart((unpack_pdf(found),))
        keys = found.decode().split()
        pieces = [self.cache.get(piece) for piece in keys]
        if not keys or any(piece is None for piece in pieces):
            return None
        return LaidPart(tuple(unpack_pdf(piece) for piece in pieces if piece is not None),
                        tuple(keys))

    def _collect(self) -> None:
        """Wait for every part sent out, taking each as it is laid out."""
        done = 0
        while self.pending:
            name = self._next_laid()
            html, kept, future = self.pending.pop(name)
            pdf = future.result()
            # A future's waiters wake before its callbacks run: the part must be in the
            # cache (and in what the cache binds to this PDF) before the build goes on.
            kept.wait()
            self.laid[name] = _Laid(html, pdf)
            done += 1
            total = done + len(self.pending)  # the contents may be sent again meanwhile
            pages = f"{pdf.pages} page{'s' if pdf.pages != 1 else ''}"
            if len(pdf.pieces) > 1 and pdf.fresh < pdf.pages:  # an edit's: the rest was kept
                pages += f", {pdf.fresh} laid out again"
            self.progress.step(f"PDF laid out {done}/{total}: {self._described(name)} ({pages})")
            self._resend_contents()
            self._feed(settled=False)

    def _described(self, name: str) -> str:
        """Return what a part or sheet is, in the editor's words."""
        part = next((p for p in self.parts if p.name == name.split(" (")[0]), None)
        if part is not None and part.chapter is not None:
            return f"chapter {part.chapter.number}, {part.chapter.title}"
        return PART_WORDS.get(part.kind if part else name.split("-")[0], name)

    def _resend_contents(self) -> None:
        """Send the contents out again, within the round, once the parts before the last are
        laid out, if the numbers they print have changed since they were sent.

        The contents print where each part starts, the last included: its start is known
        when the parts before it are laid out, not the last itself. In a cold build, contents
        sent with the back matter print a guess for the last parts: sent again here if it was
        wrong, within the round, rather than in a round of their own with one worker idle."""
        contents = next((p for p in self.parts if p.kind == "contents"), None)
        if contents is None or contents.name not in self.pending:
            return
        before = self.parts[:-1]
        if any(p.name in self.pending or p.name not in self.laid for p in before
               if p is not contents):
            return
        pages = paginate(self.parts, {name: laid.pdf for name, laid in self.laid.items()})
        html = self._html(contents, pages)
        sent, _, future = self.pending[contents.name]
        if html != sent:
            future.cancel()  # if it has not started; if it has, it is kept all the same
            del self.pending[contents.name]
            self._submit(contents, html)

    def _next_laid(self) -> str:
        """Return the name of a part sent out that is laid out (the first sent of those),
        waiting for one, unless the build is stopped first."""
        while True:
            for name, (_, _, future) in self.pending.items():
                if future.done():
                    return name
            concurrent.futures.wait([future for _, _, future in self.pending.values()],
                                    timeout=None if self.stop is None else 0.02,
                                    return_when=concurrent.futures.FIRST_COMPLETED)
            if self.stop is not None and self.stop.is_set():
                for _, _, waiting in self.pending.values():
                    waiting.cancel()  # those not started yet; the others are kept when done
                raise BuildStopped("a newer build was asked for")

    def _hint(self) -> Pagination:
        """Return the last build's page numbers, or none."""
        return last_pagination(self.job, self.cache)


def _keep(cache: Cache, key: str, whole: bool, kept: threading.Event,
          future: concurrent.futures.Future[LaidPart]) -> None:
    """Put the part ``future`` lays out in the cache (called when it is done): a PDF laid
    out whole, or the list of a part's pieces (which its worker put there); then set
    ``kept``."""
    try:
        if not future.cancelled() and future.exception() is None:
            _keep_part(cache, key, whole, future.result())
    finally:
        kept.set()


def _keep_part(cache: Cache, key: str, whole: bool, laid: LaidPart) -> None:
    """Put ``laid``, the part laid out for ``key``, in the cache (see _keep)."""
    if whole:
        cache.put(key, pack_pdf(laid.pieces[0]))
        return
    cache.used.update([*laid.keys, *laid.index_keys])
    cache.hits += laid.lookups[0]
    cache.misses += laid.lookups[1]
    cache.put(key, "\n".join(laid.keys).encode())
    cache.bind(key, [*laid.keys, *laid.index_keys])


def _as_part(future: concurrent.futures.Future[RenderedPdf]
             ) -> concurrent.futures.Future[LaidPart]:
    """Return a future of ``future``'s PDF as a part of one piece."""
    part: concurrent.futures.Future[LaidPart] = concurrent.futures.Future()

    def done(laid: concurrent.futures.Future[RenderedPdf]) -> None:
        if part.cancelled():  # the build stopped waiting for it
            return
        if laid.cancelled():
            part.cancel()
            part.set_running_or_notify_cancel()
            return
        error = laid.exception()
        if error is not None:
            part.set_exception(error)
        else:
            part.set_result(LaidPart((laid.result(),)))

    future.add_done_callback(done)
    return part


def _refuse_doubled(parts: Sequence[Part], laid: Mapping[str, LaidPart],
                    templates: Path, records: Sequence[Record],
                    ids: Mapping[str, int] | None = None) -> None:
    """Refuse parts of which two hold the same anchor: a record whose id the print edition
    gives to something else too (``index-entities``, ``back-cover``: parts the HTML edition
    has not), each named at its file; else the template printed something twice.

    The join counts pages, so nothing goes missing silently; this is its counterpart for
    nothing doubled. The shipped template renders each part from its own file, and a part
    without one is refused; a project's own template may still render a part twice (one
    written before the parts had files of their own fell through to the contents)."""
    owner: dict[str, str] = {}
    doubled: dict[str, tuple[str, str]] = {}
    for part in parts:
        for anchor in laid[part.name].anchors:
            first = owner.setdefault(anchor, part.name)
            if first != part.name:
                doubled.setdefault(anchor, (first, part.name))
    # Twice in one part too (a record named as its chapter, `chapter-unodc`): WeasyPrint
    # only warns, and a PDF-only build wrote a book whose links to it land on the chapter.
    twice = {found for found, count in (ids or {}).items() if count > 1}
    taken = doubled_id_problems((), records, (), set(doubled) | twice, "print edition")
    if taken:
        raise InvalidInput(taken)
    for anchor, (first, second) in doubled.items():
        raise RenderError(
            f"{templates / PAGE_TEMPLATE}: the PDF parts {first!r} and "
            f"{second!r} both hold #{anchor}: the template renders it twice. Does "
            f"it render each part kind ({', '.join(get_args(PartKind))}) on its own, "
            f"from {templates / 'parts'}/<kind>.html.j2? A template written before "
            "the parts had files of their own falls through to the contents.")


def run_on_pages(parts: Sequence[Part], laid: Mapping[str, LaidPart]) -> dict[str, int]:
    """Return the page number each part that runs on opens on, by the parts before it (all
    laid out): its side, known before it is laid out (parts.opens_left)."""
    found: dict[str, int] = {}
    for index, (part, _, before) in enumerate(places(parts, laid)):
        if part.runs_on is not None and part.kind not in ROMAN_KINDS and all(
                p.name in laid for p in parts[:index] if p.kind not in ROMAN_KINDS):
            found[part.runs_on] = before + 1
    return found


def join_order(parts: Sequence[Part]) -> list[int]:
    """Return the order in which the join takes the parts (indexes in ``parts``): the book's,
    but the preface (laid out last, see start) and then the parts that print page numbers
    (laid out for good once every other part is) at the end. Always the same for the same
    parts, so that the joined file's bytes do not depend on which parts the cache had, or
    which worker was first (see workers.Join)."""
    return sorted(range(len(parts)), key=lambda index: (
        parts[index].paginated, parts[index].kind == "preface", index))


def join_places(parts: Sequence[Part], laid: Mapping[str, LaidPart]
                ) -> tuple[list[Place], set[Place]]:
    """Return the place in the book of every piece of the parts, in the book's order, and
    those of the pieces a blank page goes before (a part opening on a right-hand page)."""
    order: list[Place] = []
    blanks: set[Place] = set()
    for part, blank, _ in places(parts, laid):
        index = parts.index(part)
        order += [(index, number) for number in range(len(laid[part.name].pieces))]
        if blank:
            blanks.add((index, 0))
    return order, blanks


def roman_pages(parts: Sequence[Part], laid: Mapping[str, LaidPart]) -> int:
    """Return how many pages are numbered in roman numerals: those before the first chapter
    (the blank verso before it included)."""
    pages = 0
    for part, blank, _ in places(parts, laid):
        pages += blank
        if part.kind not in ROMAN_KINDS:
            return pages
        pages += laid[part.name].pages
    return pages


def blank_flags(parts: Sequence[Part], laid: Mapping[str, LaidPart]) -> list[bool]:
    """Return, for each page of the joined PDF, whether it carries no number (a verso left
    blank, a cover)."""
    flags: list[bool] = []
    for part, blank, _ in places(parts, laid):
        flags += [True] * blank
        inside = set(laid[part.name].blank)
        flags += [n in inside for n in range(laid[part.name].pages)]
    return flags
