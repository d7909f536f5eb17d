"""Lay out the print edition in parts on every core, settle its page numbers, join it.

1. Cut the edition into parts (parts.py) and lay out each in a worker process, or take it
   from the cache when its HTML was laid out before.
2. Number the pages: the front matter in roman numerals, then 1, 2, … from the first
   chapter, with a blank page before each part that opens on a right-hand page.
3. The parts that print page numbers (contents, see-also lists, index) are laid out again
   when the numbers they printed were wrong, until none changes. The first guess is the last
   build's numbers, so after an edit only the edited part and the parts whose numbers moved
   are laid out again.
4. Lay out the page numbers themselves (folio sheets of 50, cached), and join.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import get_args

from compendium.assembly import Assembled, Folio, Piece, assemble
from compendium.cache import Cache, key_of
from compendium.errors import BuildStopped, RenderError
from compendium.fonts import font_files_hash
from compendium.html import PAGE_TEMPLATE, Document
from compendium.model import Pagination
from compendium.parts import ROMAN_KINDS, WAITING_KINDS, Part, PartKind, part_html, split_parts
from compendium.pdf import (
    PdfJob,
    RenderedPdf,
    css_string,
    folio_job,
    render_pdf,
    roman_numeral,
    stamp_job,
)
from compendium.progress import Progress

MAX_ROUNDS = 6
"""Layouts of a paginated part before its numbers are declared unsettled."""
FOLIO_BLOCK = 50
"""Page numbers per folio sheet: a sheet is laid out once and reused by every build."""


@dataclass(frozen=True, slots=True)
class PrintJob:
    """What the print edition is made from."""

    document: Document
    """The compendium, its chapters those of the PDF."""
    templates: Path
    """The project's templates folder."""
    part_size: int
    """Characters of record text per part (see parts.py)."""
    base: PdfJob
    """Stylesheets, page rules, variant and attachments; its ``html`` is unused."""
    stamp_css: str = ""
    """The draft stamp's page rule. Not in the parts' rules: it names the sources' state, so
    it would make every part new after any edit. Drawn over every page instead."""


@dataclass(slots=True)
class _Laid:
    """A part laid out from some HTML."""

    html: str
    pdf: RenderedPdf


