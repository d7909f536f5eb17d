"""The processes that lay out the PDF's parts (one per core, WeasyPrint loaded) and the one
that joins them."""

from __future__ import annotations

import atexit
import concurrent.futures
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing import resource_tracker
from pathlib import Path

from compendium.pdf import drawing
from compendium.pdf.jobs import LaidPart, PdfJob, RenderedPdf, render_part, render_pdf
from compendium.pdf.joining import Assembled, Joining, Piece, Place
from compendium.pdf.numbers import Folio
from compendium.processes import is_running

SCRATCH_PREFIX = "compendium-pdf-"
"""The start of a build's scratch folder's name, then the pid of the build that made it."""


def remove_abandoned_scratch(folder: Path) -> None:
    """Remove the scratch folders in ``folder`` of builds that are gone: one killed outright
    (SIGKILL, a machine's out-of-memory killer) runs no atexit, and its folder, with the
    fonts WeasyPrint copied, stayed for good (an attack: 19 folders, 15 MB). A folder whose
    build still runs, or whose name names no build, is left."""
    for scratch in folder.glob(f"{SCRATCH_PREFIX}*-*"):
        pid = scratch.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not is_running(int(pid)) and scratch.is_dir() and \
                not scratch.is_symlink() and scratch.stat().st_uid == os.getuid():
            shutil.rmtree(scratch, ignore_errors=True)


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
        # WeasyPrint copies the fonts it is given into a folder of its own, which a worker,
        # ended by os._exit, never removes: the workers keep them here, removed when they go.
        remove_abandoned_scratch(Path(tempfile.gettempdir()))
        self.scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
        atexit.register(shutil.rmtree, self.scratch, ignore_errors=True)
        threading.Thread(target=self._start, daemon=True, name="start-workers").start()

    def _start(self) -> None:
        # Ctrl-C is the build's to handle (see watch_build). The fork server starts from this
        # thread and inherits its blocked signals, as do the processes it forks: a Ctrl-C
        # while the server still imports WeasyPrint (seconds on a busy machine), before any
        # handler of its own is set, then neither kills it with a traceback nor leaves a
        # worker half started for the build to wait on. The resource tracker first: starting
        # it unblocks SIGINT in the thread that starts it.
        resource_tracker.ensure_running()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._pool.set_result(start_pool(self.scratch))
        except BaseException as exc:  # given to whoever waits for the pool
            self._pool.set_exception(exc)
        self._start_joiner()

    def _start_joiner(self) -> None:
        try:
            self._joiner.set_result(start_joiner(self.scratch))
        except BaseException as exc:
            self._joiner.set_exception(exc)

    def submit(self, job: PdfJob) -> concurrent.futures.Future[RenderedPdf]:
        """Lay out ``job`` in a worker."""
        return self._pool.result().submit(render_pdf, job)

    def lay_out_part(self, job: PdfJob, cache: Path | None) -> \
            concurrent.futures.Future[LaidPart]:
        """Lay out the part ``job`` in a worker, as pieces remembered in ``cache`` (flow.py)."""
        return self._pool.result().submit(render_part, job, cache)

    def start_join(self, first: Piece, place: Place) -> Join:
        """Start joining the PDF from its ``first`` piece at ``place`` (see Join), in the
        process started for it, which ends after the join; kept workers start the next one
        meanwhile.

        qpdf holds every object of the joined file until it writes it. In the build process,
        which holds the records and both editions, that would come on top of them; a process
        of its own gives it all back when it ends. Started with the workers, it is ready when
        the parts are: one started for the join would add its start to every build."""
        return Join(self._joiner.result(), first, place, self._end_join)

    def _end_join(self, joiner: concurrent.futures.ProcessPoolExecutor) -> None:
        """Let the process that joined go; start the next one if the workers are kept."""
        joiner.shutdown(wait=False, cancel_futures=True)
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
        if wait:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def stop(self) -> None:
        """End the workers and the joining process now, and wait until they are gone (the
        preview is closing).

        Not shutdown(wait=False): the executor's thread would close its wake-up pipe while
        the interpreter's exit handler writes to it ("Bad file descriptor" printed at exit
        after Ctrl-C). Ended first, the processes do not make the wait long."""
        for pool in (self._pool, self._joiner):
            if not pool.done() or pool.exception() is not None:
                continue
            executor = pool.result()
            for process in list(getattr(executor, "_processes", {}).values()):
                process.terminate()  # what they were laying out is not wanted any more
            executor.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.scratch, ignore_errors=True)


