"""Which countries a record concerns: its `countries:` field plus the countries its text names.

The list is ISO 3166 as kept by pycountry, so the index and the reviewers' filter never depend
on a hand-made list; names are shown in their short form ("Viet Nam", "Bolivia").
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

import pycountry

from compendium.model import Record


@functools.cache
def country_names() -> dict[str, str]:
    """Return every spelling the list knows (name, common and official name) → display name."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        short = str(country.name)
        display = short if "," not in short else str(getattr(country, "common_name", short))
        for spelling in (short, getattr(country, "common_name", None),
                         getattr(country, "official_name", None)):
            if spelling and "," not in spelling:
                names[str(spelling)] = display
    return names


_WORD = re.compile(r"\w+")


@functools.cache
def _by_first_word() -> dict[str, tuple[str, ...]]:
    """Return the spellings grouped by their first word, longest first in each group.

    One alternation of 700 names is slow in Python's regex engine (0.4 s for 1,000 records):
    it tries every name at every letter. Looking up each word of the text is not."""
    groups: dict[str, list[str]] = {}
    for spelling in country_names():
        first = _WORD.match(spelling)
        if first is not None:  # every name begins with a letter
            groups.setdefault(first.group(), []).append(spelling)
    return {word: tuple(sorted(names, key=len, reverse=True)) for word, names in groups.items()}


@functools.lru_cache(maxsize=65536)
def countries_named(text: str) -> tuple[str, ...]:
    """Return the display names of the countries ``text`` names (as whole words, the longest
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
    declared = {country_names().get(c, c) for c in record.countries}
    return replace(record, countries=tuple(sorted(named | declared)))


def is_known_country(name: str) -> bool:
    """Return whether ``name`` is a spelling the country list knows."""
    return name in country_names()
