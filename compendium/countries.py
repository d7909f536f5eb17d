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


@functools.cache
def _pattern() -> re.Pattern[str]:
    """Return a regex matching any country spelling as whole words, longest first."""
    spellings = sorted(country_names(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(s) for s in spellings) + r")\b")


@functools.lru_cache(maxsize=65536)
def countries_named(text: str) -> tuple[str, ...]:
    """Return the display names of the countries ``text`` names, sorted, each once."""
    names = country_names()
    return tuple(sorted({names[m] for m in _pattern().findall(text)}))


def with_countries(record: Record) -> Record:
    """Return ``record`` with the countries of its field and of its text, sorted, each once."""
    named = set(countries_named(record.body))
    declared = {country_names().get(c, c) for c in record.countries}
    return replace(record, countries=tuple(sorted(named | declared)))


def is_known_country(name: str) -> bool:
    """Return whether ``name`` is a spelling the country list knows."""
    return name in country_names()
