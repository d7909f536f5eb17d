"""Collect what a part of the build logs, so it can be replayed (cache) or refused (publication)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _ListHandler(logging.Handler):
    """Keep the messages one thread logs in a list (the preview builds its HTML and its PDF
    side by side: each build keeps its own warnings)."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.sink.append(record.getMessage())


@contextmanager
def captured_warnings(logger_name: str) -> Iterator[list[str]]:
    """Collect the warnings a logger (and its children) log in this thread while the block
    runs."""
    sink: list[str] = []
    logger = logging.getLogger(logger_name)
    handler = _ListHandler(sink)
    logger.addHandler(handler)
    try:
        yield sink
    finally:
        logger.removeHandler(handler)