@dataclass(slots=True)
class PrintRun:
    """A print edition being laid out: started early, finished by ``result``."""

    job: PrintJob
    cache: Cache
    progress: Progress
    parts: tuple[Part, ...] = ()
    laid: dict[str, _Laid] = field(default_factory=dict)
    pending: dict[str, tuple[str, str, concurrent.futures.Future[RenderedPdf]]] = \
        field(default_factory=dict)
    pool: Workers | None = None
    stop: threading.Event | None = None
    """Set when a newer build supersedes this one (the preview): it stops waiting for parts."""
    sent: list[str] = field(default_factory=list)
    """Names of the parts (and folio sheets) laid out by workers, not from the cache."""

    def start(self) -> PrintRun:
        """Send the first round of parts to the workers."""
        self.parts = split_parts(self.job.document.chapters, self.job.document,
                                 self.job.part_size)
        hint = self._hint()
        if self.job.stamp_css:  # new after every edit, and needed only by the join
            self._submit_job("stamp", stamp_job(self.job.base, self.job.stamp_css))
        self._ensure_folios("lower-roman", 1)  # the front matter's numbers: i to l
        # The preface shows the charts, which may still be being drawn: it goes last, and
        # the chapters keep the workers busy meanwhile.
        for part in sorted(self.parts, key=lambda p: p.kind == "preface"):
            # Without a guess, the front and back matter wait for the chapters' numbers.
            if hint.numbers or part.kind not in WAITING_KINDS:
                self._submit(part, self._html(part, hint))
        return self

    def result(self) -> RenderedPdf:
        """Wait for the parts, settle the page numbers, and return the joined PDF."""
        try:
            pages = self._settle()
            return self._join(pages)
        finally:
            if self.pool is not None:
                self.pool.release(wait=True)

    def _settle(self) -> Pagination:
        """Lay out paginated parts again until the numbers they print are the true ones."""
        for _ in range(MAX_ROUNDS):
            self._collect()
            pdfs = {name: laid.pdf for name, laid in self.laid.items()}
            pages = paginate(self.parts, pdfs)
            wanted = {p.name: self._html(p, pages) for p in self.parts
                      if p.name not in self.laid or p.paginated}
            stale = [p for p in self.parts if p.name in wanted and
                     (p.name not in self.laid or self.laid[p.name].html != wanted[p.name])]
            # The contents print every part's first page, so they may have to be laid out
            # once more after the others; they go with them all the same (a page or two, on
            # a worker that would wait), and last.
            for part in sorted(stale, key=lambda p: p.kind == "contents"):
                self._submit(part, wanted[part.name])
            # The page numbers, meanwhile: the sheets of the pages known, and one beyond
            # while parts are still to come (laid out for nothing if they fit: 0.02 s).
            known = _arabic_pages(self.parts, pdfs)
            ahead = FOLIO_BLOCK if any(p.name not in pdfs for p in self.parts) else 0
            for first in range(1, known + ahead + 1, FOLIO_BLOCK):
                self._ensure_folios("decimal", first)
            if not stale:
                self.cache.put(hint_key(self.job), pages.to_json().encode())
                return pages
        raise RenderError(f"page numbers did not settle after {MAX_ROUNDS} layouts")

    def _join(self, pages: Pagination) -> RenderedPdf:
        """Lay out the page numbers and join the parts."""
        laid = {n: laid.pdf for n, laid in self.laid.items()}
        _refuse_doubled(self.parts, laid, self.job.templates)
        pieces = list(_pieces(self.parts, laid))
        body = next(i for i, p in enumerate(self.parts) if p.kind not in ROMAN_KINDS)
        roman = sum(p.pages + p.blank_before for p in pieces[:body]) + pieces[body].blank_before
        arabic = sum(p.pages + p.blank_before for p in pieces) - roman
        blocks = [("lower-roman", first) for first in range(1, roman + 1, FOLIO_BLOCK)]
        after_roman = len(blocks)
        blocks += [("decimal", first) for first in range(1, arabic + 1, FOLIO_BLOCK)]
        sheets = [self._ensure_folios(style, first) for style, first in blocks]
        self._collect()
        # The cover (page i) shows no number.
        folios: list[Folio | None] = [None] + [
            Folio(n // FOLIO_BLOCK, n % FOLIO_BLOCK) for n in range(1, roman)] + [
            Folio(after_roman + n // FOLIO_BLOCK, n % FOLIO_BLOCK) for n in range(arabic)]
        stamp = self.laid["stamp"].pdf.data if self.job.stamp_css else None
        self.progress.step(f"joining {len(pieces)} parts")
        if self.pool is None:  # every part came from the cache
            self.pool = Workers()
        joined = self.pool.join(pieces, [self.laid[n].pdf.data for n in sheets], folios,
                                roman, stamp)
        warnings = [w for part in self.parts for w in self.laid[part.name].pdf.warnings]
        return RenderedPdf(joined.data, joined.pages, pages.numbers,
                           tuple(dict.fromkeys([*warnings, *joined.warnings])))

    def _html(self, part: Part, pages: Pagination) -> str:
        """Return the HTML of ``part`` printing the numbers ``pages`` gives."""
        return part_html(part, self.job.document, self.job.templates, pages)

    def _submit(self, part: Part, html: str) -> None:
        """Lay out ``part`` from ``html`` (from the cache if it was laid out before)."""
        base = self.job.base
        first = part.kind == "title"  # the catalog's: attachments and their date
        job = replace(base, html=html,
                      page_css=base.page_css + _part_css(part),
                      attachments=base.attachments if first else (),
                      date=base.date if first else None)
        self._submit_job(part.name, job)

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

    def _submit_job(self, name: str, job: PdfJob) -> None:
        """Take ``job`` from the cache, or send it to a worker."""
        key = part_key(job)
        found = self.cache.get(key)
        if found is not None:
            self.laid[name] = _Laid(job.html, unpack_pdf(found))
            return
        if self.pool is None:
            self.pool = Workers()
        future = self.pool.submit(job)
        # Kept as soon as it is laid out, even if this build is stopped before it needs it.
        future.add_done_callback(functools.partial(_keep, self.cache, key))
        self.pending[name] = (job.html, key, future)
        self.sent.append(name)

    def _collect(self) -> None:
        """Wait for every part sent out."""
        done = 0
        while self.pending:
            name, (html, _, future) = next(iter(self.pending.items()))
            pdf = self._wait(future)
            del self.pending[name]
            self.laid[name] = _Laid(html, pdf)
            done += 1
            total = done + len(self.pending)  # the contents may be sent again meanwhile
            self.progress.step(f"PDF part {done}/{total}: {name} ({pdf.pages} pages)")
            self._resend_contents()

    def _resend_contents(self) -> None:
        """Send the contents out again, within the round, once the parts before the annex are
        laid out, if the numbers they print have changed since they were sent.

        The contents print where each part starts, the annex included: its start is known
        when the indexes are laid out, not the annex itself. In a cold build, contents sent
        with the back matter print a guess for the annex; before, they were laid out again
        in a round of their own, with one worker idle (0.2 s at 1,000 records)."""
        contents = next((p for p in self.parts if p.kind == "contents"), None)
        if contents is None or contents.name not in self.pending:
            return
        before = self.parts[:next((i for i, p in enumerate(self.parts)
                                   if p.kind.startswith("annex")), len(self.parts))]
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

    def _wait(self, future: concurrent.futures.Future[RenderedPdf]) -> RenderedPdf:
        """Return the part ``future`` lays out, unless the build is stopped first."""
        while self.stop is not None and not future.done():
            if self.stop.wait(0.02):
                for _, _, waiting in self.pending.values():
                    waiting.cancel()  # those not started yet; the others are kept when done
                raise BuildStopped("a newer build was asked for")
        return future.result()

    def _hint(self) -> Pagination:
        """Return the last build's page numbers, or none."""
        return last_pagination(self.job, self.cache)


def _keep(cache: Cache, key: str, future: concurrent.futures.Future[RenderedPdf]) -> None:
    """Put the part ``future`` laid out in the cache (called when it is done)."""
    if not future.cancelled() and future.exception() is None:
        cache.put(key, pack_pdf(future.result()))


def hint_key(job: PrintJob) -> str:
    """Return the cache key of the last pagination of ``job``'s project and kind of PDF."""
    return key_of("pagination-hint", str(job.base.project), str(job.base.variant),
                  str(job.part_size))


def last_pagination(job: PrintJob, cache: Cache) -> Pagination:
    """Return the page numbers of the last build like ``job`` (a guess: always checked)."""
    found = cache.get(hint_key(job))
    return Pagination.from_json(found.decode()) if found else Pagination()


CONTENTS_GUESS = 1
"""Pages of the contents before they are laid out."""


class Workers:
    """One worker process per core, WeasyPrint loaded, and a process to join the parts,
    started in a thread of their own.

    Starting them waits for the fork server to import WeasyPrint (half a second); the build
    reads its sources meanwhile, and waits only when it sends the first part. The preview
    ``keep``s its workers from one build to the next: they are warm when an edit comes."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self._pool: concurrent.futures.Future[concurrent.futures.ProcessPoolExecutor] = \
            concurrent.futures.Future()
        self._joiner: concurrent.futures.Future[concurrent.futures.ProcessPoolExecutor] = \
            concurrent.futures.Future()
        threading.Thread(target=self._start, daemon=True, name="start-workers").start()

    def _start(self) -> None:
        try:
            self._pool.set_result(start_pool())
        except BaseException as exc:  # given to whoever waits for the pool
            self._pool.set_exception(exc)
        self._start_joiner()

    def _start_joiner(self) -> None:
        try:
            self._joiner.set_result(start_joiner())
        except BaseException as exc:
            self._joiner.set_exception(exc)

    def submit(self, job: PdfJob) -> concurrent.futures.Future[RenderedPdf]:
        """Lay out ``job`` in a worker."""
        return self._pool.result().submit(render_pdf, job)

    def join(self, pieces: Sequence[Piece], sheets: Sequence[bytes],
             folios: Sequence[Folio | None], roman_pages: int,
             stamp: bytes | None) -> Assembled:
        """Join the parts (see assembly.assemble) in the process started for it, which then
        ends; kept workers start the next one meanwhile.

        qpdf holds every object of the joined file until it writes it: about 0.2 MB a page,
        0.8 GB for the 3,449 pages of 10,000 records. In the build process, which holds the
        records and both editions, that came on top of 0.4 GB; a process of its own gives it
        all back when it ends. Started with the workers, it is ready when the parts are: one
        started for the join took 0.09 s more (0.73 s against 0.6 s at 1,000 records)."""
        joiner = self._joiner.result()
        try:
            return joiner.submit(assemble, pieces, sheets, folios, roman_pages,
                                 stamp).result()
        finally:
            joiner.shutdown(wait=False)
            if self.keep:
                self._joiner = concurrent.futures.Future()
                threading.Thread(target=self._start_joiner, daemon=True,
                                 name="start-joiner").start()

    def release(self, wait: bool) -> None:
        """Say a build is done with the workers: they go, unless they are kept."""
        if not self.keep:
            self.shutdown(wait)

    def shutdown(self, wait: bool) -> None:
        """Let the workers and the joining process go, cancelling what they have not started."""
        for pool in (self._pool, self._joiner):
            if pool.exception() is None:
                pool.result().shutdown(wait=wait, cancel_futures=True)


def start_pool() -> concurrent.futures.ProcessPoolExecutor:
    """Start one worker process per core, WeasyPrint loaded.

    forkserver, not fork: workers start from a small clean process, not from a copy of a
    build holding every record (memory per worker stays that of its part). The server
    imports this module too: the workers' initializer is in it, and each worker would
    otherwise import it (and the HTML side it imports) itself, 0.07 s apiece."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(
        ["compendium.typeset", "compendium.paging"])
    return _forked(os.cpu_count() or 1)


def start_joiner() -> concurrent.futures.ProcessPoolExecutor:
    """Start the process that joins the parts (forked from the workers' server: nothing to
    import)."""
    return _forked(1)


def _forked(processes: int) -> concurrent.futures.ProcessPoolExecutor:
    """Return ``processes`` processes forked from the fork server, started now (without
    waiting for them), each ending when the build does."""
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("forkserver"),
        initializer=watch_build, initargs=(os.getpid(),))
    for _ in range(processes):
        pool.submit(os.getpid)
    return pool


def watch_build(build: int) -> None:
    """Make this worker exit when the build process ``build`` is gone.

    A build killed outright (SIGKILL, a stopped preview) cannot tell its workers; they hold
    their own queue's ends, so they would wait for work forever, and keep the fork server
    alive with them. Ctrl-C is the build's to handle: a worker ignores it, and goes when
    the build lets it go (or ends)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(1)
            if not _alive(build):
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-build").start()


def _alive(pid: int) -> bool:
    """Return whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:  # Linux: the state follows the parenthesised command name
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def paginate(parts: Sequence[Part], laid: Mapping[str, RenderedPdf]) -> Pagination:
    """Return the page number of every anchor: roman in the front matter, then arabic."""
    numbers: dict[str, int] = {}
    roman: dict[str, str] = {}
    for part, _, before in _places(parts, laid):
        for anchor, page in (laid[part.name].anchors if part.name in laid else {}).items():
            if part.kind in ROMAN_KINDS:
                roman.setdefault(anchor, roman_numeral(before + page))
            else:
                numbers.setdefault(anchor, before + page)
    return Pagination(numbers, roman)


def _places(parts: Sequence[Part],
            laid: Mapping[str, RenderedPdf]) -> Iterator[tuple[Part, bool, int]]:
    """Yield each part, whether a blank page goes before it (it opens on a right-hand page),
    and how many pages of its numbering come before it: roman from the cover, arabic from
    the first chapter (itself on a right-hand page, so both count sides alike). A part not
    laid out yet counts as CONTENTS_GUESS pages if it is the contents, none otherwise."""
    physical = 0
    origin: int | None = None  # where the arabic numbers start
    for part in parts:
        blank = part.starts_right and physical % 2 == 1
        physical += blank
        if origin is None and part.kind not in ROMAN_KINDS:
            origin = physical
        yield part, blank, physical - (origin or 0)
        pdf = laid.get(part.name)
        physical += pdf.pages if pdf else CONTENTS_GUESS if part.kind == "contents" else 0


def _arabic_pages(parts: Sequence[Part], laid: Mapping[str, RenderedPdf]) -> int:
    """Return how many arabic pages are known: up to the first part not laid out yet."""
    known = 0
    for part, _, before in _places(parts, laid):
        if part.kind in ROMAN_KINDS:
            continue
        if part.name not in laid:
            return before
        known = before + laid[part.name].pages
    return known


def _refuse_doubled(parts: Sequence[Part], laid: Mapping[str, RenderedPdf],
                    templates: Path) -> None:
    """Refuse parts of which two hold the same anchor: the template printed something twice.

    The join counts pages, so nothing goes missing silently; this is its counterpart for
    nothing doubled. A template that does not know one of the part kinds (one written before
    the kind existed) renders the rest of the page for it: the contents, a second time."""
    owner: dict[str, str] = {}
    for part in parts:
        for anchor in laid[part.name].anchors:
            first = owner.setdefault(anchor, part.name)
            if first != part.name:
                raise RenderError(
                    f"{templates / PAGE_TEMPLATE}: the PDF parts {first!r} and "
                    f"{part.name!r} both hold #{anchor}: the template renders it twice. Does "
                    f"it render each part kind ({', '.join(get_args(PartKind))}) on its own? "
                    "A template written before one of them existed falls through to the "
                    "contents for it.")


def _pieces(parts: Sequence[Part], laid: Mapping[str, RenderedPdf]) -> Iterator[Piece]:
    """Yield the parts as the assembly takes them, with their blank pages."""
    for part, blank, _ in _places(parts, laid):
        pdf = laid[part.name]
        continued = part.chapter is not None and part.chapter.continued
        yield Piece(pdf.data, pdf.pages, blank, 2 if continued else 1)


def _part_css(part: Part) -> str:
    """Return the page rules of ``part``: no page number (the folio sheets draw those, on
    blank pages too), and its running head."""
    rules = "@page { @bottom-center { content: none; } }"
    if part.running_head:
        rules += f"\n@page {{ @top-center {{ content: {css_string(part.running_head)}; }} }}"
    return rules


def part_key(job: PdfJob) -> str:
    """Return the cache key of everything the PDF of ``job`` depends on."""
    return key_of("pdf-part", job.html, job.page_css, str(job.variant), str(job.date),
                  str(job.tagged), font_files_hash(),
                  *(p.read_bytes() for p in job.stylesheets),
                  *(part for name, data, _ in job.attachments for part in (name, data)))


def pack_pdf(pdf: RenderedPdf) -> bytes:
    """Return ``pdf`` as a cache entry."""
    meta = json.dumps({"pages": pdf.pages, "anchors": dict(pdf.anchors),
                       "warnings": list(pdf.warnings)}).encode()
    return len(meta).to_bytes(8, "big") + meta + pdf.data


def unpack_pdf(entry: bytes) -> RenderedPdf:
    """Return the PDF kept by pack_pdf."""
    size = int.from_bytes(entry[:8], "big")
    meta = json.loads(entry[8:8 + size])
    return RenderedPdf(entry[8 + size:], meta["pages"], meta["anchors"],
                       tuple(meta["warnings"]))
