"""The index of entities and of countries, and the annex of sources, from the records.

Nothing here is hand-made: terms come from the records' fields (entities, partners,
countries named in the text) and the page of each record from the laid-out PDF.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from compendium.config import Edition
from compendium.countries import countries_named
from compendium.model import Chapter, Record


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One term of an index and the records it points to, in reading order."""

    term: str
    """As printed, e.g. "International Organization for Migration (IOM)"."""
    record_ids: tuple[str, ...]
    """Records concerning the term."""


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One raw page of the annex and the records made from it."""

    page: str
    """File name of the raw page."""
    records: tuple[Record, ...]
    """Records that cite it, in reading order."""


def entity_index(chapters: Sequence[Chapter], edition: Edition) -> tuple[IndexEntry, ...]:
    """Return each entity leading or partnering in a record, with those records."""
    names = {e.acronym: e.name for e in edition.entities}
    found: dict[str, list[str]] = {}
    for record in _in_order(chapters):
        for entity in record.entities:
            found.setdefault(entity, []).append(record.id)
    return tuple(IndexEntry(_entity_term(acronym, names.get(acronym, acronym)), tuple(ids))
                 for acronym, ids in sorted(found.items(),
                                            key=lambda item: names.get(item[0], item[0])
                                            .casefold()))


def country_index(chapters: Sequence[Chapter],
                  bodies: Mapping[str, str]) -> tuple[IndexEntry, ...]:
    """Return each country a record concerns, pointing at the paragraph that names it.

    ``bodies`` are the records' rendered HTML, whose paragraphs carry ``<id>-pN`` anchors."""
    found: dict[str, list[str]] = {}
    for record in _in_order(chapters):
        for country in record.countries:
            anchor = _paragraph_naming(country, record.id, bodies.get(record.id, ""))
            found.setdefault(country, []).append(anchor)
    return tuple(IndexEntry(country, tuple(ids))
                 for country, ids in sorted(found.items(), key=lambda i: i[0].casefold()))


def _paragraph_naming(country: str, record_id: str, body: str) -> str:
    """Return the anchor of the first paragraph of ``body`` naming ``country``, else the
    record's own anchor (a country given only in the record's `countries:` field)."""
    pieces = re.split(rf'id="({re.escape(record_id)}-p[\d-]+)"', body)
    for anchor, text in zip(pieces[1::2], pieces[2::2], strict=True):
        if country in countries_named(plain_text(text)):
            return anchor
    return record_id


def source_annex(chapters: Sequence[Chapter]) -> tuple[SourcePage, ...]:
    """Return each raw page cited by a record, with the records made from it."""
    found: dict[str, dict[str, Record]] = {}  # by page, by id: once each, in reading order
    for record in _in_order(chapters):
        for source in record.sources:
            found.setdefault(source.page, {}).setdefault(record.id, record)
    return tuple(SourcePage(page, tuple(records.values()))
                 for page, records in sorted(found.items()))


def written_records(chapters: Sequence[Chapter]) -> tuple[Record, ...]:
    """Return the records written by hand from another source (they state a provenance),
    in reading order."""
    return tuple(r for r in _in_order(chapters) if r.provenance is not None)


def page_numbers(record_ids: Sequence[str], page_of: Mapping[str, int]) -> list[tuple[str, str]]:
    """Return (label, anchor) for the pages of ``record_ids`` (record or paragraph anchors):
    each page once, runs as ranges.

    "12–14" links to the first record on page 12. An anchor not laid out yet counts as page
    0: a first guess, laid out again once the pages are known (see paging.py)."""
    first_on: dict[int, str] = {}
    for rid in record_ids:
        first_on.setdefault(page_of.get(rid, 0), rid)
    pages = sorted(first_on)
    runs: list[tuple[str, str]] = []
    start = 0
    for i in range(1, len(pages) + 1):
        if i == len(pages) or pages[i] != pages[i - 1] + 1:
            first, last = pages[start], pages[i - 1]
            label = str(first) if first == last else f"{first}–{last}"
            runs.append((label, first_on[first]))
            start = i
    return runs


def _entity_term(acronym: str, name: str) -> str:
    """Return how an entity is listed: "Full Name (ACR)", or the name when they are one."""
    return name if name == acronym else f"{name} ({acronym})"


def _in_order(chapters: Sequence[Chapter]) -> list[Record]:
    """Return every record in reading order."""
    return [r for c in chapters for r in c.records]


def plain_text(fragment: str) -> str:
    """Return the text of a sanitized HTML fragment, tags turned into spaces."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def excerpt(body_html: str, words: int = 9) -> str:
    """Return the first words of a rendered body, to tell entries with one heading apart."""
    text = plain_text(body_html).split()
    return " ".join(text[:words]) + ("…" if len(text) > words else "")
