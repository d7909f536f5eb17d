"""The compendium as the templates see it: chapters, records' text as safe HTML, indexes,
acronyms and charts, and the review draft's marks of what changed."""

from __future__ import annotations

import base64
import datetime
import functools
import logging
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import markupsafe

from compendium.cache import NO_CACHE, Cache
from compendium.html.acronyms import Acronym, acronym_list
from compendium.html.backmatter import (
    IndexEntry,
    SourcePage,
    country_index,
    entity_index,
    source_annex,
    written_records,
)
from compendium.html.changes import CHANGED, MOVED, REMOVED, Changes, mark_changes
from compendium.html.charts import NO_CHARTS, Charts
from compendium.html.images import image_sources
from compendium.html.text import cached_body, make_markdown, render_body, sanitize
from compendium.model import Chapter, Record
from compendium.records.config import Edition

if TYPE_CHECKING:
    from compendium.records.comments import PlacedComment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """What the templates need to lay out the compendium.

    No slots: the indexes and the annex are worked out once per document (cached_property),
    however many parts of the PDF print them."""

    edition: Edition
    """The edition's config."""
    chapters: tuple[Chapter, ...]
    """Chapters in reading order."""
    bodies: dict[str, str]
    """Each record's body as safe HTML, by record id."""
    introduction: str
    """The edition's introduction as safe HTML."""
    intros: dict[str, str]
    """Each chapter's introduction as safe HTML, by slug."""
    stamp: Stamp
    """When and from what the build was made."""
    status: dict[str, str] = field(default_factory=dict)
    """added, changed or removed, by record id, when compared with an earlier state."""
    since: str = ""
    """What the records are compared with; empty when they are not."""
    changes: Changes | None = None
    """Everything that changed since ``since`` (the change list prints it)."""
    comments: tuple[PlacedComment, ...] = ()
    """Reviewers' open comments from the ledger, each where this draft shows it."""
    acronyms: tuple[Acronym, ...] = ()
    """The list of acronyms."""
    charts: Charts = NO_CHARTS
    """Figures drawn from the records (still being drawn, maybe)."""
    front_matter: tuple[tuple[str, str], ...] = ()
    """(name, safe HTML) of the foreword, acknowledgements and methodology, in order."""
    imprint_notes: str = ""
    """Further notices of the imprint page, safe HTML."""
    back_cover: str = ""
    """Text of the back cover, safe HTML."""

    @functools.cached_property
    def activity_count(self) -> int:
        """Return how many activity entries (records that are not profiles) the document holds."""
        return sum(1 for c in self.chapters for r in c.records if not r.is_profile)

    @functools.cached_property
    def record_count(self) -> int:
        """Return how many records the document holds."""
        return sum(len(c.records) for c in self.chapters)

    @functools.cached_property
    def entity_index(self) -> tuple[IndexEntry, ...]:
        """Return the index of entities."""
        return entity_index(self.chapters, self.edition)

    @functools.cached_property
    def country_index(self) -> tuple[IndexEntry, ...]:
        """Return the index of countries."""
        return country_index(self.chapters, self.bodies)

    @functools.cached_property
    def annex(self) -> tuple[SourcePage, ...]:
        """Return the annex of sources."""
        return source_annex(self.chapters, self.entity_names)

    @functools.cached_property
    def entity_names(self) -> dict[str, str]:
        """Return each registry entity's full name by acronym."""
        return {e.acronym: e.name for e in self.edition.entities}

    @functools.cached_property
    def entry_numbers(self) -> dict[str, str]:
        """Return the entry number of every record (see Chapter.entry_numbers)."""
        return {rid: number for c in self.chapters for rid, number in c.entry_numbers().items()}

    @functools.cached_property
    def change_list(self) -> tuple[tuple[str, Record, Chapter | None], ...]:
        """Return (status, record, chapter) of each added, changed or removed record, in
        reading order; a removed record no chapter shows comes last, without a chapter."""
        placed: tuple[tuple[str, Record, Chapter | None], ...] = tuple(
            (self.status[r.id], r, c) for c in self.chapters for r in c.records
            if self.status.get(r.id, MOVED) != MOVED)
        shown = {r.id for _, r, _ in placed}
        removed = self.changes.removed if self.changes else ()
        return placed + tuple((REMOVED, r, None) for r in removed if r.id not in shown)

    @functools.cached_property
    def records_by_id(self) -> dict[str, Record]:
        """Return every record the document shows, by id."""
        return {r.id: r for c in self.chapters for r in c.records}

    @functools.cached_property
    def written(self) -> tuple[Record, ...]:
        """Return the records written from other sources than raw pages, for the annex."""
        return written_records(self.chapters)

    @functools.cached_property
    def facets(self) -> Facets:
        """Return what the reader's filter offers: entities, years and countries present."""
        records = [r for c in self.chapters for r in c.records]
        return Facets(entities=tuple(sorted({e for r in records for e in r.entities})),
                      years=tuple(sorted({y for r in records for y in years_of(r)},
                                         reverse=True)),
                      countries=tuple(sorted({c for r in records for c in r.countries})))


