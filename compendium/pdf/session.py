"""The print edition of one build: its workers, its cache key, its layout, start to finish.

A build opens a session first, so that the workers load WeasyPrint while the sources are
read; starts it as soon as the record text is rendered, so that the parts are laid out
while the HTML edition is made; asks for the result last; and closes it whatever happens.
The preview lends workers it keeps warm between builds, and a stop event it sets when a
newer build supersedes this one.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from types import TracebackType

from compendium.cache import Cache, key_of
from compendium.html.charts import NO_CHARTS
from compendium.html.page import render_html
from compendium.pdf.jobs import PrintJob, RenderedPdf, pack_pdf, part_key, unpack_pdf
from compendium.pdf.run import PrintRun
from compendium.pdf.workers import Workers
from compendium.progress import Progress


class PrintSession:
    """The print edition being made for one build (see the module's docstring)."""

    def __init__(self, cache: Cache, progress: Progress, wanted: bool,
                 workers: Workers | None = None, stop: threading.Event | None = None) -> None:
        self._cache = cache
        self._progress = progress
        self._stop = stop
        # Started now, unless lent or no PDF is wanted: loading WeasyPrint takes them a
        # second, which reading the sources hides.
        self._workers = workers if workers is not None or not wanted else Workers()
        self._key = ""
        self._job: PrintJob | None = None
        self.print_run: PrintRun | None = None
        """The layout under way; None until started, or when the cache had the whole PDF."""

    def __enter__(self) -> PrintSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.print_run is not None and self.print_run.joining is not None:
            self.print_run.joining.abandon()  # a build that failed before its result
        self._let_workers_go()  # a failed build, or one that needed no layout

    @property
    def started(self) -> bool:
        """Whether ``start`` was called (the job is then made, and kept)."""
        return self._job is not None

    def start(self, job: PrintJob) -> None:
        """Start laying out ``job``'s parts in the workers, unless the cache has the PDF."""
        if self._job is not None:
            return
        self._job = job
        # The charts by their key (all they show), not their drawing, which may not be done.
        unseen = replace(job.document, charts=NO_CHARTS)
        self._key = key_of(
            "pdf", render_html(unseen, job.templates, "pdf"), job.document.charts.key,
            part_key(job.base),
            *(p.read_bytes() for p in sorted(job.templates.rglob("*")) if p.is_file()))
        if self._cache.get(self._key) is not None:
            self._let_workers_go()  # nothing to lay out
        else:
            self._lay_out(job)

    def result(self) -> RenderedPdf:
        """Return the PDF of the job started: from the cache, or once its layout is done."""
        if self._job is None:
            raise RuntimeError("the print session was asked for its PDF before it started")
        job = self._job
        run = self.print_run
        if run is None:
            found = self._cache.get(self._key)
            if found is not None:
                return unpack_pdf(found)
            run = self._lay_out(job)  # the entry went meanwhile (another build pruned it)
        self._progress.step("waiting for the PDF workers")
        pdf = run.result()
        self._cache.put(self._key, pack_pdf(pdf))
        self._cache.bind(self._key, self._cache.used)  # its parts, for the next edit
        return pdf

    def _lay_out(self, job: PrintJob) -> PrintRun:
        """Send ``job``'s parts to the workers (new ones if this session holds none)."""
        self.print_run = PrintRun(job, self._cache, self._progress, workers=self._workers,
                            stop=self._stop).start()
        return self.print_run

    def _let_workers_go(self) -> None:
        """Release the workers this session still holds (kept ones stay for the next)."""
        if self._workers is not None:
            self._workers.release(wait=False)
            self._workers = None
