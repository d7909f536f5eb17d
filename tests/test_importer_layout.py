"""Profile field labels on a raw page's line (importer/layout.py split_label): alone, before
a colon, glued to the sentence before or to the value after."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.importer.layout import split_label

LABELLED = [
    # (line, whether inside a profile, (text before, field, text after))
    ("Background", False, ("", "background", "")),
    ("Background:", False, ("", "background", "")),
    ("resources", False, ("", "resources", "")),
    ("Address / Websites", False, ("", "address", "")),
    ("Background: The agency was founded in 1951.", False,
     ("", "background", "The agency was founded in 1951.")),
    ("Mail Address: 17 route des Morillons", False,
     ("", "mail_address", "17 route des Morillons")),
    ("Item ID: 5f3c", False, ("", "item_id", "5f3c")),
    ("Contexte : texte", False, ("", "background", "texte")),
    # Glued to the end of the sentence before.
    ("The programme ended in 2019.Resources", False,
     ("The programme ended in 2019.", "resources", "")),
    ("Work ended (2019). Title", False, ("Work ended (2019).", "title", "")),
    # Glued to the start of its value: a capital, a digit or a brace follows.
    ("BackgroundThe agency was founded in 1951.", False,
     ("", "background", "The agency was founded in 1951.")),
    ("Resources2019 annual report", False, ("", "resources", "2019 annual report")),
    ("Icon{logo}", False, ("", "icon", "{logo}")),
    # The longest label is read: "Websites", not "Website" and a stray "s".
    ("Address/WebsitesUN House, Geneva", False, ("", "address", "UN House, Geneva")),
    ("Areas of WorkEducation", False, ("", "areas_of_work", "Education")),
    # A label then a space and its value: only inside a profile.
    ("Title Regional Office", True, ("", "title", "Regional Office")),
    ("Title Regional Office", False, ("Title Regional Office", None, "")),
    # Not labels.
    ("Resources are scarce in the region.", True,
     ("Resources are scarce in the region.", None, "")),
    ("The programme endedResources", False, ("The programme endedResources", None, "")),
    ("See the Title", False, ("See the Title", None, "")),
    ("background information on the region", False,
     ("background information on the region", None, "")),
    ("", False, ("", None, "")),
]


@pytest.mark.parametrize(("line", "in_profile", "split"), LABELLED)
def test_a_label_is_found_where_the_page_puts_it(line: str, in_profile: bool,
                                                  split: tuple[str, str | None, str]) -> None:
    assert split_label(line, in_profile) == split


@pytest.mark.parametrize("start", ["1. ", "12. ", "3) ", "# ", "### ", "> ", "+ ", "= ", "* ",
                                   "1.", "Plain ", "`code` ", "**bold** ", "_x_ "])
def test_a_paragraph_written_by_the_importer_reads_back_as_the_same_text(start: str) -> None:
    """Whatever a page's paragraph starts with, its record shows it as written: no list,
    heading or quote made of it, and no backslash printed (CommonMark escapes punctuation
    only: "\\1." shows its backslash)."""
    from markdown_it import MarkdownIt

    from compendium.importer.records import escape

    text = f"{start}The ILO report on care work (2018) was launched in 45 countries."
    tokens = MarkdownIt("commonmark").parse(escape(text))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    inline = tokens[1].children or []
    assert "".join(c.content for c in inline if c.type in ("text", "code_inline")) == text


MARKDOWN_PIECES = ["-", "+", "*", "#", "###", ">", "=", "==", "---", "~~~", "```", "|", ":",
                   "::::", "[x]:", "[^1]", "[^1]:", "[a](b)", "![i](j)", "{lang=fr}", "&amp;",
                   "&#35;", "<b>", "\\", "_", "__x__", "`", "1.", "2)", "0)", "!", "(", ")",
                   "https://www.un.org/a_b?x=1&y=2", "www.un.org", "a@b.org", "UNODC", "text",
                   "(2018)", "—", "é"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(MARKDOWN_PIECES), st.sampled_from(["", " "])),
                min_size=1, max_size=8))
def test_any_paragraph_the_importer_writes_prints_as_written(
        pieces: list[tuple[str, str]]) -> None:
    """A page's paragraph, whatever it holds, prints as one paragraph of the same text: a
    line of "~~~ Key results ~~~" became a code block, its words lost."""
    from compendium.html.text import make_markdown, render_body
    from compendium.importer.records import escape

    text = " ".join("".join(p + s for p, s in pieces).split())
    rendered = render_body(make_markdown(), escape(text), "x", 4)
    assert rendered.startswith('<p id="x-p1">') and rendered.count("<p ") == 1, rendered
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert _untypeset(" ".join(shown.split())) == _untypeset(text), (escape(text), rendered)


def _untypeset(text: str) -> str:
    """Return ``text`` with the print's typography undone (html/text.py: curled quotes, en
    dashes for a spaced hyphen or a range of years), to compare what was written."""
    straight = text.translate(str.maketrans("\u2018\u2019\u201c\u201d\u2013", "''\"\"-"))
    return re.sub(r" ?- ?", "-", straight)
