"""Front and back matter from the config: title page, imprint, front texts, back cover,
annex headings; and the charts worth printing."""

from __future__ import annotations

import html
import random
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from compendium.html.charts import Charts
from compendium.model import Period, Record, YearMonth
from tests.conftest import RecordFactory, fingerprint, page_labels, pdf_page_texts, run_cli

IMPRINT = """imprint:
  copyright: © 2026 United Nations
  isbn: 978-92-1-003456-7
  sales_number: E.26.IV.3
  symbol: ST/ESA/999
  citation: United Nations (2026). A test compendium.
front_matter:
  foreword: front/foreword.md
  acknowledgements: front/thanks.md
  methodology: front/methodology.md
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    """Build a small edition with an imprint and front texts; return its pages' text and
    labels."""
    from tests.conftest import ROOT, copy_project

    project = copy_project(tmp_path_factory.mktemp("front") / "p",
                           sources=ROOT / "sources")
    config = project / "compendium.yml"
    shipped = config.read_text()
    config.write_text(shipped[:shipped.index("# The imprint page")] + IMPRINT)
    (project / "front" / "foreword.md").write_text("A foreword by the Head of the Network.\n")
    (project / "front" / "thanks.md").write_text("With thanks to every focal point.\n")
    assert run_cli(project, "build", "--format", "pdf") == 0
    pdf = project / "out" / "compendium.pdf"
    return pdf_page_texts(pdf), page_labels(pdf)


def page_of(pages: list[str], words: str) -> int:
    """Return the physical page number (from 1) of the first page holding ``words``
    (hyphenated or not)."""
    return next(i for i, p in enumerate(pages, start=1) if fingerprint(words) in fingerprint(p))


@pytest.mark.slow
def test_title_page_on_a_right_hand_page_and_imprint_on_its_back(
        book: tuple[list[str], list[str]]) -> None:
    pages, _ = book
    title = 1 + page_of(pages[1:], "2026 edition")  # the cover has it too
    assert title % 2 == 1 and title > 1  # a recto, not the back of the cover
    imprint = " ".join(pages[title].split())  # the next page
    for words in ("© 2026 United Nations", "ISBN 978-92-1-003456-7", "Sales No. E.26.IV.3",
                  "Symbol ST/ESA/999", "The designations employed and the presentation of "
                  "material in this publication do not imply",
                  "Suggested citation: United Nations (2026). A test compendium.",
                  "Sources as of"):
        assert words in imprint, words


@pytest.mark.slow
def test_front_texts_in_order_and_in_the_contents(book: tuple[list[str], list[str]]) -> None:
    pages, labels = book
    order = [page_of(pages, w) for w in ("A foreword by the Head", "With thanks to every",
                                         "gathers what entities", "Each entry of the "
                                         "compendium is an entry")]
    # In order, each opening a page of its own, of either side, but the methodology, which
    # runs on under the introduction.
    assert order == sorted(order) and len(set(order[:3])) == 3 and order[3] - order[2] <= 1
    contents = " ".join(pages[page_of(pages, "Contents") - 1].split())
    for heading in ("Foreword", "Acknowledgements", "Acronyms", "Introduction",
                    "Methodology"):
        assert heading in contents
    assert labels[order[0] - 1] in contents  # its roman page number


@pytest.mark.slow
def test_back_cover_is_the_last_left_hand_page(book: tuple[list[str], list[str]]) -> None:
    pages, _ = book
    assert len(pages) % 2 == 0
    assert "Compendium of United Nations" in pages[-1]
    assert "Annex" not in pages[-1]


@pytest.mark.slow
def test_annex_names_pages_by_title_not_file(book: tuple[list[str], list[str]]) -> None:
    pages, _ = book
    annex = " ".join(" ".join(p.split()) for p in pages[page_of(pages, "Annex: sources") - 1:])
    assert "sources/raw" not in annex
    assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", annex)
    assert "International Organization for Migration" in annex  # a page's first line


def test_a_front_matter_file_missing_is_named(project: Path, make_record: RecordFactory,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    config = project / "compendium.yml"
    config.write_text(config.read_text().replace("methodology: front/methodology.md",
                                                 "methodology: front/nothing.md\n  preface: x"))
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    assert "front_matter: methodology: file `front/nothing.md` not found" in err
    assert "front_matter: preface: unknown field" in err


@pytest.mark.parametrize("named", [".git/config", "out/compendium.html", "front/notes.txt"])
def test_a_front_matter_file_must_be_markdown_outside_hidden_folders(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        named: str) -> None:
    """Inside the project, .git/config (a remote's address, perhaps its token) was printed
    in both editions."""
    make_record()
    target = project / named
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("SECRET token\n", encoding="utf-8")
    config = project / "compendium.yml"
    config.write_text(config.read_text().replace("methodology: front/methodology.md",
                                                 f"methodology: {named}"))
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    assert f"front_matter: methodology: `{named}` is not a Markdown file of the project" in err


@pytest.mark.parametrize("where", ["front file", "imprint notes", "back cover"])
def test_a_front_text_past_the_bounds_is_refused(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        where: str) -> None:
    """A 24 KB methodology of marks (`*a*b*a*b…`) passed `check` and took the build 187 s:
    the front texts are laid out as the records are, and have their bounds."""
    make_record()
    marks = "".join("*a*b" for _ in range(4000))  # a line within bounds, a word past them
    config = project / "compendium.yml"
    if where == "front file":
        (project / "front" / "methodology.md").write_text(f"Methodology.\n\n{marks}\n")
    else:
        key = "notes" if where == "imprint notes" else "back_cover"
        text = re.sub(r"  back_cover: \|\n(    .*\n)+", "", config.read_text())
        config.write_text(text.replace("imprint:\n", f"imprint:\n  {key}: '{marks}'\n"))
    started = time.monotonic()
    assert run_cli(project, "check") == 1
    assert time.monotonic() - started < 20
    err = capsys.readouterr().err
    assert "Markdown marks" in err and "expected at most 40 in a word" in err, err
    if where == "front file":
        assert "front/methodology.md:3: a word with" in err, err
    else:
        assert f"imprint.{key}: a word with" in err, err


@pytest.mark.slow
@pytest.mark.parametrize("outside", ["/etc/passwd", "../outside.md", "front/../../outside.md",
                                     "link-out.md"])
def test_no_file_outside_the_project_is_read_from_the_config(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        outside: str) -> None:
    (project.parent / "outside.md").write_text("SECRET from outside the project\n")
    (project / "link-out.md").symlink_to(project.parent / "outside.md")
    config = project / "compendium.yml"
    text = config.read_text().replace("methodology: front/methodology.md",
                                      f"methodology: {outside}")
    lines = text.splitlines()
    named = {field: lines.index(f"{field}: {field}.yml") + 1 for field in ("entities", "glossary")}
    config.write_text(re.sub(r"(?m)^(entities|glossary): \S+$", rf"\1: {outside}", text))
    assert run_cli(project, "check") == 1
    assert run_cli(project, "build") == 1
    err = capsys.readouterr().err
    for field, line in named.items():
        assert f"{config.name}:{line}: {field}: {field}: file `{outside}` is outside the " \
            "project" in err, err
    # In the same run (it was told only once the registry was put right: an attack).
    assert f"front_matter: methodology: file `{outside}` is outside the project" in err
    config.write_text(text)  # the registry and glossary back: the front text is told still
    assert run_cli(project, "build") == 1
    err = capsys.readouterr().err
    assert f"front_matter: methodology: file `{outside}` is outside the project" in err
    assert "SECRET" not in err and "root:" not in err
    assert not (project / "out").exists() or not any(
        "SECRET" in f.read_text(errors="replace") for f in (project / "out").rglob("*.html"))


# --- Charts ----------------------------------------------------------------------------------

def activities(count: int, seed: int = 1) -> list[Record]:
    """Return ``count`` activities of several entities over 1990–2025, some undated."""
    rng = random.Random(seed)
    entities = ["IOM", "UNODC", "UNFPA", "UNHCR", "FAO", "WHO", "UNDP", "UNICEF"]
    made = []
    for n in range(count):
        year = rng.randint(1990, 2025)
        made.append(Record(
            id=f"r{n}", kind="activity", entity=rng.choice(entities), body="x",
            path=Path("x.md"), partners=tuple(rng.sample(entities, rng.randint(0, 2))),
            period=None if rng.random() < 0.3 else Period(YearMonth(year, 1))))
    return made


@pytest.mark.slow
@pytest.mark.parametrize("count", [12, 60, 300])
def test_charts_use_at_most_eight_colours_and_say_what_they_count(count: int) -> None:
    charts = list(Charts(activities(count)))
    assert [c.slug for c in charts] == ["chart-entries", "chart-collaboration"]
    bars = charts[0]
    fills = set(re.findall(r"fill:\s*(#[0-9a-f]{6})", bars.svg)) - {"#ffffff", "#1d2329"}
    assert 2 <= len(fills) <= 8
    assert len(bars.rows[0]) - 2 <= 8  # periods in the data table: one per colour
    total = sum(int(row[-1]) for row in bars.rows[1:])
    assert total == count  # every entry counted once
    for chart in charts:
        assert f"the {count} activity entries" in chart.source
        assert "profiles not counted" in chart.source


@pytest.mark.slow
@pytest.mark.parametrize("name", ["$\\sqrt{x$", "$\\mathcal{Q}$", "a $ b $ c", "100%"])
def test_an_entity_name_is_drawn_as_written_not_read_as_a_formula(name: str) -> None:
    made = [replace(record, entity=name if n % 2 else record.entity)
            for n, record in enumerate(activities(60))]
    svg = html.unescape(next(iter(Charts(made))).svg)
    # As text: drawn as a formula, its letters came out as private-use glyphs (U+E23D).
    assert name in svg and not re.search("[\ue000-\uf8ff]", svg)


def test_no_chart_without_enough_data() -> None:
    alone = [Record(id=r.id, kind="activity", entity=r.entity, body="x", path=r.path)
             for r in activities(9)]
    assert not Charts(alone)  # 9 entries, none shared
    few = [r for r in activities(40) if r.entity == "IOM"]
    lone = [Record(id=r.id, kind="activity", entity="IOM", body="x", path=r.path,
                   period=r.period) for r in few]
    assert not list(Charts(lone))  # one entity, nobody working together: nothing to show


@pytest.mark.slow
def test_charts_scale_in_the_html_and_keep_alt_text_out_of_print(shipped_build: Path) -> None:
    page = (shipped_build / "compendium.html").read_text()
    for svg in re.findall(r"<svg [^>]*>", page):
        if 'role="img"' in svg:
            assert not re.search(r'\s(width|height)="', svg), svg
    assert 'class="chart-description"' not in page
    assert 'class="chart-source"' in page


@pytest.mark.slow
def test_a_chart_fits_a_phone_screen(shipped_build: Path, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto((shipped_build / "compendium.html").as_uri())
    widths = page.eval_on_selector_all(
        "figure.chart svg", "svgs => svgs.map(s => [s.getBoundingClientRect().width, "
        "s.getBoundingClientRect().height, document.documentElement.clientWidth])")
    page.close()
    assert widths
    for width, height, screen in widths:
        assert 0 < width <= screen and height > 0


@pytest.mark.parametrize(("where", "written"), [
    ("front file", "RLO &#x202E; reversed text"), ("config", '"Inventory \\u202E reversed"'),
    ("glossary", '"Evil \\u202E gnirts"'), ("entities", '"Org \\u0007 bell"'),
    ("front file", "A tag\U000E0041 hidden")])
def test_an_override_or_control_outside_the_records_is_a_problem(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str],
        where: str, written: str) -> None:
    """The records' character rules held in the records alone: an override in the
    methodology, the config's subtitle or the glossary reached the HTML."""
    make_record()
    if where == "front file":
        path = project / "front" / "methodology.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\n{written}\n", encoding="utf-8")
    elif where == "config":
        path = project / "compendium.yml"
        path.write_text(re.sub(r"(?m)^subtitle: .*$", lambda _: f"subtitle: {written}",
                               path.read_text(encoding="utf-8")), encoding="utf-8")
    elif where == "glossary":
        path = project / "glossary.yml"
        path.write_text(path.read_text(encoding="utf-8") + f"ZZQ: {written}\n",
                        encoding="utf-8")
    else:
        path = project / "entities.yml"
        path.write_text(path.read_text(encoding="utf-8") + f"ZZQ:\n  name: {written}\n",
                        encoding="utf-8")
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    assert f"{path.name}:" in err and ("a direction override" in err or "a control character"
                                       in err or "an invisible character" in err), err


def test_an_entity_named_in_chinese_draws_its_chart_label_without_a_library_warning(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """matplotlib measured a Chinese acronym with Source Sans alone and printed "Glyph 32626
    missing from font(s) Source Sans Pro", with its own file path, on every `check`."""
    registry = project / "entities.yml"
    registry.write_text(registry.read_text(encoding="utf-8")
                        + "妇女署:\n  name: Xy Organization\n", encoding="utf-8")
    for n in range(6):  # enough entries for the chart (charts.MIN_ENTRIES)
        make_record(entity="妇女署", period={"start": f"201{n}-01"})
        make_record(entity="IOM", period={"start": f"201{n}-03"})
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run_cli(project, "check") == 0
    said = [str(w.message) for w in caught] + [capsys.readouterr().err]
    assert not any("Glyph" in text for text in said), said
