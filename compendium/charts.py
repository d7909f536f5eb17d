"""The charts drawn from the records: what each shows, in SVG with a text alternative and
its data as a table, remembered in the cache (plots.py draws them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
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


def draw_charts(records: Sequence[Record], cache: Cache = NO_CACHE) -> tuple[Chart, ...]:
    """Return the compendium's charts for ``records`` (none when there are no activities).

    They depend only on each entry's entities and period, so editing a text reuses them."""
    activities = [r for r in records if not r.is_profile]
    if not activities:
        return ()
    inputs = json.dumps([[r.entity, list(r.entities), period_of(r)] for r in activities])

    def draw() -> list[dict[str, Any]]:
        # matplotlib (0.3 s to import) only when the cache lacks the charts: most builds,
        # the PDF workers' included, never load it.
        from compendium.plots import plot_charts

        return [asdict(c) for c in plot_charts(activities)]

    drawn = cache.remember(key_of("charts", inputs), draw)
    return tuple(Chart(slug=c["slug"], title=c["title"], description=c["description"],
                       svg=c["svg"], rows=tuple(tuple(row) for row in c["rows"]))
                 for c in drawn)


def period_of(record: Record) -> str:
    """Return the reporting period of an entry: the year it started, or "undated"."""
    return "undated" if record.period is None else str(record.period.start.year)

