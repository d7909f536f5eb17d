"""Which countries a record concerns: its `countries:` field plus the countries its text names.

Names follow UN usage: the UN M49 list with its UNTERM short names ("Bolivia (Plurinational
State of)", "Republic of Korea", "State of Palestine", "Türkiye"), as the taxonomy shipped in
hdx-python-country keeps them. Common forms are accepted as aliases of the UN name: the
taxonomy's other spellings (ISO, DGACM, OCHA, ReliefWeb: "Russia", "Tanzania"), pycountry's
ISO 3166 names ("South Korea", "Moldova"), and each name without its parenthesis or comma
part ("Bolivia", "Palestine"). An alias two countries share ("Korea", "Congo") is dropped.
The taxonomy is read from the installed package, never fetched.
"""

from __future__ import annotations

import csv
import importlib.resources
import re
from dataclasses import dataclass, replace

import pycountry

from compendium.memo import memoized
from compendium.model import Record

TAXONOMY = "Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"
"""The file hdx-python-country ships in ``hdx.location``: the UN list with name variants."""
ALIAS_COLUMNS = ("English Short", "M49 English", "ISO Alt Term", "DGACM Alt Term",
                 "HPC Tools Alt Term", "RW Short Name", "RW API Alt Term")
"""The taxonomy's columns that spell a country in English, besides the UNTERM short name."""
MIN_ALIAS_LENGTH = 4
"""Shorter aliases ("UK", "oPt") are abbreviations that collide with acronyms in text."""


@dataclass(frozen=True, slots=True)
class Country:
    """One country or area of the UN list."""

    code: str
    """ISO 3166 alpha-3 code (or the taxonomy's own, e.g. XKX for Kosovo)."""
    name: str
    """UNTERM short name, as printed."""


@memoized(limit=1)
def un_countries() -> tuple[Country, ...]:
    """Return the UN M49 countries and areas (and those the taxonomy codes, e.g. Kosovo)."""
    return tuple(Country(code, row["Preferred Term"].strip()) for code, row in _rows().items())


@memoized(limit=1)
def _rows() -> dict[str, dict[str, str]]:
    """Return the taxonomy's rows that are current and have a code, by code."""
    source = importlib.resources.files("hdx.location").joinpath(TAXONOMY)
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        code = row["ISO 3166-1 Alpha 3-Codes"] or row["x Alpha3 codes"]
        if code and row["Deprecated"] != "Y" and row["Preferred Term"].strip():
            found[code] = row
    return found


@memoized(limit=1)
def country_names() -> dict[str, str]:
    """Return every spelling known (UN names and aliases) → the UN short name."""
    spellings: dict[str, set[str]] = {}
    names = {c.code: c.name for c in un_countries()}
    for code, name in names.items():
        for spelling in _spellings(code, name):
            spellings.setdefault(spelling, set()).add(name)
    aliases = {s: next(iter(n)) for s, n in spellings.items()
               if len(n) == 1 and len(s) >= MIN_ALIAS_LENGTH}
    return aliases | {name: name for name in names.values()}


def _spellings(code: str, name: str) -> set[str]:
    """Return the ways the taxonomy and pycountry spell the country ``code``."""
    row = _rows()[code]
    found = {name, *(row[column] for column in ALIAS_COLUMNS)}
    iso = pycountry.countries.get(alpha_3=code)
    if iso is not None:
        found |= {str(getattr(iso, a, "") or "") for a in ("name", "common_name",
                                                           "official_name")}
    found = {re.sub(r"^the ", "", s.strip()) for s in found if s and "(the" not in s}
    found |= {_short_form(s) for s in found}
    # "St. Lucia", "St Kitts and Nevis": a designer's review found St. Lucia in no index.
    return found | {f"{short} {s[6:]}" for s in found if s.startswith("Saint ")
                    for short in ("St.", "St")}


@memoized(limit=1)
def _former_countries() -> frozenset[str]:
    """Return the names of former countries that begin with a country's name ("Netherlands
    Antilles", "Serbia and Montenegro"): read as that country, the index listed the
    Netherlands for the Netherlands Antilles. Such a name names no country of the list."""
    current = country_names()
    former = {spelling for country in pycountry.historic_countries
              for spelling in (country.name, _short_form(country.name))}
    return frozenset(name for name in former - set(current)
                     if any(name.startswith(f"{spelling} ") for spelling in current))


def _short_form(spelling: str) -> str:
    """Return a name without its qualifier: "Bolivia (Plurinational State of)" → "Bolivia",
    "Palestine, State of" → "Palestine"."""
    return re.split(r" \(|, ", spelling, maxsplit=1)[0]


def un_name(spelling: str) -> str | None:
    """Return the UN short name of ``spelling`` (a name or an alias, in any case, or a former
    name the taxonomy's patterns know, e.g. "Swaziland"), None when unknown."""
    return (country_names().get(spelling) or _folded().get(spelling.casefold())
            or _by_pattern(spelling))


@memoized(limit=1024)
def _by_pattern(spelling: str) -> str | None:
    """Return the UN name of the one country whose taxonomy pattern matches ``spelling``.

    Only for a field's value, never for running text: each of the 250 patterns is tried."""
    names = {c.code: c.name for c in un_countries()}
    hits = {code for code, row in _rows().items()
            if row["Regex"] and re.search(row["Regex"], spelling, re.IGNORECASE)}
    return names[hits.pop()] if len(hits) == 1 else None


@memoized(limit=1)
def _folded() -> dict[str, str]:
    """Return the spellings by their case-folded form, for a field typed in lower case."""
    return {spelling.casefold(): name for spelling, name in country_names().items()}


_WORD = re.compile(r"\w+")


@memoized(limit=1)
def _by_first_word() -> dict[str, tuple[str, ...]]:
    """Return the spellings grouped by their first word, longest first in each group.

    One alternation of 700 names is slow in Python's regex engine: it tries every name at
    every letter. Looking up each word of the text is not, and the
    time stays linear in the text (each word tries the few names starting with it)."""
    groups: dict[str, list[str]] = {}
    for spelling in [*country_names(), *_former_countries()]:
        first = _WORD.match(spelling)
        if first is not None:  # every name begins with a letter
            groups.setdefault(first.group(), []).append(spelling)
    return {word: tuple(sorted(names, key=len, reverse=True)) for word, names in groups.items()}


@memoized(limit=65_536)
def countries_named(text: str) -> tuple[str, ...]:
    """Return the UN names of the countries ``text`` names (as whole words, the longest
    spelling at each place), sorted, each once."""
    names, groups = country_names(), _by_first_word()
    found: set[str] = set()
    end = 0
    for word in _WORD.finditer(text):
        if word.start() < end or word.group() not in groups:
            continue
        for spelling in groups[word.group()]:
            stop = word.start() + len(spelling)
            if text.startswith(spelling, word.start()) and not _is_word_at(text, stop):
                if spelling in names:  # else a former country's (_former_countries)
                    found.add(names[spelling])
                end = stop
                break
    return tuple(sorted(found))


def _is_word_at(text: str, index: int) -> bool:
    """Return whether a word character is at ``index`` (a name must end a word)."""
    return index < len(text) and _WORD.match(text, index) is not None


def with_countries(record: Record) -> Record:
    """Return ``record`` with the countries of its field and of its text, sorted, each once."""
    named = set(countries_named(record.body))
    declared = {un_name(c) or c for c in record.countries}
    return replace(record, countries=tuple(sorted(named | declared)))


def is_known_country(name: str) -> bool:
    """Return whether ``name`` is a spelling the country list knows."""
    return un_name(name) is not None
