"""Bad input of every kind: one located message an editor can act on, exit 1, no traceback.

Each case is run through both `check` and `build`; `build` must stop before writing anything.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from compendium.pipeline import LONG_DATA_URL, BuildRequest, _shortened
from compendium.serve import Preview
from tests.conftest import ROOT, RecordFactory, run_cli

SOURCE = "  - {page: 000_d693a286f112ada1.txt, lines: \"1\"}"
"""A line of a raw page the project has (a build checks that the page exists)."""
RECORD = ("---\nid: r1\nkind: activity\nentity: IOM\nsources:\n"
          f"{SOURCE}\n{{extra}}---\nText of the record.\n")

SPOTLIGHT = next(n for n, line in enumerate(
    (ROOT / "entities.yml").read_text(encoding="utf-8").splitlines(), start=1)
    if "aliases: [EU-UN Spotlight Initiative, Spotlight]" in line)
"""The line of the Spotlight Initiative's aliases in the shipped registry, which the cases
edit."""


def record(extra: str = "", **replace: str) -> bytes:
    """Return a valid record file with ``extra`` front-matter lines and replacements."""
    text = RECORD.replace("{extra}", extra)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text.encode()


def nested(depth: int) -> bytes:
    """Return a record whose front matter nests lists ``depth`` deep."""
    return f"---\nid: r1\nx: {'[' * depth}{']' * depth}\n---\nText\n".encode()


ALIAS_BOMB = (b"---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
              b"c: [*b, *b, *b, *b, *b, *b, *b, *b]\n---\nText\n")

RECORD_CASES: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "sources/x.md: empty file; expected front matter and text"),
    "blank lines only": (b" \n\n", "sources/x.md: empty file; expected front matter "
                                   "and text"),
    "no front matter": (b"id: r1\nSome text\n", "sources/x.md:1: no front matter; "
                                                "expected the file to start with a `---` line"),
    "front matter never closed": (b"---\nid: r1\nText\n", "sources/x.md:1: front matter "
                                  "never closed; expected a second `---` line"),
    "YAML syntax error": (b"---\nid: [\n---\ntext\n", "sources/x.md:3: YAML syntax "
                          "error: did not find expected node content"),
    "tab indentation": (b"---\nid: r1\n\tkind: x\n---\nT\n", "sources/x.md:3: a tab "
                        "character; expected spaces (YAML indents and separates with spaces "
                        "only)"),
    "tab at the start": (b"---\n\tid: r1\n---\nT\n", "sources/x.md:2: a tab character; "
                         "expected spaces (YAML indents and separates with spaces only)"),
    "front matter is a list": (b"---\n- a\n- b\n---\nText\n", "sources/x.md:2: expected "
                               "a mapping of `field: value` lines"),
    "field given twice": (record("id: r2\n"), "sources/x.md:7: `id` given twice (first "
                          "on line 2); expected each field once"),
    "not UTF-8": (b"---\nid: x\n\xff\xfe\n---\n", "sources/x.md:3: not UTF-8 (byte "
                  "0xff); expected UTF-8 text"),
    "binary file": (b"\x00\x01\x02binary", "sources/x.md: binary file; expected "
                    "UTF-8 text"),
    "huge file": (b"---\nid: r1\n---\n" + b"a" * (5 * 1024 * 1024 + 1), "sources/x.md: "
                  "file is 5,242,896 bytes; expected at most 5,242,880"),
    "huge paragraph": (record(**{"Text of the record.": "word " * 5000}), "sources/x.md:8: r1: "
                       "body: a line of 25,000 characters; expected at most 20,000"),
    "YAML alias bomb": (ALIAS_BOMB, "sources/x.md:2: YAML anchors and aliases (&name, "
                        "*name) are not allowed"),
    "deeply nested value": (nested(40), "sources/x.md:3: values nested deeper than 20 "
                            "levels"),
    "Python object tag": (record("x: !!python/object/apply:os.system ['id']\n"),
                          "sources/x.md:7: YAML tag `python/object/apply:os.system` is "
                          "not allowed; expected plain text, numbers and lists"),
    "missing field": (b"---\nid: r1\nkind: activity\nentity: IOM\n---\nT\n",
                      "sources/x.md:2: r1: provenance: missing; expected `sources:` (raw pages "
                      "the record was imported from) or `provenance: {kind: e-mail, note: who "
                      "sent it, date: YYYY-MM-DD}`"),
    "misspelt field": (record("partnres: [UNODC]\n"), "sources/x.md:7: r1: partnres: unknown "
                       "field; did you mean `partners`?"),
    "id is a number": (record(**{"id: r1": "id: 12"}), "sources/x.md:2: id: `12` is a "
                       "number; expected text"),
    "id with spaces": (record(**{"id: r1": "id: My Record"}), "sources/x.md:2: My Record: id: "
                       "`My Record` is not a valid id; expected lowercase letters, digits and "
                       "single hyphens"),
    "partners not a list": (record("partners: UNODC\n"), "sources/x.md:7: r1: partners: "
                            "`UNODC` is text; expected a list such as [A, B]"),
    "round is a word": (record("round: two\n"), "sources/x.md:7: r1: round: `two` is text; "
                        "expected a whole number"),
    "empty value": (record("chapter:\n"), "sources/x.md:7: r1: chapter: empty; expected text"),
    "country is a number": (record("countries: [Kenya, 12]\n"), "sources/x.md:7: r1: countries: "
                            "item 2 `12` is not a name; expected a list of names"),
    "unknown kind": (record(**{"kind: activity": "kind: activty"}), "sources/x.md:3: r1: kind: "
                     "`activty` is not a kind; did you mean `activity`?; expected profile or "
                     "activity"),
    "unknown entity": (record(**{"entity: IOM": "entity: IMO"}), "sources/x.md:4: r1: entity: "
                       "unknown entity `IMO`; did you mean `IOM`?; expected an acronym from "
                       "entities.yml"),
    "unknown partner": (record("partners: [UNODC, UNDOC]\n"), "sources/x.md:7: r1: partners: "
                        "unknown entity `UNDOC`; did you mean `UNODC`?; expected an acronym "
                        "from entities.yml"),
    "month 13": (record("period: {start: 2014-13}\n"), "sources/x.md:7: r1: period: start "
                 "`2014-13` has month 13; expected a month from 01 to 12"),
    "end before start": (record("period: {start: 2016-03, end: 2014-03}\n"), "sources/x.md:7: "
                         "r1: period: end 2014-03 is before start 2016-03; expected end on or "
                         "after start"),
    "month name": (record("period: {start: Sept 2016}\n"), "sources/x.md:7: r1: period: start "
                   "`Sept 2016` is not a month; expected YYYY-MM, e.g. 2014-03"),
    "full date": (record("period: {start: 2016-03-01}\n"), "sources/x.md:7: r1: period: start "
                  "`2016-03-01` is not a month; expected YYYY-MM, e.g. 2014-03"),
    "period without start": (record("period: {end: 2016-03}\n"), "sources/x.md:7: r1: period: "
                             "missing start; expected {start: YYYY-MM, end: YYYY-MM}"),
    "misspelt period key": (record("period: {start: 2016-03, ned: 2016-04}\n"),
                            "sources/x.md:7: r1: period: unknown key `ned`; did you mean "
                            "`end`?"),
    "unknown chapter": (record("chapter: unodc-chapter\n"), "sources/x.md:7: r1: chapter: "
                        "unknown chapter `unodc-chapter`; did you mean `unodc`?"),
    "malformed source": (record(**{SOURCE: "  - p.txt"}),
                         "sources/x.md:5: r1: sources: item 1 `p.txt` is not a source; "
                         "expected {page: FILE, lines: \"A-B\"}"),
    "profile without name": (record(**{"kind: activity": "kind: profile"}), "sources/x.md:2: "
                             "r1: name: missing; a profile needs the entity's full name"),
    "empty body": (record(**{"Text of the record.\n": ""}), "sources/x.md:8: r1: body: empty; "
                   "expected the record's text after the front matter"),
    "impossible day": (record("x: 2016-02-30\n"), "sources/x.md:7: r1: x: `2016-02-30` is not "
                       "a date (day is out of range for month); expected a real date, such "
                       "as 2026-11-30, or text in quotes (\"2016-02-30\") where the field "
                       "is text"),
    "impossible month in a list": (record("themes: [a, 2016-13-01]\n"), "sources/x.md:7: r1: "
                                   "themes.1: `2016-13-01` is not a date (month must be in "
                                   "1..12); expected a real date, such as 2026-11-30, or text "
                                   "in quotes (\"2016-13-01\") where the field is text"),
    "tagged int": (record("round: !!int x\n"), "sources/x.md:7: r1: round: `x` is not a whole "
                   "number (invalid literal for int() with base 10: 'x'); expected a whole "
                   "number, or text in quotes (\"x\")"),
    "tagged float": (record("round: !!float\n"), "sources/x.md:7: r1: round: `` is not a "
                     "number (not in its form); expected a number, or text in quotes (\"\")"),
    "tagged timestamp": (record("period: {start: !!timestamp x}\n"), "sources/x.md:7: r1: "
                         "period.start: `x` is not a date (not in its form); expected a real "
                         "date, such as 2026-11-30"),
    "tagged bool": (record("x: !!bool maybe\n"), "sources/x.md:7: r1: x: `maybe` is not true "
                    "or false (not in its form); expected true or false, or text in quotes "
                    "(\"maybe\")"),
    "number of 5,000 digits": (record("round: " + "9" * 5000 + "\n"), "sources/x.md:7: r1: "
                               "round: `9999999999999999999999999999999999999...` is too large "
                               "a number; expected at most 18 digits"),
    "hex number of 5,000 digits": (record("round: 0x" + "f" * 5000 + "\n"), "sources/x.md:7: "
                                   "r1: round: `0xfffffffffffffffffffffffffffffffffff...` is too "
                                   "large a number; expected at most 18 digits"),
    "a word of Markdown marks": (record(**{"Text of the record.": "Text.\n" + "*a" * 5000}),
                                 "sources/x.md:9: r1: body: a word with 5,000 Markdown marks "
                                 "(`*a*a*a*a*a*a*a*a*a*a…`); expected at most 40 in a word "
                                 "without spaces"),
    "300 KB of text": (record(**{"Text of the record.": "\n".join(["*a* " * 2500] * 30)}),
                       "sources/x.md:8: r1: body: 300,029 characters of text; expected at most "
                       "250,000 (split the text)"),
    "number as a nested key": (record("period: {1: 2016-03}\n"), "sources/x.md:7: r1: period: "
                               "unknown key `1`"),
}


def edit(old: str, new: str, name: str = "compendium.yml") -> Callable[[Path], None]:
    """Return a change replacing ``old`` by ``new`` in a project file."""
    def change(project: Path) -> None:
        path = project / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return change


def write(name: str, data: bytes) -> Callable[[Path], None]:
    """Return a change writing ``data`` to a project file."""
    return lambda project: (project / name).write_bytes(data) and None


def remove(name: str) -> Callable[[Path], None]:
    """Return a change deleting a project file or folder."""
    def change(project: Path) -> None:
        path = project / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return change


PROJECT_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "config missing": (remove("compendium.yml"), "compendium.yml: config file not "
                       "found"),
    "config YAML syntax error": (edit("title: Compendium", "title: [Compendium"),
                                 "compendium.yml:6: YAML syntax error: did not find "
                                 "expected ',' or ']'"),
    "config not UTF-8": (lambda p: (p / "compendium.yml").write_bytes(
        (p / "compendium.yml").read_bytes().replace("—".encode(), b"\x97")),
        "compendium.yml:8: not UTF-8 (byte 0x97); expected UTF-8 text"),
    "config key of the wrong type": (edit("edition: 2026", "edition: twenty"),
                                     "compendium.yml:7: edition: `twenty` is text; "
                                     "expected a whole number"),
    "config language not a tag": (edit("language: en", 'language: \'x" onload=alert(1)\''),
                                  'compendium.yml:9: language: `x" onload=alert(1)` is not a '
                                  "language tag; expected one such as en, fr or es-419"),
    "config unknown paper": (edit("paper: A4", "paper: A5"), "compendium.yml:10: paper: "
                             "`A5` is not a paper size; expected A4 or letter"),
    "chapter with two slugs": (edit("slug: unodc", "slug: iom"), "compendium.yml:36: chapter "
                               "iom: slug: used by two chapters; expected unique slugs"),
    "misspelt rule": (edit("except_themes: [inter-agency]", "exclude_themes: [inter-agency]"),
                      "compendium.yml:35: chapter iom: select.exclude_themes: unknown rule; did "
                      "you mean `except_themes`?"),
    "unknown entity in a rule": (edit("entities: [IOM]", "entities: [IMO]"), "compendium.yml:"
                                 "34: chapter iom: select.entities: unknown entity `IMO`; did "
                                 "you mean `IOM`?; expected an acronym from the entity "
                                 "registry"),
    "no chapters": (write("compendium.yml", b"title: T\nedition: 1\npublisher: P\n"
                                            b"chapters: []\n"),
                    "compendium.yml:4: chapters: empty; expected at least one chapter"),
    "misspelt label": (lambda p: (p / "compendium.yml").write_text(
        (p / "compendium.yml").read_text(encoding="utf-8") + "labels:\n  contnts: Table\n",
        encoding="utf-8"), "compendium.yml:70: labels: contnts: unknown field; did you mean "
                           "`contents`?"),
    "entity registry missing": (remove("entities.yml"), "entities.yml: entity registry "
                                "not found"),
    "entity without a name": (write("entities.yml", b"IOM: International\n"),
                              "entities.yml:1: IOM: name: missing; expected `name: Full Name`"),
    "a blank edition title": (edit("title: Compendium of United Nations System Activities to "
                                   "End Violence against Women and Girls", 'title: "  "'),
                              "compendium.yml:5: title: empty; expected text with words in it"),
    "an empty publisher": (edit("publisher: Inter-Agency Network on Women and Gender Equality "
                                "— Secretariat", 'publisher: ""'),
                           "compendium.yml:8: publisher: empty; expected text with words in it"),
    "a blank chapter title": (edit("    title: Spotlight Initiative", '    title: "\t"'),
                              "compendium.yml:24: chapter spotlight-initiative: title: empty; "
                              "expected text with words in it"),
    "an entity with an empty name": (edit("  name: United Nations Office on Drugs and Crime",
                                          '  name: " "', "entities.yml"),
                                     "entities.yml:198: UNODC: name: empty; expected text "
                                     "with words in it"),
    "a glossary entry without words": (edit("AoR: area of responsibility", 'AoR: ""',
                                            "glossary.yml"),
                                       "glossary.yml:5: AoR: AoR: empty; expected the full "
                                       "name as text"),
    "sources folder missing": (remove("sources"), "sources: sources folder not found"),
        "impossible date in the config": (edit("edition: 2026", "edition: 2016-02-30"),
                                      "compendium.yml:7: edition: `2016-02-30` is not a date "
                                      "(day is out of range for month); expected a real date, "
                                      "such as 2026-11-30, or text in quotes (\"2016-02-30\") "
                                      "where the field is text"),
    "huge edition year": (edit("edition: 2026", "edition: " + "2" * 4400),
                          "compendium.yml:7: edition: `2222222222222222222222222222222222222"
                          "...` is too large a number; expected at most 18 digits"),
    "aliases not a list": (edit("aliases: [EU-UN Spotlight Initiative, Spotlight]",
                                "aliases: 5", "entities.yml"),
                           f"entities.yml:{SPOTLIGHT}: Spotlight Initiative: aliases: `5` is a "
                           "number; expected a list such as [A, B]"),
    "alias a number": (edit("aliases: [EU-UN Spotlight Initiative, Spotlight]",
                            "aliases: [5]", "entities.yml"),
                       f"entities.yml:{SPOTLIGHT}: Spotlight Initiative: aliases: `5` is a "
                       "number; expected a list of names such as [EU-UN Spotlight Initiative, "
                       "Spotlight]"),
    "misspelt entity field": (edit("aliases: [EU", "alias: [EU", "entities.yml"),
                              f"entities.yml:{SPOTLIGHT}: Spotlight Initiative: alias: unknown "
                              "field; did you mean `aliases`?"),
    "select rule keyed by a number": (edit("entities: [IOM]", "1: [IOM]"),
                                      "compendium.yml:34: chapter iom: select.1: unknown rule"),
    "an introduction of Markdown marks": (edit("Each entity chapter opens", "*a" * 3000),
                                          "compendium.yml:18: introduction: a word with "
                                          "3,000 Markdown marks (`*a*a*a*a*a*a*a*a*a*a…`); "
                                          "expected at most 40 in a word without spaces"),
    "impossible date in the glossary": (edit("AIDS: acquired immunodeficiency syndrome",
                                             "AIDS: 2016-02-30", "glossary.yml"),
                                        "glossary.yml:4: AIDS: `2016-02-30` is not a date "
                                        "(day is out of range for month); expected a real "
                                        "date, such as 2026-11-30, or text in quotes "
                                        "(\"2016-02-30\") where the field is text"),
}


def problems_of(project: Path, capsys: pytest.CaptureFixture[str], verb: str) -> list[str]:
    """Run ``verb``; check it failed without a traceback; return its problem lines."""
    assert run_cli(project, verb) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].endswith("nothing was written." if verb == "build"
                                         else "problem(s).")  # check never writes
    return err.splitlines()[:-1]


def assert_reported_and_nothing_written(project: Path, capsys: pytest.CaptureFixture[str],
                                        expected: str, verb: str) -> None:
    """``verb`` (`check` or `build`) reports exactly ``expected``; nothing is written."""
    assert problems_of(project, capsys, verb) == [expected]
    assert not (project / "out").exists()


VERBS = [pytest.param("check"), pytest.param("build", marks=pytest.mark.slow)]
"""Each case is run through both; `build` is slow (it starts the PDF workers first)."""


def slow_if_build(args: tuple[str, ...]) -> tuple[pytest.MarkDecorator, ...]:
    """Return the slow mark for a case that runs `build` (see VERBS), none otherwise."""
    return (pytest.mark.slow,) if args[0] == "build" else ()


def test_the_matrix_has_at_least_30_kinds() -> None:
    assert len(RECORD_CASES) + len(PROJECT_CASES) >= 30


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize(("content", "expected"), RECORD_CASES.values(), ids=RECORD_CASES)
def test_bad_record_file(project: Path, capsys: pytest.CaptureFixture[str], content: bytes,
                         expected: str, verb: str) -> None:
    (project / "sources" / "x.md").write_bytes(content)
    assert_reported_and_nothing_written(project, capsys, expected, verb)


@pytest.mark.slow
@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize(("change", "expected"), PROJECT_CASES.values(), ids=PROJECT_CASES)
def test_bad_project_file(project: Path, capsys: pytest.CaptureFixture[str],
                          change: Callable[[Path], None], expected: str, verb: str) -> None:
    (project / "sources" / "ok.md").write_bytes(record())
    change(project)
    assert_reported_and_nothing_written(project, capsys, expected, verb)


def test_every_bad_file_reported_in_one_run(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for number, (content, _) in enumerate(RECORD_CASES.values()):
        (project / "sources" / f"x{number:02d}.md").write_bytes(content)
    problems = problems_of(project, capsys, "check")
    located = {line.split(":")[0] for line in problems}
    assert located == {f"sources/x{n:02d}.md" for n in range(len(RECORD_CASES))}


@pytest.mark.slow
def test_valid_variants_are_accepted(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A byte-order mark and Windows line ends are how some editors save: not problems."""
    (project / "sources" / "bom.md").write_bytes(b"\xef\xbb\xbf" + record())
    (project / "sources" / "crlf.md").write_bytes(
        record(**{"id: r1": "id: r2"}).replace(b"\n", b"\r\n"))
    assert run_cli(project, "check") == 0
    assert "ok: 2 records" in capsys.readouterr().out


