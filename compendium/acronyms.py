"""The list of acronyms: those the text defines as "Full Name (ACR)", the glossary's and the
entity registry's, keeping only acronyms the compendium's text actually uses."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Every repetition is bounded (an acronym is short): Python's engine backtracks, and an
# unbounded `[A-Za-z&-]*` took a minute per MB of `-Ab-Ab…`, trying each capital as a start
# and scanning to the end of the run. Bounded, the work per character is at most 30 steps.
DEFINITION = re.compile(r"\(([A-Z][A-Za-z]{0,30}[A-Z](?:-[A-Z]{1,30})?)s?\)")
"""An acronym in brackets, the way the text introduces one: "... Matrix (DTM)"."""
WORD = re.compile(r"[\w’'-]+")
USE = re.compile(r"\b([A-Z][A-Za-z&-]{0,30}[A-Z])s?\b")
"""An acronym used in the text (a plural "s" left out)."""
SMALL_WORDS = frozenset(
    ["a", "an", "and", "at", "by", "de", "des", "du", "et", "for", "für", "in", "la", "le", "of",
     "on", "the", "to"])
MAX_NAME_WORDS = 12


@dataclass(frozen=True, slots=True)
class Acronym:
    """One line of the list of acronyms."""

    acronym: str
    """As written, e.g. "DTM"."""
    expansion: str
    """The full name, e.g. "Displacement Tracking Matrix"."""


def defined_in(text: str) -> dict[str, str]:
    """Return the acronyms ``text`` defines, each with the words before it that spell it."""
    found: dict[str, str] = {}
    for match in DEFINITION.finditer(text):
        acronym = match.group(1)
        window = text[max(0, match.start() - 200):match.start()]
        words = list(WORD.finditer(window))[-MAX_NAME_WORDS:]
        start = _spelling_start(acronym, [w.group() for w in words])
        if start is not None and acronym not in found:
            found[acronym] = " ".join(window[words[start].start():].split())
    return found


def _spelling_start(acronym: str, words: list[str]) -> int | None:
    """Return where the shortest run of trailing ``words`` spelling ``acronym`` starts."""
    letters = acronym.replace("-", "").upper()
    for start in range(len(words) - 1, -1, -1):
        run = words[start:]
        if run[0].lower() in SMALL_WORDS:
            continue
        initials = "".join(part[0] for word in run if word.lower() not in SMALL_WORDS
                           for part in word.split("-") if part)
        if initials.upper() == letters:
            return start
        if len(initials) > len(letters):
            return None
    return None


def acronym_list(texts: Iterable[str], glossary: Mapping[str, str],
                 registry: Mapping[str, str]) -> tuple[Acronym, ...]:
    """Return the acronyms the texts use, sorted, with their expansions.

    A definition in the text wins over the glossary, which wins over the entity registry;
    an acronym nobody expands is left out (the editor adds it to the glossary). The first
    text to define an acronym wins."""
    texts = tuple(texts)
    defined: dict[str, str] = {}
    for text in texts:
        for acronym, expansion in _definitions(text):
            defined.setdefault(acronym, expansion)
    known = {**registry, **glossary, **defined}
    used = frozenset().union(*(_used(text) for text in texts))
    return tuple(Acronym(a, known[a]) for a in sorted(known, key=str.casefold)
                 if a in used and known[a] != a)


# Remembered per text: a preview rebuilding after an edit reads again only the edited text.
@functools.lru_cache(maxsize=65_536)
def _definitions(text: str) -> tuple[tuple[str, str], ...]:
    """Return the acronyms ``text`` defines, in order."""
    return tuple(defined_in(text).items())


@functools.lru_cache(maxsize=65_536)
def _used(text: str) -> frozenset[str]:
    """Return the acronyms ``text`` uses."""
    return frozenset(USE.findall(text))
