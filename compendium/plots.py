"""Charts drawn with matplotlib, as SVG.

Both editions embed the same SVG. Text stays text (``svg.fonttype: none``) so the PDF shows it
in the compendium's own fonts, and a fixed hash salt and no date keep the bytes reproducible.
Imported only when the build cache lacks the charts (see charts.Charts).
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure  # used without pyplot: no GUI backend is ever chosen

from compendium.charts import Chart, period_of
from compendium.fonts import FACES
from compendium.model import Record

INK, ACCENT, LIGHT = "#1d2329", "#0b5394", "#e8eef5"
# Typed Any: matplotlib's stubs want literal keys, which a shared style dict cannot give.
STYLE: Any = {"svg.fonttype": "none", "svg.hashsalt": "compendium",
              "font.family": "Source Sans Pro", "font.size": 9, "axes.edgecolor": INK,
              "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK, "text.color": INK}


@functools.cache
def _register_fonts() -> None:
    """Let matplotlib measure text with the compendium's own sans-serif faces."""
    for face in FACES:
        if face.family == "Source Sans Pro":
            font_manager.fontManager.addfont(str(face.path))


def plot_charts(activities: Sequence[Record]) -> tuple[Chart, ...]:
    """Return the compendium's charts of ``activities`` (entries, not profiles)."""
    _register_fonts()
    return entries_by_period(activities), collaborations(activities)


def entries_by_period(activities: Sequence[Record]) -> Chart:
    """Chart the number of entries each entity leads, per reporting period (decade)."""
    periods = sorted({period_of(r) for r in activities}, key=_period_order)
    entities = [e for e, _ in Counter(r.entity for r in activities).most_common()]
    counts = Counter((r.entity, period_of(r)) for r in activities)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(6.2, 0.5 + 0.32 * len(entities)))
        axes = figure.add_subplot()
        left = [0] * len(entities)
        shades = _shades(periods)
        for period, shade in zip(periods, shades, strict=True):
            widths = [counts[(e, period)] for e in entities]
            axes.barh(entities, widths, left=left, color=shade, label=period, height=0.65)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        _finish(axes, "entries")
        axes.invert_yaxis()
        figure.tight_layout()
        axes.legend(title="Reporting period", frameon=False, fontsize=8, title_fontsize=8,
                    loc="lower right")
        svg = _svg(figure, "chart-entries")
    rows = (("Entity", *periods), *((e, *(str(counts[(e, p)]) for p in periods))
                                   for e in entities))
    busiest = max(entities, key=lambda e: sum(counts[(e, p)] for p in periods))
    description = (f"Horizontal stacked bars: entries led by each of {len(entities)} entities, "
                   f"split by reporting period ({', '.join(periods)}). {busiest} leads the "
                   f"most, {sum(counts[(busiest, p)] for p in periods)} of "
                   f"{len(activities)} entries.")
    return Chart("chart-entries", "Entries by lead entity and reporting period", description,
                 svg, rows)


def collaborations(activities: Sequence[Record]) -> Chart:
    """Chart how often each pair of entities works on the same entry."""
    pairs = Counter(tuple(sorted(p)) for r in activities
                    for p in combinations(set(r.entities), 2))
    ranked = pairs.most_common(12)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(6.2, 0.6 + 0.3 * max(1, len(ranked))))
        axes = figure.add_subplot()
        labels = [f"{a} – {b}" for (a, b), _ in ranked]
        axes.barh(labels or ["(no joint entries)"], [n for _, n in ranked] or [0],
                  color=ACCENT, height=0.6)
        _finish(axes, "joint entries")
        axes.invert_yaxis()
        figure.tight_layout()
        svg = _svg(figure, "chart-collaboration")
    rows = (("Entities", "Joint entries"), *((f"{a} and {b}", str(n)) for (a, b), n in ranked))
    if ranked:
        (a, b), n = ranked[0]
        verb = "shares" if len(pairs) == 1 else "share"
        summary = (f"{_count(len(pairs), 'pair')} of entities {verb} at least one entry; the "
                   f"most frequent is {a} and {b}, with "
                   f"{_count(n, 'joint entry', 'joint entries')}.")
        shown = ("the pair" if len(ranked) == 1 else f"the {len(ranked)} pairs") + \
            " of entities that most often lead or partner in the same entry"
    else:
        summary, shown = "No entry names more than one entity.", "no pair of entities"
    return Chart("chart-collaboration", "Entities working together (shared entries)",
                 f"Horizontal bars: {shown}. {summary}", svg, rows)


def _count(n: int, one: str, many: str = "") -> str:
    """Return "1 pair", "3 pairs": a count with its noun in the right number."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def _period_order(period: str) -> tuple[int, str]:
    """Order periods oldest first, undated last."""
    return (1, period) if period == "undated" else (0, period)


def _shades(periods: Sequence[str]) -> list[str]:
    """Return a blue per dated period, light (oldest) to dark, and grey for "undated"."""
    dated = [p for p in periods if p != "undated"]
    blues = matplotlib.colormaps["Blues"]
    step = 0.65 / max(1, len(dated) - 1)
    colours = [matplotlib.colors.to_hex(blues(0.3 + i * step)) for i in range(len(dated))]
    return colours + (["#9aa3ab"] if "undated" in periods else [])


def _finish(axes: object, unit: str) -> None:
    """Apply the house look: no top/right frame, integer ticks, a unit label."""
    from matplotlib.axes import Axes
    from matplotlib.ticker import MaxNLocator

    assert isinstance(axes, Axes)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(f"Number of {unit}")


def _svg(figure: Figure, prefix: str) -> str:
    """Return the figure as an <svg> element, reproducible, without a prologue, its ids
    prefixed so that two charts on one page do not share an id."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = re.sub(r"^.*?(?=<svg)", "", buffer.getvalue(), flags=re.DOTALL)
    # The RDF metadata block is not allowed in SVG inside HTML (the Nu checker refuses it).
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    return re.sub(r'(url\(#|href="#)([^")]+)', rf"\1{prefix}-\2", text)
