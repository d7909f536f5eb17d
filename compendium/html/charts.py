"""The charts drawn from the records: what each shows, in SVG with a text alternative and
its data as a table, remembered in the cache (plots.py draws them, in a thread).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

from compendium.cache import NO_CACHE, Cache, key_of
from compendium.model import Record


@dataclass(frozen=True, slots=True)
class Chart:
    """A figure ready for the templates."""

    slug: str
    """Anchor and file-name part."""
    title: str
    """Caption."""
    description: str
    """Text alternative: what the chart shows, in words."""
    svg: str
    """The drawing, an <svg> element without XML prologue."""
    rows: tuple[tuple[str, ...], ...]
    """The data as a table, header row first, for readers who cannot see the drawing."""
    source: str = ""
    """The line under the chart saying what it counts and where the figures come from."""


class Charts:
    """The compendium's charts, drawn in a thread of their own while the build goes on.

    Whether there are any is known at once (``{% if doc.charts %}``); going through them
    waits for the drawing, which is slow (matplotlib loaded included): the PDF workers are
    sent the chapters, which show no chart, meanwhile."""

    def __init__(self, records: Sequence[Record], cache: Cache = NO_CACHE) -> None:
        activities = [r for r in records if not r.is_profile]
        if not charts_wanted(activities):
            activities = []
        inputs = json.dumps([[r.entity, list(r.entities), period_of(r)] for r in activities])
        self.key = key_of("charts", inputs) if activities else ""
        """The cache key of the charts, made from all they show; empty when there are none."""
        self._drawn: Future[tuple[Chart, ...]] = Future()
        found = cache.get(self.key) if activities else None
        if not activities:
            self._drawn.set_result(())
        elif found is not None:
            self._drawn.set_result(_charts(json.loads(found)))
        else:
            threading.Thread(target=self._draw, args=(activities, cache), daemon=True,
                             name="draw-charts").start()

    def _draw(self, activities: Sequence[Record], cache: Cache) -> None:
        try:
            # matplotlib (0.3 s to import) only when the cache lacks the charts: most builds,
            # the PDF workers' included, never load it. One drawing at a time: matplotlib's
            # settings are global.
            from compendium.html.plots import plot_charts

            def draw() -> list[dict[str, Any]]:
                with _DRAWING:
                    return [asdict(c) for c in plot_charts(activities)]

            self._drawn.set_result(_charts(cache.remember(self.key, draw)))
        except BaseException as exc:  # raised where the charts are wanted
            self._drawn.set_exception(exc)

    def __bool__(self) -> bool:
        return bool(self.key)

    def __iter__(self) -> Iterator[Chart]:
        return iter(self._drawn.result())

    def __len__(self) -> int:
        return len(self._drawn.result())

    def __getitem__(self, index: int) -> Chart:
        return self._drawn.result()[index]


_DRAWING = threading.Lock()


def _charts(drawn: list[dict[str, Any]]) -> tuple[Chart, ...]:
    """Return the charts kept in the cache as JSON."""
    return tuple(Chart(slug=c["slug"], title=c["title"], description=c["description"],
                       svg=c["svg"], rows=tuple(tuple(row) for row in c["rows"]),
                       source=c.get("source", ""))
                 for c in drawn)




MIN_ENTRIES = 10
"""Fewer activity entries than this say nothing a sentence could not: no chart of them."""
MIN_PAIRS = 3
"""Fewer pairs of entities working together than this: no chart of collaborations."""


def charts_wanted(activities: Sequence[Record]) -> tuple[str, ...]:
    """Return the slugs of the charts ``activities`` have enough data for: entries by entity
    and period (10 entries or more, 2 entities or more), collaborations (3 pairs or more)."""
    wanted = []
    if len(activities) >= MIN_ENTRIES and len({r.entity for r in activities}) >= 2:
        wanted.append("chart-entries")
    if len(shared_entries(activities)) >= MIN_PAIRS:
        wanted.append("chart-collaboration")
    return tuple(wanted)


def shared_entries(activities: Sequence[Record]) -> Counter[tuple[str, ...]]:
    """Return how many entries each pair of entities shares (as lead or partner)."""
    return Counter(tuple(sorted(p)) for r in activities
                   for p in combinations(sorted(set(r.entities)), 2))


def period_of(record: Record) -> str:
    """Return the reporting period of an entry: the year it started, or "undated"."""
    return "undated" if record.period is None else str(record.period.start.year)


NO_CHARTS = Charts(())
"""A compendium without activities has no charts."""
