"""Progress on a terminal: one line per stage with its time, a live line for long steps.

When the output is not a terminal (CI, a pipe, a log file) nothing is shown but the build's
one-line summary.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Reports stages, and steps within them, to a terminal."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.perf_counter()

    def stage(self, number: int, total: int, name: str) -> None:
        """Say that stage ``number`` of ``total`` starts."""
        self._line(f"[{number}/{total}] {name}", end="\n")

    def step(self, text: str) -> None:
        """Replace the live line with ``text`` (a chapter, a page count)."""
        self._line(f"      {text}", end="\r")

    def _line(self, text: str, end: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            self.stream.write(f"\x1b[2K{elapsed:6.1f}s {text}{end}")
            self.stream.flush()


QUIET = Progress(enabled=False)
"""Progress that shows nothing (library use, tests)."""
