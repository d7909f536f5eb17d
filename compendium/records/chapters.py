"""Assign records to the edition's chapters and order them for reading."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from itertools import groupby

from compendium.model import Chapter, CrossReference, PeriodGroup, Problem, Record
from compendium.records.config import ChapterSpec, Edition, Rule
from compendium.records.sources import FRONT_MATTER_LINE

UNDATED_ANCHOR = "undated"


def assign_chapters(records: Sequence[Record], edition: Edition) -> tuple[Chapter, ...]:
    """Place each record in exactly one chapter; drop an empty catch-all chapter (another
    empty chapter keeps its place, so that entry numbers do not move while an edition fills
    up: `empty_chapters` names it)."""
    by_slug: dict[str, list[Record]] = {spec.slug: [] for spec in edition.chapters}
    unplaced: list[Record] = []
    for record in records:
        slug = record.chapter or choose_chapter(record, edition.chapters)
        (by_slug[slug] if slug else unplaced).append(record)
    if unplaced:
        # The pipeline runs placement_problems first; never lose a record silently.
        raise ValueError(f"{len(unplaced)} record(s) match no chapter and there is no catch-all")
    specs = [s for s in edition.chapters if by_slug[s.slug] or not s.catch_all]
    home = {r.id: s for s in specs for r in by_slug[s.slug]}
    chapters = [_make_chapter(n, spec, by_slug[spec.slug], edition)
                for n, spec in enumerate(specs, start=1)]
    numbers = {rid: number for c in chapters for rid, number in c.entry_numbers().items()}
    return tuple(replace(chapter, references=_references(spec, records, home, numbers))
                 for chapter, spec in zip(chapters, specs, strict=True))


def empty_chapters(chapters: Sequence[Chapter]) -> list[str]:
    """Return the titles of the chapters no record is placed in."""
    return [chapter.title for chapter in chapters if not chapter.records]


def placement_problems(records: Sequence[Record], edition: Edition) -> tuple[Problem, ...]:
    """Return a problem for each record that no chapter would take."""
    return tuple(Problem(str(r.path), FRONT_MATTER_LINE, r.id, "chapter",
                         "no chapter selects this record and the config has no catch-all "
                         "chapter; expected a `chapter:` field or a matching rule")
                 for r in records if not (r.chapter or choose_chapter(r, edition.chapters)))


def choose_chapter(record: Record, specs: Sequence[ChapterSpec]) -> str | None:
    """Return the slug of the first chapter whose rule selects ``record``."""
    for spec in specs:
        if spec.catch_all or is_selected(record, spec.rule):
            return spec.slug
    return None


def is_selected(record: Record, rule: Rule) -> bool:
    """Return whether ``rule`` selects ``record``."""
    if set(record.themes) & set(rule.except_themes):
        return False
    return (record.entity in rule.entities or bool(set(record.themes) & set(rule.themes))
            or record.id in rule.ids)


def _make_chapter(number: int, spec: ChapterSpec, records: list[Record],
                  edition: Edition) -> Chapter:
    """Build one chapter: profiles first, then activities grouped by period."""
    profiles = tuple(sorted((r for r in records if r.is_profile), key=_profile_key(spec)))
    activities = [r for r in records if not r.is_profile]
    return Chapter(number=number, slug=spec.slug, title=spec.title, intro=spec.intro,
                   profiles=profiles, groups=group_by_period(activities, edition),
                   entity=spec.rule.entities[0] if len(spec.rule.entities) == 1 else "")


def _profile_key(spec: ChapterSpec) -> Callable[[Record], tuple[int, str]]:
    """Return a sort key putting the chapter's own entities' profiles first."""
    def key(record: Record) -> tuple[int, str]:
        own = record.entity in spec.rule.entities
        return (0 if own else 1, record.entity)
    return key


def group_by_period(activities: Sequence[Record], edition: Edition) -> tuple[PeriodGroup, ...]:
    """Group activities by the year they started, newest first, after the undated ones of no
    known round (the most recent reporting rounds); undated ones of a known round go under
    that round, before the entries started in the round's year.

    A year, not each distinct month range: a large edition has dozens of ranges in a chapter,
    each a group of one entry, and the entry's heading gives its months anyway."""
    groups = []
    for span, members in groupby(sorted(activities, key=_activity_key), key=_group_of):
        _, year, kind = span
        label, anchor = (
            (str(-year), str(-year)) if kind == DATED
            else (f"{edition.labels.reporting_round} {-year}", f"round-{-year}") if year
            else (edition.labels.undated, UNDATED_ANCHOR))
        groups.append(PeriodGroup(label=label, anchor=anchor, records=tuple(members)))
    return tuple(groups)


UNDATED, ROUND, DATED = 0, 1, 2


def _group_of(record: Record) -> tuple[int, int, int]:
    """Return the group of an activity, in the order groups are read: (0, 0, UNDATED) first,
    then (1, -year, ROUND) before (1, -year, DATED) for each year, newest first."""
    if record.period is not None:
        return 1, -record.period.start.year, DATED
    return (1, -record.round, ROUND) if record.round else (0, 0, UNDATED)


def _activity_key(record: Record) -> tuple[int, int, int, int, int, int, int, str, int, str]:
    """Order by group (see _group_of), then by period, newest end first, then as the raw
    pages had them."""
    source = record.sources[0] if record.sources else None
    leading = re.match(r"[0-9]+", source.lines) if source else None
    first_line = int(leading[0]) if leading else 0
    page = source.page if source else ""
    group = _group_of(record)
    if record.period is None:
        return (*group, 0, 0, 0, 0, page, first_line, record.id)
    end, start = record.period.sort_key
    return (*group, -end.year, -end.month, -start.year, -start.month, page, first_line,
            record.id)


def _references(spec: ChapterSpec, records: Sequence[Record], home: dict[str, ChapterSpec],
                numbers: Mapping[str, str]) -> tuple[CrossReference, ...]:
    """Return the records of other chapters that this chapter's entities take part in."""
    wanted = set(spec.rule.entities)
    refs = [CrossReference(r, home[r.id].slug, home[r.id].title, numbers[r.id])
            for r in records
            if r.id in home and home[r.id].slug != spec.slug and not r.is_profile
            and wanted & set(r.entities)]
    order = {slug: i for i, slug in enumerate(dict.fromkeys(s.slug for s in home.values()))}
    return tuple(sorted(refs, key=lambda ref: (order[ref.chapter_slug],
                                               _activity_key(ref.record))))
