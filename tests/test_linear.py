"""Every pattern that reads record text takes time linear in it: no input makes it hang.

Python's regex engine backtracks; a pattern such as ``[A-Z][A-Za-z-]*[A-Z]`` on ``-Ab-Ab…``
tries each capital as a start and scans to the end of the run each time (a minute per MB).
Each text below is a short unit repeated to 60,000 characters; a linear scan of it takes
milliseconds, a quadratic one minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compendium.html.acronyms import DEFINITION, USE, WORD, defined_in
from compendium.html.changes import TOKEN
from compendium.html.text import RAW_TAG
from compendium.records.countries import countries_named
from compendium.records.limits import MARK
from tests.test_fuzz import SETTINGS

SIZE = 60_000
BOUND = 1.5
"""Seconds any scan of SIZE characters may take (linear ones take a few milliseconds)."""

SCANS: dict[str, Callable[[str], object]] = {
    "acronym use": USE.findall, "acronym definition": DEFINITION.findall,
    "acronym words": WORD.findall, "acronyms defined": defined_in,
    "countries named": countries_named.__wrapped__, "raw HTML tag": RAW_TAG.findall,
    "changed words": TOKEN.findall, "Markdown marks": MARK.findall,
}
UNITS = st.text(alphabet="Aab-&(<> \t\n*_`[]'’sS.,)", min_size=1, max_size=5)


def slowest(text: str) -> tuple[float, str]:
    """Return the slowest scan of ``text`` and its name."""
    times = []
    for name, scan in SCANS.items():
        started = time.perf_counter()
        scan(text)
        times.append((time.perf_counter() - started, name))
    return max(times)


def test_the_attacks_found_before_are_linear() -> None:
    for unit in ("-Ab", "(A", "A", "<a ", "(Ab-", "Ab&", "Republic of ", "*a"):
        seconds, name = slowest(unit * (SIZE // len(unit)))
        assert seconds < BOUND, f"{name} took {seconds:.1f} s on {unit!r} repeated"


@pytest.mark.slow
@SETTINGS
@given(UNITS, UNITS)
def test_every_pattern_on_record_text_is_linear(prefix: str, unit: str) -> None:
    seconds, name = slowest(prefix + unit * (SIZE // len(unit)))
    assert seconds < BOUND, f"{name} took {seconds:.1f} s on {prefix!r} + {unit!r} repeated"
