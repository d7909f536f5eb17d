"""Suggest the name an editor probably meant, and only when it is close."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable

SIMILAR = 0.75
"""difflib's ratio above which a long name is close ("exclude_themes", "except_themes": 0.81;
"ILO", "IOM": 0.67)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``; did you mean `x`?`` for the closest choice, or an empty string when none is
    close: a slip of a letter or two in a long name, one in a short one ("ILO" is not a slip
    for "IOM": two of its three letters differ)."""
    by_fold = {c.casefold(): c for c in choices}
    folded = word.casefold()
    allowed = max(1, (len(folded) + 1) // 3)
    # Of equally near names, the one with the same letters: "IMO" is "IOM" swapped.
    scored = sorted((distance(folded, c), _unshared(folded, c), c)
                    for c in by_fold if abs(len(c) - len(folded)) <= allowed)
    if scored and scored[0][0] <= allowed:
        return f"; did you mean `{by_fold[scored[0][2]]}`?"
    similar = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=SIMILAR)
    if similar:
        return f"; did you mean `{by_fold[similar[0]]}`?"
    # A name with something added or cut ("unodc-chapter", "inter-agency") is a near miss
    # an edit distance scores far.
    near = sorted((c for c in by_fold if len(c) > 3 and len(folded) > 3
                   and (c in folded or folded in c)),
                  key=lambda c: abs(len(c) - len(folded)))[:1]
    return f"; did you mean `{by_fold[near[0]]}`?" if near else ""


def distance(a: str, b: str) -> int:
    """Return the edit distance of ``a`` and ``b``, a swap of neighbours counting one."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
    return row[len(b)]


def _unshared(a: str, b: str) -> int:
    """Return how many letters the one word has and the other lacks, counted both ways."""
    first, second = Counter(a), Counter(b)
    return sum(((first - second) + (second - first)).values())