TEMPLATE_CASES: dict[str, tuple[str, str, str, str]] = {
    "syntax error": ("compendium.html.j2", "{% if script %}", "{% if script %}{% endfor %}",
                     "compendium.html.j2:{line}: template error: "),
    "undefined name": ("record.html.j2", "{{ record.id }}", "{{ record.no_such_field }}",
                       "record.html.j2:{line}: template error: "),
    "missing template": ("record-label.html.j2", "", "",
                         "record-label.html.j2: template not found"),
    "division by zero": ("compendium.html.j2", "{% if script %}", "{{ 1/0 }}{% if script %}",
                         "compendium.html.j2:{line}: template error: ZeroDivisionError: "),
    "sandbox escape": ("compendium.html.j2", "{% if script %}",
                       "{{ cycler.__init__.__globals__.os.popen('id').read() }}{% if script %}",
                       "compendium.html.j2:{line}: template error: "),
    "huge product": ("chapter.md.j2", "{{ chapter.title }}", "{{ chapter.title * 10**9 }}",
                     "chapter.md.j2:{line}: template error: "),
    "template not UTF-8": ("record.html.j2", "{{ record.id }}", "{{ record.id }}\udcff",
                           "record.html.j2: template is not UTF-8 (invalid start byte); "
                           "expected UTF-8 text"),
}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "old", "new", "expected"), TEMPLATE_CASES.values(),
                         ids=TEMPLATE_CASES)
