"""Checked, the one way input problems are reported: every problem, in order, at once."""

from __future__ import annotations

import pytest

from compendium.checked import Checked, gather, refused
from compendium.errors import InvalidInput
from compendium.model import Problem

FIRST = Problem("a.md", 2, "a", "id", "first")
SECOND = Problem("b.md", 3, "b", "kind", "second")
THIRD = Problem("c.md", 0, "-", "-", "third")


def test_gather_keeps_the_values_made_and_every_problem_in_order() -> None:
    results = [Checked("a", (FIRST,)), refused(SECOND), Checked(None), Checked("c", (THIRD,))]
    assert gather(results) == Checked(("a", "c"), (FIRST, SECOND, THIRD))


def test_or_raise_gives_the_value_of_a_clean_check() -> None:
    assert Checked("text").or_raise() == "text"


@pytest.mark.parametrize("checked", [Checked("kept", (FIRST, SECOND)), refused(FIRST, SECOND)])
def test_or_raise_raises_every_problem_at_once(checked: Checked[str | None]) -> None:
    with pytest.raises(InvalidInput) as raised:
        checked.or_raise()
    assert raised.value.problems == (FIRST, SECOND)
