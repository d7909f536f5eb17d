"""Where a part is cut into pieces (pdf/cuts.py): by the layout alone."""

from __future__ import annotations

import random

import pytest

from compendium.pdf.cuts import LONGEST_PIECE, PIECE_EVERY, starts_piece


def cut(openings: list[str | None]) -> list[int]:
    """Return the lengths of the pieces a part whose pages open with ``openings`` (an id,
    or None for a page that is no checkpoint) is cut into, as flow._paginate cuts it."""
    lengths = [1]
    for opening in openings[1:]:
        if opening is not None and starts_piece(opening, lengths[-1]):
            lengths.append(1)
        else:
            lengths[-1] += 1
    return lengths


@pytest.mark.parametrize("seed", range(20))
def test_no_piece_outgrows_the_longest_when_pages_open_with_elements(seed: int) -> None:
    rng = random.Random(seed)
    openings = [f"entry-{rng.randrange(10**9)}" for _ in range(400)]
    assert max(cut(openings)) <= LONGEST_PIECE


def test_about_one_checkpoint_in_piece_every_starts_a_piece_by_its_id() -> None:
    ids = [f"record-{n:05d}-p{n % 7}" for n in range(4000)]
    chosen = sum(starts_piece(name, 1) for name in ids) / len(ids)
    assert abs(chosen - 1 / PIECE_EVERY) < 0.03


@pytest.mark.parametrize("seed", range(10))
def test_pieces_after_an_edit_start_where_a_clean_cut_starts_them(seed: int) -> None:
    """An edit changes the openings of a few pages; from the first piece both cuts start
    at the same page on, the pieces are the same (what lets an edited build reuse them)."""
    rng = random.Random(seed)
    before = [rng.choice([None, f"p-{rng.randrange(10**9)}"]) for _ in range(300)]
    after = list(before)
    for page in range(100, 104):
        after[page] = rng.choice([None, f"q-{rng.randrange(10**9)}"])
    starts_before = _starts(before)
    starts_after = _starts(after)
    assert {s for s in starts_before if s < 100} == {s for s in starts_after if s < 100}
    met = min(s for s in starts_after if s > 104 and s in starts_before)
    assert {s for s in starts_before if s >= met} == {s for s in starts_after if s >= met}


def _starts(openings: list[str | None]) -> list[int]:
    """Return the pages (from 0) that start a piece."""
    starts, page = [], 0
    for length in cut(openings):
        starts.append(page)
        page += length
    return starts
