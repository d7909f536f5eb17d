"""Record bodies nested under the chapter's headings in the Markdown files (markdown.py
nest_headings): ATX headings pushed down, code left as written; and how record text prints
(html/text.py): quotes curled, addresses and code as written."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.chapter_markdown import nest_headings

NOT_NESTED = "nest_headings knows only ATX headings at the very start of a line"

NESTED = [
    # (body, levels down, the body nested)
    ("# Title", 1, "## Title"),
    ("## A\ntext\n### B", 3, "##### A\ntext\n###### B"),
    ("#### Deep\n##### Deeper", 3, "###### Deep\n###### Deeper"),
    ("###### Six", 1, "###### Six"),
    ("# Title", 0, "# Title"),
    ("#\tTab", 1, "##\tTab"),
    ("#hashtag\ntext # not a heading\n####### seven is no heading", 2,
     "#hashtag\ntext # not a heading\n####### seven is no heading"),
    ("", 3, ""),
    # Code is left as written, whatever its fence.
    ("```\n# comment\n```\n# After", 1, "```\n# comment\n```\n## After"),
    ("~~~\n# comment\n~~~\n# After", 1, "~~~\n# comment\n~~~\n## After"),
    ("```python\n# comment\n```\n# After", 1, "```python\n# comment\n```\n## After"),
    ("   ```\n# comment\n   ```\n# After", 1, "   ```\n# comment\n   ```\n## After"),
    # A fence closes only on its own character, at least as many, with nothing after.
    ("~~~\n```\n# comment\n~~~\n# After", 1, "~~~\n```\n# comment\n~~~\n## After"),
    ("````\n```\n# comment\n````\n# After", 1, "````\n```\n# comment\n````\n## After"),
    ("```\n```python\n# comment\n```\n# After", 1, "```\n```python\n# comment\n```\n## After"),
    ("```\n# comment", 1, "```\n# comment"),  # a fence never closed runs to the end
    pytest.param("   # Indented", 1, "   ## Indented", id="indented-atx",
                 marks=pytest.mark.xfail(strict=True, reason=NOT_NESTED)),
    pytest.param("Title\n=====", 1, "## Title", id="setext",
                 marks=pytest.mark.xfail(strict=True, reason=NOT_NESTED)),
]


@pytest.mark.parametrize(("body", "depth", "nested"), NESTED)
def test_headings_go_down_and_code_stays(body: str, depth: int, nested: str) -> None:
    assert nest_headings(body, depth) == nested


@pytest.mark.parametrize("start", [2, 3, 10, 999])
def test_an_ordered_list_keeps_its_first_number(start: int) -> None:
    """'3. Third item' printed as '1. Third item': the sanitizer dropped the list's start."""
    from compendium.html.text import make_markdown, render_body

    rendered = render_body(make_markdown(), f"{start}. An item\n{start + 1}. Another", "r", 4)
    assert f'<ol start="{start}"' in rendered, rendered


@pytest.mark.parametrize("address", ["https://www.iom.int/docs/Gender%20Report%202015.pdf",
                                     "<https://example.org/a%2Fb%C3%A9>",
                                     "https://example.org/search?q=a%26b"])
def test_an_address_prints_as_written(address: str) -> None:
    """markdown-it decoded '%20' in an address shown as text: the PDF broke it at a space
    that is not in the address, which could then not be typed back."""
    from compendium.html.text import make_markdown, render_body

    rendered = render_body(make_markdown(), f"See {address} now.", "r", 4)
    shown = address.strip("<>")
    assert f">{shown}</a>" in rendered.replace("&amp;", "&"), rendered


_WORD = st.text(alphabet="abcdefgh'\"", min_size=1, max_size=8)


