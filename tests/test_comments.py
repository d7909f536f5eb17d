"""Comments ledger and re-anchoring: generated paragraphs, quotes and rewordings (no build)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import markupsafe
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from compendium.errors import CompendiumError, InvalidInput
from compendium.html.text import make_markdown, render_body
from compendium.records.comments import (
    CONTEXT_CHARS,
    MAX_EXPORT_BYTES,
    MAX_QUOTE_CHARS,
    OPEN,
    RESOLVED,
    Comment,
    Quote,
    merge,
    place,
    read_exports,
    read_ledger,
    report,
    resolve,
    with_comments_shown,
    write_ledger,
)
from tests.conftest import ROOT, copy_project, run_cli

VOCABULARY = ("women girls violence court police shelter survey law health school training "
              "justice data report network media village city region nation victim service "
              "centre case study plan policy fund project campaign radio film poster teacher "
              "nurse judge lawyer")
WORD = st.sampled_from(VOCABULARY.split())
PARAGRAPH = st.lists(WORD, min_size=12, max_size=24, unique=True).map(" ".join)


def bigrams(text: str) -> set[tuple[str, str]]:
    """Return the pairs of adjacent words of ``text``."""
    words = text.split()
    return set(itertools.pairwise(words))


def body_html(paragraphs: list[str], record_id: str = "r1") -> str:
    """Return the safe HTML a record with these paragraphs renders to."""
    return render_body(make_markdown(), "\n\n".join(paragraphs), record_id, 4)


def comment_on(paragraphs: list[str], index: int, start: int, length: int) -> Comment:
    """Return a comment quoting ``length`` words of paragraph ``index`` from word ``start``."""
    words = paragraphs[index].split()
    return Comment(id="c1", record="r1", anchor=f"r1-p{index + 1}",
                   quote=Quote(" ".join(words[start:start + length]),
                               " ".join(words[max(0, start - 3):start]),
                               " ".join(words[start + length:start + length + 3])),
                   text="Please check.")


@given(st.lists(PARAGRAPH, min_size=1, max_size=5, unique=True), st.data())
def test_a_comment_follows_its_paragraph_when_text_is_inserted_and_reworded(
        paragraphs: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(paragraphs) - 1))
    start = data.draw(st.integers(0, 5))
    comment = comment_on(paragraphs, index, start, 6)
    # One word in six of the quote reworded, and a new paragraph put above everything.
    words = paragraphs[index].split()
    words[start + 2] = "REWORDED"
    edited = [*paragraphs]
    edited[index] = " ".join(words)
    # The quote's words, in their order, are not in another paragraph (else it is ambiguous).
    assume(not any(bigrams(comment.quote.exact) & bigrams(other)
                   for n, other in enumerate(paragraphs) if n != index))
    new_paragraphs = ["A new paragraph first.", *edited]
    found = place([comment], {"r1": body_html(new_paragraphs)})[0]
    assert found.anchor == f"r1-p{index + 2}" and found.moved


@given(st.lists(PARAGRAPH, min_size=2, max_size=4, unique=True), st.data())
def test_a_comment_whose_words_are_gone_is_orphaned_not_dropped(
        paragraphs: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(paragraphs) - 1))
    comment = comment_on(paragraphs, index, 0, 6)
    others = ["Entirely different text here about other things." for _ in paragraphs]
    placed = place([comment], {"r1": body_html(others)})
    assert [p.is_orphan for p in placed] == [True]
    assert place([comment], {})[0].is_orphan  # the record is gone
    assert with_comments_shown({"r1": "<p>x</p>"}, placed) == {"r1": "<p>x</p>"}


def test_a_placed_comment_is_shown_after_its_paragraph_or_inside_its_list_item() -> None:
    body = body_html(["First paragraph words here.", "- item one words\n- item two words"])
    on_item = Comment("c2", "r1", "r1-p2-2", Quote("item two"), "On <the> item")
    on_para = Comment("c3", "r1", "r1-p1", Quote("paragraph words"), "On the paragraph")
    shown = with_comments_shown({"r1": body}, place([on_item, on_para], {"r1": body}))["r1"]
    assert '<mark class="comment-quote">paragraph words</mark> here. <span class="comment' in shown
    assert 'two</mark> words <span class="comment' in shown and "On &lt;the&gt; item" in shown
    assert shown.index('id="comment-c2"') < shown.index("</li>\n</ul>")


def tags_of(html: str) -> list[str]:
    """Return the tags of ``html`` (attributes included) but the quote's marks."""
    return [tag for tag in re.findall(r"<[^>]*>", html) if "comment-quote" not in tag
            and tag != "</mark>"]


@given(st.sampled_from([
    "https://www.un.org/en", "the report", "title", "report", "class", "href", "amp; data",
    "p1", "www.un.org", "nowrap"]), st.sampled_from([0, 1]))
def test_a_quote_is_marked_in_the_text_never_inside_a_tag(quote: str, where: int) -> None:
    """A reviewer who selects an address, or words that are also a link's title or an
    attribute's value, gets them marked in the text; the markup stays as it was."""
    text = ['See https://www.un.org/en for data & facts, and [the report]'
            '(https://example.org/report "the report title").',
            'Text about the report title and the class of data & amp; href p1 nowrap.'][where]
    body = body_html([text])
    comment = Comment("c1", "r1", "r1-p1", Quote(quote), "?")
    shown = with_comments_shown({"r1": body}, place([comment], {"r1": body}))["r1"]
    assert tags_of(shown.replace(comment_html_of(shown), "")) == tags_of(body)
    marked = re.findall(r'<mark class="comment-quote">(.*?)</mark>', shown)
    assert marked in ([], [str(markupsafe.escape(quote))])
    if where == 0 and quote in ("the report", "https://www.un.org/en"):
        assert marked  # the words stand in the text: marked there


