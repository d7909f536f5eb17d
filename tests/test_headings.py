"""Entries that can be named: their headings, their groups, their names elsewhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.html.headings import entry_heading, reference_name
from compendium.model import Period, Record, YearMonth
from tests.conftest import RecordFactory, run_cli

ENTITIES = ["IOM", "UNODC", "UNFPA", "UNHCR", "FAO"]


def record(**fields: object) -> Record:
    """Return an activity record with ``fields``."""
    values: dict[str, object] = {"id": "r", "kind": "activity", "entity": "IOM",
                                 "body": "Text.", "path": Path("x.md")}
    values.update(fields)
    return Record(**values)  # type: ignore[arg-type]


periods = st.one_of(st.none(), st.builds(
    lambda y, m, n: Period(YearMonth(y, m), YearMonth(y + n // 12, 1 + (m - 1 + n) % 12)),
    st.integers(1990, 2030), st.integers(1, 12), st.integers(0, 40)))


@settings(max_examples=300)
@given(entity=st.sampled_from(ENTITIES), partners=st.lists(st.sampled_from(ENTITIES),
                                                           max_size=3, unique=True),
       countries=st.lists(st.sampled_from(["Chad", "Mali", "Niger", "Peru", "Nepal"]),
                          max_size=5, unique=True),
       period=periods, title=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
       own=st.sampled_from(["", *ENTITIES]))
def test_a_heading_never_repeats_the_chapters_entity(
        entity: str, partners: list[str], countries: list[str], period: Period | None,
        title: str | None, own: str) -> None:
    partners = [p for p in partners if p != entity]
    r = record(entity=entity, partners=tuple(partners), countries=tuple(countries),
               period=period, title=title)
    heading = entry_heading(r, own, "with", "First words…")
    shown = heading.text if heading.shown else ""
    if own:
        assert shown != own
        assert not re.match(rf"{re.escape(own)}\b", heading.facts)
    if title:
        assert heading.text == title
    facts = heading.facts if title else shown
    if period is not None:
        assert facts.count(period.label) == 1  # stated once, not twice
    for country in countries[:3]:
        assert country in facts
    if not heading.shown:  # an entry that knows nothing: its first words, not printed
        assert heading.text == "First words…" and not (period or countries or title)


def test_reference_names_an_entry_by_title_else_its_lead() -> None:
    assert reference_name(record(title="Safe migration for women"), "with") == \
        "Safe migration for women"
    assert reference_name(record(partners=("UNFPA",), period=Period(YearMonth(2014, 3))),
                          "with") == "IOM with UNFPA, Mar 2014"


@pytest.mark.slow
def test_titles_groups_and_headings_in_the_edition(project: Path,
                                                   make_record: RecordFactory) -> None:
    make_record(id="titled", title="Training border officials", partners=["UNODC"],
                period={"start": "2014-03", "end": "2016-03"}, countries=["Azerbaijan"],
                themes=["inter-agency"])
    make_record(id="a", period={"start": "2014-05"})
    make_record(id="b", period={"start": "2014-11", "end": "2015-02"})
    make_record(id="c", body="IOM scaled up advocacy in Chad.")
    make_record(id="d", body="Nothing else is known.")
    make_record(id="e", round=2021, body="Reported in a round.")
    assert run_cli(project, "build", "--format", "html") == 0
    page = (project / "out" / "compendium.html").read_text()
    iom = page[page.index('id="chapter-iom"'):page.index('id="chapter-unodc"')]
    # Each heading after its entry number (see-also lists and the annex cite it).
    headings = re.findall(r'<h3 [^>]*><span class="entry-number">[\d.]+</span> ([^<]*)</h3>',
                          iom)
    assert "IOM" not in headings and "Training border officials</h3>" not in iom  # elsewhere
    assert re.findall(r"<h2 id=\"iom--[^\"]+\">([^<]+)</h2>", iom) == [
        "Recent reporting rounds (undated)", "Reporting round 2021", "2014"]
    assert "Chad" in headings  # what the undated entry knows
    assert "May 2014" in headings and "Nov 2014 – Feb 2015" in headings
    assert re.search(r'<h3 id="d-heading"[^>]*><span class="entry-number">[\d.]+</span> '
                     r'<span class="visually-hidden">Nothing else is known.</span></h3>', iom)
    # The titled entry lives in another chapter: its heading, and the see-also, name it.
    assert "</span> Training border officials</h3>" in page
    assert re.search(r'<p class="entry-facts">Mar 2014 – Mar 2016 · IOM with UNODC · '
                     r'Azerbaijan</p>', page)
    link = re.search(r'class="xref" href="#titled"[^>]*>(.*?)</a>', page)
    assert link and re.fullmatch(r"[\d.]+ Training border officials",
                                 re.sub(r"<[^>]+>", "", link.group(1)))  # names marked inside
    chapter = (project / "out" / "chapters" / "02-iom.md").read_text()
    assert "### IOM\n" not in chapter and "## 2014\n" in chapter


def test_a_bad_title_is_named(project: Path, make_record: RecordFactory,
                              capsys: object) -> None:
    make_record(id="empty", title="  ")
    make_record(id="lines", title="One\nTwo")
    make_record(id="long", title="x" * 200)
    make_record(id="number", title=12)
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "empty: title: empty; expected a short heading, or no `title:` field" in err
    assert "lines: title: several lines; expected a heading on one line" in err
    assert "long: title: 200 characters; expected at most 160" in err
    assert "number: title: `12` is a number; expected text" in err


@pytest.mark.slow
def test_the_chapter_title_is_not_repeated_as_its_profile_heading(
        project: Path, make_record: RecordFactory) -> None:
    make_record(id="iom-profile", kind="profile", name="International Organization for "
                "Migration", body="## Background\n\nIOM works on migration.")
    make_record(id="x")
    assert run_cli(project, "build", "--format", "html") == 0
    page = (project / "out" / "compendium.html").read_text()
    assert re.search(r'<h2 id="iom-profile-heading"><span class="entry-number">[\d.]+</span> '
                     r'Profile</h2>', page)


@pytest.mark.parametrize(("more", "count"), [(1, "one"), (2, "two"), (9, "nine"), (10, "10"),
                                             (1234, "1,234")])
def test_the_count_of_more_countries_never_breaks_from_its_word(more: int, count: str) -> None:
    """"… and 3 more" at a line's end left "countries" alone on the next line; a number
    under ten is written out, as United Nations texts write it."""
    from compendium.html.headings import MAX_COUNTRIES_SHOWN, countries_line

    names = [f"Country {n}" for n in range(MAX_COUNTRIES_SHOWN + more)]
    word = "country" if more == 1 else "countries"
    assert countries_line(names).endswith(f" and {count}\u00a0other\u00a0{word}")


# How an entry known only by its text may open, and whether its number runs into that
# opening (a paragraph) or heads it on a line of its own (anything else).
OPENINGS = {
    "plain": ("Plain words open it.", True),
    "emphasis": ("*Stressed* words open it.", True),
    "link": ("[A link](https://example.org) opens it.", True),
    "name": ("IOM opens it with a name.", True),
    "list": ("- A listed point opens it.\n- Another point.", False),
    "quote": ("> A quotation opens it.", False),
    "heading": ("### A sub-heading\n\nThen words.", False),
    "table": ("| A | B |\n|---|---|\n| 1 | 2 |", False),
}


def _opening_cases(make_record: RecordFactory) -> None:
    for name, (body, _) in OPENINGS.items():
        make_record(id=f"open-{name}", body=body)
    make_record(id="open-french", body="Des mots en français l’ouvrent.", lang="fr")


def test_an_entry_known_only_by_its_text_runs_its_number_into_its_first_paragraph(
        project: Path, make_record: RecordFactory) -> None:
    """Headed by its number alone, such an entry printed the number on a line of its own."""
    _opening_cases(make_record)
    assert run_cli(project, "build", "--format", "html") == 0
    page = (project / "out" / "compendium.html").read_text()
    cases = {**OPENINGS, "french": ("", True)}
    for name, (_, runs_in) in cases.items():
        start = page.index(f'id="open-{name}"')
        article = page[start:page.index("</article>", start)]
        number = re.search(r'<span class="entry-number">([\d.]+)</span>', article)
        assert number, name  # the heading keeps it, for screen readers and the outline
        hidden = '<h3 id="open-' + name + '-heading" class="visually-hidden">'
        run_in = (f'<span class="entry-number run-in" aria-hidden="true">{number[1]}'
                  '</span> ')
        if runs_in:
            assert hidden in article and "record entry runs-in" in page[start - 60:start]
            assert re.search(r'<p id="open-' + name + r'-p1">' + re.escape(run_in), article)
        else:
            assert hidden not in article and "run-in" not in article, name
        assert article.count(f">{number[1]}<") == 1 + runs_in, name


@pytest.mark.slow
def test_a_run_in_number_prints_on_its_paragraphs_first_line(
        project: Path, make_record: RecordFactory) -> None:
    """In the PDF the number and the paragraph's first words share a line; an entry opening
    otherwise keeps its number above, once."""
    _opening_cases(make_record)
    assert run_cli(project, "build", "--format", "pdf") == 0
    text = subprocess.run(["pdftotext", "-layout", str(project / "out" / "compendium.pdf"),
                           "-"], check=True, capture_output=True, text=True).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for words in ("Plain words open it.", "Stressed words open it.",
                  "A link <https://example.org> opens it.",
                  "IOM opens it with a name.", "Des mots en français l’ouvrent."):
        [line] = [line for line in lines if line.endswith(words)]
        assert re.fullmatch(r"\d+\.\d+ " + re.escape(words), line), line
    alone = [line for line in lines if re.fullmatch(r"\d+\.\d+", line)]
    assert len(alone) == 4, alone  # list, quote, heading, table


@pytest.mark.parametrize(("address", "label"), [
    ("17 route des Morillons, Geneva", "Address"),
    ("17 route des Morillons, Geneva\nhttps://www.iom.int", "Address and websites"),
    ("www.spotlightinitiative.org", "Address and websites")])
def test_a_profiles_address_is_labelled_for_what_it_holds(
        project: Path, make_record: RecordFactory, address: str, label: str) -> None:
    """"Address and websites" over an address without a website (the designer's review)."""
    make_record(id="iom-profile", kind="profile", name="International Organization for "
                "Migration", address=address, body="## Background\n\nIOM works on migration.")
    assert run_cli(project, "build", "--format", "html") == 0
    page = (project / "out" / "compendium.html").read_text()
    assert f"<dt>{label}</dt>" in page
