"""Page numbers (pdf/numbers.py): where each part starts, which anchor falls on which page,
and the roman numerals of the front matter, from page counts alone (no layout)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
import tinycss2
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.model import Pagination
from compendium.pdf.jobs import LaidPart, RenderedPdf, css_string
from compendium.pdf.numbers import paginate, places, roman_numeral
from compendium.pdf.parts import Part, PartKind
from compendium.pdf.run import run_on_pages

Piece = tuple[int, Mapping[str, int]]
"""A piece of a laid-out part: its page count and the page (from 1) of each of its anchors."""
PartPlan = tuple[str, PartKind, Sequence[Piece] | None]
"""A part's name, kind and pieces; None when the part is not laid out yet."""


def piece(pages: int, **anchors: int) -> Piece:
    """Return a piece of ``pages`` pages with ``anchors`` on the pages given."""
    return pages, anchors


def book(plan: Sequence[PartPlan]) -> tuple[list[Part], dict[str, LaidPart]]:
    """Return the parts of ``plan`` and those of them laid out, by name."""
    parts = [Part(name, kind) for name, kind, _ in plan]
    laid = {name: LaidPart(tuple(RenderedPdf(b"", pages, anchors, ()) for pages, anchors in pieces))
            for name, _, pieces in plan if pieces is not None}
    return parts, laid


FULL_BOOK: list[PartPlan] = [
    ("title", "title", [piece(2, cover=1, imprint=2)]),
    ("contents", "contents", [piece(1, contents=1)]),
    ("preface", "preface", [piece(3, acronyms=1, introduction=3)]),
    ("chapter-a", "chapters", [piece(5, **{"chapter-a": 1, "a-1": 4})]),
    ("chapter-b", "chapters", [piece(2, **{"chapter-b": 1}), piece(3, **{"b-1": 2})]),
    ("index", "index", [piece(1, index=1)]),
]

PLACES = [
    # (the book, then for each part: whether a blank page goes before it, pages before it
    # in its numbering)
    pytest.param(FULL_BOOK, [(False, 0), (False, 2), (True, 4), (True, 0), (True, 6),
                             (True, 12)], id="odd parts get a blank verso; arabic from 0"),
    pytest.param([("title", "title", [piece(2)]), ("contents", "contents", [piece(2)]),
                  ("preface", "preface", [piece(2)]), ("chapter-a", "chapters", [piece(2)]),
                  ("chapter-b", "chapters", [piece(2)])],
                 [(False, 0), (False, 2), (False, 4), (False, 0), (False, 2)],
                 id="even parts need no blank page"),
    pytest.param([("title", "title", None), ("contents", "contents", None),
                  ("preface", "preface", None), ("chapter-a", "chapters", None),
                  ("index", "index", None)],
                 [(False, 0), (False, 0), (True, 2), (False, 0), (False, 0)],
                 id="nothing laid out: the contents guessed at one page, the rest none"),
    pytest.param([("title", "title", [piece(1)]), ("contents", "contents", None),
                  ("preface", "preface", [piece(1)]), ("chapter-a", "chapters", [piece(3)])],
                 [(False, 0), (True, 2), (True, 4), (True, 0)],
                 id="contents not laid out between laid parts"),
    pytest.param([("chapter-a", "chapters", [piece(3)]), ("chapter-b", "chapters", [piece(1)])],
                 [(False, 0), (True, 4)], id="no front matter"),
]


@pytest.mark.parametrize(("plan", "expected"), PLACES)
def test_each_part_opens_on_a_right_hand_page_numbered_from_its_origin(
        plan: list[PartPlan], expected: list[tuple[bool, int]]) -> None:
    parts, laid = book(plan)
    assert [(part.name, blank, before) for part, blank, before in places(parts, laid)] == [
        (name, blank, before) for (name, _, _), (blank, before) in zip(plan, expected,
                                                                       strict=True)]


PAGINATED = [
    # (the book, the page number of each anchor)
    pytest.param(FULL_BOOK, Pagination(
        {"chapter-a": 1, "a-1": 4, "chapter-b": 7, "b-1": 10, "index": 13},
        {"cover": "i", "imprint": "ii", "contents": "iii", "acronyms": "v",
         "introduction": "vii"}), id="a whole book, a chapter in two pieces"),
    pytest.param([("title", "title", [piece(1, cover=1)]), ("contents", "contents", None),
                  ("chapter-a", "chapters", [piece(2, **{"chapter-a": 1, "a-1": 2})])],
                 Pagination({"chapter-a": 1, "a-1": 2}, {"cover": "i"}),
                 id="a part not laid out has no anchors yet"),
    pytest.param([("chapter-a", "chapters", [piece(3, shared=2)]),
                  ("chapter-b", "chapters", [piece(2, shared=1, other=2)])],
                 Pagination({"shared": 2, "other": 6}, {}),
                 id="the first part holding an anchor wins"),
    pytest.param([("title", "title", [piece(1)]), ("chapter-a", "chapters", [piece(1)])],
                 Pagination({}, {}), id="no anchors"),
    pytest.param([], Pagination({}, {}), id="no parts"),
]