def test_a_broken_template_is_named_with_its_line(
        project: Path, capsys: pytest.CaptureFixture[str], name: str, old: str, new: str,
        expected: str) -> None:
    """The build stops with the template's file and line, writes nothing, and the preview
    shows the same in its page instead of stopping."""
    (project / "sources" / "ok.md").write_bytes(record())
    template = project / "templates" / name
    if old:
        text = template.read_text()
        assert old in text
        line = text[:text.index(old) + len(old)].count("\n") + 1  # where the change ends
        template.write_bytes(text.replace(old, new, 1).encode("utf-8", "surrogateescape"))
        expected = expected.format(line=line)
    else:
        template.unlink()
    assert run_cli(project, "build") == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: {project / 'templates' / expected}"), error
    assert not (project / "out").exists()
    preview = Preview(BuildRequest(config=project / "compendium.yml",
                                   sources=project / "sources", out=project / "out"))
    preview.rebuild()
    assert html.escape(f"templates/{expected}") in preview.page.decode()


@pytest.mark.slow
def test_nested_lists_publish_and_a_missing_glyph_names_its_record(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """The bullets of inner lists are characters the fonts have, so a publication build
    passes; a character the fonts lack is told with its record, file and line."""
    make_record(id="nested", body="Intro.\n\n- one\n  - two\n    - three\n      - four\n- five")
    assert run_cli(project, "build", "--publication", "--format", "pdf") == 0
    capsys.readouterr()
    shutil.rmtree(project / "out")
    path = make_record(id="glyphs", body="Text.\n\nThe ∰ sign.")
    assert run_cli(project, "build", "--publication", "--format", "pdf") == 1
    err = capsys.readouterr().err
    line = path.read_text(encoding="utf-8").split("\n").index("The ∰ sign.") + 1
    assert f"sources/glyphs.md:{line}: glyphs: text: no font of the compendium can print ∰ " \
           "(U+2230)" in err
    assert not (project / "out").exists()


@pytest.mark.slow
@pytest.mark.parametrize("epoch", ["abc", "-5", "1e9", "1.5", "", "99999999999999",
                                   "2" * 30, "٣٣"])
def test_an_odd_source_date_epoch_is_ignored(project: Path, make_record: RecordFactory,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            epoch: str) -> None:
    make_record()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert run_cli(project, "build", "--format", "html") == 0
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
def test_since_a_commit_older_than_the_sources_marks_every_record_added(
        project: Path, make_record: RecordFactory) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=E", "-c", "user.email=e@x", *args],
                       cwd=project, check=True, capture_output=True)

    git("init", "-q")
    git("add", "compendium.yml")
    git("commit", "-qm", "the config first")
    make_record(id="later")
    git("add", ".")
    git("commit", "-qm", "then the sources")
    assert run_cli(project, "build", "--format", "html", "--since", "HEAD~1") == 0
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    assert 'id="later"' in html and "change-added" in html