@given(words=st.lists(_WORD, min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_quotes_print_curled_and_nothing_else_changes(words: list[str]) -> None:
    """Records mix the inventory's curly quotes with straight ones typed by editors: the
    printed text has only curly ones, and is otherwise the text as written."""
    from compendium.html.text import make_markdown, render_body

    text = " ".join(words)
    rendered = render_body(make_markdown(), text, "r", 4)
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    assert "'" not in shown and '"' not in shown, rendered
    assert shown.translate(_STRAIGHTENED) == text, rendered


_STRAIGHTENED = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")


@pytest.mark.parametrize("body", ["See http://x.org/it's now.", 'See <http://y.org/a"b> now.',
                                  "See www.z.org/a'b now.", "Run `it's \"raw\"` now."])
def test_quotes_of_an_address_or_code_stay_straight(body: str) -> None:
    """A curled quote in an address shown as itself, or in code, could not be typed back."""
    from compendium.html.text import make_markdown, render_body

    rendered = html.unescape(render_body(make_markdown(), body, "r", 4))
    assert "\u2019" not in rendered and "\u201c" not in rendered, rendered


DASHES = [("During its first phase (2017- 2023), it grew.", "(2017\u20132023)"),
          ("The 2021-2025 roadmap", "2021\u20132025 roadmap"),
          ("in 1998 - 2001 only", "1998\u20132001 only"),
          ("Global Report - Mapping", "Report \u2013 Mapping"),
          ("Sales No. 978-92-1-2019-2020 here", "978-92-1-2019-2020"),
          ("a range 2019-20201 of codes", "2019-20201"),
          ("See http://x.org/2021-2025 now", "http://x.org/2021-2025"),
          ("Run `2021-2025` now", "2021-2025"),
          ("well-known post-2015 agenda", "well-known post-2015")]


@pytest.mark.parametrize(("body", "printed"), DASHES)
def test_a_range_of_years_and_a_spaced_hyphen_print_as_dashes(body: str, printed: str) -> None:
    """A designer's review: "(2017- 2023)", "2021-2025" and "Report - Mapping" are set
    with an en dash in print; codes, addresses and compounds keep their hyphens."""
    from compendium.html.text import make_markdown, render_body

    rendered = re.sub(r"<[^>]+>", "", render_body(make_markdown(), body, "r", 4))
    assert printed in rendered, rendered


HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<!--", "</div>",
           "[js](javascript:alert(4))", "[d](data:text/html,x)", "[f](<file:///etc/passwd>)",
           "```", "~~~~", "`<b>` code", "note[^1]", "[^1]: a note", "<https://un.org>",
           "plain words", "\n", "\n\n", "    indented <i>", "> <em>quoted</em>"]


@given(fragments=st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=12))
@settings(max_examples=300, deadline=None)
def test_a_record_in_a_chapters_markdown_cannot_reach_past_itself(fragments: list[str]) -> None:
    """An attack: in out/chapters/*.md one record's open fence turned the rest of its
    chapter into code, two records' `[^1]` made one note, and `<script>` went in as markup.
    Read as GitHub would (raw HTML allowed), the record after it keeps its heading and its
    own note, and no markup or unsafe link comes of the text."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    from compendium.chapter_markdown import contained

    body = " ".join(fragments)
    after = "### 2 The next entry\n\nIts text, with a note[^1].\n\n[^1]: Its own note."
    chapter = (f"### 1 An entry\n\n{contained(body, 'first')}\n\n"
               f"{contained(after.split(chr(10), 2)[2], 'second')}")
    chapter = chapter.replace("Its text", "### 2 The next entry\n\nIts text", 1)
    rendered = MarkdownIt("commonmark").use(footnote_plugin).render(chapter)
    assert "<h3>2 The next entry</h3>" in rendered, rendered
    assert "Its own note." in rendered and rendered.count("Its own note.") == 1
    for markup in ("<script", "<img", "<!--", "</div>", "<i>", "<em>quoted", 'href="javascript',
                   'href="data', 'href="file'):
        assert markup not in rendered, (markup, rendered)