@pytest.mark.parametrize(("plan", "expected"), PAGINATED)
def test_anchors_get_roman_numbers_in_the_front_matter_then_arabic(
        plan: list[PartPlan], expected: Pagination) -> None:
    assert paginate(*book(plan)) == expected


ROMAN = [(1, "i"), (2, "ii"), (3, "iii"), (4, "iv"), (5, "v"), (6, "vi"), (9, "ix"),
         (10, "x"), (14, "xiv"), (19, "xix"), (40, "xl"), (44, "xliv"), (49, "xlix"),
         (90, "xc"), (99, "xcix"), (400, "cd"), (444, "cdxliv"), (900, "cm"),
         (1994, "mcmxciv"), (2024, "mmxxiv"), (3888, "mmmdccclxxxviii"), (3999, "mmmcmxcix")]


@pytest.mark.parametrize(("number", "numeral"), ROMAN)
def test_roman_numerals_as_css_lower_roman_prints_them(number: int, numeral: str) -> None:
    assert roman_numeral(number) == numeral


def reference_roman(number: int) -> str:
    """Return ``number`` in lower-case roman numerals, digit by decimal digit (not the
    greedy subtraction roman_numeral uses)."""
    ones = ("", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix")
    tens = ("", "x", "xx", "xxx", "xl", "l", "lx", "lxx", "lxxx", "xc")
    hundreds = ("", "c", "cc", "ccc", "cd", "d", "dc", "dcc", "dccc", "cm")
    thousands = ("", "m", "mm", "mmm")
    return (thousands[number // 1000] + hundreds[number // 100 % 10] + tens[number // 10 % 10]
            + ones[number % 10])


def test_roman_numerals_agree_with_a_reference_from_1_to_3999() -> None:
    wrong = [(n, roman_numeral(n), reference_roman(n)) for n in range(1, 4000)
             if roman_numeral(n) != reference_roman(n)]
    assert wrong == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
def test_a_css_string_holds_any_text_as_written(text: str) -> None:
    """The running heads are carried into a resumed part, and the draft stamp drawn, as CSS
    strings: any title or text (line breaks, quotes, backslashes, controls) reads back as
    written, or a rule is dropped and a page loses its head."""
    rules = tinycss2.parse_stylesheet(f"p {{ content: {css_string(text)} }}")
    (declaration,) = [d for d in tinycss2.parse_blocks_contents(rules[0].content)
                      if d.type == "declaration"]
    (value,) = [token for token in declaration.value if token.type == "string"]
    assert value.value == text.replace("\0", "\ufffd")


@given(chapters=st.lists(st.integers(1, 9), min_size=1, max_size=4),
       index=st.one_of(st.none(), st.integers(1, 4)))
def test_a_part_that_runs_on_opens_where_the_parts_before_it_end(
        chapters: list[int], index: int | None) -> None:
    """No blank page before it: it opens on the page after the index of entities, of either
    side, and that page's number says its side before it is laid out (run_on_pages); until
    every part before it is laid out, nothing is said."""
    parts = [Part("title", "title"), *(Part(f"chapter-{n}", "chapters")
                                       for n in range(len(chapters))),
             Part("index", "index", paginated=True),
             Part("index-countries", "index-countries", paginated=True,
                  runs_on="index-countries")]
    laid = {"title": LaidPart((RenderedPdf(b"", 3, {}, ()),))}
    laid |= {f"chapter-{n}": LaidPart((RenderedPdf(b"", pages, {}, ()),))
             for n, pages in enumerate(chapters)}
    if index is not None:
        laid["index"] = LaidPart((RenderedPdf(b"", index, {}, ()),))
    found = run_on_pages(parts, laid)
    if index is None:
        assert found == {}
        return
    blank_before = [blank for part, blank, _ in places(parts, laid)]
    first = sum(chapters) + sum(blank_before[2:-1]) + index + 1
    assert found == {"index-countries": first} and not blank_before[-1]
