"""How an entry is named: its heading in its chapter, and its name in a cross-reference.

An entry's heading is its `title` when the editor gave one; otherwise it is a compact line of
what the record knows (period, partners, countries). The chapter's own entity is never
repeated (the chapter is about it), and the group heading above the entry already gives the
year or reporting round, so the heading states each remaining fact once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compendium.model import Record

MAX_COUNTRIES_SHOWN = 3
"""Beyond this many countries the facts line says how many more (the text names them)."""
SEPARATOR = " · "


@dataclass(frozen=True, slots=True)
class EntryHeading:
    """What an entry's heading shows."""

    text: str
    """The heading itself: the title, else the facts, else the first words of the text
    (then not shown)."""
    facts: str
    """The facts printed under a titled heading; empty when the heading is the facts."""
    shown: bool = True
    """False when the record knows nothing to head it with: the heading is then the first
    words of the text, for the outline and screen readers, and not printed above them."""


def entry_heading(record: Record, own_entity: str, partners_word: str,
                  first_words: str = "") -> EntryHeading:
    """Return the heading of an entry in the chapter about ``own_entity`` ("" for a chapter
    about several entities); ``first_words`` name an entry that says nothing else."""
    facts = SEPARATOR.join(entry_facts(record, own_entity, partners_word))
    if record.title:
        return EntryHeading(record.title, facts)
    if facts:  # "with UNFPA · Chad" heads as "With UNFPA · Chad"
        return EntryHeading(facts[0].upper() + facts[1:], "")
    return EntryHeading(first_words or record.entity, "", shown=False)


def entry_facts(record: Record, own_entity: str, partners_word: str) -> tuple[str, ...]:
    """Return what an entry's record knows: its period, who leads and partners (the
    chapter's own entity left out), the countries it concerns."""
    facts: list[str] = []
    if record.period is not None:
        facts.append(record.period.label)
    who = who_line(record, own_entity, partners_word)
    if who:
        facts.append(who)
    if record.countries:
        facts.append(countries_line(record.countries))
    return tuple(facts)


def who_line(record: Record, own_entity: str, partners_word: str) -> str:
    """Return "UNODC with IOM, UNFPA", or "with UNFPA" when UNODC is the chapter's own."""
    partners = ", ".join(record.partners)
    if record.entity != own_entity:
        return f"{record.entity} {partners_word} {partners}" if partners else record.entity
    return f"{partners_word} {partners}" if partners else ""


NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
"""How running text writes a number under ten (the house style of United Nations texts)."""


def countries_line(countries: Sequence[str]) -> str:
    """Return "Azerbaijan, Georgia", or "Chad, Mali, Niger and four other countries"."""
    if len(countries) <= MAX_COUNTRIES_SHOWN:
        return ", ".join(countries)
    more = len(countries) - MAX_COUNTRIES_SHOWN
    # Non-breaking spaces: "… and 3 more" at a line's end left "countries" alone below.
    return (", ".join(countries[:MAX_COUNTRIES_SHOWN]) + f" and {number_word(more)}"
            f"\u00a0other\u00a0{'country' if more == 1 else 'countries'}")


def number_word(number: int) -> str:
    """Return ``number`` as running text writes it: in words under ten, else in figures."""
    return NUMBER_WORDS[number - 1] if 0 < number <= len(NUMBER_WORDS) else f"{number:,}"


def reference_name(record: Record, partners_word: str) -> str:
    """Return how another chapter names an entry: its title, else its lead, partners and
    period (the lead always: the reader is elsewhere)."""
    if record.title:
        return record.title
    who = who_line(record, "", partners_word)
    return who + (f", {record.period.label}" if record.period else "")
