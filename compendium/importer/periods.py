"""Read the period and entities of a dated entry header: ``Mar 2014 - Mar 2016 | IOM; UNFPA``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from compendium.model import Period, YearMonth

# Month names as the English, French and Spanish versions of the site write them, full or
# abbreviated (accents optional: scrapes lose them).
_MONTH_NAMES = (
    ("jan", "january", "janv", "janvier", "ene", "enero"),
    ("feb", "february", "fev", "fevr", "février", "févr", "fév", "fevrier", "febrero"),
    ("mar", "march", "mars", "marzo"),
    ("apr", "april", "avr", "avril", "abr", "abril"),
    ("may", "mai", "mayo"),
    ("jun", "june", "juin", "junio"),
    ("jul", "july", "juil", "juillet", "julio"),
    ("aug", "august", "août", "aout", "ago", "agosto"),
    ("sep", "sept", "september", "septembre", "septiembre", "set", "setiembre"),
    ("oct", "october", "octobre", "octubre"),
    ("nov", "november", "novembre", "noviembre"),
    ("dec", "december", "déc", "décembre", "decembre", "dic", "diciembre"))
MONTHS = {name: i for i, names in enumerate(_MONTH_NAMES, start=1) for name in names}
_MONTH = r"(?:[^\W\d_]{3,10}\.?)\s+(?:de\s+)?\d{4}"
HEADER = re.compile(rf"^(?P<start>{_MONTH})(?:\s*(?:[-–—]|to|à|au|a)\s*(?P<end>{_MONTH}))?\s*"
                    rf"(?:\|\s*(?P<entities>.*))?$", re.IGNORECASE)
ENTITY_LIST = re.compile(r"^[^\W\d_][\w .&'’()/-]{0,80}(?:;\s*[^\W\d_][\w .&'’()/-]{0,80})*;?$")


@dataclass(frozen=True, slots=True)
class Header:
    """A parsed dated-entry header."""

    period: Period
    """The months the entry covers."""
    entities: tuple[str, ...]
    """Lead entity then partners, as written; empty when the header names none."""
    continues: bool
    """Whether the entity list ends with ``;`` and goes on on the next line."""
    reversed: bool = False
    """Whether the page gave the end before the start (``Mar 2014 - Feb 2014``): read as
    the months between, and warned about."""


def parse_month(text: str) -> YearMonth | None:
    """Return the month of ``Mar 2014``, ``Sept 2010``, ``mars 2014`` or ``marzo de 2014``;
    None if not a month."""
    parts = [p for p in text.replace(".", "").split() if p.casefold() != "de"]
    if len(parts) != 2 or not parts[1].isdigit():
        return None
    month = MONTHS.get(parts[0].lower())
    return YearMonth(int(parts[1]), month) if month else None


def parse_header(line: str) -> Header | None:
    """Return the header on ``line``, or None when the line is not one."""
    match = HEADER.match(line)
    if match is None:
        return None
    start = parse_month(match["start"])
    end = parse_month(match["end"]) if match["end"] else None
    if start is None or (match["end"] and end is None):
        return None
    backwards = end is not None and end < start
    if end is not None and backwards:
        start, end = end, start
    raw = (match["entities"] or "").strip()
    # "… | IOM;" or a bare "… |" goes on with the entity list on the next line.
    continues = raw.endswith(";") or (match["entities"] is not None and not raw)
    return Header(Period(start, end), split_entities(raw), continues, backwards)


def split_entities(text: str) -> tuple[str, ...]:
    """Split ``IOM; UNFPA`` into names."""
    return tuple(name.strip() for name in text.split(";") if name.strip())


def is_entity_continuation(line: str) -> bool:
    """Return whether ``line`` reads as the rest of a broken entity list."""
    return bool(ENTITY_LIST.match(line)) and len(line) <= 80 and not line.endswith(".")
