"""Pieces drawn in a forked process while the layout goes on (pdf/drawing.py): in order,
and failures told as drawing in turn tells them. That the bytes are those of drawing in turn
is tested on real parts in test_pieces.py."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from compendium.errors import RenderError
from compendium.pdf import drawing
from compendium.pdf.drawing import Drawing, core_is_free, laying_out


@pytest.fixture(autouse=True)
def forks_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """These pieces are plain Python (no Pango, whose threads may hold a lock at the fork):
    fork whatever threads the test run has started."""
    monkeypatch.setattr(drawing, "_no_other_threads", lambda: True)


def piece(n: int, pause: float = 0.0) -> Callable[[], tuple[int, int]]:
    def draw() -> tuple[int, int]:
        time.sleep(pause)
        return n, os.getpid()
    return draw


def drawn_apart(draws: list[Callable[[], tuple[int, int]]]) -> list[tuple[int, int]]:
    """Return what ``draws`` drew, in the order kept, each asked to be drawn apart."""
    done: list[tuple[int, int]] = []
    drawn = Drawing(done.append, lambda: True)
    for draw in draws:
        drawn.add(draw)
    drawn.finish()
    return done


@pytest.mark.parametrize("pattern", ["apart", "in turn", "alternating"])
def test_pieces_are_kept_in_the_order_they_were_laid_out(pattern: str) -> None:
    done: list[tuple[int, int]] = []
    calls = iter(range(1000))
    apart = {"apart": lambda: True, "in turn": lambda: False,
             "alternating": lambda: next(calls) % 2 == 0}[pattern]
    drawn = Drawing(done.append, apart)
    for n in range(12):
        # A slow child: the pieces after it wait, then go in one batch (or in turn).
        drawn.add(piece(n, 0.05 if n % 5 == 0 else 0.0))
    drawn.finish()
    assert [n for n, _ in done] == list(range(12))
    elsewhere = {pid for _, pid in done} - {os.getpid()}
    assert bool(elsewhere) == (pattern != "in turn")
    if pattern == "apart":  # pieces laid out while one was drawn went in one process
        assert len(elsewhere) < 12


def test_a_failure_while_drawing_apart_is_raised_as_in_turn() -> None:
    def broken() -> tuple[int, int]:
        raise ValueError("no glyph for U+E000")
    drawn = Drawing(lambda _: None, lambda: True)
    drawn.add(broken)
    with pytest.raises(RuntimeError, match="no glyph for U\\+E000"):
        drawn.finish()


def test_a_drawing_process_that_dies_is_a_render_error() -> None:
    def killed() -> tuple[int, int]:
        os._exit(7)
    drawn = Drawing(lambda _: None, lambda: True)
    drawn.add(killed)
    with pytest.raises(RenderError, match="ended without them"):
        drawn.finish()


def test_abandoned_pieces_leave_no_process_nor_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    done: list[tuple[int, int]] = []
    drawn = Drawing(done.append, lambda: True)
    drawn.add(piece(0, 0.2))
    drawn.add(piece(1))
    child = drawn._child
    assert child is not None
    drawn.abandon()
    assert done == [] and list(tmp_path.iterdir()) == []
    with pytest.raises(ChildProcessError):  # waited for: no zombie left
        os.waitpid(child.pid, os.WNOHANG)


def test_a_worker_draws_apart_only_while_no_other_lays_a_part_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPENDIUM_DRAW_APART", raising=False)
    monkeypatch.setattr(drawing, "SCRATCH", [])
    assert not core_is_free()  # in the build's own process: never
    monkeypatch.setattr(drawing, "SCRATCH", [tmp_path])
    with laying_out():
        assert core_is_free()
        (tmp_path / f"{drawing.BUSY_PREFIX}99999").touch()  # another worker
        assert not core_is_free()
        (tmp_path / f"{drawing.BUSY_PREFIX}99999").unlink()
        assert core_is_free()
    assert list(tmp_path.iterdir()) == []


def test_without_a_process_to_fork_the_pieces_are_drawn_in_turn(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError("Resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", refused)
    assert drawn_apart([piece(n) for n in range(3)]) == [(n, os.getpid()) for n in range(3)]


def test_a_drawing_process_that_never_ends_is_ended_and_its_pieces_drawn_here(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked copy can wait forever for a lock another thread held at the fork (Pango's
    font matching holds fontconfig's): the worker gives it PATIENCE, then draws here."""
    monkeypatch.setattr(drawing, "PATIENCE", 0.3)
    monkeypatch.setattr(drawing, "PATIENCE_A_PIECE", 0.0)
    parent = os.getpid()

    def stuck(n: int) -> Callable[[], tuple[int, int]]:
        def draw() -> tuple[int, int]:
            while os.getpid() != parent:  # only the copy is stuck
                time.sleep(1)
            return n, os.getpid()
        return draw
    started = time.monotonic()
    assert drawn_apart([stuck(n) for n in range(3)]) == [(n, parent) for n in range(3)]
    assert time.monotonic() - started < 5


def test_no_copy_is_forked_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread Python does not know (Pango's) may hold a lock: the pieces are drawn here."""
    monkeypatch.undo()
    monkeypatch.setattr(threading, "active_count", lambda: 0)
    assert drawn_apart([piece(n) for n in range(3)]) == [(n, os.getpid()) for n in range(3)]


def test_a_drawing_process_whose_worker_is_gone_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build killed outright takes its workers with it: the drawing process, which goes on,
    writes nothing that nobody would read or remove (the second attack found its files)."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    worker = os.fork()
    if worker == 0:  # the worker: hands a slow piece to a drawing process, then dies
        drawn = Drawing(lambda _: None, lambda: True)
        drawn.add(piece(0, 0.5))
        os._exit(0)
    os.waitpid(worker, 0)
    deadline = time.monotonic() + 5
    while list(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(tmp_path.iterdir()) == []
