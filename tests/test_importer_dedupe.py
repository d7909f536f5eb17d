"""When two paragraphs of the raw pages are one (importer/dedupe.py): equal once typography
and white space are folded, or one a teaser (the first 40 characters or more) of the other."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@given(seed=st.integers(0, 10_000))
@settings(max_examples=60, deadline=None)
def test_the_paragraphs_compared_for_versions_miss_no_pair_that_reads_alike(seed: int) -> None:
    """The prefix filter (assemble._may_read_alike) leaves out only pairs that cannot read
    alike: every pair of two pages that _alike finds, comparing all of them, is among those
    it compares. (Comparing all, an attack's two pages of 1,000 paragraphs took 16 s.)"""
    from types import SimpleNamespace

    from compendium.importer.assemble import _alike, _may_read_alike

    pick = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(pick.randint(8, 60))] + ["the", "and", "of"]
    texts = [" ".join(pick.choice(vocabulary) for _ in range(pick.randint(8, 40)))
             for _ in range(12)]
    for _ in range(12):  # versions: a paragraph with some words changed, dropped, added
        words = pick.choice(texts).split()
        for _ in range(pick.randint(0, len(words) // 2)):
            at = pick.randrange(len(words))
            words[at:at + 1] = pick.choice([[], [pick.choice(vocabulary)], [words[at], "and"]])
        texts.append(" ".join(words) or "empty")
    work = SimpleNamespace(index=SimpleNamespace(texts=texts),
                           pages=[pick.choice("ab") for _ in texts])
    slots = list(range(len(texts)))
    compared = set(_may_read_alike(slots, work))  # type: ignore[arg-type]
    alike = {(a, b) for a in slots for b in slots[a + 1:]
             if work.pages[a] != work.pages[b] and _alike(work, a, b)}  # type: ignore[arg-type]
    assert alike <= compared
