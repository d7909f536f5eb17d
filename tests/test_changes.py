"""What the change list says: generated edits of records and chapters, compared (no build)."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compendium.html.changes import (
    ADDED,
    CHANGED,
    MOVED,
    REMOVED,
    SHOWN_FIELDS,
    Chapters,
    chapter_changes,
    compare,
    mark_changes,
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
                  path=Path(f"r{n}.md"), period=Period(YearMonth(2016, 3)))
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
                   path=Path("elsewhere/r1.md"))
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


MARKED = [
    # (earlier HTML, HTML now, HTML now with the change marked)
    ("<p>a b c</p>", "<p>a b c</p>", "<p>a b c</p>"),
    ("<p>a b c</p>", "<p>a x c</p>", "<p>a <del>b</del><ins>x</ins> c</p>"),
    ("<p>a b c</p>", "<p>a c</p>", "<p>a <del>b </del>c</p>"),
    ("<p>a c</p>", "<p>a b c</p>", "<p>a <ins>b </ins>c</p>"),
    # Two changed words with only a space between read as one change ...
    ("<p>A B end</p>", "<p>C D end</p>", "<p><del>A B</del><ins>C D</ins> end</p>"),
    # ... but not across a word that stayed.
    ("<p>one two three four</p>", "<p>ONE two THREE four</p>",
     "<p><del>one</del><ins>ONE</ins> two <del>three</del><ins>THREE</ins> four</p>"),
    # A paragraph inserted above renumbers the ids below: they are not changes.
    ('<p id="r-p1">First.</p>\n<p id="r-p2">Second.</p>',
     '<p id="r-p1">New.</p>\n<p id="r-p2">First.</p>\n<p id="r-p3">Second.</p>',
     '<p id="r-p1"><ins>New.</ins></p>\n<p id="r-p2">First.</p>\n<p id="r-p3">Second.</p>'),
    # New tags are kept, the words inside them marked; tags that went leave their words.
    ("<p>a</p>", "<p>a <em>b</em></p>", "<p>a <em><ins>b</ins></em></p>"),
    ("<p>a <em>b</em></p>", "<p>a</p>", "<p>a<del> b</del></p>"),
    ("<ul><li>a</li></ul>", "<ul><li>a</li><li>b</li></ul>",
     "<ul><li>a</li><li><ins>b</ins></li></ul>"),
    # Markup alone changing (emphasis, a link's target) marks no word.
    ("<p>Text</p>", "<p><strong>Text</strong></p>", "<p><strong>Text</strong></p>"),
    ('<p><a href="https://a.org">link</a></p>', '<p><a href="https://b.org">link</a></p>',
     '<p><a href="https://b.org">link</a></p>'),
    # A record added, a record removed (its text struck, its tags gone).
    ("", "<p>new</p>", "<p><ins>new</ins></p>"),
    ("<p>old words</p>\n<p>more</p>", "", "<del>old words\nmore</del>"),
    ("<p>x &lt; y</p>", "<p>x &gt; y</p>", "<p>x <del>&lt;</del><ins>&gt;</ins> y</p>"),
    # White space that changed shows as the new white space alone (not the old beside it:
    # in a code block that would add a line).
    ("<p>a b</p>", "<p>a\nb</p>", "<p>a\nb</p>"),
    ("<pre><code>x\n  y</code></pre>", "<pre><code>x\n    y</code></pre>",
     "<pre><code>x\n    y</code></pre>"),
]


@pytest.mark.parametrize(("old", "new", "marked"), MARKED)
def test_changed_words_are_marked_in_the_new_text(old: str, new: str, marked: str) -> None:
    assert mark_changes(old, new) == marked


@pytest.mark.parametrize("seed", range(4))
def test_a_long_reworded_text_is_marked_block_by_block(seed: int) -> None:
    """An attack: a reworded record of 34 KB took 31 s to mark (word by word throughout). A
    long text is compared a block at a time: what it shows is the new text, with the old
    one's words in <del>, and an unchanged paragraph stays unmarked."""
    pick = random.Random(seed)
    words = ["women", "girls", "violence", "prevention", "survivors", "services", "justice",
             "police", "data"]

    def paragraph(n: int) -> str:
        return "<p>" + " ".join(pick.choice(words) for _ in range(n)) + "</p>"

    kept = paragraph(40)
    old = [paragraph(80) for _ in range(40)] + [kept] + [paragraph(6000)]
    new = [paragraph(80) for _ in range(30 + seed * 10)] + [kept] + [paragraph(6000)]
    marked = mark_changes("\n".join(old), "\n".join(new))
    assert re.sub(r"<del>[^<]*</del>|</?ins>", "", marked) == "\n".join(new)
    as_before = re.sub(r"<ins>[^<]*</ins>|</?del>", "", marked)
    assert re.sub(r"<[^>]+>", " ", as_before).split() == \
        re.sub(r"<[^>]+>", " ", "\n".join(old)).split()
    assert kept in marked
