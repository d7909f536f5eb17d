"""What this process remembers between calls and between builds: one mechanism for all of it.

Why one: the preview rebuilds after every edit in one long-running process, and each step
is fast only because it remembers what it made before (files read, records validated,
bodies rendered, articles, font coverage, the cache's entries). When each module kept its
own dictionary with its own rule for forgetting (first in first out here, cleared when
over a limit there, one edition at a time elsewhere), nobody could say what a process held,
and tests had to clear private tables by name. (Typst's comemo plays this part in Typst.)

Two ways in, one kind of table: ``@memoized(limit=...)`` remembers a function's results by
its arguments; a ``Memo`` is filled by hand where what to keep is a choice (the disk cache
keeps only small entries in memory, a file's text only once it has settled).

The rule: a table holds at most its ``limit`` entries; adding one to a full table drops the
one least recently used (found or added). Nothing else ever drops an entry, so a value must
be right for its key for as long as it is kept: whatever it depends on is in its key (a
file's size and times, a text, the code's version), never checked after the look-up. A value
is never mutated by whoever gets it.

Clearing: ``forget()`` empties every table, leaving the process as a new one starts (the
disk cache stays). Tests call it; a build never needs to. The PDF workers start from the
fork server, a fresh interpreter: they remember what they lay out in tables of their own.

Threads: the preview builds the HTML and the PDF at once. A table is safe to share; a value
is made outside any lock, so two threads may make the same value at once.
"""

from __future__ import annotations

import enum
import functools
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, Literal, ParamSpec, TypeVar, cast

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
P = ParamSpec("P")
R = TypeVar("R")

_CLEARS: list[Callable[[], None]] = []
"""How to empty each table of the process."""


def forget() -> None:
    """Empty every table: the process then remembers nothing, as a new one."""
    for clear in list(_CLEARS):
        clear()


def memoized(limit: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Return a decorator remembering a function's results by its arguments (hashable, and
    all the result depends on), at most ``limit`` of them.

    The table is functools' ``lru_cache``: the same rule, written in C. A Memo would do, but
    the build calls these functions a dozen times a record on every rebuild, and a look-up
    in Python costs 0.3 µs more: 5 % of a warm rebuild of the HTML at 1,000 records."""
    if limit < 1:
        raise ValueError(f"memo limit {limit}; expected at least 1")

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        remembered = functools.lru_cache(maxsize=limit)(function)
        _CLEARS.append(remembered.cache_clear)
        return cast("Callable[P, R]", remembered)
    return decorate


class Missing(enum.Enum):
    """What ``Memo.find`` gives for a key it does not hold (a value may itself be None)."""

    MISSING = enum.auto()


MISSING: Literal[Missing.MISSING] = Missing.MISSING


class Memo(Generic[K, V]):
    """A table of values by key, filled by hand, at most ``limit`` of them, the least
    recently used dropped first (see the module docstring)."""

    __slots__ = ("_entries", "_lock", "_tickets", "_uses", "limit", "name")

    def __init__(self, name: str, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"memo {name}: limit {limit}; expected at least 1")
        self.name = name
        """What the table remembers (for a reader, and a debugger)."""
        self.limit = limit
        """How many entries it holds at most."""
        # Each entry has a ticket, and the order of use is kept by ticket: a look-up then
        # compares the key once (a record, a path in a key is compared field by field), and
        # moves a number.
        self._entries: dict[K, tuple[V, int]] = {}
        self._uses: OrderedDict[int, K] = OrderedDict()
        """Tickets, least recently used first, with their keys."""
        self._tickets = itertools.count()
        self._lock = threading.Lock()
        _CLEARS.append(self.clear)

    def find(self, key: K) -> V | Literal[Missing.MISSING]:
        """Return the value kept under ``key`` (now the most recently used), or MISSING."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return MISSING
            self._uses.move_to_end(entry[1])
            return entry[0]

    def keep(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key`` and return it, or the value another thread kept under
        it meanwhile (so that equal keys get the same object)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._uses.move_to_end(entry[1])
                return entry[0]
            ticket = next(self._tickets)
            self._entries[key] = value, ticket
            self._uses[ticket] = key
            if len(self._entries) > self.limit:
                del self._entries[self._uses.popitem(last=False)[1]]
            return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._uses.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        """Return whether ``key`` is kept (without counting as a use)."""
        return key in self._entries
