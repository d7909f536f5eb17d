"""The index of entities and of countries, and the annex of sources, from the records.

Nothing here is hand-made: terms come from the records' fields (entities, partners,
countries named in the text) and the page of each record from the laid-out PDF.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from compendium.html.headings import number_word
from compendium.importer.layout import split_label
from compendium.importer.periods import parse_header
from compendium.importer.rawpage import RESIDUE_RULES
from compendium.model import Chapter, Record
from compendium.records.config import Edition
from compendium.records.countries import countries_named


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
    title: str = ""
    """What the annex calls the page: its first line of text, else its entities' names."""
    address: str = ""
    """The page's web address when it gives one; empty otherwise."""


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


def source_annex(chapters: Sequence[Chapter],
                 entity_names: Mapping[str, str] | None = None) -> tuple[SourcePage, ...]:
    """Return each raw page cited by a record, with the records made from it; a page whose
    title is an entity's acronym is titled "Full Name (ACR)" from ``entity_names``."""
    found: dict[str, dict[str, Record]] = {}  # by page, by id: once each, in reading order
    for record in _in_order(chapters):
        for source in record.sources:
            found.setdefault(source.page, {}).setdefault(record.id, record)
    pages = [_source_page(page, tuple(records.values()), entity_names or {})
             for page, records in sorted(found.items())]
    return tuple(_told_apart(pages))


def _told_apart(pages: Sequence[SourcePage]) -> list[SourcePage]:
    """Return ``pages`` with titles that several share numbered ("International Organization
    for Migration (2 of 3)") and listed together where the first of them stands: three
    headings alike read as one page listed three times, and apart, as no series."""
    names = [ACRONYM_AFTER.sub("", p.title).rstrip(" .") for p in pages]  # "(IOM)" aside
    keys = [name.casefold() for name in names]
    counts = Counter(keys)
    first = {key: keys.index(key) for key in keys}
    seen: Counter[str] = Counter()
    told = []
    for n in sorted(range(len(pages)), key=lambda n: (first[keys[n]], n)):
        seen[keys[n]] += 1
        told.append(replace(pages[n], title=f"{names[n]} ({seen[keys[n]]} of {counts[keys[n]]})")
                    if counts[keys[n]] > 1 else pages[n])
    return told


ACRONYM_AFTER = re.compile(r" \([A-Z][A-Za-z-]{1,15}\)$")


MAX_TITLE_CHARS = 90
"""A first line longer than this is a paragraph of text, not the page's title."""
ADDRESS = re.compile(r"(?:https?://|www\.)\S+")


def _source_page(page: str, records: tuple[Record, ...],
                 entity_names: Mapping[str, str]) -> SourcePage:
    """Return a raw page of the annex, named from its own first lines when the project
    keeps it (in the `raw/` folder beside the records), else by its records' entities."""
    lines = _raw_lines(page, records)
    # Above the page's text only (its first line longer than a title): an address in the
    # text, or listed under an entry, is not the page's.
    head = lines[:next((n for n, line in enumerate(lines[:20]) if len(line) > MAX_TITLE_CHARS),
                       min(len(lines), 20))]
    address = next((line.rstrip(".,;)") for line in head if ADDRESS.fullmatch(line)), "")
    first = next((line for line in lines[:20] if not ADDRESS.fullmatch(line)
                  and not any(rule.match(line) for _, rule in RESIDUE_RULES)), "")
    # A page opening with a label or a dated entry has no title line: what follows the
    # label (an agency's postal address) names no page.
    title = "" if split_label(first)[1] is not None or parse_header(first) is not None \
        else first
    if not title or len(title) > MAX_TITLE_CHARS:
        title = _entities_title(records)
    elif entity_names.get(title, title) != title:
        title = f"{entity_names[title]} ({title})"
    return SourcePage(page, records, title, address)


def _raw_lines(page: str, records: Sequence[Record]) -> list[str]:
    """Return the non-blank lines of the raw page ``page``, if a `raw/` folder above one of
    its records holds it (one level up or more: records sit in a folder per entity)."""
    for record in records[:1]:
        for folder in record.path.parents:
            candidate = folder / "raw" / page
            # Never through a link out of raw/ (check refuses one; this reads no further).
            if candidate.is_file() and candidate.stat().st_size <= MAX_RAW_BYTES and \
                    candidate.resolve().is_relative_to((folder / "raw").resolve()):
                text = candidate.read_text(encoding="utf-8", errors="replace")
                return [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return []


MAX_RAW_BYTES = 5 * 1024 * 1024


def _entities_title(records: Sequence[Record]) -> str:
    """Return "Inventory page: IOM, UNODC, WHO and two other entities" from the records'
    leads."""
    leads = list(dict.fromkeys(r.entity for r in records))
    shown = ", ".join(leads[:3])
    more = len(leads) - 3
    return "Inventory page: " + shown + (
        f" and {number_word(more)} other {'entity' if more == 1 else 'entities'}"
        if more > 0 else "")


def written_records(chapters: Sequence[Chapter]) -> tuple[Record, ...]:
    """Return the records written by hand from another source (they state a provenance),
    in reading order."""
    return tuple(r for r in _in_order(chapters) if r.provenance is not None)


def page_numbers(record_ids: Sequence[str], page_of: Mapping[str, int]) -> list[tuple[str, str]]:
    """Return (label, anchor) for the pages of ``record_ids`` (record or paragraph anchors):
    each page once, runs as ranges.

    "12–14" links to the first record on page 12. An anchor not laid out yet counts as page
    0: a first guess, laid out again once the pages are known (see compendium/pdf/numbers.py)."""
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
