"""What the change list says: generated edits of records and chapters, compared (no build)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from compendium.changes import (
    ADDED,
    CHANGED,
    MOVED,
    REMOVED,
    SHOWN_FIELDS,
    Chapters,
    chapter_changes,
    compare,
)
from compendium.model import Period, Record, YearMonth

WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
EDITS = {
    "Entity": lambda r: replace(r, entity=r.entity + "X"),
    "Partners": lambda r: replace(r, partners=(*r.partners, "UNFPA")),
    "Period": lambda r: replace(r, period=Period(YearMonth(2031, 6))),
    "Countries": lambda r: replace(r, countries=("Haiti",)),
    "Themes": lambda r: replace(r, themes=("spotlight",)),
    "Reporting round": lambda r: replace(r, round=2030),
}


def record(n: int, **fields: object) -> Record:
    """Return a small activity record numbered ``n``."""
    base = Record(id=f"r{n}", kind="activity", entity="IOM", body=f"Text of record {n}.",
                  path=Path(f"r{n}.md"), line=1, period=Period(YearMonth(2016, 3)))
    return replace(base, **fields)  # type: ignore[arg-type]


@given(st.sets(st.sampled_from(sorted(EDITS)), min_size=1), st.booleans())
def test_every_changed_field_is_listed_with_its_old_and_new_value(names: set[str],
                                                                  reword: bool) -> None:
    old = record(1)
    new = old
    for name in sorted(names):
        new = EDITS[name](new)
    if reword:
        new = replace(new, body="Other words.")
    changes = compare([old], [new], "round-1")
    assert changes.status == {"r1": CHANGED}
    listed = {f.field: (f.old, f.new) for f in changes.fields["r1"]}
    assert set(listed) == names
    shown = dict(SHOWN_FIELDS)
    assert all(listed[n] == (shown[n](old), shown[n](new)) for n in names)
    assert listed.get("Period", ("Mar 2016", "Jun 2031")) == ("Mar 2016", "Jun 2031")
    assert ("r1" in changes.reworded) is reword


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=5,
                unique=True),
       st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=5,
                unique=True),
       st.sets(st.sampled_from(["a", "b", "c", "d", "e"])))
def test_chapters_added_removed_renamed_and_reordered_are_each_said(
        before: list[str], after: list[str], renamed: set[str]) -> None:
    then = Chapters(tuple((s, s.upper()) for s in before), {})
    now = Chapters(tuple((s, s.upper() + ("!" if s in renamed else "")) for s in after), {})
    kinds = [c.kind for c in chapter_changes(then, now)]
    assert kinds.count("chapter removed") == len(set(before) - set(after))
    assert kinds.count("chapter added") == len(set(after) - set(before))
    assert kinds.count("chapter renamed") == len(renamed & set(before) & set(after))
    kept = [s for s in before if s in after] != [s for s in after if s in before]
    assert ("chapters reordered" in kinds) is kept


def test_what_reads_the_same_is_no_change() -> None:
    old = record(1)
    same = replace(old, period=Period(YearMonth(2016, 3), YearMonth(2016, 3)),
                   path=Path("elsewhere/r1.md"), line=7)
    assert compare([old], [same], "x").status == {}


def test_records_a_removed_chapter_held_are_moved_by_the_rules_not_changed() -> None:
    old = [record(n) for n in range(4)]
    then = Chapters((("a", "Alpha"), ("b", "Beta")), {"r0": "a", "r1": "a", "r2": "b",
                                                      "r3": "b"})
    now = Chapters((("b", "Beta"),), {"r0": "b", "r1": "b", "r2": "b"})
    changes = compare(old, old[:3], "round-1", then, now)
    assert changes.status == {"r0": MOVED, "r1": MOVED, "r3": REMOVED}
    assert changes.old_chapter == {"r0": "Alpha", "r1": "Alpha", "r3": "Beta"}
    texts = [c.text for c in changes.edition]
    assert texts[0] == "Chapter “Alpha” removed; its 2 records went to “Beta”"
    assert texts[1] == "2 records moved by the chapter rules from “Alpha” to “Beta”"
    assert changes.edition[1].records == ("r0", "r1")


def test_a_record_moved_by_its_own_edit_lists_the_chapter_among_its_fields() -> None:
    old = record(1)
    new = replace(old, themes=("spotlight",))
    then = Chapters((("a", "Alpha"), ("b", "Beta")), {"r1": "a"})
    now = Chapters((("a", "Alpha"), ("b", "Beta")), {"r1": "b", "r2": "a"})
    changes = compare([old], [new, record(2)], "x", then, now)
    assert changes.status == {"r1": CHANGED, "r2": ADDED}
    assert [(f.field, f.old, f.new) for f in changes.fields["r1"]] == [
        ("Themes", "none", "spotlight"), ("Chapter", "Alpha", "Beta")]
    assert changes.edition == ()
