"""Suggest the name an editor probably meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``; did you mean `x`?`` for the closest choice, or an empty string."""
    by_fold = {c.casefold(): c for c in choices}
    folded = word.casefold()
    matches = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.6)
    if not matches:
        # A name with something added or cut ("unodc-chapter", "inter-agency") is a near miss
        # that similarity ratios score low.
        matches = sorted((c for c in by_fold if len(c) > 2 and (c in folded or folded in c)),
                         key=lambda c: abs(len(c) - len(folded)))[:1]
    return f"; did you mean `{by_fold[matches[0]]}`?" if matches else ""
