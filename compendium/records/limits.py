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
MARK = re.compile(r"(?<!\\)[*_`\[\]<>~]")
"""A mark Markdown may read as syntax: one after a backslash is a character of the text, in
the text's box (the importer escapes a fill-in blank's "____")."""


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


BIDI_OVERRIDES = re.compile("[\u202a-\u202e]")
"""Embedding and override controls (LRE, RLE, PDF, LRO, RLO): an unclosed one reverses what
follows it, past the record, in the annex and the indexes. Marks (U+200E, U+200F) and
isolates (U+2066 to U+2069) stay within their text."""
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters but tab and line ends (CR of old Macs too): in the HTML as bytes no
browser shows, in the PDF as a missing glyph, in the Word edition not allowed at all (XML
1.0 has no form feed: the docx build failed with a traceback). A page's form feeds are
spaces to the importer (rawpage.SPACES)."""
INVISIBLE = re.compile("[\U000e0000-\U000e007f\ufffe\uffff]")
"""Tag characters (invisible: text no reader sees, in the HTML and the chapters) and the
noncharacters U+FFFE, U+FFFF."""


def character_problem(text: str) -> str | None:
    """Return what is wrong with ``text``: the first character of each kind no text may
    hold (an override, a control, an invisible tag), or None. All kinds at once: fixed
    one by one, each run of check told of one more."""
    found = []
    if override := BIDI_OVERRIDES.search(text):
        found.append(f"a direction override (U+{ord(override[0]):04X}); expected a direction "
                     "mark (U+200E, U+200F) or isolate (U+2066 to U+2069), or "
                     "`[passage]{lang=ar}`")
    if control := CONTROLS.search(text):
        found.append(f"a control character (U+{ord(control[0]):04X}); expected text")
    if invisible := INVISIBLE.search(text):
        found.append(f"an invisible character (U+{ord(invisible[0]):04X}); expected text")
    return "; and ".join(found) or None


FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
"""Hangul fillers: letters to Unicode, blank to a reader."""


def has_words(text: str) -> bool:
    """Return whether ``text`` shows a reader a letter or a digit: a title of spaces, or of
    invisible or blank characters (U+200B, U+00AD, U+2800, U+3164 …), names nothing."""
    return any(c.isalnum() and c not in FILLERS for c in text)
