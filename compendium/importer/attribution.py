"""Say which entity an entry is about and which themes it belongs to."""

from __future__ import annotations

import re
from collections.abc import Sequence

from compendium.model import Entity

SPOTLIGHT_THEME = "spotlight"
INTER_AGENCY_THEME = "inter-agency"
SPOTLIGHT_WORDS = re.compile(r"\bSpotlight\b")
# The mechanisms through which entities act together (issue: networks, task forces,
# reference groups, working groups, joint programmes, UN Action).
MECHANISM_WORDS = re.compile(
    r"\b(network|task force|reference group|working group|joint programme|joint program|"
    r"UN Action|inter-agency (?:mechanism|group|network|standing committee))",
    re.IGNORECASE)


class EntityFinder:
    """Find the first entity a text names, by acronym, full name or alias."""

    def __init__(self, entities: Sequence[Entity]) -> None:
        names = {name: e.acronym for e in entities for name in (e.acronym, e.name, *e.aliases)}
        self._acronyms = names
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")

    def first_named(self, text: str) -> str | None:
        """Return the acronym of the entity named first in ``text``."""
        match = self._pattern.search(text)
        return self._acronyms[match[1]] if match else None

    def resolve(self, name: str) -> str:
        """Return the acronym for a name the registry knows, else the name as written."""
        return self._acronyms.get(name, name)


def themes_of(lead_paragraph: str, entity: str) -> tuple[str, ...]:
    """Return the theme tags an entry's first paragraph calls for."""
    themes = []
    if entity == "Spotlight Initiative" or SPOTLIGHT_WORDS.search(lead_paragraph):
        themes.append(SPOTLIGHT_THEME)
    if MECHANISM_WORDS.search(lead_paragraph):
        themes.append(INTER_AGENCY_THEME)
    return tuple(themes)
