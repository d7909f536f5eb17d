"""Drawing laid-out pages as PDFs (WeasyPrint's ``write_pdf``), in a process forked for it
while the layout goes on, when no other worker is busy.

Drawing is about a third of a part's time, and it needs nothing the next pages' layout
makes: a copy of the worker forked once a piece is laid out can draw it while the worker
lays out the next ones. That pays only on a free core: after an edit, one worker lays the
edited chapter out and the others wait; a cold build keeps every worker busy until its last
parts. So a worker draws apart only while it is the only one laying a part out (each
marks itself busy in the workers' shared scratch folder), and in turn otherwise.

The pieces are drawn, and kept, in the order they were laid out, by the same code either
way, from the same pages: the bytes are those of drawing in the worker itself. One forked
process at a time draws every piece laid out since the last one was forked.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from compendium.errors import RenderError

T = TypeVar("T")
BUSY_PREFIX = "laying-"
"""Names of the marks a worker leaves in the scratch folder while it lays out a part."""
APART_ALWAYS = "always"
APART_NEVER = "never"
PATIENCE = 60.0
PATIENCE_A_PIECE = 5.0
"""Seconds a drawing process is given, and more for each piece, before it is deemed stuck,
ended, and its pieces drawn in the worker (a few pages take a second at most)."""
SCRATCH: list[Path] = []
"""The workers' shared scratch folder (set in each worker: see workers.watch_build); without
it (a part laid out in the build's own process, in tests) pieces are drawn in turn."""


@contextlib.contextmanager
def laying_out() -> Iterator[None]:
    """Mark this worker busy laying out a part while the block runs."""
    if not SCRATCH:
        yield
        return
    mark = SCRATCH[0] / f"{BUSY_PREFIX}{os.getpid()}"
    mark.touch()
    try:
        yield
    finally:
        mark.unlink(missing_ok=True)


def core_is_free() -> bool:
    """Return whether this worker is the only one laying out a part (os.cpu_count workers
    share the scratch folder: the others are idle)."""
    if not SCRATCH:
        return False
    # Tests (and anyone measuring) choose the path: "always" or "never".
    forced = os.environ.get("COMPENDIUM_DRAW_APART")
    if forced in (APART_ALWAYS, APART_NEVER):
        return forced == APART_ALWAYS
    try:
        busy = sum(1 for name in os.listdir(SCRATCH[0]) if name.startswith(BUSY_PREFIX))
    except OSError:
        return False
    return busy <= 1


@dataclass(slots=True)
class _Child(Generic[T]):
    """A forked process drawing ``batch`` into ``out`` since ``started``."""

    pid: int
    out: str
    batch: list[Callable[[], T]]
    started: float


@dataclass(slots=True)
class Drawing(Generic[T]):
    """Pieces to draw in order (each a function returning its drawing), each handed with its
    drawing to ``done`` in that order.

    ``apart`` says, at each piece, whether to draw in a forked process."""

    done: Callable[[T], None]
    apart: Callable[[], bool] = core_is_free
    _waiting: list[Callable[[], T]] = field(default_factory=list)
    _child: _Child[T] | None = None

    def add(self, draw: Callable[[], T]) -> None:
        """Draw ``draw``'s piece now, or later apart (after those added before it)."""
        self._waiting.append(draw)
        self.flush()  # if the process drawing is busy, this piece goes to the next one

    def flush(self) -> None:
        """Start drawing the pieces waiting, if no process is drawing (the layout goes on
        to a new window: its parsing and styling need no drawing)."""
        if self._child is not None and not self._reap(block=False):
            return
        if self._waiting:
            if self.apart() and _no_other_threads():
                self._fork()
            else:
                self._in_turn()

    def finish(self) -> None:
        """Draw every piece added: those waiting here, while the process drawing (if any)
        finishes its own, which go first."""
        waiting, self._waiting = self._waiting, []
        drawn = [draw() for draw in waiting]
        if self._child is not None:
            self._reap(block=True)
        for piece in drawn:
            self.done(piece)

    def abandon(self) -> None:
        """Let the pieces go undrawn (the layout failed)."""
        self._waiting.clear()
        if self._child is not None:
            child, self._child = self._child, None
            with contextlib.suppress(OSError):  # its drawing is not wanted: ended, not waited
                os.kill(child.pid, signal.SIGKILL)
                os.waitpid(child.pid, 0)
            Path(child.out).unlink(missing_ok=True)

    def _in_turn(self) -> None:
        waiting, self._waiting = self._waiting, []
        for draw in waiting:
            self.done(draw())

    def _fork(self) -> None:
        handle, out = tempfile.mkstemp(prefix="drawn-", suffix=".pickle")
        os.close(handle)
        worker = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # no process to be had (memory, a limit): drawn here, in turn
            Path(out).unlink(missing_ok=True)
            self._in_turn()
            return
        if pid == 0:  # pragma: no cover (the child ends by os._exit)
            _draw_and_exit(self._waiting, out, worker)
        self._child = _Child(pid, out, self._waiting, time.monotonic())
        self._waiting = []

    def _reap(self, block: bool) -> bool:
        """Take the drawing process's pieces if it is done (or once it is, if ``block``);
        return whether it was."""
        child = self._child
        assert child is not None
        pid, status = os.waitpid(child.pid, os.WNOHANG)
        while pid == 0 and block:
            if time.monotonic() - child.started > PATIENCE + PATIENCE_A_PIECE * len(child.batch):
                self._draw_here(child)
                return True
            time.sleep(0.005)
            pid, status = os.waitpid(child.pid, os.WNOHANG)
        if pid == 0:
            return False
        self._child = None
        try:
            result = Path(child.out).read_bytes()
        finally:
            Path(child.out).unlink(missing_ok=True)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not result:
            raise RenderError(f"the process drawing {len(child.batch)} piece(s) of the PDF "
                              f"ended without them (status {status})")
        drawn: tuple[str, object] = pickle.loads(result)
        kind, value = drawn
        if kind == "failed":
            raise RuntimeError(str(value))  # as it would have been raised drawing in turn
        for piece in value:  # type: ignore[attr-defined]
            self.done(piece)
        return True

    def _draw_here(self, child: _Child[T]) -> None:
        """End a drawing process that never finished, and draw its pieces here."""
        self._child = None
        with contextlib.suppress(OSError):
            os.kill(child.pid, signal.SIGKILL)
            os.waitpid(child.pid, 0)
        Path(child.out).unlink(missing_ok=True)
        for draw in child.batch:
            self.done(draw())


def _no_other_threads() -> bool:
    """Return whether this process runs no thread but Python's own: a forked copy has only
    the forking thread, and a lock another held stays locked in it. Pango matches fonts in
    threads of its own, holding fontconfig's lock: a copy forked meanwhile waited for it
    forever (the full suite hung once). Without /proc, nothing is known: no fork."""
    try:
        return len(os.listdir("/proc/self/task")) <= threading.active_count()
    except OSError:
        return False


def _draw_and_exit(batch: list[Callable[[], T]], out: str,
                   worker: int) -> None:  # pragma: no cover
    """In the forked process: draw ``batch``, write it to ``out`` unless its ``worker`` is
    gone (a build killed outright: nobody would read or remove it), and end."""
    # The collector would walk (and so copy) every object the worker holds.
    gc.disable()
    code = 0
    try:
        try:
            drawn: tuple[str, object] = ("drawn", [draw() for draw in batch])
        except BaseException as exc:  # a refused fetch is a BaseException (layout.typeset)
            reason = f"{exc} ({exc.__cause__})" if exc.__cause__ else str(exc)
            drawn = ("failed", reason)
        if os.getppid() != worker:
            Path(out).unlink(missing_ok=True)
        else:
            Path(out).write_bytes(pickle.dumps(drawn, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:
        code = 1
    finally:
        os._exit(code)
