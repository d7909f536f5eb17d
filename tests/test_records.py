"""Records an editor writes by hand: provenance, rounds, drafts and notes, Markdown, images,
languages and scripts, skeletons. Pure rules first, then real builds read back."""

from __future__ import annotations

import base64
import datetime
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.fonts import unprintable
from compendium.html.text import make_markdown, render_body
from compendium.model import PROVENANCE_KINDS, Problem
from compendium.records.config import load_edition
from compendium.records.sources import NOTE, RecordFile
from compendium.records.validate import SKELETON_TEXTS, nesting_problems, provenance_problems
from compendium.records.yamldoc import YamlMapping
from tests.conftest import ROOT, RecordFactory, pdf_text, run_cli

TODAY = datetime.date(2026, 12, 1)
EMAIL = {"kind": "e-mail", "note": "Jane Doe, IOM Geneva, reply to the call", "date": "2025-03-04"}


# --- provenance -------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "message"), [
    ({"note": "TODO"}, "note `TODO` says nothing"),
    ({"note": " ... "}, "note ` ... ` says nothing"),
    ({"note": ""}, "note `` says nothing"),
    ({"kind": "emial"}, "kind `emial` is not a kind of source; did you mean `e-mail`?"),
    ({"kind": "telepathy"}, "kind `telepathy` is not a kind of source; expected one of"),
    ({"date": "2031-01-01"}, "date 2031-01-01 is not between 1990-01-01 and today"),
    ({"date": "last spring"}, "date `last spring` is not a date"),
    ({"date": "2025-02-30"}, "date `2025-02-30` is not a date"),
    ({"from": "x"}, "unknown key `from`"),
])
def test_an_empty_or_made_up_provenance_is_refused(change: dict[str, str], message: str) -> None:
    found = provenance_problems({**EMAIL, **change}, TODAY)
    assert len(found) == 1 and found[0].startswith(message), found


@settings(max_examples=50, deadline=None)
@given(kind=st.sampled_from(PROVENANCE_KINDS),
       note=st.text(alphabet=st.characters(categories=("L", "N", "Zs", "P")), min_size=8)
       .filter(lambda n: len(n.strip()) > 4 and any(c.isalpha() for c in n)),
       day=st.dates(datetime.date(1990, 1, 1), TODAY))
def test_every_stated_provenance_is_accepted(kind: str, note: str, day: datetime.date) -> None:
    assert provenance_problems({"kind": kind, "note": note, "date": day}, TODAY) == []


