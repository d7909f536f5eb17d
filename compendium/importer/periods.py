"""Read the period and entities of a dated entry header: ``Mar 2014 - Mar 2016 | IOM; UNFPA``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from compendium.model import Period, YearMonth

MONTHS = {name: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_MONTH = r"(?:[A-Za-z]{3,9}\.?)\s+\d{4}"
HEADER = re.compile(rf"^(?P<start>{_MONTH})(?:\s*[-–—]\s*(?P<end>{_MONTH}))?\s*"
                    rf"(?:\|\s*(?P<entities>.*))?$")
ENTITY_LIST = re.compile(r"^[A-Za-z][\w .&'’()-]{0,60}(?:;\s*[A-Za-z][\w .&'’()-]{0,60})*;?$")


@dataclass(frozen=True, slots=True)
class Header:
    """A parsed dated-entry header."""

    period: Period
    """The months the entry covers."""
    entities: tuple[str, ...]
    """Lead entity then partners, as written; empty when the header names none."""
    continues: bool
    """Whether the entity list ends with ``;`` and goes on on the next line."""


def parse_month(text: str) -> YearMonth | None:
    """Return the month of ``Mar 2014``, ``Sept 2010`` or ``March 2014``; None if not a month."""
    parts = text.replace(".", "").split()
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
    if start is None or (match["end"] and end is None) or (end is not None and end < start):
        return None
    raw = (match["entities"] or "").strip()
    return Header(Period(start, end), split_entities(raw), raw.endswith(";"))


def split_entities(text: str) -> tuple[str, ...]:
    """Split ``IOM; UNFPA`` into names."""
    return tuple(name.strip() for name in text.split(";") if name.strip())


def is_entity_continuation(line: str) -> bool:
    """Return whether ``line`` reads as the rest of a broken entity list."""
    return bool(ENTITY_LIST.match(line)) and len(line) <= 80 and not line.endswith(".")