@dataclass(frozen=True, slots=True)
class Stamp:
    """What every page of a draft says about its build."""

    date: str
    """Date of the latest source change, ISO 8601."""
    fingerprint: str
    """The state of the sources: a git commit or a content hash."""
    draft: bool
    """Whether this is a draft (marked as such) or the publication."""


@dataclass(frozen=True, slots=True)
class Facets:
    """The values the reader's filter offers."""

    entities: tuple[str, ...]
    """Entity acronyms that lead or partner in a record."""
    years: tuple[str, ...]
    """Years covered by a record's period, newest first."""
    countries: tuple[str, ...]
    """Countries the records concern."""


def years_of(record: Record) -> tuple[str, ...]:
    """Return the years an activity's period covers, its round's year, or ("undated",)."""
    if record.period is None and record.round is not None and not record.is_profile:
        return (str(record.round),)
    if record.period is None:
        return () if record.is_profile else ("undated",)
    end = record.period.end or record.period.start
    return tuple(str(y) for y in range(record.period.start.year, end.year + 1))


def build_document(chapters: tuple[Chapter, ...], edition: Edition, stamp: Stamp,
                   cache: Cache = NO_CACHE) -> Document:
    """Render every Markdown text of the compendium to safe HTML (each record's from the
    cache when its text is unchanged)."""
    md = make_markdown()
    images = image_sources((r.body for c in chapters for r in c.records), edition.path.parent)
    bodies = {r.id: cached_body(md, r.body, r.id, 3 if r.is_profile else 4, cache, images)
              for c in chapters for r in c.records}
    intros = {c.slug: render_body(md, c.intro, f"chapter-{c.slug}-intro", 3)
              for c in chapters if c.intro}
    introduction = render_body(md, edition.introduction, "introduction", 2)
    front = tuple((name, render_body(md, text, name, 2)) for name, text in edition.front_matter)
    records = [r for c in chapters for r in c.records]
    texts = [*(text for _, text in edition.front_matter), edition.introduction,
             *(c.intro for c in chapters), *(r.body for r in records)]
    registry = {e.acronym: e.name for e in edition.entities}
    acronyms = acronym_list(texts, dict(edition.glossary), registry)
    return Document(edition, chapters, bodies, introduction, intros, stamp,
                    acronyms=acronyms, charts=Charts(records, cache), front_matter=front,
                    imprint_notes=render_body(md, edition.imprint.notes, "imprint", 3),
                    back_cover=render_body(md, edition.imprint.back_cover, "back-cover", 3))


def with_changes(document: Document, changes: Changes) -> Document:
    """Return ``document`` with changed records' text marked word by word and removed struck."""
    md = make_markdown()
    bodies = dict(document.bodies)
    earlier = {**changes.earlier, **{r.id: r for r in changes.removed}}
    # The earlier text with its images, as the new one has them: an image both show is no
    # change (without them, the old text's image was dropped, and marked as a change).
    images = image_sources((r.body for r in earlier.values()), document.edition.path.parent)
    for rid, record in earlier.items():
        old = render_body(md, record.body, rid, 3 if record.is_profile else 4, images)
        new = bodies[rid] if changes.status[rid] == CHANGED else ""
        bodies[rid] = sanitize(mark_changes(old, new), marks=True)
    return replace(document, bodies=bodies, status=changes.status, since=changes.since,
                   changes=changes)


def long_date(iso: str) -> str:
    """Return "22 November 2026" for an ISO 8601 date."""
    day = datetime.date.fromisoformat(iso[:10])
    return f"{day.day} {day:%B %Y}"


def svg_data_uri(svg: str) -> str:
    """Return an SVG drawing as a data: URL, the one kind the PDF renderer may read inline."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def svg_with_title(svg: str, title: str, slug: str) -> str:
    """Return a chart's SVG as an image with an accessible name (its <title>), scaling with
    the page: its fixed width and height dropped (the viewBox keeps its proportions), so it
    never overflows a phone's screen."""
    escaped = markupsafe.escape(title)
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is not None:
        fluid = re.sub(r'\s(?:width|height)="[^"]*"', "", opening.group())
        svg = fluid + svg[opening.end():]
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{slug}-title" ', 1).replace(
        ">", f'><title id="{slug}-title">{escaped}</title>', 1)
