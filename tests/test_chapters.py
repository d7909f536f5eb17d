"""Chapter assignment: rules, overrides and added chapters, seen in the built outputs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pypdf
import pytest

from compendium.chapter_markdown import one_line
from compendium.records.sources import NOTE
from tests.conftest import RecordFactory, fingerprint, pdf_text, run_cli

pytestmark = pytest.mark.slow


def chapter_of(html: str, record_id: str) -> str:
    """Return the slug of the chapter section that holds ``record_id`` in the HTML."""
    found = re.search(f'<article class="record entry[^"]*" id="{record_id}"', html)
    assert found, record_id
    before = html[:found.start()]
    return before[before.rindex('<section class="chapter" id="chapter-') + 37:].split('"')[0]


def test_record_chapter_field_wins_over_rules(project: Path, make_record: RecordFactory) -> None:
    make_record(id="iom-moved", entity="IOM", chapter="unodc", body="IOM text moved to UNODC.")
    make_record(id="iom-stays", entity="IOM", body="IOM text that stays home.")
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text()
    assert chapter_of(html, "iom-moved") == "unodc"
    assert chapter_of(html, "iom-stays") == "iom"


def test_theme_sends_a_record_past_its_entity_chapter(project: Path,
                                                      make_record: RecordFactory) -> None:
    make_record(id="iom-network", entity="IOM", themes=["inter-agency"], body="A network.")
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text()
    assert chapter_of(html, "iom-network") == "inter-agency-coordination"
    # The IOM chapter refers to it instead of repeating it.
    iom = html[html.index('id="chapter-iom"'):html.index('id="chapter-unodc"')]
    assert 'href="#iom-network"' in iom


def test_catch_all_takes_the_rest_and_is_left_out_when_empty(
        project: Path, make_record: RecordFactory) -> None:
    make_record(id="iom-own", entity="IOM")
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text()
    assert 'id="chapter-other-entities"' not in html
    make_record(id="unfpa-own", entity="UNFPA", body="UNFPA ran a clinic.")
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text()
    assert chapter_of(html, "unfpa-own") == "other-entities"


def test_added_chapter_in_config_shows_up_without_code_change(
        project: Path, make_record: RecordFactory) -> None:
    config = project / "compendium.yml"
    text = config.read_text()
    added = ("  - slug: unfpa\n    title: United Nations Population Fund (UNFPA)\n"
             "    select:\n      entities: [UNFPA]\n")
    config.write_text(text.replace("  - slug: other-entities", added + "  - slug: other-entities"))
    make_record(id="unfpa-clinic", entity="UNFPA", body="UNFPA opened a clinic for survivors.")
    assert run_cli(project, "build") == 0
    out = project / "out"
    assert (out / "chapters" / "05-unfpa.md").read_text().startswith(
        "# 5. United Nations Population Fund (UNFPA)\n")
    reader = pypdf.PdfReader(out / "compendium.pdf")
    assert "5. United Nations Population Fund (UNFPA)" in [
        i.title for i in reader.outline if not isinstance(i, list)]
    assert fingerprint("UNFPA opened a clinic for survivors.") in fingerprint(
        pdf_text(out / "compendium.pdf"))


def test_renamed_chapter_leaves_no_stale_markdown(project: Path,
                                                  make_record: RecordFactory) -> None:
    make_record()
    assert run_cli(project, "build", "--format", "html") == 0
    config = project / "compendium.yml"
    config.write_text(config.read_text().replace("slug: unodc", "slug: drugs-and-crime"))
    assert run_cli(project, "build", "--format", "html") == 0
    names = sorted(p.name for p in (project / "out" / "chapters").iterdir())
    assert "03-drugs-and-crime.md" in names and "03-unodc.md" not in names


def test_golden_chapter_markdown(project: Path, make_record: RecordFactory,
                                 request: Any) -> None:
    golden = Path(__file__).parent / "golden"
    make_record(id="iom-profile", kind="profile", entity="IOM",
                name="International Organization for Migration",
                mail_address="17 Route des Morillons, Geneva",
                body="## Background\n\nIOM works on migration.")
    make_record(id="iom-2014-03-azerbaijan", entity="IOM", partners=["UNFPA"],
                period={"start": "2014-03", "end": "2016-03"},
                body="In Azerbaijan, IOM trains staff.\n\n- one\n- two")
    make_record(id="iom-2007-07-research", entity="IOM", period={"start": "2007-07"},
                body="IOM conducts research.")
    make_record(id="iom-undated-network", entity="IOM", themes=["inter-agency"],
                body="IOM co-chairs a working group.")
    make_record(id="iom-undated-recent", entity="IOM", body="IOM scaled up advocacy.")
    assert run_cli(project, "build", "--format", "html") == 0
    for name in ("02-iom.md", "04-inter-agency-coordination.md"):
        actual = (project / "out" / "chapters" / name).read_text()
        assert actual == (golden / name).read_text(), f"{name} differs from tests/golden"


def test_one_group_and_one_anchor_per_year(project: Path, make_record: RecordFactory) -> None:
    """Entries that started in the same year are one group, with one id, whatever their
    months (a large edition would otherwise have a group per distinct month range)."""
    make_record(id="a", period={"start": "2010-06"}, sources=[{"page": "test.txt", "lines": "1"}])
    make_record(id="b", period={"start": "2010-06", "end": "2010-06"},
                sources=[{"page": "test.txt", "lines": "2"}])
    make_record(id="c", period={"start": "2010-02", "end": "2011-06"},
                sources=[{"page": "test.txt", "lines": "3"}])
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text()
    assert html.count('id="iom--2010"') == 1
    assert html.count(">2010</h2>") == 1
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_a_chapter_that_selects_no_record_is_said_and_keeps_its_place(
        project: Path, make_record: RecordFactory, caplog: pytest.LogCaptureFixture) -> None:
    """Its number stays (entry numbers do not move while an edition fills up), and `check`
    names it, for the editor to fill or remove."""
    make_record(id="iom-one", entity="IOM", body="IOM trained nurses.")
    with caplog.at_level(NOTE):
        assert run_cli(project, "check") == 0
    err = caplog.text
    assert "chapter “United Nations Office on Drugs and Crime (UNODC)” selects no record" \
        in err
    assert "chapter “International Organization for Migration (IOM)”" not in err


@pytest.mark.parametrize(("address", "line"), [
    ("Case Postale 2500. CH-1211 Genève 2 Dépôt. Suisse.\nhttp://www.unhcr.org/",
     "Case Postale 2500. CH-1211 Genève 2 Dépôt. Suisse. http://www.unhcr.org/"),
    ("405 East 42nd Street\nNew York, NY 10017\nUSA",
     "405 East 42nd Street; New York, NY 10017; USA"),
    ("Via Appia 20,\n1211 Geneva\n\n", "Via Appia 20, 1211 Geneva"),
])
def test_an_address_on_one_line_doubles_no_punctuation(address: str, line: str) -> None:
    assert one_line(address) == line
