"""How much Markdown text a record or the config may hold: what the layout can take in a
time linear in the text (bounds well above any real entry)."""

from __future__ import annotations

import re

MAX_PARAGRAPH_CHARS = 20_000
"""Longer than any real paragraph (the longest in the inventory is ~1,300 characters)."""
MAX_TEXT_CHARS = 250_000
"""Far longer than any real record (the longest shipped is ~4,200 characters): about 80
pages. Ordinary text lays out in time linear in its length; what is not linear (long lines,
marks in a word) has bounds of its own below. The importer writes a long paragraph of a raw
page on several lines, and must never be refused a page's text."""
MAX_MARKS_IN_WORD = 40
"""Markdown marks (``*``, ``_``, a backtick, brackets) a word may hold. A word is laid out
in one piece, and WeasyPrint's time to break a line grows with the square of the inline
boxes in it: a long word of marks, each its own box, can take the layout seconds."""
MARK = re.compile(r"[*_`\[\]<>~]")


def text_problem(text: str) -> tuple[int, str] | None:
    """Return (line from 0, what is wrong) for Markdown ``text`` past the bounds, or None."""
    if len(text) > MAX_TEXT_CHARS:
        return 0, (f"{len(text):,} characters of text; expected at most {MAX_TEXT_CHARS:,} "
                   "(split the text)")
    for offset, line in enumerate(text.split("\n")):
        if len(line) > MAX_PARAGRAPH_CHARS:
            return offset, (f"a line of {len(line):,} characters; expected at most "
                            f"{MAX_PARAGRAPH_CHARS:,}")
        marked = _most_marked_word(line)
        if marked is not None:
            return offset, (f"a word with {marked[0]:,} Markdown marks (`{marked[1]}…`); "
                            f"expected at most {MAX_MARKS_IN_WORD} in a word without spaces")
    return None


def _most_marked_word(line: str) -> tuple[int, str] | None:
    """Return the marks and start of the first word of ``line`` with too many marks."""
    if len(MARK.findall(line)) <= MAX_MARKS_IN_WORD:
        return None  # the usual line: no word to look at
    for word in line.split():
        marks = len(MARK.findall(word))
        if marks > MAX_MARKS_IN_WORD:
            return marks, word[:20]
    return None
