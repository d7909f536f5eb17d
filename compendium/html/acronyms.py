"""The list of acronyms: those the text defines as "Full Name (ACR)", the glossary's and the
entity registry's, keeping only acronyms the compendium's text actually uses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from compendium.memo import memoized

# Every repetition is bounded (an acronym is short): Python's engine backtracks, and an
# unbounded `[A-Za-z&-]*` is quadratic on `-Ab-Ab…`, trying each capital as a start and
# scanning to the end of the run. Bounded, the work per character is at most 30 steps.
DEFINITION = re.compile(r"\(([A-Z][A-Za-z]{0,30}[A-Z](?:-[A-Z]{1,30})?)s?\)")
"""An acronym in brackets, the way the text introduces one: "... Matrix (DTM)"."""
WORD = re.compile(r"[\w’'-]+")
USE = re.compile(r"\b([A-Z][A-Za-z&-]{0,30}[A-Z])s?\b")
"""An acronym used in the text (a plural "s" left out)."""
SMALL_WORDS = frozenset(
    ["a", "an", "and", "at", "by", "de", "des", "du", "et", "for", "für", "in", "la", "le", "of",
     "on", "the", "to", "with"])
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
    """Return where the shortest run of trailing ``words`` spelling ``acronym`` starts.

    A run spells it when each of its words, in order, gives the next letters: its initial,
    then (for "PsychoSocial", "GBV", "Bosnia" in BiH) more of its own letters; a small word
    ("of" in ToT, "and" in MARA) may give its initial or nothing. Failing that, a run whose
    first words spell it, the rest a phrase opened by a small word ("Standard Minimum Rules
    for the Treatment of Prisoners (SMR)")."""
    letters = acronym.replace("-", "").casefold()
    # Initials alone first: "aa aa (AA)" is both words, not the last one read letter by letter.
    for inner in (False, True):
        for start in range(len(words) - 1, -1, -1):
            if words[start].casefold().startswith(letters[0]) and \
                    _spells(letters, words[start:], inner):
                return start
    for start in range(len(words) - 1, -1, -1):
        run = words[start:]
        if run[0].casefold().startswith(letters[0]) and any(
                run[end].casefold() in SMALL_WORDS and _spells(letters, run[:end], True)
                for end in range(1, len(run))):
            return start
    return None


def _spells(letters: str, run: list[str], inner: bool) -> bool:
    """Return whether the words of ``run`` give ``letters`` (see _spelling_start), each its
    initial and, if ``inner``, more of its own letters."""
    ends = {0}  # how many letters the words so far can have given
    for word in run:
        small = word.casefold() in SMALL_WORDS
        after = {e for e in ends if small}
        for taken in ends:
            given = _letters_from(word.casefold(), letters, taken)
            after |= given if inner else {min(given, default=0)} & given
        ends = after
        if not ends:
            return False
    return len(letters) in ends


def _letters_from(word: str, letters: str, taken: int) -> set[int]:
    """Return how many letters there can be once ``word`` gave its initial, then more of
    its own letters in order, after ``taken`` of them were given."""
    if taken >= len(letters) or not word.startswith(letters[taken]):
        return set()
    found = {taken + 1}
    position, given = 1, taken + 1
    for letter in letters[taken + 1:]:
        position = word.find(letter, position) + 1
        if position == 0:
            break
        given += 1
        found.add(given)
    return found


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
@memoized(limit=65_536)
def _definitions(text: str) -> tuple[tuple[str, str], ...]:
    """Return the acronyms ``text`` defines, in order."""
    return tuple(defined_in(text).items())


@memoized(limit=65_536)
def _used(text: str) -> frozenset[str]:
    """Return the acronyms ``text`` uses, each part of a compound ("CCCM-MHPSS") too."""
    found = USE.findall(text)
    return frozenset(found).union(*(part for word in found if "-" in word
                                    for part in [word.split("-")]))
