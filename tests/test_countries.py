"""The countries a record's text names: whole words, the longest spelling at each place."""

from __future__ import annotations

import pytest

from compendium.countries import countries_named


@pytest.mark.parametrize(("text", "named"), [
    ("Niger and Nigeria", ("Niger", "Nigeria")),
    ("NigerNiger and Malian", ()),  # inside a longer word: not the country
    ("Papua New Guinea", ("Papua New Guinea",)),  # not Guinea as well
    ("Guinea-Bissau and Guinea", ("Guinea", "Guinea-Bissau")),
    ("South Sudan, then Sudan", ("South Sudan", "Sudan")),
    ("Türkiye's and Côte d'Ivoire's plans", ("Côte d'Ivoire", "Türkiye")),
    ("Viet Nam, Viet Nam", ("Viet Nam",)),
    ("the Republic of Moldova", ("Moldova",)),  # official name shown in its short form
    ("the dominican republic", ()),  # names are capitalised
])
def test_countries_named(text: str, named: tuple[str, ...]) -> None:
    assert countries_named(text) == named
