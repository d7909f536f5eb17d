"""Decide when two paragraphs say the same thing: equal, or one a teaser of the other."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "‛": "'", "“": '"', "”": '"', "„": '"',
                            "–": "-", "—": "-", "‐": "-", "‑": "-", "\u00a0": " "})
TRAILING_ELLIPSIS = re.compile(r"\s*(\.\.\.|…)\s*$")
WHITESPACE = re.compile(r"\s+")
MIN_TEASER_CHARS = 40
"""A teaser shorter than this is too short to be told apart from an unrelated paragraph."""


def fold(text: str) -> str:
    """Return ``text`` with typography, whitespace and a trailing ellipsis folded away."""
    text = TRAILING_ELLIPSIS.sub("", text.translate(TYPOGRAPHY))
    return WHITESPACE.sub(" ", text).strip()


def is_same_paragraph(a: str, b: str) -> bool:
    """Return whether ``a`` and ``b`` are one paragraph: equal, or one a teaser of the other."""
    return same_folded(fold(a), fold(b))


def same_folded(fa: str, fb: str) -> bool:
    """Return whether two folded paragraphs are one: equal, or one a teaser of the other."""
    if fa == fb:
        return True
    short, long = sorted((fa, fb), key=len)
    return len(short) >= MIN_TEASER_CHARS and long.startswith(short)


def fuller(kept: str, other: str) -> str:
    """Return the fuller of two versions of a paragraph; ``kept`` wins a tie."""
    return other if len(fold(other)) > len(fold(kept)) else kept


@dataclass(slots=True)
class ParagraphIndex:
    """Paragraphs kept so far, found by their folded text or its first characters."""

    by_text: dict[str, int] = field(default_factory=dict)
    """Folded short paragraphs to their slot."""
    by_prefix: dict[str, list[int]] = field(default_factory=dict)
    """First MIN_TEASER_CHARS folded characters of longer paragraphs to their slots."""
    texts: list[str] = field(default_factory=list)
    """Kept text of each slot."""

    def find(self, text: str) -> int | None:
        """Return the slot of a kept paragraph that ``text`` repeats, if any."""
        folded = fold(text)
        if len(folded) < MIN_TEASER_CHARS:
            return self.by_text.get(folded)
        for slot in self.by_prefix.get(folded[:MIN_TEASER_CHARS], []):
            if is_same_paragraph(self.texts[slot], text):
                return slot
        return None

    def add(self, text: str) -> int:
        """Keep ``text`` in a new slot and return it."""
        slot = len(self.texts)
        self.texts.append(text)
        folded = fold(text)
        if len(folded) < MIN_TEASER_CHARS:
            self.by_text[folded] = slot
        else:
            self.by_prefix.setdefault(folded[:MIN_TEASER_CHARS], []).append(slot)
        return slot

    def improve(self, slot: int, text: str) -> None:
        """Replace the slot's text by ``text`` when it is the fuller version."""
        self.texts[slot] = fuller(self.texts[slot], text)
