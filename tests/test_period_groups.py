"""A chapter's activities grouped by period (chapters.group_by_period): which group, in what
order, under which heading (no build)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compendium.model import Period, Record, SourceRef, YearMonth
from compendium.records.chapters import group_by_period
from compendium.records.config import Edition, Labels

EDITION = Edition(path=Path("compendium.yml"), title="Compendium", edition=2024,
                  publisher="UN", chapters=(), entities=())


def activity(record_id: str, period: str = "", round: int | None = None,
             source: str = "page.txt:1") -> Record:
    """Return an activity; ``period`` reads ``2016-03`` or ``2016-03..2017-06``, empty for
    none; ``source`` is ``page:lines``."""
    months = [YearMonth(int(m[:4]), int(m[5:])) for m in period.split("..") if m]
    page, lines = source.split(":")
    return Record(id=record_id, kind="activity", entity="IOM", body="Text.",
                  path=Path(f"{record_id}.md"), sources=(SourceRef(page, lines),),
                  period=Period(*months) if months else None, round=round)


UNDATED = ("Recent reporting rounds (undated)", "undated")

GROUPS = [
    # (activities, then each group: its heading, anchor and records in reading order)
    pytest.param([], [], id="none"),
    pytest.param([activity("a", "2016-03")], [("2016", "2016", ["a"])], id="one"),
    pytest.param([activity("a", "2014-05"), activity("b", "2018-01"), activity("c", "2016-07")],
                 [("2018", "2018", ["b"]), ("2016", "2016", ["c"]), ("2014", "2014", ["a"])],
                 id="years newest first"),
    pytest.param([activity("a", "2016-03"), activity("b", "2016-11"),
                  activity("c", "2016-03..2017-06")],
                 [("2016", "2016", ["c", "b", "a"])], id="a year's entries newest end first"),
    pytest.param([activity("a", "2015-12..2018-01"), activity("b", "2017-02")],
                 [("2017", "2017", ["b"]), ("2015", "2015", ["a"])],
                 id="grouped by the year they started"),
    pytest.param([activity("a", "2016-01..2016-12"), activity("b", "2016-06..2016-12")],
                 [("2016", "2016", ["b", "a"])], id="same end: newest start first"),
    pytest.param([activity("a", "2016-03", source="b.txt:5"),
                  activity("b", "2016-03", source="a.txt:40-41"),
                  activity("c", "2016-03", source="a.txt:9")],
                 [("2016", "2016", ["c", "b", "a"])],
                 id="same period: as the raw pages had them, lines counted as numbers"),
    pytest.param([activity("r2", "2016-03"), activity("r1", "2016-03")],
                 [("2016", "2016", ["r1", "r2"])], id="same period and place: by id"),
    pytest.param([activity("a", "2016-03"), activity("b")],
                 [(*UNDATED, ["b"]), ("2016", "2016", ["a"])], id="undated first"),
    pytest.param([activity("a", round=2019), activity("b", "2019-05"), activity("c", "2020-02"),
                  activity("d")],
                 [(*UNDATED, ["d"]), ("2020", "2020", ["c"]),
                  ("Reporting round 2019", "round-2019", ["a"]), ("2019", "2019", ["b"])],
                 id="undated of a known round: before that year's dated entries"),
    pytest.param([activity("a", round=2018), activity("b", round=2021)],
                 [("Reporting round 2021", "round-2021", ["b"]),
                  ("Reporting round 2018", "round-2018", ["a"])], id="rounds newest first"),
    pytest.param([activity("a", "2016-03", round=2019)], [("2016", "2016", ["a"])],
                 id="a period wins over a round"),
]


@pytest.mark.parametrize(("activities", "expected"), GROUPS)
def test_activities_are_grouped_by_the_year_they_started(
        activities: list[Record], expected: list[tuple[str, str, list[str]]]) -> None:
    groups = group_by_period(activities, EDITION)
    assert [(g.label, g.anchor, [r.id for r in g.records]) for g in groups] == expected


def test_group_headings_are_the_editions_words() -> None:
    edition = Edition(path=Path("compendium.yml"), title="Recueil", edition=2024,
                      publisher="ONU", chapters=(), entities=(),
                      labels=Labels(undated="Sans date", reporting_round="Cycle"))
    groups = group_by_period([activity("a", round=2019), activity("b")], edition)
    assert [(g.label, g.anchor) for g in groups] == [("Sans date", "undated"),
                                                     ("Cycle 2019", "round-2019")]