def problems_of(project: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Run `check`; return its problem lines (it must fail without a traceback)."""
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if not line.endswith("problem(s).")]


def test_sources_must_name_lines_of_a_raw_page_the_project_has(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    make_record(id="empty", sources=[])
    make_record(id="made-up", sources=[{"page": "000_made_up.txt", "lines": "1-2"}])
    make_record(id="past-end", sources=[{"page": "000_d693a286f112ada1.txt",
                                         "lines": "1-99999"}])
    make_record(id="neither", sources=None)
    lines = len((project / "sources" / "raw" / "000_d693a286f112ada1.txt").read_text()
                .split("\n"))
    assert problems_of(project, capsys) == [
        "sources/empty.md:5: empty: sources: empty; expected at least one {page: FILE, "
        "lines: \"A-B\"} of a raw page, or a `provenance:` for a record written by hand",
        "sources/neither.md:2: neither: provenance: missing; expected `sources:` (raw pages "
        "the record was imported from) or `provenance: {kind: e-mail, note: who sent it, "
        "date: YYYY-MM-DD}`",
        "sources/made-up.md:5: made-up: sources: page `000_made_up.txt` is not in "
        "sources/raw/; expected the file name of a raw page, or a `provenance:` for a record "
        "written by hand",
        "sources/past-end.md:5: past-end: sources: lines `1-99999` are not in "
        f"000_d693a286f112ada1.txt ({lines} lines); expected a range such as \"1-3\"",
    ]


@pytest.mark.parametrize(("kind", "field", "other"), [
    ("activity", "name", "profile"), ("activity", "mail_address", "profile"),
    ("activity", "address", "profile"), ("profile", "title", "activity")])
def test_a_field_only_the_other_kind_shows_is_a_problem(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        kind: str, field: str, other: str) -> None:
    """An attack: an activity's `address` or a profile's `title` was accepted and shown in
    no output."""
    extra = {"name": "The Entity's Name"} if kind == "profile" else {}
    make_record(id="misplaced", kind=kind, **extra, **{field: "Written here"})
    found = problems_of(project, capsys)
    assert len(found) == 1 and found[0].startswith("sources/misplaced.md:") and \
        found[0].endswith(f": misplaced: {field}: only a record of kind {other} shows it; "
                          f"expected it in the text of this {kind}, or the field deleted"), found


@pytest.mark.parametrize("lines", ["2–4", "1,3-5", "2 to 4", "2..4", "²-3", "٢-٤", "3-",
                                   "-3", "1-2-3", " ", "4-2"])
def test_a_line_range_not_written_a_b_is_a_problem_not_a_crash(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        lines: str) -> None:
    make_record(id="odd-range", sources=[{"page": "000_d693a286f112ada1.txt", "lines": lines}])
    make_record(id="no-page", sources=None)  # reported in the same run
    found = problems_of(project, capsys)
    assert any(line.startswith("sources/odd-range.md:5: odd-range: sources: lines `")
               for line in found), found
    assert any(line.startswith("sources/no-page.md:") for line in found), found


@pytest.mark.slow
def test_the_annex_lists_hand_written_records_with_their_provenance(
        project: Path, make_record: RecordFactory) -> None:
    make_record(id="imported", body="Imported from a page.")
    make_record(id="written", body="Written from an e-mail.", sources=None, provenance=EMAIL)
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text()
    annex = html[html.index('id="annex-sources"'):]
    written = annex[annex.index("Records written from other sources"):]
    assert "E-mail, 2025-03-04: Jane Doe, IOM Geneva, reply to the call" in written
    by_page = annex[annex.index("by entry number:"):]
    assert "#written" not in by_page and "#imported" in by_page


# --- rounds, drafts, notes ----------------------------------------------------------------

@pytest.mark.slow
def test_undated_records_of_a_round_go_under_that_round(
        project: Path, make_record: RecordFactory) -> None:
    make_record(id="newest", period={"start": "2012-05"})
    make_record(id="of-2009", round=2009, body="A record of the 2009 round.")
    make_record(id="dated-2009", period={"start": "2009-03"})
    make_record(id="no-round", body="An undated record of no known round.")
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text()
    headings = re.findall(r'<h2 id="[a-z-]+--([a-z0-9-]+)-heading">([^<]+)</h2>', html)
    assert headings[:4] == [("undated", "Recent reporting rounds (undated)"),
                            ("2012", "2012"), ("round-2009", "Reporting round 2009"),
                            ("2009", "2009")]
    chapter = next((project / "out" / "chapters").glob("*.md")).read_text()
    assert re.search(r"## Reporting round 2009\n\n### [\d.]+\n\nA record of the 2009 round.",
                     chapter)


@pytest.mark.slow
def test_a_draft_record_is_marked_in_drafts_and_left_out_of_the_publication(
        project: Path, make_record: RecordFactory) -> None:
    make_record(id="ready", body="Ready to publish.")
    make_record(id="unfinished", body="Numbers still to confirm.", draft=True)
    assert run_cli(project, "build", "--format", "html") == 0
    draft = (project / "out" / "compendium.html").read_text()
    assert re.search(r'id="unfinished".*?<span class="draft-mark">Unfinished draft</span>',
                     draft, re.S)
    assert run_cli(project, "build", "--format", "html", "--publication") == 0
    published = (project / "out" / "compendium.html").read_text()
    assert "Numbers still to confirm" not in published and "Ready to publish" in published
    assert "Numbers still to confirm" not in (project / "out" /
                                              "compendium.manifest.json").read_text()


@pytest.mark.slow
def test_notes_beside_the_records_are_skipped_with_a_note(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(NOTE)
    make_record(id="real")
    sources = project / "sources"
    (sources / "README.md").write_text("---\nnot: a record\n---\nHow we work.\n")
    (sources / "_ideas.md").write_text("---\nid: broken\n")
    (sources / "call.notes.md").write_text("---\nid: [\n")
    (sources / "jotted.md").write_text("Call Jane about the numbers.\n")
    assert run_cli(project, "check") == 0
    assert "ok: 1 record in" in capsys.readouterr().out
    assert ("skipped sources/README.md, sources/_ideas.md, sources/call.notes.md, "
            "sources/jotted.md, not records") in caplog.text
    (sources / "lost-fence.md").write_text("id: lost\nkind: activity\n")  # a record, broken
    assert problems_of(project, capsys) == [
        "sources/lost-fence.md:1: no front matter; expected the file to start with a `---` "
        "line"]


def test_paper_size_in_any_case(tmp_path: Path) -> None:
    config = tmp_path / "compendium.yml"
    text = (ROOT / "compendium.yml").read_text()
    for name in ("entities.yml", "glossary.yml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    shutil.copytree(ROOT / "front", tmp_path / "front")  # the front matter it names
    config.write_text(re.sub(r"(?m)^paper:.*$", "", text) + "\npaper: a4\n")
    assert load_edition(config).paper == "A4"
    config.write_text(re.sub(r"(?m)^paper:.*$", "", text) + "\npaper: LETTER\n")
    assert load_edition(config).paper == "letter"


def test_a_problem_names_only_what_is_known() -> None:
    assert str(Problem("sources/x.md", 0, "-", "-", "empty file")) == "sources/x.md: empty file"
    assert str(Problem("a.md", 3, "r1", "id", "bad")) == "a.md:3: r1: id: bad"


# --- Markdown -------------------------------------------------------------------------------

def test_markdown_an_editor_expects() -> None:
    md = make_markdown()
    text = ("Results[^1] at https://www.un.org/en and [a site](https://example.org) "
            "<https://www.who.int/>.\n\n"
            "| Country | Cases |\n|:--|--:|\n| Kenya | 1,204 |\n\n"
            "Said [en français]{lang=fr}, [بالعربية]{lang=ar} and [x]{onclick=alert(1)} "
            "<b>bold</b>.\n\n[^1]: The note.\n")
    one, two = render_body(md, text, "one", 4), render_body(md, text, "two", 4)
    assert '<a href="#fn-one-1" id="fnref-one-1">[1]</a>' in one
    assert '<li id="fn-one-1" class="footnote-item"><p>The note.' in one
    assert not set(re.findall(r'id="([^"]+)"', one)) & set(re.findall(r'id="([^"]+)"', two))
    assert '<th style="text-align:left">Country</th>' in one
    assert '<td style="text-align:right">1,204</td>' in one
    assert '<a href="https://www.un.org/en" class="bare-link">https://www.un.org/en</a>' in one
    assert '<a href="https://example.org">a site</a>' in one
    assert '<a href="https://www.who.int/" class="bare-link">https://www.who.int/</a>' in one
    assert '<span lang="fr">en français</span>' in one
    assert '<span lang="ar" dir="rtl">بالعربية</span>' in one
    assert "onclick" not in one.replace("{onclick=alert(1)}", "")
    assert "&lt;b&gt;bold&lt;/b&gt;" in one


NESTED = {
    "emphasis": "*a " * 500 + "b" + " a*" * 500,
    "strong and emphasis": "**a _a " * 20 + "x" + " a_ a**" * 20,
    "emphasis in a quote in a list": "- > " + "*a " * 40 + "b" + " a*" * 40,
}
"""Markup nested past MAX_NESTING."""


@pytest.mark.parametrize("case", sorted(NESTED))
def test_markup_nested_past_any_honest_text_is_a_problem(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        case: str) -> None:
    make_record(id="deep", body="First line.\n\n" + NESTED[case])
    found = problems_of(project, capsys)
    assert len(found) == 1 and found[0].startswith("sources/deep.md:")
    assert "deep: body: markup nested " in found[0] and "expected at most 32" in found[0]


NESTINGS = {"quotes": lambda n: "> " * n + "Deepest words.",
            "lists": lambda n: "".join("  " * i + f"- item {i}\n" for i in range(n))
            + "  " * n + "- Deepest words.",
            "lists in quotes": lambda n: "> " * (n // 2) + "- " * (n - n // 2)
            + "Deepest words.",
            "ordered lists": lambda n: "1. " * n + "Deepest words.\n\nAfter them."}


@pytest.mark.parametrize("depth", [5, 9, 10, 15, 16, 17, 19, 20, 21, 33, 40, 70])
@pytest.mark.parametrize("kind", sorted(NESTINGS))
def test_nested_text_is_either_refused_by_check_or_printed_whole(kind: str,
                                                                 depth: int) -> None:
    """No depth of quotes or lists loses words silently: a list's items from its tenth
    level on, a quote's from its twentieth, went missing from the HTML and PDF (markdown-it
    stopped there) while check, parsing with the same limit, saw nothing."""
    body = "First line.\n\n" + NESTINGS[kind](depth)
    file = RecordFile(Path("deep.md"), YamlMapping({"id": "deep"}, {}, {}), body, 5, body)
    refused = nesting_problems([file])
    html = render_body(make_markdown(), body, "deep", 3)
    assert refused or "Deepest words." in html, (kind, depth)
    assert refused or depth <= 32


def test_markup_nested_as_text_does_nest_builds(
        project: Path, make_record: RecordFactory) -> None:
    make_record(id="honest", body="- a **list** with _emphasis_ and [a link](#x)\n"
                                  "  - inside > *it* ~~~\n\n> a quote with - + * _ chars\n"
                                  + "Marks: " + "* * * - - - " * 5)
    assert run_cli(project, "check") == 0


SVG_OUTSIDE = {
    "an address": ('<image href="http://127.0.0.1:8765/x.png" width="5" height="5"/>',
                   "http://127.0.0.1:8765/x.png"),
    "a file": ('<image xlink:href="file:///etc/hostname" width="5" height="5"/>',
               "file:///etc/hostname"),
    "a style import": ("<style>@import 'http://example.org/x.css';</style>",
                       '@import "http://example.org/x.css"'),
    "a style url": ('<rect style="fill: url(other.svg#p)" width="5" height="5"/>', "other.svg#p"),
    "a script": ("<script>alert(1)</script>", "<script>"),
    "a DOCTYPE": ("", "<!DOCTYPE"),
    "an import without a space": ('<style>@import"http://127.0.0.1:9/x.css";</style>',
                                  '@import "http://127.0.0.1:9/x.css"'),
    "an escaped url": ('<rect style="fill: u\\72l(http://example.org/p)" width="5"/>',
                       "http://example.org/p"),
    "an xml:base": ('<image xml:base="http://evil.example/a.png" href="#x"/>',
                    "http://evil.example/a.png"),
    "an SVG said to be a PNG": (
        '<image href="data:image/png;base64,' + base64.b64encode(
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://example.org/i"/>'
            b'</svg>').decode() + '"/>', "http://example.org/i"),
    "an SVG in BASE64": (
        '<image href="data:image/SVG+xml;BASE64 ,' + base64.b64encode(
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://example.org/j"/>'
            b'</svg>').decode() + '"/>', "http://example.org/j"),
    "elements nested past reason": ("<g>" * 150 + "</g>" * 150,
                                    "elements nested over 100 deep"),
    "an SVG inside it": (
        '<image href="data:image/svg+xml;base64,' + base64.b64encode(
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/hostname"/>'
            b'</svg>').decode() + '"/>', "file:///etc/hostname"),
}


@pytest.mark.parametrize("case", sorted(SVG_OUTSIDE))
def test_an_svg_that_refers_outside_itself_is_a_problem(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        case: str) -> None:
    inside, shown = SVG_OUTSIDE[case]
    doctype = '<!DOCTYPE svg [<!ENTITY a "aaaa">]>' if case == "a DOCTYPE" else ""
    (project / "images").mkdir()
    (project / "images" / "ext.svg").write_text(
        f'{doctype}<svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
        f'<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="5" height="5"/>'
        f'<use href="#g"/>{inside}</svg>', encoding="utf-8")
    make_record(id="pictured", body="![A drawing](images/ext.svg)")
    found = problems_of(project, capsys)
    assert [line.split(" expected an SVG")[0] for line in found] == [
        f"sources/pictured.md:9: pictured: body: image `images/ext.svg` refers to `{shown}`;"], \
        found


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "latin-1"])
@pytest.mark.parametrize("case", ["an address", "a file"])
def test_an_svg_not_in_utf8_is_a_problem_whatever_it_refers_to(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        encoding: str, case: str) -> None:
    """An SVG in UTF-16 linking to http:// and file:/// passed check (its links unseen) and
    a draft build only warned (an attack)."""
    inside = SVG_OUTSIDE[case][0]
    declared = encoding.split("-le")[0].upper()
    (project / "images").mkdir()
    (project / "images" / "ext.svg").write_bytes(
        (f'<?xml version="1.0" encoding="{declared}"?><svg xmlns="http://www.w3.org/2000/svg" '
         f'xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{inside}'
         '<text>caf\u00e9</text></svg>').encode(encoding))
    make_record(id="pictured", body="![A drawing](images/ext.svg)")
    assert problems_of(project, capsys) == [
        "sources/pictured.md:9: pictured: body: image `images/ext.svg` cannot be read as "
        "image/svg+xml; expected a whole SVG file in UTF-8"]


@pytest.mark.parametrize("override", ["\u202e", "\u202b", "\u202a"])
def test_a_direction_override_is_a_problem(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        override: str) -> None:
    """An unclosed override reverses what follows it beyond the record (the annex showed
    "8.2 MOI" for "IOM 2.8"); marks and isolates stay within their text and pass."""
    make_record(id="over", body=f"First line.\nA note{override} reversed.")
    make_record(id="marks", body="Arabic \u200fمصر\u200e and \u2067مصر\u2069 isolated.")
    found = problems_of(project, capsys)
    assert len(found) == 1 and found[0].startswith(
        f"sources/over.md:10: over: text: a direction override (U+{ord(override):04X})"), found


@pytest.mark.parametrize(("where", "code"), [
    ("body", 0x202E), ("body", 0x202B), ("title", 0x202E), ("title", 0x00), ("note", 0x1B),
    ("note", 0x202D), ("body", 0x0C), ("title", 0x0C)])
def test_an_override_or_control_written_as_an_escape_is_a_problem(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        where: str, code: int) -> None:
    """Refused as a character, an override came in as ``&#x202E;`` in the text or as a YAML
    escape in a quoted field (`check` passed) and reversed the see-also lists of other
    chapters; a NUL or ESC so written reached the HTML as bytes and the PDF as no glyph."""
    char = chr(code)
    fields: dict[str, object] = {"id": "escaped"}
    body = "Text."
    if where == "body":
        body = f"A note &#x{code:X}; reversed."
    elif where == "title":
        fields["title"] = f"A title{char}here"  # safe_dump writes it as "\\u202E"
    else:
        fields.update(sources=None, provenance={"kind": "e-mail", "note": f"Some{char}one",
                                                 "date": "2024-03-04"})
    path = make_record(body=body, **fields)
    assert char not in path.read_text(encoding="utf-8")  # written as an escape
    found = problems_of(project, capsys)
    kind = "a direction override" if code in range(0x202A, 0x202F) else "a control character"
    field = {"body": "text", "note": "provenance"}.get(where, where)
    assert len(found) == 1 and f"escaped: {field}: {kind} (U+{code:04X})" in found[0], found


STRANGE = {"a direction override": "\u202e", "a control character": "\x1b",
           "an invisible character": "\U000e0041"}


@pytest.mark.parametrize("title", [(), ("a direction override",), ("a control character",
                                                                     "an invisible character")])
@pytest.mark.parametrize("lines", [[("a direction override",), ("an invisible character",)],
                                   [("a direction override", "an invisible character")],
                                   [(), ("a control character", "a direction override")]])
def test_every_strange_character_of_a_record_is_told_in_one_run(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        title: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    """An override in the title and one in the body were told one run of check at a time,
    then an invisible tag character on the same line as the second."""
    fields: dict[str, object] = {"id": "strange"}
    if title:
        fields["title"] = "A " + "".join(STRANGE[k] for k in title) + " title"
    body = "\n".join(f"Line {n} " + "".join(STRANGE[k] for k in kinds) + " of text."
                     for n, kinds in enumerate(lines))
    make_record(body=body, **fields)
    found = problems_of(project, capsys)
    strange = [kinds for kinds in [title, *lines] if kinds]
    assert len(found) == len(strange), found  # one problem a line, at distinct lines
    assert len({problem.split(":")[1] for problem in found}) == len(found), found
    for kinds in strange:
        assert any(all(kind in problem for kind in kinds) for problem in found), (kinds, found)


def test_a_form_feed_in_a_text_is_named_not_a_traceback_of_the_word_edition(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """XML has no form feed: the Word edition stopped on one with a traceback, after check
    had passed it as white space."""
    make_record(id="fed", body="A body with a form\x0cfeed inside it, in Kenya.")
    found = problems_of(project, capsys)
    assert len(found) == 1 and "fed: text: a control character (U+000C)" in found[0], found
    assert run_cli(project, "build", "--format", "docx") == 1
    assert "Traceback" not in capsys.readouterr().err


def test_an_svg_drawing_with_its_own_references_only_is_fine(
        project: Path, make_record: RecordFactory) -> None:
    (project / "images").mkdir()
    (project / "images" / "own.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>'
        '<linearGradient id="g"/></defs><rect style="fill: url(#g)" width="5" height="5"/>'
        '<use href="#g"/><image href="data:image/png;base64,AAAA"/>'
        '<text>See the url(s) below; @import is a word here.</text></svg>', encoding="utf-8")
    make_record(id="pictured", body="![A drawing](images/own.svg)")
    assert run_cli(project, "check") == 0


def test_images_only_from_the_images_folder_with_alt_text(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "images").mkdir()
    (project / "images" / "chart.png").write_bytes(PNG)
    make_record(id="remote", body="Text.\n\n![A map](https://example.org/map.png)")
    make_record(id="outside", body="![A file](../secret.png)")
    make_record(id="no-alt", body="First line.\nThen ![](images/chart.png) here.")
    make_record(id="missing", body="![A chart](images/nothing.png)")
    (project / "images" / "broken.png").write_bytes(PNG[:40])
    make_record(id="broken", body="![A chart](images/broken.png)")
    assert problems_of(project, capsys) == [
        "sources/broken.md:9: broken: body: image `images/broken.png` cannot be read as "
        "image/png; expected a whole image file of the type its name says",
        "sources/missing.md:9: missing: body: image `images/nothing.png` not found in "
        f"{project}/images; expected the file",
        "sources/no-alt.md:10: no-alt: body: image `images/chart.png` has no alt text; "
        "expected ![what it shows](images/chart.png) for readers who cannot see it",
        "sources/outside.md:9: outside: body: image `../secret.png` is not a file of the "
        "project's images/ folder; expected images/NAME with one of .gif, .jpeg, .jpg, .png, "
        ".svg, .webp",
        "sources/remote.md:11: remote: body: image `https://example.org/map.png` is not a file "
        "of the project's images/ folder; expected images/NAME with one of .gif, .jpeg, .jpg, "
        ".png, .svg, .webp",
    ]


@pytest.mark.slow
def test_an_image_of_the_project_is_in_the_chapter_the_html_and_the_pdf_with_its_alt(
        project: Path, make_record: RecordFactory) -> None:
    (project / "images").mkdir()
    (project / "images" / "chart.png").write_bytes(PNG)
    make_record(id="pictured", body="Cases below.\n\n![Cases by year, rising](images/chart.png)")
    assert run_cli(project, "build", "--publication") == 0
    out = project / "out"
    chapter = "".join(p.read_text() for p in (out / "chapters").glob("*.md"))
    assert "![Cases by year, rising](images/chart.png)" in chapter
    assert (out / "chapters" / "images" / "chart.png").read_bytes() == PNG
    html = (out / "compendium.html").read_text()
    assert '<img src="data:image/png;base64,' in html and 'alt="Cases by year, rising"' in html
    figures = []

    def walk(node: Any) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == "/Figure":
                figures.append(str(node.get("/Alt")))
            if node.get("/K") is not None:
                walk(node.K)

    with pikepdf.open(out / "compendium.pdf") as pdf:
        walk(pdf.Root.StructTreeRoot.K)
        assert sum(len(page.get_images()) for page in pdf.pages) == 1
    assert "Cases by year, rising" in figures


PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
                       "hKmb6QAAAABJRU5ErkJggg==")
"""A 1 x 1 pixel PNG."""


# --- languages and scripts ----------------------------------------------------------------------

def test_unprintable_characters_are_named() -> None:
    assert unprintable("Viet Nam, Türkiye, Кыргызстан, Ελλάδα, مصر, ישראל, 中国") == ""
    assert unprintable("tamil தமிழ and 🙂\u200f") == "தமழி🙂"  # marks and U+200F need none


def test_a_character_one_kind_of_face_lacks_is_unprintable() -> None:
    """A record's body is set in serif, its heading in sans: a character the serif faces
    lack ("ŋ", in Source Sans only) would come from the machine's fonts, and is named."""
    from compendium import fonts

    def has(kind: str, code: int) -> bool:
        return any(code in fonts._code_points(f) for f in fonts.all_faces()
                   if ("Sans" in f.family) == (kind == "sans"))

    letters = [chr(c) for c in range(0x100, 0x800) if chr(c).isalpha()]
    one_kind = [c for c in letters if has("sans", ord(c)) != has("serif", ord(c))]
    both = [c for c in letters if has("sans", ord(c)) and has("serif", ord(c))]
    assert "ŋ" in one_kind and len(both) > 100
    assert unprintable("".join(one_kind)) == "".join(sorted(one_kind))
    assert unprintable("".join(both)) == ""


