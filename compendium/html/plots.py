"""Charts drawn with matplotlib, as SVG.

Both editions embed the same SVG. Text stays text (``svg.fonttype: none``) so the PDF shows it
in the compendium's own fonts, and a fixed hash salt and no date keep the bytes reproducible.
Imported only when the build cache lacks the charts (see charts.Charts).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure  # used without pyplot: no GUI backend is ever chosen

from compendium.fonts import FACES, SCRIPT_FACES
from compendium.html.charts import Chart, charts_wanted, period_of, shared_entries
from compendium.memo import memoized
from compendium.model import Record

INK, ACCENT = "#1d2329", "#0b5394"
# Typed Any: matplotlib's stubs want literal keys, which a shared style dict cannot give.
SANS_FAMILIES = ["Source Sans Pro", *dict.fromkeys(
    face.family for face in SCRIPT_FACES if "Sans" in face.family)]
"""The chart's faces, the script faces after Source Sans (an entity named in Chinese or
Arabic): matplotlib measures each label with the face that has its letters, and the SVG
names them all, as the pages' CSS does."""
STYLE: Any = {"svg.fonttype": "none", "svg.hashsalt": "compendium",
              "font.family": SANS_FAMILIES, "font.size": 9, "axes.edgecolor": INK,
              "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK, "text.color": INK,
              # Labels are entity names from the registry: "$…$" is their text, not a formula.
              "text.parse_math": False}


@memoized(limit=1)
def _register_fonts() -> None:
    """Let matplotlib measure text with the compendium's own sans-serif faces, the script
    faces this machine has included."""
    for face in (*FACES, *SCRIPT_FACES):
        if face.family in SANS_FAMILIES and face.path.is_file():
            try:
                font_manager.fontManager.addfont(str(face.path))
            except (OSError, RuntimeError, ValueError):  # a collection it cannot read:
                continue  # the machine's copy of the family, which fontconfig lists, serves


MAX_PERIODS = 7
"""Dated periods a chart tells apart by colour (with "undated", at most 8 colours)."""
MAX_ENTITIES = 12
"""Entities shown by name; the others are summed on one bar."""
OTHERS = "Other entities"


def plot_charts(activities: Sequence[Record]) -> tuple[Chart, ...]:
    """Return the compendium's charts of ``activities`` (entries, not profiles): each only
    when there is enough data for it to say something."""
    _register_fonts()
    wanted = charts_wanted(activities)
    return ((entries_by_period(activities),) if "chart-entries" in wanted else ()) + (
        (collaborations(activities),) if "chart-collaboration" in wanted else ())


def source_line(activities: Sequence[Record]) -> str:
    """Return the source line under a chart: what it counts, from where."""
    return (f"Source: the {_count(len(activities), 'activity entry', 'activity entries')} of "
            "this compendium, as reported by the entities to the UN Women inventory "
            "(entity profiles not counted).")


