"""The domain: records, periods, chapters and the problems found in the input."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

RecordKind = Literal["profile", "activity"]

MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True, order=True)
class YearMonth:
    """A month of a year, the precision of every period in the inventory."""

    year: int
    """Four-digit year."""
    month: int
    """Month number, 1 to 12."""

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Return the month as a reader sees it, e.g. ``Mar 2014``."""
        return f"{MONTH_ABBREVIATIONS[self.month - 1]} {self.year}"


@dataclass(frozen=True, slots=True)
class Period:
    """The months an activity covers: one month, or a start and an end."""

    start: YearMonth
    """First month."""
    end: YearMonth | None = None
    """Last month; None when the period is a single month."""

    @property
    def label(self) -> str:
        """Return the period as a reader sees it, e.g. ``Mar 2014 – Mar 2016``."""
        if self.end is None or self.end == self.start:
            return self.start.label
        return f"{self.start.label} – {self.end.label}"

    @property
    def sort_key(self) -> tuple[YearMonth, YearMonth]:
        """Return the key that orders periods by their end, then their start."""
        return (self.end or self.start, self.start)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where in a raw page a record's text came from."""

    page: str
    """File name of the raw page, e.g. ``000_d693a286f112ada1.txt``."""
    lines: str
    """Line range in that page, e.g. ``67-69``."""


PROVENANCE_KINDS: tuple[str, ...] = ("e-mail", "report", "meeting", "interview", "publication",
                                     "website", "other")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record written by hand came from (one not imported from a raw page)."""

    kind: str
    """One of PROVENANCE_KINDS: ``e-mail``, ``report``, ``meeting``, ..."""
    note: str
    """Who sent or wrote it, or its title: what lets a reader find the source again."""
    date: str
    """When it was received or issued, ``YYYY-MM-DD`` or ``YYYY-MM``."""

    @property
    def label(self) -> str:
        """Return the provenance as the annex lists it, e.g. ``E-mail, 2025-03-04: …``."""
        return f"{self.kind.capitalize()}, {self.date}: {self.note}"


RIGHT_TO_LEFT = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "ug",
                           "ur", "yi"})
"""Languages whose script runs right to left (primary subtags)."""


def text_direction(lang: str) -> str:
    """Return ``rtl`` when the language ``lang`` (a BCP 47 tag) is written right to left."""
    return "rtl" if lang.split("-")[0].casefold() in RIGHT_TO_LEFT else ""


@dataclass(frozen=True, slots=True)
class Record:
    """One source record: an entity's profile or one activity entry."""

    id: str
    """Stable identifier, also the record's anchor in the HTML."""
    kind: RecordKind
    """``profile`` or ``activity``."""
    entity: str
    """Acronym of the entity the record is about (profile) or that leads it (activity)."""
    body: str
    """The record's text, Markdown."""
    path: Path
    """File the record was read from (its front matter starts on its first line)."""
    sources: tuple[SourceRef, ...] = ()
    """Raw pages and lines the record came from."""
    partners: tuple[str, ...] = ()
    """Partner entities of an activity."""
    period: Period | None = None
    """Months an activity covers; None for undated entries."""
    round: int | None = None
    """Reporting round (year) when known."""
    countries: tuple[str, ...] = ()
    """Countries the activity concerns."""
    chapter: str | None = None
    """Slug of the chapter the record must go to, overriding the config's rules."""
    themes: tuple[str, ...] = ()
    """Theme tags the config's chapter rules select on."""
    name: str | None = None
    """Full name of the entity (profiles)."""
    item_id: str | None = None
    """The inventory site's Item ID GUID (profiles)."""
    agency_id: str | None = None
    """The inventory site's UNAgency ID GUID (profiles)."""
    mail_address: str | None = None
    """Postal address (profiles)."""
    address: str | None = None
    """Address and websites block (profiles)."""
    title: str | None = None
    """The entry's own heading, as an editor gave it; None when it has none (the importer
    invents none: the heading then says what the record knows)."""
    provenance: Provenance | None = None
    """Where a record written by hand came from; None for one imported from raw pages."""
    draft: bool = False
    """Unfinished: shown marked in drafts, left out of publication builds."""
    lang: str | None = None
    """BCP 47 language of the text when it is not the edition's, e.g. ``fr`` or ``ar``."""
    review: str | None = None
    """What the editor must still settle (set by the importer; ``check`` lists it)."""

    @property
    def entities(self) -> tuple[str, ...]:
        """Return the lead entity followed by the partners."""
        return (self.entity, *self.partners)

    @property
    def profile_title(self) -> str:
        """Return a profile's heading: "Full Name (ACR)", or the name alone if it is the acronym."""
        name = self.name or self.entity
        return name if name == self.entity else f"{name} ({self.entity})"

    @property
    def direction(self) -> str:
        """Return ``rtl`` when the record's language is written right to left, else ``""``."""
        return text_direction(self.lang or "")

    @property
    def is_profile(self) -> bool:
        """Return whether the record is an entity profile."""
        return self.kind == "profile"


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity the compendium knows by acronym and name."""

    acronym: str
    """Short name used in records, e.g. ``IOM``."""
    name: str
    """Full name, e.g. ``International Organization for Migration``."""
    aliases: tuple[str, ...] = ()
    """Other names the raw pages use for the entity."""


@dataclass(frozen=True, slots=True)
class PeriodGroup:
    """Activities of one chapter that started in the same year, or undated ones of the same
    reporting round."""

    label: str
    """Heading shown above the group."""
    anchor: str
    """Stable anchor of the group's heading."""
    records: tuple[Record, ...]
    """The group's activities in reading order."""


