"""Checked, the one way input problems are reported: every problem, in order, at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from compendium.checked import Checked, gather, refused
from compendium.errors import InvalidInput
from compendium.model import Problem
from compendium.records.config import load_edition

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


CONFIG = """\
title: Compendium
edition: 2026
publisher: United Nations
pubisher: typo
paper: A5
glossary: glossary.yml
labels:
  contnts: Table
front_matter:
  foreword: front/missing.md
chapters:
  - slug: Bad Slug
    title: First
  - slug: rest
    title: Rest
    catch_all: true
"""
ENTITIES = "IOM:\n  name: International Organization for Migration\nUNODC:\n  nme: x\n"
GLOSSARY = "UN: United Nations\nEU: [European, Union]\n"


def test_config_reports_every_problem_of_every_file_in_reading_order(tmp_path: Path) -> None:
    """Problems found by different checks (the config's fields, the registry, the glossary,
    chapters, paper, labels, front matter) all come out of one load, in reading order."""
    (tmp_path / "compendium.yml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "entities.yml").write_text(ENTITIES, encoding="utf-8")
    (tmp_path / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_edition(tmp_path / "compendium.yml")
    config, entities, glossary = (str(tmp_path / n) for n in (
        "compendium.yml", "entities.yml", "glossary.yml"))
    assert [str(p) for p in raised.value.problems] == [
        f"{config}:4: pubisher: unknown field; did you mean `publisher`?",
        f"{entities}:3: UNODC: name: missing; expected `name: Full Name`",
        f"{glossary}:2: EU: EU: `['European', 'Union']` is a list; expected the full name as "
        "text",
        f"{config}:12: chapter Bad Slug: slug: `Bad Slug` is not a slug; expected lowercase "
        "words and hyphens",
        f"{config}:5: paper: `A5` is not a paper size; expected A4 or letter",
        f"{config}:8: labels: contnts: unknown field; did you mean `contents`?",
        f"{config}:10: front_matter: foreword: file `front/missing.md` not found; expected a "
        "Markdown file, relative to compendium.yml",
    ]