def periods_of(activities: Sequence[Record]) -> dict[str, str]:
    """Return the period each entry falls in, by record id: its start year when the entries
    span few years, else a span of 5 or 10 years (so that at most MAX_PERIODS are told
    apart); "undated" for an undated entry."""
    years = sorted({int(p) for r in activities if (p := period_of(r)) != "undated"})
    width = next((w for w in (1, 2, 5, 10, 20, 50)
                  if len({y // w for y in years}) <= MAX_PERIODS), 100)
    return {r.id: _span(period_of(r), width, years) for r in activities}


def _span(period: str, width: int, years: Sequence[int]) -> str:
    """Return the label of the span of ``width`` years holding ``period``."""
    if period == "undated" or width == 1:
        return period
    first = int(period) // width * width
    last = min(first + width - 1, years[-1])
    start = max(first, years[0])
    return str(start) if start == last else f"{start}–{last}"


def entries_by_period(activities: Sequence[Record]) -> Chart:
    """Chart the number of entries each entity leads, by the period they started in."""
    period = periods_of(activities)
    periods = sorted(set(period.values()), key=_period_order)
    ranked = [e for e, _ in Counter(r.entity for r in activities).most_common()]
    named = ranked if len(ranked) <= MAX_ENTITIES else ranked[:MAX_ENTITIES - 1]
    def row(entity: str) -> str:
        return entity if entity in named else OTHERS
    entities = named + ([OTHERS] if len(named) < len(ranked) else [])
    counts = Counter((row(r.entity), period[r.id]) for r in activities)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(6.2, 1.4 + 0.28 * len(entities)), layout="constrained")
        axes = figure.add_subplot()
        left = [0] * len(entities)
        for label, shade in zip(periods, _shades(periods), strict=True):
            widths = [counts[(e, label)] for e in entities]
            axes.barh(entities, widths, left=left, color=shade, label=label, height=0.65)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        _finish(axes, "activity entries")
        axes.invert_yaxis()
        # Below the bars, never over them: a legend inside the axes hid the longest bar.
        figure.legend(title="Started in", frameon=False, fontsize=8, title_fontsize=8,
                      loc="outside lower center", ncols=min(len(periods), 8))
        svg = _svg(figure, "chart-entries")
    rows = (("Entity", *periods, "Total"),
            *((e, *(str(counts[(e, p)]) for p in periods),
               str(sum(counts[(e, p)] for p in periods))) for e in entities))
    busiest = entities[0]
    description = (f"Horizontal stacked bars: the activity entries led by each of "
                   f"{len(ranked)} entities, split by the period they started in "
                   f"({', '.join(periods)}). {busiest} leads the most, "
                   f"{sum(counts[(busiest, p)] for p in periods)} of {len(activities)}.")
    return Chart("chart-entries", "Activity entries by lead entity and period started",
                 description, svg, rows, source_line(activities))


def collaborations(activities: Sequence[Record]) -> Chart:
    """Chart how often each pair of entities works on the same entry."""
    pairs = shared_entries(activities)
    ranked = pairs.most_common(12)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(6.2, 0.6 + 0.3 * max(1, len(ranked))))
        axes = figure.add_subplot()
        labels = [f"{a} – {b}" for (a, b), _ in ranked]
        axes.barh(labels, [n for _, n in ranked], color=ACCENT, height=0.6)
        _finish(axes, "activity entries they share")
        axes.invert_yaxis()
        figure.tight_layout()
        svg = _svg(figure, "chart-collaboration")
    rows = (("Entities", "Shared entries"), *((f"{a} and {b}", str(n)) for (a, b), n in ranked))
    (a, b), n = ranked[0]
    shown = f"the {len(ranked)} pairs of entities that most often lead or partner in the same entry"
    summary = (f"{_count(len(pairs), 'pair')} of entities share at least one entry; the most "
               f"frequent is {a} and {b}, with {_count(n, 'shared entry', 'shared entries')}.")
    return Chart("chart-collaboration", "Entities working together: activity entries shared",
                 f"Horizontal bars: {shown}. {summary}", svg, rows, source_line(activities))


def _count(n: int, one: str, many: str = "") -> str:
    """Return "1 pair", "3 pairs": a count with its noun in the right number."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def _period_order(period: str) -> tuple[int, str]:
    """Order periods oldest first, undated last."""
    return (1, period) if period == "undated" else (0, period)


def _shades(periods: Sequence[str]) -> list[str]:
    """Return a colour per dated period, light (oldest) to dark, and grey for "undated":
    at most MAX_PERIODS steps of one colour-blind-safe scale, far enough apart to tell."""
    dated = [p for p in periods if p != "undated"]
    scale = matplotlib.colormaps["viridis"]
    steps = [0.92 - 0.8 * i / max(1, len(dated) - 1) for i in range(len(dated))]
    colours = [matplotlib.colors.to_hex(scale(x)) for x in steps]
    return colours + (["#b8bfc6"] if "undated" in periods else [])


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
