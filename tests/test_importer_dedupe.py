"""When two paragraphs of the raw pages are one (importer/dedupe.py): equal once typography
and white space are folded, or one a teaser (the first 40 characters or more) of the other."""

from __future__ import annotations

import pytest

from compendium.importer.dedupe import is_same_paragraph

FULL = "The programme trained forty social workers in three provinces in 2019 and 2020."
TEASER = "The programme trained forty social workers in…"  # 45 characters before the ellipsis

SAME = [
    # (one paragraph, another, whether they are one)
    (FULL, FULL, True),
    ("It’s the “Safe Cities” programme – phase 2", 'It\'s the "Safe Cities" programme - phase 2',
     True),
    ("Safe\u00a0Cities  and\nSafe Spaces ", "Safe Cities and Safe Spaces", True),
    (TEASER, FULL, True),
    (FULL, TEASER, True),
    ("The programme trained forty social workers in ...", FULL, True),
    ("The programme trained forty social workers in", FULL, True),
    ("Read more…", "Read more", True),
    (FULL[:40] + "…", FULL, True),
    (FULL[:39] + "…", FULL, False),
    ("The programme trained…", FULL, False),
    ("The programme trained fifty social workers in…", FULL, False),
    (FULL.lower(), FULL, False),
    ("UNFPA supported the census in 2020.", FULL, False),
    (FULL + " It ended in 2021.", FULL.replace("2020", "2021") + " It ended in 2021.", False),
]


@pytest.mark.parametrize(("a", "b", "same"), SAME)
def test_equal_or_teaser_paragraphs_are_one(a: str, b: str, same: bool) -> None:
    assert is_same_paragraph(a, b) is same