class Join:
    """A PDF being joined in the joining process (joining.Joining) while the build lays
    out the rest: ``add`` sends it a piece, ``finish`` the page numbers, and returns the
    joined file; ``abandon`` lets it go unfinished (a build stopped or failed).

    The pieces go in the order they are added, which must not depend on when each was laid
    out: the bytes the join writes depend on it (qpdf groups objects into object streams by
    their numbers, given as the objects are copied)."""

    def __init__(self, joiner: concurrent.futures.ProcessPoolExecutor, first: Piece,
                 place: Place,
                 end: Callable[[concurrent.futures.ProcessPoolExecutor], None]) -> None:
        self._joiner = joiner
        self._end = end
        self._ended = False
        # One process runs the calls in the order they are sent.
        self._sent = [joiner.submit(begin_join, first, place)]

    def add(self, place: Place, piece: Piece) -> None:
        """Copy ``piece`` in, to go at ``place``."""
        self._sent.append(self._joiner.submit(add_to_join, place, piece))

    def finish(self, order: Sequence[Place], blanks: set[Place], sheets: Sequence[bytes],
               folios: Sequence[Folio | None], roman_pages: int,
               stamp: bytes | None) -> Assembled:
        """Return the joined PDF (see Joining.finish); the joining process then ends."""
        try:
            finished = self._joiner.submit(finish_join, order, blanks, sheets, folios,
                                           roman_pages, stamp)
            for sent in self._sent:
                sent.result()  # the first piece that could not be copied, if any
            return finished.result()
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Let the joining process go, whatever it holds (once)."""
        if not self._ended:
            self._ended = True
            self._end(self._joiner)


_JOINING: list[Joining] = []
"""The join under way in the joining process (one at most)."""


def begin_join(first: Piece, place: Place) -> None:
    """Start the join in the joining process (Join)."""
    _JOINING[:] = [Joining(first, place)]


def add_to_join(place: Place, piece: Piece) -> None:
    """Copy a piece into the join under way (Join.add)."""
    _JOINING[0].add(place, piece)


def finish_join(order: Sequence[Place], blanks: set[Place], sheets: Sequence[bytes],
                folios: Sequence[Folio | None], roman_pages: int,
                stamp: bytes | None) -> Assembled:
    """Write the join under way (Join.finish); the process ends after it."""
    return _JOINING.pop().finish(order, blanks, sheets, folios, roman_pages, stamp,
                                 ending=True)


def start_pool(scratch: str) -> concurrent.futures.ProcessPoolExecutor:
    """Start one worker process per core, WeasyPrint loaded.

    forkserver, not fork: workers start from a small clean process, not from a copy of a
    build holding every record (memory per worker stays that of its part). The server
    imports this module too: the workers' initializer is in it, and each worker would
    otherwise import it (and the HTML side it imports) itself, 0.07 s apiece."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(
        ["compendium.pdf.layout", "compendium.pdf.flow", "compendium.pdf.workers"])
    return _forked(os.cpu_count() or 1, scratch)


def start_joiner(scratch: str) -> concurrent.futures.ProcessPoolExecutor:
    """Start the process that joins the parts (forked from the workers' server: nothing to
    import)."""
    return _forked(1, scratch)


def _forked(processes: int, scratch: str) -> concurrent.futures.ProcessPoolExecutor:
    """Return ``processes`` processes forked from the fork server, started now (without
    waiting for them), each ending when the build does, their temporary files in
    ``scratch``."""
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("forkserver"),
        initializer=watch_build, initargs=(os.getpid(), scratch))
    for _ in range(processes):
        pool.submit(os.getpid)
    return pool


def watch_build(build: int, scratch: str) -> None:
    """Make this worker keep its temporary files in ``scratch``, and exit when the build
    process ``build`` is gone.

    A build killed outright (SIGKILL, a stopped preview) cannot tell its workers; they hold
    their own queue's ends, so they would wait for work forever, and keep the fork server
    alive with them. Ctrl-C is the build's to handle: a worker ignores it, and goes when
    the build lets it go (or ends)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tempfile.tempdir = scratch
    drawing.SCRATCH[:] = [Path(scratch)]

    def watch() -> None:
        while True:
            time.sleep(1)
            if not is_running(build):
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-build").start()
