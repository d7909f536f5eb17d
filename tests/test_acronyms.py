"""The list of acronyms: every "Full Name (ACR)" the text defines, spelled as defined."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.html.acronyms import acronym_list, defined_in
from tests.conftest import ROOT

FORMS = {
    "monitoring and reporting arrangements on sexual violence in conflict (MARA)":
        ("MARA", "monitoring and reporting arrangements on sexual violence in conflict"),
    "the Standard Minimum Rules for the Treatment of Prisoners (SMR)":
        ("SMR", "Standard Minimum Rules for the Treatment of Prisoners"),
    "In Bosnia and Herzegovina (BiH), IOM": ("BiH", "Bosnia and Herzegovina"),
    "its first framework in GBV in Crises (GBViC)": ("GBViC", "GBV in Crises"),
    "CCCM Regional Training of Trainers (ToT)": ("ToT", "Training of Trainers"),
    "mental health and psychosocial support (MHPSS)":
        ("MHPSS", "mental health and psychosocial support"),
    "the Displacement Tracking Matrix (DTM)": ("DTM", "Displacement Tracking Matrix"),
    "rapid gender assessments (RGAs)": ("RGA", "rapid gender assessments"),
}


def test_the_forms_the_inventory_uses() -> None:
    for text, (acronym, expansion) in FORMS.items():
        assert defined_in(text) == {acronym: expansion}, text


DEFINED = [
    # (text, the acronyms it defines with their expansions)
    ("the United Nations (UN) and", {"UN": "United Nations"}),
    ("United Nations Children's Fund (UNICEF)", {"UNICEF": "United Nations Children's Fund"}),
    ("Inter-Agency Standing Committee (IASC)", {"IASC": "Inter-Agency Standing Committee"}),
    ("Sustainable Development Goals (SDGs)", {"SDG": "Sustainable Development Goals"}),
    ("Displacement\nTracking  Matrix (DTM)", {"DTM": "Displacement Tracking Matrix"}),
    ("word " * 60 + "Displacement Tracking Matrix (DTM)",
     {"DTM": "Displacement Tracking Matrix"}),
    ("gender-based violence (GBV) and female genital mutilation (FGM)",
     {"GBV": "gender-based violence", "FGM": "female genital mutilation"}),
    ("the Committee on the Elimination of Discrimination against Women (CEDAW)",
     {"CEDAW": "Committee on the Elimination of Discrimination against Women"}),
    ("Sexual and Reproductive Health and Rights (SRH-R)",
     {"SRH-R": "Sexual and Reproductive Health and Rights"}),
    ("with La Strada International (LSI)", {"LSI": "La Strada International"}),
    # The first definition wins.
    ("gender-based violence (GBV), not Great Big Victory (GBV)", {"GBV": "gender-based violence"}),
    # No words before it spell it, or too far before it (200 characters).
    ("the matrix (DTM)", {}),
    ("Violence Against Women (VAWG)", {}),
    ("(DTM) Displacement Tracking Matrix", {}),
    ("Displacement Tracking Matrix " + "x" * 200 + " (DTM)", {}),
    # Not acronyms.
    ("answer (a) or (b), see (A)", {}),
    pytest.param("Office of the High Commissioner for Human Rights (OHCHR)",
                 {"OHCHR": "Office of the High Commissioner for Human Rights"},
                 marks=pytest.mark.xfail(strict=True, reason="the shortest run spelling it wins, "
                                         "and it starts at the small word “of”")),
]


@pytest.mark.parametrize(("text", "defined"), DEFINED)
def test_definitions_and_what_is_not_one(text: str, defined: dict[str, str]) -> None:
    assert defined_in(text) == defined


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)


@settings(max_examples=300)
@given(st.lists(WORDS, min_size=2, max_size=6), st.lists(st.booleans(), min_size=6,
                                                          max_size=6), WORDS)
def test_any_name_spelled_by_its_initials_is_found(words: list[str], capitals: list[bool],
                                                   before: str) -> None:
    name = [w.capitalize() if up else w for w, up in zip(words, capitals, strict=False)]
    acronym = "".join(w[0] for w in name).upper()
    text = f"The {before} of {' '.join(name)} ({acronym}) was"
    found = defined_in(text)
    assert acronym in found
    assert found[acronym].endswith(" ".join(name))


def test_every_definition_of_the_shipped_text_is_listed() -> None:
    """What the shipped records define is in the list, spelled as defined."""
    texts = [p.read_text().split("\n---\n", 1)[-1]
             for p in sorted((ROOT / "sources").rglob("*.md")) if "raw" not in p.parts]
    listed = {a.acronym: a.expansion for a in acronym_list(texts, {}, {})}
    for acronym in ("MARA", "SMR", "BiH", "GBViC", "ToT", "DTM", "CCCM"):
        assert acronym in listed, acronym


def test_definitions_are_found_in_linear_time() -> None:
    for hostile in ("(" + "A" * 50_000, "(Ab" * 20_000 + ")", "word " * 20_000 + "(ABCDEF)",
                    "(AB) " * 10_000):
        start = time.perf_counter()
        defined_in(hostile)
        assert time.perf_counter() - start < 2.0, hostile[:12]


def test_glossary_covers_what_the_text_uses(tmp_path: Path) -> None:
    texts = ["Core member of the GBV AoR, with the EU and the UN."]
    listed = {a.acronym for a in acronym_list(texts, {"AoR": "area of responsibility",
                                                      "EU": "European Union",
                                                      "UN": "United Nations"}, {})}
    assert {"AoR", "EU", "UN"} <= listed