@pytest.mark.slow
def test_since_a_commit_whose_record_check_refused_compares_the_rest(
        project: Path, make_record: RecordFactory) -> None:
    """An earlier state cannot be fixed: a record it held that `check` refuses (a misspelt
    kind) stopped every build compared with it."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=E", "-c", "user.email=e@x", *args],
                       cwd=project, check=True, capture_output=True)

    broken = make_record(id="broken")
    make_record(id="kept")
    broken.write_text(broken.read_text(encoding="utf-8").replace("kind: activity",
                                                                 "kind: activty"))
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "a record with a typo")
    broken.write_text(broken.read_text(encoding="utf-8").replace("activty", "activity"))
    assert run_cli(project, "build", "--format", "html", "--since", "HEAD") == 0
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    assert re.search(r'<article class="[^"]*change-added[^"]*" id="broken"', html), html[:300]
    assert not re.search(r'<article class="[^"]*change-[^"]*" id="kept"', html)


def _symlink(name: str, target: str) -> Callable[[Path], None]:
    """Return a change making ``name`` (in the project) a symbolic link to ``target``."""
    return lambda project: (project / name).symlink_to(target)


def _non_utf8_name(project: Path) -> None:
    (project / "sources" / "ok.md").write_bytes(record())
    with open(os.path.join(os.fsencode(project / "sources"), b"caf\xe9.md"), "wb") as file:
        file.write(record())


def _linked_to_zero(name: str) -> Callable[[Path], None]:
    """Return a change making the project file ``name`` a link to a device without end."""
    def change(project: Path) -> None:
        (project / name).unlink()
        (project / name).symlink_to("/dev/zero")
    return change


FOLDER_CASES: dict[str, tuple[Callable[[Path], None], tuple[str, ...], str]] = {
    "a template linked to /dev/zero": (_linked_to_zero("templates/record.html.j2"),
                                       ("build", "--format", "html"),
                                       "templates/record.html.j2: not a plain file under "
                                       "1,048,576 bytes; expected a template"),
    "a stylesheet linked to /dev/zero": (_linked_to_zero("styles/print.css"),
                                         ("build", "--format", "pdf"),
                                         "styles/print.css: not a regular file; "
                                         "expected a text file"),
    "the config linked to /dev/zero": (_linked_to_zero("compendium.yml"), ("check",),
                                       "compendium.yml: not a regular file; "
                                       "expected a text file"),
    "out is a file": (write("out", b"x"), ("build", "--format", "html"),
                      "error: out: cannot write the outputs: File exists; expected a folder "
                      "you can write to, with room (the outputs there are the previous "
                      "build's)"),
    "a symlink loop under sources": (_symlink("sources/loop", "."), ("check",),
                                     "sources/loop: a symlink loop: this folder is "
                                     "already read under another name; expected no loop"),
    "a record linked to itself": (_symlink("sources/self.md", "self.md"), ("check",),
                                  "sources/self.md: cannot read: Too many levels of "
                                  "symbolic links"),
    "a folder of sources linked outside them": (
        _symlink("sources/elsewhere", "/usr/share"), ("check",),
        "sources/elsewhere: a link to /usr/share, outside the sources folder; expected the "
        "records themselves here"),
    "front matter after a blank line": (
        write("sources/late.md", b"\n" + record()), ("check",),
        "sources/late.md:2: front matter starts on line 2, after 1 blank line; expected the "
        "`---` line to be the file's first"),
    "front matter after many blank lines": (
        write("sources/far.md", b"\n" * 11 + record()), ("check",),
        "sources/far.md:12: front matter starts on line 12, after 11 blank lines; expected "
        "the `---` line to be the file's first"),
    "front matter after an invisible character": (
        write("sources/zw.md", "\u200b".encode() + record()), ("check",),
        "sources/zw.md:1: front matter starts on line 1, after an invisible character on its "
        "line; expected the `---` line to be the file's first"),
    "front matter after a comment": (
        write("sources/c.md", b"<!-- draft -->\n" + record()), ("check",),
        "sources/c.md:2: front matter starts on line 2, after other text (<!-- draft -->); "
        "expected the `---` line to be the file's first"),
    "a record that is a pipe": (
        lambda project: os.mkfifo(project / "sources" / "pipe.md"), ("check",),
        "sources/pipe.md: not a regular file; expected a text file"),
    "a record named .MD": (
        write("sources/upper.MD", record()), ("check",),
        "sources/upper.MD: a record's name ends in `.md`: this file is not read; expected "
        "upper.md"),
    "a record named .markdown": (
        write("sources/long.markdown", record()), ("check",),
        "sources/long.markdown: a record's name ends in `.md`: this file is not read; "
        "expected long.md"),
    "a file name not UTF-8": (_non_utf8_name, ("check",),
                              "sources/caf\ufffd.md: file name is not UTF-8; expected "
                              "a UTF-8 name"),
    "reader.js missing": (remove("templates/reader.js"), ("build", "--format", "html"),
                          "templates/reader.js: cannot read: No such file or "
                          "directory"),
    "print.css missing": (remove("styles/print.css"), ("build", "--format", "pdf"),
                          "styles/print.css: cannot read: No such file or directory"),
    "stylesheet not UTF-8": (write("styles/screen.css", b"p { color: red }\n\xff\n"),
                             ("build", "--format", "html"),
                             "styles/screen.css:2: not UTF-8 (byte 0xff); expected UTF-8 "
                             "text"),
}


@pytest.mark.parametrize(("change", "args", "expected"), [
    pytest.param(*case, id=name, marks=slow_if_build(case[1]))
    for name, case in FOLDER_CASES.items()])
def test_bad_folders_and_project_files(project: Path, capsys: pytest.CaptureFixture[str],
                                       change: Callable[[Path], None], args: tuple[str, ...],
                                       expected: str) -> None:
    """Links, names, folders and the project's own files: one located message, no
    traceback, and nothing written."""
    (project / "sources" / "ok.md").write_bytes(record())
    change(project)
    assert run_cli(project, *args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert expected in err, err
    assert not (project / "out").is_dir()


@pytest.mark.slow
def test_a_cache_that_is_a_file_never_fails_a_build(project: Path) -> None:
    (project / "sources" / "ok.md").write_bytes(record())
    (project / ".cache").write_bytes(b"not a folder")
    assert run_cli(project, "build") == 0
    assert (project / "out" / "compendium.pdf").stat().st_size > 1000


FULL_DISK = """
import resource, signal, sys
sys.path.insert(0, {root!r})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from compendium.cli import main
sys.exit(main(["build", "--format", "html"]))
"""


@pytest.mark.slow
def test_a_full_disk_keeps_the_previous_outputs(project: Path) -> None:
    """A write that fails (here: past a file size limit, as on a full disk) stops the build
    with a message; the outputs readers see are the previous build's, whole."""
    (project / "sources" / "ok.md").write_bytes(record())
    assert run_cli(project, "build", "--format", "html") == 0
    before = (project / "out" / "compendium.html").read_bytes()
    (project / "sources" / "ok.md").write_bytes(record(**{"Text of": "New text of"}))
    result = subprocess.run([sys.executable, "-c", FULL_DISK.format(root=str(ROOT),
                                                                    limit=100_000)],
                            cwd=project, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "cannot write the outputs: File too large" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "out" / "compendium.html").read_bytes() == before
    assert len(list((project / "out" / ".sets").iterdir())) == 1


