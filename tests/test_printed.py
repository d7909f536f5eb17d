"""Every word of a record's text prints (records/printed.py): Markdown drops some text without
a word, and check must say so at its line; text that prints, however it is marked up, is no
problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from compendium.html.text import make_markdown, render_body
from compendium.records.printed import lost_words
from tests.conftest import RecordFactory, run_cli

# (what Markdown drops, the text around a marker word that must be reported)
DROPPED = {
    "link definition no text uses": "Text.\n\n[1]: https://www.iom.int/MARKER-report.pdf",
    "titled link definition": "Text.\n\n[ref]: https://example.org/ \"MARKER title\"",
    "footnote never cited": "Text.\n\n[^orphan]: Unreferenced MARKER note.",
    "footnote defined twice": "Uses[^d] it.\n\n[^d]: First MARKER.\n\n[^d]: Second one.",
    "table cell past the header's": "| A | B |\n|---|---|\n| 1 | 2 | MARKER cell |",
    "code fence's label": "Text.\n\n~~~ Key results MARKER ~~~\n\nMore text.",
    "code fence's capitalised label": "Text.\n\n```MARKER\ncode\n```",
    "link's title": 'See [UN Women](https://www.unwomen.org "Founded MARKER").',
    "passage's other attribute": 'The [UN Women]{lang=en title="MARKER words"} office.',
    "cell hidden by an address": "See [the study](https://www.un.org/violence-against).\n\n"
                                 "| Country |\n|---|\n| Kenya | violence against MARKER |",
    "link definition in a quotation": "> Text.\n>\n> [r]: https://www.un.org/MARKER",
}
PRINTED = {
    "link and its address": "A [link](https://example.org/a_b) here.",
    "link by reference in a quotation": "> See [the site].\n>\n> [the site]: https://www.un.org",
    "address not in ASCII": "A [link][r].\n\n[r]: https://example.org/café/résumé",
    "address with a space": "A [link][r].\n\n[r]: <https://example.org/a b>",
    "query string": "See https://www.un.org/search?q=violence&region=africa&sector=health now.",
    "ampersand glued to words": "Policies&regulations and &notices were reviewed.",
    "reference in code": "Write `Caf&eacute;` in old pages, and caf&eacute; as text.",
    "ordered list from three": "3. Third item\n4. Fourth item",
    "link by reference": "A [link][r] here.\n\n[r]: https://example.org/r",
    "footnote": "Uses[^1] a note.\n\n[^1]: The note itself.",
    "image": "An ![an old chart](https://example.org/x.png) here.",
    "passage in French": "The [texte en français]{lang=fr} here.",
    "ordered list": "1. one\n2. two\n10) ten",
    "emphasis inside words": "foo**bar**baz and snake_case and _stressed_ words",
    "entities": "Tom &amp; Jerry &copy; 2020 &#35;1",
    "code fence with its language": "```python\nprint('hello world')\n```",
    "bare address": "See www.un.org/women or https://example.org/x?y=1&z=2.",
    "table": "| Country | Cases |\n|:--|--:|\n| Chad | 12 |",
    "heading and quote": "### Results\n\n> Quoted words here.",
    "html shown as text": "A <b>bold</b> claim and a <!-- comment -->.",
    "unsafe link": "A [link](javascript:alert(1)) made text.",
}


@pytest.mark.parametrize("body", DROPPED.values(), ids=DROPPED)
def test_words_markdown_drops_are_named_at_their_line(body: str) -> None:
    rendered = render_body(make_markdown(), body, "r", 4)
    lost = lost_words(body, rendered)
    line = next(n for n, text in enumerate(body.split("\n")) if "MARKER" in text)
    assert any(n == line and "MARKER" in words for n, words in lost), lost


@pytest.mark.parametrize("body", PRINTED.values(), ids=PRINTED)
@pytest.mark.parametrize("around", ["{}", "Before.\n\n{}\n\nAfter.", "- item\n\n{}"])
def test_text_that_prints_however_marked_up_is_no_problem(body: str, around: str) -> None:
    text = around.format(body)
    assert lost_words(text, render_body(make_markdown(), text, "r", 4)) == ()


def test_check_names_every_record_and_line_that_prints_nothing(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """All in one run, each at its line of its file; the build refuses them too."""
    files = [make_record(id=f"dropped-{n}", body=body) for n, body in enumerate(DROPPED.values())]
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    for n, path in enumerate(files):
        line = 1 + next(i for i, text in enumerate(path.read_text().split("\n"))
                        if "MARKER" in text)
        assert f"dropped-{n}.md:{line}: dropped-{n}: body: " in err, (n, err)
    assert err.count("would print nowhere") == len(DROPPED)
    assert run_cli(project, "build", "--format", "html") == 1
    assert "would print nowhere" in capsys.readouterr().err