def comment_html_of(shown: str) -> str:
    """Return the comment's note in ``shown`` (its tags are the only ones added), if any."""
    found = re.search(r' <span class="comment comment-ledger".*?</span></span>', shown)
    return found[0] if found else "\0"


def exported(tmp_path: Path, name: str, comments: list[dict[str, object]]) -> Path:
    """Write a reviewer's export file and return its path."""
    path = tmp_path / name
    path.write_text(json.dumps({"format": "compendium-comments/1", "draft": "git abc",
                                "comments": comments}), encoding="utf-8")
    return path


ONE = {"id": "a1", "record": "r1", "anchor": "r1-p1", "text": "Why?",
       "quote": {"type": "TextQuoteSelector", "exact": "x", "prefix": "", "suffix": ""}}


def test_merging_twice_adds_nothing_and_a_resolved_comment_stays_resolved(
        tmp_path: Path) -> None:
    ledger_file = tmp_path / "comments.json"
    first = read_exports([exported(tmp_path, "a.json", [ONE])])
    ledger, added = merge(read_ledger(ledger_file), first)
    assert added == 1
    ledger = resolve(ledger, ["a"])
    write_ledger(ledger_file, ledger)
    again, added = merge(read_ledger(ledger_file), first)
    assert added == 0 and [c.status for c in again] == [RESOLVED]
    assert report(again) == ["r1: 0 open, 1 resolved",
                             "  a1 [resolved] reviewer at #r1-p1 on “x”: Why?"]
    with pytest.raises(CompendiumError, match="--resolve zz: no comment"):
        resolve(again, ["zz"])
    assert place(again, {"r1": "<p id=\"r1-p1\">x</p>"}) == ()  # resolved: not shown
    assert Comment("b", "r", "r", Quote(""), "t").status == OPEN


def test_a_bad_export_is_reported_with_its_file_and_entry(tmp_path: Path) -> None:
    bad = exported(tmp_path, "bad.json", [ONE, {**ONE, "id": "a b\"<"}, {"record": "r2"}])
    (tmp_path / "not.json").write_text("{", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_exports([bad, tmp_path / "not.json"])
    lines = [str(p) for p in caught.value.problems]
    assert lines[0].startswith(f"{bad}: r1: comments[1]: unreadable (id `a b\"<` is not")
    assert lines[1].startswith(f"{bad}: r2: comments[2]: unreadable (")
    assert lines[2].startswith(f"{tmp_path / 'not.json'}: not a comments file")


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom", "huge"])
def test_a_comments_file_without_end_or_too_large_is_refused_at_once(
        tmp_path: Path, source: str) -> None:
    path = Path(source)
    if source == "huge":
        path = tmp_path / "huge.json"
        path.write_text('{"format": "compendium-comments/1", "comments": [], "pad": "'
                        + "x" * (MAX_EXPORT_BYTES + 10) + '"}', encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_exports([path])
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{path}: not a comments file (")


def test_a_long_quote_is_kept_to_its_first_characters(tmp_path: Path) -> None:
    long = {**ONE, "quote": {"exact": "word " * 3000, "prefix": "p" * 5000,
                             "suffix": "s" * 5000}}
    comment = read_exports([exported(tmp_path, "long.json", [long])])[0]
    assert len(comment.quote.exact) == MAX_QUOTE_CHARS
    assert len(comment.quote.prefix) == len(comment.quote.suffix) == CONTEXT_CHARS


def test_a_comments_file_nested_past_the_stack_is_refused_not_a_traceback(
        tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"format":' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_exports([deep])
    assert str(caught.value.problems[0]) == (
        f"{deep}: not a comments file (nested too deep); expected the file the draft's "
        "Export comments gives")
    with pytest.raises(CompendiumError, match="nested too deep"):
        read_ledger(deep)


@pytest.mark.parametrize("field", ["text", "author", "record", "quote"])
def test_a_lone_surrogate_in_a_comments_file_is_a_problem_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str) -> None:
    """JSON reads ``\\ud800``, which no UTF-8 holds: writing the ledger raised
    UnicodeEncodeError; in a ledger, `check` said ok and `build` raised."""
    project = copy_project(tmp_path / "project", ROOT / "sources")
    entry = {"id": "a1", "record": "iom-profile", "anchor": "iom-profile",
             "quote": {"exact": ""}, "text": "A comment.", "author": "x"}
    if field == "quote":
        entry["quote"] = {"exact": "bad \\ud800"}
    else:
        entry[field] = f"bad \\ud800 {entry[field]}"
    raw = json.dumps({"format": "compendium-comments/1", "comments": [entry]})
    export = tmp_path / "export.json"
    export.write_text(raw.replace("\\\\ud800", "\\ud800"), encoding="utf-8")
    assert run_cli(project, "comments", str(export)) == 1
    err = capsys.readouterr().err
    assert "character U+D800 is not text" in err and "Traceback" not in err
    ledger = project / "sources" / "comments.json"
    ledger.write_text(raw.replace("compendium-comments/1", "compendium-comments-ledger/1")
                      .replace("\\\\ud800", "\\ud800"), encoding="utf-8")
    assert run_cli(project, "check") == 1
    assert "not a comments ledger" in capsys.readouterr().err