@dataclass(frozen=True, slots=True)
class CrossReference:
    """A record shown in another chapter that this chapter's entities take part in."""

    record: Record
    """The referenced record."""
    chapter_slug: str
    """Slug of the chapter that holds the record."""
    chapter_title: str
    """Title of that chapter."""
    number: str
    """The record's entry number in that chapter (see Chapter.entry_numbers)."""


@dataclass(frozen=True, slots=True)
class Chapter:
    """A themed chapter of the compendium, with its records in reading order."""

    number: int
    """Position in the compendium, from 1."""
    slug: str
    """Stable name used in file names and anchors."""
    title: str
    """Heading of the chapter."""
    intro: str
    """Markdown introduction from the config; may be empty."""
    profiles: tuple[Record, ...]
    """Entity profiles, first in the chapter."""
    groups: tuple[PeriodGroup, ...]
    """Activities grouped by period, newest first."""
    references: tuple[CrossReference, ...] = ()
    """Records of other chapters that involve this chapter's entities."""
    entity: str = ""
    """The one entity the chapter is about (its entries' headings leave it out); empty for a
    chapter about several."""

    @property
    def records(self) -> tuple[Record, ...]:
        """Return every record the chapter holds, profiles first."""
        return self.profiles + tuple(r for g in self.groups for r in g.records)

    def entry_numbers(self) -> dict[str, str]:
        """Return each record's entry number ("3.12": chapter 3, its twelfth record).

        Cross-references and the annex cite entries by number, not by page: what they
        print is then known before the PDF is laid out, so a chapter's layout (its see-also
        list included) never waits for, or changes with, the page numbers of the others."""
        return {r.id: f"{self.number}.{n}" for n, r in enumerate(self.records, start=1)}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located so an editor can fix it."""

    path: str
    """File the problem is in."""
    line: int
    """Line of that file, from 1 (0 when the whole file is concerned)."""
    record_id: str
    """Id of the record, or ``-`` when unknown."""
    field: str
    """Field concerned, or ``-``."""
    message: str
    """What is wrong and what was expected."""

    def __str__(self) -> str:
        """Return ``path:line: record-id: field: message``, leaving out what is not known
        (no ``-`` placeholders, no line 0)."""
        place = "" if self.path == "-" else (
            f"{self.path}:{self.line}" if self.line > 0 else self.path)
        known = [part for part in (place, self.record_id, self.field) if part and part != "-"]
        # One line each, whatever a value quoted holds (a line break, an escape sequence).
        return "".join(c if c.isprintable() else ascii(c)[1:-1]
                       for c in ": ".join([*known, self.message]))


@dataclass(frozen=True, slots=True)
class Pagination:
    """Where the PDF's anchors fell: known only once the parts are laid out (pdf/numbers.py)."""

    numbers: Mapping[str, int] = field(default_factory=dict)
    """Arabic page number of each anchor of the chapters and the back matter."""
    roman: Mapping[str, str] = field(default_factory=dict)
    """Roman page number of each anchor of the front matter."""

    def to_json(self) -> str:
        """Return the pagination as JSON, to be kept between builds."""
        return json.dumps({"numbers": dict(sorted(self.numbers.items())),
                           "roman": dict(sorted(self.roman.items()))})

    @classmethod
    def from_json(cls, text: str) -> Pagination:
        """Return the pagination kept by to_json."""
        kept = json.loads(text)
        return cls({str(k): int(v) for k, v in kept["numbers"].items()},
                   {str(k): str(v) for k, v in kept["roman"].items()})


NO_PAGES = Pagination()
"""Before any layout: every page number is 0."""


@dataclass(frozen=True, slots=True)
class BuildStats:
    """Figures shown in the build summary."""

    records: int
    """Records loaded."""
    chapters: int
    """Chapters written."""
    pages: int = 0
    """Pages in the PDF, 0 when no PDF was made."""
    seconds: float = 0.0
    """Wall-clock time of the build."""
    outputs: tuple[Path, ...] = field(default=())
    """Files written."""
    stale: tuple[Path, ...] = field(default=())
    """Outputs this build did not make, kept from an earlier one (an HTML build keeps the
    PDF it did not rebuild): named, so nobody takes them for this one's."""
