"""Record bodies nested under the chapter's headings in the Markdown files (markdown.py
nest_headings): ATX headings pushed down, code left as written."""

from __future__ import annotations

import pytest

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