VERB_CASES: dict[str, tuple[tuple[str, ...], str]] = {
    "port out of range": (("serve", "--port", "99999"), "`99999` is not a port; expected 1 to "
                                                       "65535"),
    "output inside the sources": (("build", "--out", "sources/out"), "error: --out "
                                  "sources/out: the output folder is inside the sources folder "
                                  "sources; expected a folder apart (out/)"),
    "deeply nested manifest": (("build", "--since", "deep.json"), "error: --since deep.json: "
                               "not a compendium manifest (maximum recursion depth exceeded"),
    "import into a file": (("import", str(ROOT / "sources" / "raw" / "000_d693a286f112ada1.txt"),
                            "--into", "deep.json"), "error: deep.json/"),
}


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param(*case, id=name, marks=slow_if_build(case[0]))
    for name, case in VERB_CASES.items()])
def test_bad_options_are_told_plainly(project: Path, capsys: pytest.CaptureFixture[str],
                                      args: tuple[str, ...], expected: str) -> None:
    (project / "sources" / "ok.md").write_bytes(record())
    (project / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    try:
        code = run_cli(project, *args)
    except SystemExit as exit:  # argparse's own refusal
        code = int(str(exit.code))
    assert code in (1, 2)
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err, err
    assert not (project / "out").exists() and not (project / "sources" / "out").exists()


@pytest.mark.slow
def test_old_mac_line_ends_and_decomposed_letters_read_as_any_record(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A record saved with CR alone for line ends, and one whose "Türkiye" is written as
    T, u, U+0308 (NFD): read as the others, the country known (the draft filters by it, the
    PDF indexes it)."""
    (project / "sources" / "mac.md").write_bytes(record().replace(b"\n", b"\r"))
    nfd = unicodedata.normalize("NFD", "countries: [Türkiye]\n")
    (project / "sources" / "nfd.md").write_bytes(record(nfd, **{"id: r1": "id: r2"}))
    assert run_cli(project, "build", "--format", "html") == 0
    assert "note: skipped" not in capsys.readouterr().err
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    assert 'id="r1"' in html and 'id="r2"' in html
    countries = re.search(r'<article[^>]*id="r2"[^>]*data-countries=\'([^\']*)\'', html)
    assert countries and json.loads(countries[1]) == ["Türkiye"], html


@pytest.mark.parametrize("mine", ["chapters/my.md", "compendium.html", "current/x.txt"])
def test_files_of_someone_in_the_output_folder_are_never_replaced(
        project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, mine: str) -> None:
    """A folder given as --out that holds someone's files: the build stops, naming the
    first, and every file is as it was."""
    (project / "sources" / "ok.md").write_bytes(record())
    out = tmp_path / "theirs"
    (out / mine).parent.mkdir(parents=True, exist_ok=True)
    (out / mine).write_text("mine", encoding="utf-8")
    assert run_cli(project, "build", "--format", "html", "--out", str(out)) == 1
    err = capsys.readouterr().err
    top = mine.split("/")[0]
    assert f"{out / top}: a {'folder' if '/' in mine else 'file'} the build did not make" in err
    assert (out / mine).read_text(encoding="utf-8") == "mine" and not (out / mine).is_symlink()


@pytest.mark.parametrize(("name", "text"), [
    ("notes/todo.md", "# Editor notes\n\n---\nStatus: waiting for IOM reply\n"),
    ("README.MD", "Notes for the editors.\n"),
    ("plan.markdown", "# Plan\n\n- ask IOM\n"),
    ("notes/rule.md", "\n\n---\nOwner: Jane\n---\nA note with a rule.\n"),
])
def test_notes_that_look_nothing_like_a_record_are_skipped(
        project: Path, capsys: pytest.CaptureFixture[str], name: str, text: str) -> None:
    """A note may hold a rule and a `Key:` line, or be named README.MD or *.markdown:
    without a record's front matter (`---` then `id:`) it is skipped, as the docs say."""
    (project / "sources" / "ok.md").write_bytes(record())
    (project / "sources" / name).parent.mkdir(parents=True, exist_ok=True)
    (project / "sources" / name).write_text(text, encoding="utf-8")
    assert run_cli(project, "check") == 0, capsys.readouterr().err


def test_a_long_data_url_in_a_renderers_message_is_shortened() -> None:
    message = "Failed to load image at 'data:image/svg+xml;base64," + "A" * 5000 + "'"
    shown = LONG_DATA_URL.sub(_shortened, message)
    assert shown == ("Failed to load image at 'data:image/svg+xml;base64,AAAAAAAAAAAAAA… "
                     "(5,026 characters)'")


def test_an_image_a_renderers_message_quotes_is_named_by_its_file_and_record(
        project: Path, make_record: RecordFactory) -> None:
    """WeasyPrint names an image it could not draw by its `data:` URL: the message names the
    project's file and the records showing it instead."""
    from types import SimpleNamespace

    from compendium.html.images import image_sources
    from compendium.pipeline import _images_named
    from compendium.records.config import load_edition
    from compendium.records.sources import read_record_files
    from compendium.records.validate import validate_records

    (project / "images").mkdir()
    (project / "images" / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>', encoding="utf-8")
    make_record(id="mapped", body="![A map](images/map.svg)")
    files = read_record_files(project / "sources").value
    records = validate_records(files, load_edition(project / "compendium.yml")).value
    url = image_sources([r.body for r in records], project)["images/map.svg"]
    build = SimpleNamespace(sources=SimpleNamespace(records=records),
                            request=SimpleNamespace(project=project))
    said = _images_named(build, f"Failed to render SVG image {url}")  # type: ignore[arg-type]
    assert said == "Failed to render SVG image images/map.svg (shown by mapped)"


@pytest.mark.parametrize(("field", "value"), [("entities", "front"), ("glossary", "front"),
                                              ("entities", '""')])
def test_a_config_naming_a_folder_for_a_file_names_its_line(
        project: Path, capsys: pytest.CaptureFixture[str], field: str, value: str) -> None:
    config = project / "compendium.yml"
    lines = config.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith(f"{field}:"))
    lines[line - 1] = f"{field}: {value}"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    shown = value.strip('"')
    assert f"compendium.yml:{line}: {field}: {field}: `{shown}` is not a file; expected a " \
        "YAML file" in err, err


def test_a_glossary_key_yaml_reads_as_another_type_is_told_at_its_line(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    glossary = project / "glossary.yml"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "true: yes\n", encoding="utf-8")
    lines = len(glossary.read_text(encoding="utf-8").splitlines())
    assert run_cli(project, "check") == 1
    assert f"glossary.yml:{lines}: True: True:" in capsys.readouterr().err


def test_a_build_of_one_format_names_the_outputs_it_kept_from_before(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """An HTML build kept the PDF of the sources before next to a manifest of the new ones,
    saying nothing."""
    make_record(id="first")
    assert run_cli(project, "build", "--format", "pdf") == 0
    assert "is an earlier build's" not in capsys.readouterr().err  # nothing made before
    make_record(id="second")
    assert run_cli(project, "build", "--format", "html") == 0
    err = capsys.readouterr().err
    assert f"note: {Path('out') / 'compendium.pdf'} is an earlier build's" in err, err
    assert "compendium.html is an earlier" not in err


def test_a_word_edition_kept_from_before_names_the_command_that_makes_it(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """An attack: after a `--format docx` build, every later build said "`build.py build`
    makes every output", which never makes the Word edition."""
    make_record(id="first")
    assert run_cli(project, "build", "--format", "docx") == 0
    capsys.readouterr()
    assert run_cli(project, "build", "--format", "html") == 0
    err = capsys.readouterr().err
    assert f"note: {Path('out') / 'compendium.docx'} is an earlier build's, perhaps of other " \
        "sources (--format html does not make it); `build.py build --format docx` makes it " \
        "again" in err, err


@pytest.mark.parametrize("chapters", [[1], [{"slug": "x"}], "chapters"])
def test_a_manifest_whose_chapters_are_not_chapters_is_a_clear_error(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        tmp_path: Path, chapters: object) -> None:
    """--since a manifest whose edition.chapters held a number raised TypeError."""
    import json

    make_record(id="one")
    assert run_cli(project, "build", "--format", "html") == 0
    manifest = json.loads((project / "out" / "compendium.manifest.json").read_text())
    manifest["edition"]["chapters"] = chapters
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    assert run_cli(project, "build", "--format", "html", "--since", str(bad)) == 1
    err = capsys.readouterr().err
    assert f"--since {bad}: not a compendium manifest (edition.chapters" in err, err
    assert "Traceback" not in err


UNREADABLE_VALUES = {
    "an impossible day": ("provenance", "{kind: e-mail, note: Sent by the office, "
                                        "date: 2025-02-30}", "provenance.date"),
    "a period's impossible start": ("period", "{start: 2016-02-30}", "period.start"),
    "a month 13 among the themes": ("themes", "[gbv, 2016-13-01]", "themes.1"),
    "a tagged word": ("round", "!!int twenty", "round"),
    "a number of 40 digits": ("round", "9" * 40, "round"),
}


@pytest.mark.parametrize("case", UNREADABLE_VALUES)
def test_a_value_yaml_cannot_read_hides_no_other_problem_of_its_record(
        project: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    """A value YAML cannot read (a date that does not exist, a tagged word) is named at its
    line, and the record's other fields are still checked: every problem in one run, that
    field's said once."""
    field, value, where = UNREADABLE_VALUES[case]
    lines = ["---", "id: odd", "kind: activity", "entity: NOPE", "lang: 123",
             f"{field}: {value}"]
    if field != "provenance":
        lines.append("sources: [{page: test.txt, lines: '1'}]")
    (project / "sources" / "raw").mkdir(parents=True, exist_ok=True)
    (project / "sources" / "raw" / "test.txt").write_text("Line 1 of a raw page.\n")
    (project / "sources" / "odd.md").write_text("\n".join([*lines, "---", "Some text.", ""]),
                                               encoding="utf-8")
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if line.startswith("sources/odd.md:")]
    assert any((line.startswith(f"sources/odd.md:6: odd: {where}: `") and " is not " in line)
               or line.startswith(f"sources/odd.md:6: odd: {where}: `9999") for line in said), err
    assert "sources/odd.md:4: odd: entity: unknown entity `NOPE`" in err
    assert "sources/odd.md:5: odd: lang: `123` is a number; expected text" in err
    assert len(said) == 3, err  # nothing more of the field that held the value
    assert "Traceback" not in err


SECRET_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
              '<title>SECRET-OUTSIDE</title><rect width="10" height="10"/></svg>')


def _page_linked_out(project: Path, outside: Path, make_record: RecordFactory) -> None:
    (outside / "passwd").write_text("SECRET-OUTSIDE:x:0:0:root\nline two\n")
    (project / "sources" / "raw").mkdir(parents=True, exist_ok=True)
    (project / "sources" / "raw" / "leak.txt").symlink_to(outside / "passwd")
    make_record(id="leaky", sources=[{"page": "leak.txt", "lines": "1"}])


def _image_linked_out(project: Path, outside: Path, make_record: RecordFactory) -> None:
    (outside / "s.svg").write_text(SECRET_SVG)
    (project / "images").mkdir(exist_ok=True)
    (project / "images" / "s.svg").symlink_to(outside / "s.svg")
    make_record(id="pictured", body="The map: ![The map](images/s.svg)")


def _images_folder_linked_out(project: Path, outside: Path, make_record: RecordFactory) -> None:
    (outside / "s.svg").write_text(SECRET_SVG)
    (project / "images").symlink_to(outside)
    make_record(id="pictured", body="The map: ![The map](images/s.svg)")


LINKED_OUT = {"a raw page": (_page_linked_out, "sources/leaky.md:", "is a link leading out"),
              "an image": (_image_linked_out, "sources/pictured.md:", "is a link leading out"),
              "the images folder": (_images_folder_linked_out, "sources/pictured.md:",
                                    "is a link leading out")}


@pytest.mark.parametrize("case", LINKED_OUT)
def test_a_file_linked_out_of_the_project_is_refused_and_never_read_into_the_outputs(
        project: Path, tmp_path: Path, make_record: RecordFactory,
        capsys: pytest.CaptureFixture[str], case: str) -> None:
    """A raw page or image that is a symbolic link (git carries them) to a file outside
    the project is named by check, and no build copies a word of it into an output."""
    change, where, said = LINKED_OUT[case]
    outside = tmp_path / "outside"
    outside.mkdir()
    change(project, outside, make_record)
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    assert where in err and said in err, err
    assert run_cli(project, "build", "--format", "html") == 1
    out = project / "out"
    leaked = [p for p in out.rglob("*") if p.is_file() and b"SECRET-OUTSIDE" in p.read_bytes()] \
        if out.exists() else []
    assert leaked == []


@pytest.mark.slow
def test_a_record_id_the_print_edition_gives_a_part_is_named_at_its_record(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """Ids only the PDF has (the index, the back cover) passed check and the HTML edition;
    the PDF then stopped blaming the template, naming one clash of two."""
    make_record(id="index-entities")
    make_record(id="back-cover")
    make_record(id="chapter-iom")  # its own chapter's id, in the same part
    make_record(id="fine")
    assert run_cli(project, "build", "--format", "pdf") == 1
    err = capsys.readouterr().err
    for rid in ("index-entities", "back-cover", "chapter-iom"):
        assert f"sources/{rid}.md: {rid}: id: the print edition already has an element with " \
               f"id `{rid}`" in err, err
    assert "the template renders it twice" not in err and "Traceback" not in err


def _commit_ignoring(project: Path, pattern: str) -> None:
    """Make ``project`` a git repository of one commit, git ignoring ``pattern``."""
    (project / ".gitignore").write_text(pattern + "\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the project"]):
        subprocess.run(["git", "-c", "user.name=E", "-c", "user.email=e@x", *args],
                       cwd=project, check=True, capture_output=True)


def test_a_record_git_ignores_makes_the_fingerprint_uncommitted(
        project: Path, make_record: RecordFactory) -> None:
    """A record under a folder .gitignore names was built into the draft, while its stamp
    named the clean commit, which does not hold it."""
    make_record(id="tracked")
    _commit_ignoring(project, "*.egg-info/")
    assert run_cli(project, "build", "--format", "html") == 0
    clean = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    assert re.search(r'data-draft="git [0-9a-f]{12}"', clean)
    ignored = project / "sources" / "x.egg-info" / "ignored.md"  # by hand: no raw page touched
    ignored.parent.mkdir()
    ignored.write_text("---\nid: ignored\nkind: activity\nentity: IOM\nprovenance: {kind: "
                       "e-mail, note: From the office, date: 2024-03-04}\n---\nText.\n")
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    assert 'id="ignored"' in html
    assert re.search(r'data-draft="sha256 [0-9a-f]{12} \(uncommitted\)"', html), \
        re.findall(r'data-draft="[^"]*"', html)


@pytest.mark.parametrize("case", ["config", "registry"])
def test_a_value_yaml_cannot_read_hides_nothing_in_the_config_or_registry(
        project: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    """The config's field checks were skipped after one unreadable value (an unknown field
    went unsaid), and the registry said "name: missing" and refused the chapters naming the
    entity whose name YAML could not read."""
    if case == "config":
        edit("paper: A4", "paper: !!int x\ntitel: oops")(project)
        expected = ["compendium.yml:10: paper: `x` is not a whole number",
                    "compendium.yml:11: titel: unknown field; did you mean `title`?"]
    else:
        edit("  name: International Organization for Migration", "  name: !!int z",
             "entities.yml")(project)
        expected = ["entities.yml:134: IOM.name: `z` is not a whole number"]
    assert run_cli(project, "check") == 1
    said = [line for line in capsys.readouterr().err.splitlines()
            if ":" in line and not line.endswith("problem(s).")]
    assert len(said) == len(expected), said
    assert all(any(line.startswith(e) for line in said) for e in expected), said


@pytest.mark.parametrize("blank", ["\u200b", "\u00ad", "\u2800", "\u3164", "\u2060", "\ufeff",
                                   " \u200b "])
@pytest.mark.parametrize("where", ["edition title", "entity name", "glossary name",
                                   "record title"])
def test_a_name_of_invisible_characters_is_empty(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        blank: str, where: str) -> None:
    """Blank names were refused, but one of a zero-width space (or a soft hyphen, a braille
    blank, a Hangul filler …) passed: a blank cover, an empty heading in Word."""
    quoted = json.dumps(blank)
    if where == "edition title":
        edit("title: Compendium of United Nations System Activities to End Violence against "
             "Women and Girls", f"title: {quoted}")(project)
    elif where == "entity name":
        edit("  name: United Nations Office on Drugs and Crime", f"  name: {quoted}",
             "entities.yml")(project)
    elif where == "glossary name":
        edit("AoR: area of responsibility", f"AoR: {quoted}", "glossary.yml")(project)
    else:
        make_record(id="blank-title", title=blank)
    assert run_cli(project, "check") == 1
    assert ": empty; expected" in capsys.readouterr().err


def test_a_raw_page_git_ignores_makes_the_fingerprint_uncommitted(
        project: Path, make_record: RecordFactory) -> None:
    """The records are committed, but the raw page they cite (the annex reads it) is not."""
    make_record(id="tracked")
    _commit_ignoring(project, "sources/raw/test.txt")
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    assert re.search(r'data-draft="sha256 [0-9a-f]{12} \(uncommitted\)"', html), \
        re.findall(r'data-draft="[^"]*"', html)


def test_check_names_a_record_id_only_the_print_edition_gives_a_part(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """check said ok, and only a PDF build found the clash (an attack)."""
    make_record(id="index-entities")
    make_record(id="back-cover")
    make_record(id="fine")
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    for rid in ("index-entities", "back-cover"):
        assert f"sources/{rid}.md:2: {rid}: id: the print edition already has an element " \
               f"with id `{rid}`" in err, err
    assert "fine" not in err
