"""Suggest the name an editor probably meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``; did you mean `x`?`` for the closest choice, or an empty string."""
    by_fold = {c.casefold(): c for c in choices}
    matches = difflib.get_close_matches(word.casefold(), list(by_fold), n=1, cutoff=0.6)
    return f"; did you mean `{by_fold[matches[0]]}`?" if matches else ""
