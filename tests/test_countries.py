"""The countries a record's text names: whole words, the longest spelling at each place, each
shown by its UN name (M49 / UNTERM short name), common forms accepted as aliases."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.records.countries import countries_named, country_names, un_countries, un_name
from compendium.records.spelling import did_you_mean


@pytest.mark.parametrize(("text", "named"), [
    ("Niger and Nigeria", ("Niger", "Nigeria")),
    ("NigerNiger and Malian", ()),  # inside a longer word: not the country
    ("Papua New Guinea", ("Papua New Guinea",)),  # not Guinea as well
    ("Guinea-Bissau and Guinea", ("Guinea", "Guinea-Bissau")),
    ("South Sudan, then Sudan", ("South Sudan", "Sudan")),
    ("Türkiye's and Côte d'Ivoire's plans", ("Côte d'Ivoire", "Türkiye")),
    ("Viet Nam, Viet Nam", ("Viet Nam",)),
    ("the Republic of Moldova", ("Republic of Moldova",)),
    ("Moldova", ("Republic of Moldova",)),
    ("the dominican republic", ()),  # names are capitalised
    ("Russia and Kosovo", ("Kosovo", "Russian Federation")),
    ("South Korea, not North Korea", ("Democratic People's Republic of Korea",
                                      "Republic of Korea")),
    ("Bolivia (Plurinational State of) and Bolivia", ("Bolivia (Plurinational State of)",)),
    ("Iran, Tanzania and Palestine", ("Iran (Islamic Republic of)", "State of Palestine",
                                      "United Republic of Tanzania")),
])
def test_countries_named(text: str, named: tuple[str, ...]) -> None:
    assert countries_named(text) == named


@pytest.mark.parametrize(("spelling", "name"), [
    ("State of Palestine", "State of Palestine"), ("Palestine", "State of Palestine"),
    ("Bolivia", "Bolivia (Plurinational State of)"), ("south korea", "Republic of Korea"),
    ("Türkiye", "Türkiye"), ("Turkey", "Türkiye"), ("Swaziland", "Eswatini"),
    ("Russia", "Russian Federation"), ("Vietnam", "Viet Nam"), ("Atlantis", None),
])
def test_un_name_of_common_forms(spelling: str, name: str | None) -> None:
    assert un_name(spelling) == name


def test_every_un_name_is_its_own_spelling_and_found_in_text() -> None:
    for country in un_countries():
        assert un_name(country.name) == country.name
        assert countries_named(f"Work in {country.name}.") == (country.name,)


def test_an_alias_two_countries_share_is_no_alias() -> None:
    assert "Korea" not in country_names()  # the Republic, or the Democratic People's Republic?


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(sorted(country_names())), min_size=1, max_size=5))
def test_names_in_a_sentence_are_all_found(spellings: list[str]) -> None:
    text = "Programmes in " + "; and in ".join(spellings) + "."
    assert set(countries_named(text)) == {country_names()[s] for s in spellings}


def test_recognition_time_grows_linearly_with_the_text() -> None:
    unit = "In Bolivia and the Republic of Korea, Niger Nigeria words words. " * 50

    def seconds(times: int) -> float:
        text = unit * times + f" {times}"  # a new text each call: no cached answer
        start = time.perf_counter()
        countries_named(text)
        return time.perf_counter() - start

    small, large = min(seconds(10) for _ in range(3)), min(seconds(80) for _ in range(3))
    assert large < small * 8 * 3  # 8 times the text; quadratic would be 64 times


@pytest.mark.parametrize(("word", "choices", "hint"), [
    ("ILO", ("IOM", "UNFPA"), ""),  # two letters of three differ: no suggestion
    ("IMO", ("IOM", "UNFPA"), "; did you mean `IOM`?"),
    ("Columbia", ("Colombia", "Bolivia"), "; did you mean `Colombia`?"),
    ("Xyzzy", ("Colombia",), ""),
    ("unodc-chapter", ("unodc", "iom"), "; did you mean `unodc`?"),
])
def test_did_you_mean_only_when_close(word: str, choices: tuple[str, ...], hint: str) -> None:
    assert did_you_mean(word, choices) == hint


def test_a_former_country_named_after_one_is_not_that_one() -> None:
    """A designer's review: "the Netherlands Antilles" put the Netherlands in the index."""
    from compendium.records.countries import _former_countries

    assert "Netherlands Antilles" in _former_countries()
    for former in _former_countries():
        assert countries_named(f"Work in the {former} and Jamaica.") == ("Jamaica",), former


@pytest.mark.parametrize("name", sorted(n for n in country_names().values()
                                        if n.startswith("Saint ")))
@pytest.mark.parametrize("short", ["St.", "St"])
def test_saint_written_short_names_the_country(name: str, short: str) -> None:
    """A designer's review: "St. Lucia" was in no index."""
    written = short + " " + name[len("Saint "):]
    assert countries_named(f"Work in {written} and Jamaica.") == tuple(sorted([name,
                                                                              "Jamaica"]))