@pytest.mark.slow
def test_check_reports_unprintable_text_once_per_record_and_publication_stops(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    make_record(id="fine", body="A passage: [消除对妇女的暴力行为。]{lang=zh-Hans}")
    make_record(id="tamil", body="First line.\nதமிழ் and தமிழ் again 🙂.")
    assert run_cli(project, "check") == 0
    warnings = [r.getMessage() for r in caplog.records if "no font" in r.getMessage()]
    assert warnings == ["sources/tamil.md:10: tamil: text: no font of the compendium "
                        "can print த (U+0BA4), ம (U+0BAE), ழ (U+0BB4), ி (U+0BBF), 🙂 (U+1F642); "
                        "expected Latin, Greek, Cyrillic, Arabic, Hebrew or Chinese script (the "
                        "PDF would show blanks or another font)"]
    assert "1 warning(s) above (a --publication build stops on them)" in capsys.readouterr().out
    assert run_cli(project, "build", "--format", "html", "--publication") == 1
    assert "tamil" in capsys.readouterr().err


@pytest.mark.slow
def test_a_build_prints_every_script_in_its_own_font_and_direction(
        project: Path, make_record: RecordFactory, browser: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    make_record(id="arabic", lang="ar", sources=None, provenance={
        "kind": "report", "note": "تقرير المنظمة الدولية للهجرة", "date": "2024-05-20"},
        body="تعمل المنظمة الدولية للهجرة على القضاء على العنف ضد المرأة.")
    make_record(id="mixed", body="In Chinese: [消除对妇女的暴力行为。]{lang=zh-Hans}; in "
                "Russian: [Ликвидация насилия]{lang=ru}; see [the site](https://www.un.org/en/) "
                "and https://www.iom.int/.")
    assert run_cli(project, "build") == 0
    assert "cannot be loaded" not in caplog.text  # each face found where it is said to be
    pdf = project / "out" / "compendium.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    embedded = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]
                if line.split()[-5:-3] == ["yes", "yes"]}  # embedded, subset
    assert {"Noto-Naskh-Arabic", "Noto-Serif-CJK-SC", "Source-Serif-Pro"} <= embedded
    text = pdf_text(pdf)
    assert "消除对妇女的暴力行为" in text and "Ликвидация насилия" in text
    joined = re.sub(r"\s", "", text)  # lines break inside an address
    assert "thesite<https://www.un.org/en/>" in joined  # printed with its address
    assert "https://www.iom.int/<" not in joined  # a bare address: printed once
    page = browser.new_page()
    page.goto((project / "out" / "compendium.html").as_uri())
    assert page.eval_on_selector("#arabic .record-text",
                                 "e => [e.lang, getComputedStyle(e).direction]") == ["ar", "rtl"]
    assert page.eval_on_selector("#arabic h3", "e => getComputedStyle(e).direction") == "ltr"
    assert page.eval_on_selector('#mixed [lang="zh-Hans"]', "e => e.textContent") == \
        "消除对妇女的暴力行为。"
    page.close()


# --- skeletons --------------------------------------------------------------------------

@pytest.mark.slow
def test_new_entity_and_record_skeletons_pass_check_and_stay_out_of_the_publication(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    make_record(id="existing")
    assert run_cli(project, "new", "record", "--entity", "IPU") == 1
    err = capsys.readouterr().err
    assert "unknown entity `IPU`" in err and "expected an acronym from entities.yml, or add " \
           "one with `build.py new entity" in err
    assert run_cli(project, "new", "entity", "IPU", "--name",
                   "Inter-Parliamentary Union") == 0
    assert run_cli(project, "new", "entity", "IPU", "--name", "Again") == 1
    assert run_cli(project, "new", "record", "--entity", "IPU") == 0
    assert run_cli(project, "new", "record", "--entity", "IPU") == 0
    made = sorted(p.name for p in (project / "sources" / "ipu").iterdir())
    month = datetime.date.today().strftime("%Y-%m")
    assert made == [f"ipu-{month}-new-activity-2.md", f"ipu-{month}-new-activity.md",
                    "ipu-profile.md"]
    capsys.readouterr()
    assert run_cli(project, "check") == 0
    assert "ok: 4 records" in capsys.readouterr().out
    assert run_cli(project, "build", "--format", "html", "--publication") == 0
    assert "Fill in" not in (project / "out" / "compendium.html").read_text()


@pytest.mark.parametrize("kind", ["profile", "activity"])
def test_a_skeleton_no_longer_a_draft_is_refused_until_its_placeholders_are_replaced(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        kind: str) -> None:
    """Removing `draft: true` from a skeleton `new` wrote, its placeholders still in it,
    would publish "Fill in …": check names each line holding one, and passes once the
    editor's own words replace them."""
    make_record(id="existing")
    arguments = ["new", "entity", "IPU", "--name", "Inter-Parliamentary Union"] \
        if kind == "profile" else ["new", "record", "--entity", "UNFPA"]
    assert run_cli(project, *arguments) == 0
    made = next(p for p in (project / "sources").rglob("*.md")
                if p.stem != "existing" and "raw" not in p.parts)
    text = made.read_text(encoding="utf-8").replace("draft: true", "draft: false")
    made.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    lines = text.split("\n")
    for field, placeholder in (("provenance", SKELETON_TEXTS[0]),
                               ("body", SKELETON_TEXTS[1 if kind == "profile" else 2])):
        line = next(n for n, written in enumerate(lines, start=1) if placeholder in written)
        assert f"{made.relative_to(project)}:{line}: " in err, (field, line, err)
        assert f"{field}: still holds the placeholder “{placeholder}”" in err, (field, err)
    own = text.replace(SKELETON_TEXTS[0], "E-mail from the focal point")
    for placeholder in SKELETON_TEXTS[1:]:
        own = own.replace(placeholder, "Trained 40 judges in three provinces.")
    made.write_text(own, encoding="utf-8")
    assert run_cli(project, "check") == 0, capsys.readouterr().err


def test_a_placeholder_wrapped_over_lines_is_still_one(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """An editor who reflowed the skeleton's body over two lines published it (an attack)."""
    make_record(id="existing")
    assert run_cli(project, "new", "record", "--entity", "UNFPA") == 0
    made = next(p for p in (project / "sources").rglob("*.md")
                if p.stem != "existing" and "raw" not in p.parts)
    text = made.read_text(encoding="utf-8").replace("draft: true", "draft: false").replace(
        "where, with", "where,\n  with").replace("who sent it, or", "who sent it,\n    or")
    made.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    assert err.count("still holds the placeholder") == 2, err


@pytest.mark.slow
def test_an_image_a_record_kept_is_not_marked_as_a_change(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """Since a round, a record whose words changed around an image it still shows: the
    words are marked, the image is not struck, and nothing is dropped."""
    (project / "images").mkdir()
    (project / "images" / "chart.png").write_bytes(PNG)
    make_record(id="pictured", body="Cases below.\n\nImage ![Cases by year](images/chart.png) "
                                    "here.")
    assert run_cli(project, "round", "r1") == 0
    make_record(id="pictured", body="Cases listed below.\n\nImage ![Cases by year]"
                                    "(images/chart.png) here.")
    capsys.readouterr()
    assert run_cli(project, "build", "--format", "html", "--since", "r1") == 0
    assert "dropped" not in capsys.readouterr().err
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    record = html[html.index('id="pictured"'):]
    record = record[:record.index("</article>")]
    assert "<ins> listed</ins>" in record
    assert "<del" not in record and record.count("<img") == 1  # words added, none removed


def test_the_word_edition_heads_an_entry_with_its_title_and_keeps_its_facts(
        project: Path, make_record: RecordFactory) -> None:
    """An entry's title headed it in the HTML and PDF but was missing from Word."""
    make_record(id="titled", title="Unique title words zebra quokka",
                period={"start": "2019-03"}, partners=["UNFPA"])
    make_record(id="plain", body="Only text.")
    assert run_cli(project, "build", "--format", "docx") == 0
    with zipfile.ZipFile(project / "out" / "compendium.docx") as archive:
        xml = archive.read("word/document.xml").decode()
    assert xml.count("Unique title words zebra quokka") == 1
    facts = xml.index("Unique title words zebra quokka")
    assert "UNFPA" in xml[facts:facts + 2000] and "Mar 2019" in xml[facts:facts + 2000]


@pytest.mark.parametrize("note", ["the text names no entity as the one that acts",
                                  "p.txt ends mid-sentence at line 4"])
def test_a_publication_waits_for_every_review_line_to_be_decided(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture, note: str) -> None:
    """What the import flags for the editor (a guessed entity, text a page cut off) was
    published as it stood: a `review:` line now stops a publication, not a draft."""
    caplog.set_level(NOTE)
    path = make_record(id="flagged", review=note)
    make_record(id="left-out", review=note, draft=True)
    line = next(n for n, text in enumerate(path.read_text().split("\n"), start=1)
                if text.startswith("review:"))
    capsys.readouterr()
    assert run_cli(project, "check") == 0
    out = capsys.readouterr().out  # check names both, at their lines, and what they wait for
    assert f"note: sources/flagged.md:{line}: flagged: review: {note} (a --publication build " \
           "stops until the line is deleted)" in out, out
    assert "note: sources/left-out.md: left-out: draft: left out of a --publication build" in out
    assert out.rstrip().endswith("1 draft left out of a publication"), out
    assert run_cli(project, "build", "--format", "html") == 0
    capsys.readouterr()
    assert run_cli(project, "build", "--format", "html", "--publication") == 1
    err = capsys.readouterr().err
    assert "sources/left-out.md: left out of the publication: it is a draft" in caplog.text
    assert f"sources/flagged.md:{line}: flagged: review: {note}" in err, err
    assert "left-out" not in err
    path.write_text("\n".join(t for t in path.read_text().split("\n")
                              if not t.startswith("review:")))
    assert run_cli(project, "build", "--format", "html", "--publication") == 0


@pytest.mark.slow
def test_the_word_edition_shows_images_with_their_alt_text(
        project: Path, make_record: RecordFactory) -> None:
    """A PNG in Word with its alt text as its description; an SVG (Word cannot show one)
    as its alt text, never dropped without a word."""
    (project / "images").mkdir()
    (project / "images" / "chart.png").write_bytes(PNG)
    (project / "images" / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" '
        'height="5"/></svg>', encoding="utf-8")
    (project / "images" / "exif.jpg").write_bytes(jpeg_with_a_broken_exif())
    make_record(id="pictured", body="Image ![Cases by year](images/chart.png) here.\n\n"
                                    "And ![A map of the region](images/map.svg) there.\n\n"
                                    "Last ![A red box](images/exif.jpg).")
    assert run_cli(project, "build", "--format", "docx") == 0
    with zipfile.ZipFile(project / "out" / "compendium.docx") as archive:
        xml = archive.read("word/document.xml").decode()
        media = [name for name in archive.namelist() if name.startswith("word/media/")]
    assert len(media) == 1 and 'descr="Cases by year"' in xml
    assert "[A map of the region]" in xml and "[A red box]" in xml


def jpeg_with_a_broken_exif() -> bytes:
    """Return a JPEG Pillow reads whose EXIF block points past its end (python-docx's own
    parser fails on it)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "JPEG")
    data = out.getvalue()
    exif = b"Exif\x00\x00MM\x00*\x00\x00\xff\xf0"
    return data[:2] + b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif + data[2:]


LONG_WORDS_TABLE = "\n".join([
    "| A | B | C | D | E |", "|---|---|---|---|---|",
    "| Supercalifragilisticexpialidocious | " + "1234567890" * 5 + " | ВеликаяОтечественная"
    "ВойнаСоветскогоСоюза | Donaudampfschifffahrtsgesellschaftskapitän | "
    "Rechtsschutzversicherungsgesellschaften |"])


WIDE_TABLE = "\n".join([
    "| " + " | ".join(f"Column heading {n}" for n in range(10)) + " |",
    "|" + "---|" * 10,
    *("| " + " | ".join(["Latin America and the Caribbean", "12,345,678", "UNFPA, UNDP",
                         "https://www.unwomen.org/en/what-we-do/ending-violence-against-women/"
                         "essential-services-package", *["Final evaluation"] * 6]) + " |"
      for _ in range(3))])


@pytest.mark.slow
def test_a_wide_table_and_a_tall_image_stay_on_the_page(
        project: Path, make_record: RecordFactory, tmp_path: Path) -> None:
    """Ten columns with an address in each row fit the text's width; an image 7 times as
    tall as wide is drawn at most 115 mm high (it was drawn over the folio and off the
    page)."""
    from PIL import Image

    (project / "images").mkdir()
    Image.new("RGB", (500, 3500), "navy").save(project / "images" / "tall.png")
    make_record(id="wide", body=f"Before the table.\n\n{WIDE_TABLE}\n\n{LONG_WORDS_TABLE}\n\n"
                                "![A tall bar](images/tall.png)\n\nAfter the image.")
    assert run_cli(project, "build", "--format", "pdf") == 0
    pdf = project / "out" / "compendium.pdf"
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    right = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert right and max(right) <= 595.3 - 60  # A4, inside the narrower margin (24 mm)
    words = "".join(re.findall(r">([^<]*)</word>", bbox)).replace("-", "")
    assert words.count("essentialservicespackage") == 3 and words.count("Column") >= 10
    assert "Rechts" in words and "Superca" in words  # broken in its column, not lost
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], check=True,
                            capture_output=True, text=True).stdout
    tall = [line.split() for line in listed.splitlines()[2:] if " 3500 " in line]
    assert len(tall) == 1
    drawn_mm = 3500 / float(tall[0][13]) * 25.4  # pixels / y-ppi
    assert drawn_mm <= 115.5, drawn_mm


LONG_TOKENS = {"digits": "1234567890" * 10, "capitals": "ABCDEFGHIJ" * 15,
               "address": "https://example.org/" + "a" * 103, "range": "1" * 40 + "-" + "2" * 40}


@pytest.mark.slow
def test_a_word_longer_than_the_line_breaks_and_loses_nothing(
        project: Path, make_record: RecordFactory, browser: Any) -> None:
    """A token of 100 digits kept 83 in the PDF (the rest ran off the page, a --publication
    build passed) and made the draft scroll sideways; capitals and ranges were kept whole as
    acronyms and number ranges."""
    tokens = " and ".join(LONG_TOKENS.values())
    make_record(id="long", title=f"A title with {LONG_TOKENS['digits']} in it",
                body=f"Sequence {tokens} ends.\n\n- item {LONG_TOKENS['capitals']} x")
    assert run_cli(project, "build") == 0
    pdf = project / "out" / "compendium.pdf"
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    right = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert right and max(right) <= 595.3 - 60  # inside the narrower margin (24 mm)
    text = "".join(re.findall(r">([^<]*)</word>", bbox)).replace("-", "")  # hyphenated
    for name, token in LONG_TOKENS.items():
        assert token.replace("-", "") in text, name
    page = browser.new_page(viewport={"width": 400, "height": 900})
    page.goto((project / "out" / "compendium.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("width", [400, 1280])
def test_a_wide_table_never_makes_the_draft_scroll_sideways(
        project: Path, make_record: RecordFactory, browser: Any, width: int) -> None:
    narrow = "\n".join(["| Region | Programme | Partners | Address | Status |",
                        "|---|---|---|---|---|",
                        "| Latin America | Joint programme on services | UNFPA, UNDP | "
                        "https://www.unwomen.org/en/what-we-do/ending-violence-against-women | "
                        "Final evaluation |"])
    make_record(id="wide", body=f"Tables.\n\n{WIDE_TABLE}\n\n{narrow}")
    make_record(id="noted", sources=None, body="Written from a long note.", provenance={
        "kind": "e-mail", "date": "2025-03-04",
        "note": "https://www.example.org/" + "a" * 300})  # in the annex
    assert run_cli(project, "build", "--format", "html") == 0
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((project / "out" / "compendium.html").as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth")
    tables = page.evaluate("[...document.querySelectorAll('.record table')].map(t => "
                           "t.getBoundingClientRect().right <= "
                           "t.parentElement.getBoundingClientRect().right + 1)")
    page.close()
    assert overflow <= width and tables == [True, True], (overflow, tables)


def test_a_yaml_merge_key_is_a_problem(project: Path, make_record: RecordFactory,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`<<: {title: Hidden, draft: true}` hid a field from the "given twice" check and took
    the record out of a publication without a line saying so."""
    path = make_record(id="merged", title="Visible title")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: Visible title\n", "title: Visible title\n"
                                 "<<: {title: Hidden title, draft: true}\n"), encoding="utf-8")
    found = problems_of(project, capsys)
    assert len(found) == 1 and "a YAML merge key (`<<:`) is not allowed" in found[0], found
    assert found[0].startswith("sources/merged.md:"), found


@pytest.mark.parametrize(("size", "told"), [((13_000, 13_000), "13,000 × 13,000 pixels"),
                                            ((20_000, 20_000), "over ")])
def test_an_image_of_too_many_pixels_is_a_problem_without_a_library_warning(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        size: tuple[int, int], told: str) -> None:
    """A 194 KB PNG of one colour decodes to 676 MB: `check` and `build` printed Pillow's
    warning, with its file path, three times, and went on."""
    from PIL import Image

    (project / "images").mkdir()
    Image.new("L", size).save(project / "images" / "big.png", optimize=True)
    make_record(id="pictured", body="![A big picture](images/big.png)")
    found = problems_of(project, capsys)
    assert len(found) == 1 and found[0].startswith(
        f"sources/pictured.md:9: pictured: body: image `images/big.png` is {told}"), found
    assert "Warning" not in capsys.readouterr().err


@pytest.mark.parametrize(("field", "value"), [("id", "trailing-line\n"), ("lang", "fr\n")])
def test_a_value_with_a_line_break_at_its_end_is_refused(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        field: str, value: str) -> None:
    """`$` matches before a last line break: `id: "zz-a\\n"` passed check, then made an
    anchor no link could reach and a manifest key with a line break."""
    make_record(**({"id": value} if field == "id" else {"id": "some-record", field: value}))
    found = problems_of(project, capsys)
    assert len(found) == 1 and f": {field}: " in found[0], found


def test_new_entity_that_cannot_write_its_profile_leaves_the_registry_as_it_was(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file where the entity's folder goes: the error was shown, but the entity stayed
    in entities.yml, and a second try said it was already one."""
    registry = (project / "entities.yml").read_bytes()
    (project / "sources").mkdir(exist_ok=True)
    (project / "sources" / "xyz").write_text("in the way\n", encoding="utf-8")
    assert run_cli(project, "new", "entity", "XYZ", "--name", "Xyz Organization") == 1
    assert (project / "entities.yml").read_bytes() == registry
    assert "Traceback" not in capsys.readouterr().err
