"""The importer: nothing lost, nothing doubled, stable re-imports, hand edits protected."""

from __future__ import annotations

import itertools
import random
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compendium.records.config import load_edition
from compendium.records.sources import read_record_files
from compendium.records.validate import validate_records
from tests.conftest import (
    ROOT,
    browser_text,
    fingerprint,
    not_exactly_once,
    pdf_text,
    run_cli,
)

RAW = ROOT / "sources" / "raw"
SEEDS = sorted(RAW.glob("0*.txt"))
FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "\u00a0": " "})


def seed_paragraphs() -> list[str]:
    """Derive the distinct content paragraphs (60+ characters) from the raw pages themselves.

    Written apart from the importer on purpose: split at "View More", fold typography,
    and treat a paragraph that starts another as its teaser, keeping the longer."""
    kept: list[str] = []
    for page in SEEDS:
        for line in page.read_text(encoding="utf-8").splitlines():
            for piece in line.split("View More"):
                text = " ".join(piece.replace("\u00a0", " ").split()).removeprefix("- ")
                if len(text) < 60:
                    continue
                key = text.translate(FOLD)
                same = [i for i, k in enumerate(kept) if k.translate(FOLD).startswith(key)
                        or key.startswith(k.translate(FOLD))]
                if same:
                    kept[same[0]] = max(kept[same[0]], text, key=len)
                else:
                    kept.append(text)
    return kept


def test_seed_pages_have_about_95_distinct_paragraphs() -> None:
    assert 90 <= len(seed_paragraphs()) <= 100


@pytest.mark.slow
def test_each_seed_paragraph_appears_exactly_once_in_the_pdf(shipped_build: Path) -> None:
    text = pdf_text(shipped_build / "compendium.pdf")
    assert not_exactly_once(text, seed_paragraphs()) == {}


@pytest.mark.slow
def test_each_seed_paragraph_appears_exactly_once_in_the_html(shipped_build: Path,
                                                              browser: Any) -> None:
    text = browser_text(browser, shipped_build / "compendium.html")
    assert not_exactly_once(text, seed_paragraphs()) == {}


# (page, header line, period, lead entity, partners): read off the raw pages by hand.
DATED_ENTRIES = [
    ("000", 51, "Mar 2014 – Mar 2016", "IOM", ("UNFPA",)),
    ("000", 56, "Mar 2014 – Mar 2016", "IOM", ()),
    ("000", 60, "Mar 2014 – Mar 2016", "IOM", ()),
    ("000", 64, "Mar 2014 – Mar 2016", "IOM", ()),
    ("000", 68, "Jul 2007 – Jan 2008", "IOM", ()),
    ("000", 72, "Oct 2009 – Feb 2010", "IOM", ()),
    ("000", 76, "Jul 2007", "IOM", ()),
    ("000", 80, "Jul 2007", "IOM", ()),
    ("000", 84, "Jul 2007 – Jan 2008", "IOM", ()),
    ("000", 88, "Jul 2007", "IOM", ()),
    ("003", 63, "Oct 2009 – Feb 2010", "UNODC", ()),
    ("003", 67, "Mar 2013 – Feb 2014", "UNODC", ()),
    ("003", 71, "Mar 2011 – Jan 2012", "UNODC", ()),
    ("003", 75, "Mar 2010 – Sep 2010", "UNODC", ()),
    ("003", 79, "Mar 2009 – Sep 2009", "UNODC", ()),
    ("003", 83, "Jul 2007 – Jan 2008", "UNODC", ()),
    ("003", 87, "Jul 2007 – Jan 2008", "UNODC", ()),
]


def shipped_records() -> list[Any]:
    """Return the records shipped in sources/."""
    files = read_record_files(ROOT / "sources")
    records = validate_records(files.value, load_edition(ROOT / "compendium.yml"))
    assert not files.problems and not records.problems
    return list(records.value)


def test_periods_and_entities_of_every_dated_entry() -> None:
    found = []
    for record in shipped_records():
        for source in record.sources:
            first = int(source.lines.split("-")[0])
            if record.period is not None:
                found.append((source.page[:3], first, record.period.label, record.entity,
                              record.partners))
    assert sorted(f for f in found if f[0] in ("000", "003")) == sorted(DATED_ENTRIES)


def test_mixed_listing_entries_go_to_the_entity_their_text_names() -> None:
    records = shipped_records()

    def entity_of(start: str) -> str:
        return next(r.entity for r in records if r.body.startswith(start))

    assert entity_of("OHCHR contributed to the elaboration") == "OHCHR"
    assert entity_of("The United Nations Statistics Division") == "UNSD"
    assert entity_of("On 28 November 2024, FAO hosted") == "FAO"
    assert entity_of("UN Action is an inter-agency mechanism") == "UN Action"
    assert entity_of("Under the leadership of the Resident") == "Spotlight Initiative"


def test_shared_blocks_and_cross_page_repeats_become_one_record_with_both_sources() -> None:
    records = {r.id: r for r in shipped_records()}
    spotlight = records["spotlight-initiative-profile"]
    assert [s.page[:3] for s in spotlight.sources] == ["000", "003"]
    assert spotlight.address == "220 East 42nd Street\nNew York, NY 10017"
    gr = records["iom-undated-participates-iasc-gender-reference"]
    assert [(s.page[:3], s.lines) for s in gr.sources] == [("001", "26-35"), ("002", "30-39")]


def test_cut_off_page_keeps_the_fuller_teaser(tmp_path: Path) -> None:
    body = next(r.body for r in shipped_records() if r.id.startswith(
        "iom-undated-alignment-institutional"))
    assert body.endswith("in their respective contexts.")


@pytest.mark.slow
def test_shipped_sources_are_exactly_what_the_importer_writes(tmp_path: Path) -> None:
    into = tmp_path / "sources"
    assert run_cli(ROOT, "import", *map(str, SEEDS), "--into", str(into)) == 0
    made = {p.relative_to(into): p.read_bytes() for p in into.rglob("*") if p.is_file()}
    shipped = {p.relative_to(ROOT / "sources"): p.read_bytes()
               for p in (ROOT / "sources").rglob("*") if p.is_file()}
    assert made == shipped


def imported(tmp_path: Path) -> Path:
    """Import the seeds into a fresh sources folder and return it."""
    into = tmp_path / "sources"
    assert run_cli(ROOT, "import", *map(str, SEEDS), "--into", str(into)) == 0
    return into


def snapshot(into: Path) -> dict[Path, tuple[bytes, int]]:
    """Return each record file's bytes and modification time."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in into.rglob("*.md")}


@pytest.mark.slow
def test_reimport_changes_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = imported(tmp_path)
    before = snapshot(into)
    capsys.readouterr()
    assert run_cli(ROOT, "import", *map(str, SEEDS), "--into", str(into)) == 0
    assert "(0 new, 0 updated, 53 unchanged, 0 kept edits, 0 deleted by the editor)" in (
        capsys.readouterr().out)
    assert snapshot(into) == before


@pytest.mark.slow
def test_hand_edits_are_kept_unless_forced(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    into = imported(tmp_path)
    edited = into / "iom" / "iom-profile.md"
    edited.write_text(edited.read_text().replace("humane and orderly", "humane, orderly"))
    mine = edited.read_bytes()
    capsys.readouterr()
    assert run_cli(ROOT, "import", *map(str, SEEDS), "--into", str(into)) == 0
    err = capsys.readouterr().err
    assert f"kept: {edited} was edited since the last import" in err
    assert edited.read_bytes() == mine
    assert run_cli(ROOT, "import", *map(str, SEEDS), "--into", str(into), "--force") == 0
    assert b"humane and orderly" in edited.read_bytes()


@pytest.mark.slow
def test_check_passes_then_fails_when_a_paragraph_goes_missing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = imported(tmp_path)
    assert run_cli(ROOT, "import", *map(str, SEEDS), "--into", str(into), "--check") == 0
    record = into / "unsd" / "unsd-undated-united-nations-statistics-division.md"
    record.write_text(record.read_text().replace(
        "UNSD also is part of the WHO technical group for new estimates on partner and "
        "non-partner VAW", ""))
    capsys.readouterr()
    assert run_cli(ROOT, "import", *map(str, SEEDS), "--into", str(into), "--check") == 1
    err = capsys.readouterr().err
    assert "002_d5b4421f0c7540ab.txt:25: UNSD also is part" in err
    assert "not written yet" not in err  # the record is there, without the paragraph
    # Before any import, the records are not there: --check says so, not that text is lost.
    assert run_cli(ROOT, "import", *map(str, SEEDS), "--into", str(tmp_path / "none"),
                   "--check") == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("unaccounted:")]
    assert lines and all("not written yet: import without --check" in line for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.txt", b"", "empty file; expected a scraped inventory page"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file; expected UTF-8 text"),
    ("latin1.txt", "Caf\u00e9 du commerce".encode("latin-1"), ":1: not UTF-8 text"),
    ("other-site.txt", b"Welcome to our bakery\nFresh bread every morning.\n",
     "does not look like a page of the UN Women inventory"),
    ("blank.txt", b"Search\n\n \n", "no text left after cleaning"),
])
def test_bad_raw_files_are_named_and_the_rest_still_imports(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes,
        message: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    into = tmp_path / "sources"
    code = run_cli(ROOT, "import", str(SEEDS[0]), str(bad), "--into", str(into))
    err = capsys.readouterr().err
    assert code == 1
    assert f"error: {bad}" in err and message in err
    assert "Traceback" not in err
    assert (into / "iom" / "iom-profile.md").exists()


# --- Generated pages: teasers, repeats, shared blocks and split headers -----------------

WORDS = ["support", "survivors", "women", "girls", "training", "justice", "shelter", "data",
         "prevention", "response", "community", "police", "health", "services", "migrants",
         "programme", "national", "capacity", "the", "and", "for", "with", "in", "of"]


@st.composite
def paragraph(draw: Any, number: int) -> str:
    """Return a sentence-like paragraph that starts with a unique token."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=12, max_size=40))
    quote = draw(st.sampled_from(["’s", "'s", ""]))
    return f"Item{number:03d} IOM{quote} " + " ".join(words) + "."


@st.composite
def entry_layout(draw: Any, number: int) -> tuple[list[str], list[str]]:
    """Return (the entry's paragraphs, its lines on the page in one of the site's forms)."""
    count = draw(st.integers(1, 3))
    paras = [draw(paragraph(number * 10 + i)) for i in range(count)]
    if draw(st.booleans()) and count > 1:
        paras[-1] = "- " + paras[-1]
    form = draw(st.sampled_from(["plain", "view-more", "next-line", "inline", "twice",
                                 "thrice"]))
    if form == "plain":
        return paras, list(paras)
    if form == "twice":
        return paras, paras + paras
    teaser = [draw(_teaser(p)) for p in paras]
    if form == "view-more":
        return paras, teaser + ["View More" + paras[0], *paras[1:]]
    if form == "next-line":
        return paras, teaser + ["View More", *paras]
    if form == "inline":
        return paras, teaser[:-1] + [teaser[-1] + " View More" + paras[0], *paras[1:]]
    return paras, teaser + ["View More" + paras[0], *paras[1:]] + ["View More" + paras[0],
                                                                   *paras[1:]]


@st.composite
def _teaser(draw: Any, text: str) -> str:
    """Return a teaser: the paragraph cut short, maybe with straight quotes."""
    cut = draw(st.integers(45, len(text)))
    teaser = text[:cut]
    return teaser.replace("’", "'") if draw(st.booleans()) else teaser


@st.composite
def pages(draw: Any) -> tuple[list[str], list[str], list[str]]:
    """Return (all distinct paragraphs, page one lines, page two lines)."""
    entries = [draw(entry_layout(n)) for n in range(draw(st.integers(1, 6)))]
    dated_paras = [draw(paragraph(900 + n)) for n in range(draw(st.integers(0, 3)))]
    shared = ["Spotlight Initiative Logo", "Background", "",
              "Item990 Spotlight Initiative is a shared programme of the United Nations.", ""]
    one = ["International Organization for Migration", *shared]
    for _, lines in entries:
        one += lines
    two = ["United Nations Office on Drugs and Crime", *shared]
    for n, text in enumerate(dated_paras):
        two += [f"Mar 20{10 + n} - Sept 20{11 + n} | UNODC;", "UNFPA", "", text, ""]
    if entries:
        two += ["", *entries[0][1]]  # the same entry on a second page
    distinct = [p.removeprefix("- ") for paras, _ in entries for p in paras] + dated_paras
    return distinct + [shared[3]], one, two


@pytest.mark.slow
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=pages())
def test_generated_pages_lose_nothing_and_double_nothing(
        tmp_path_factory: pytest.TempPathFactory, generated: Any) -> None:
    distinct, one, two = generated
    folder = tmp_path_factory.mktemp("gen")
    (folder / "one.txt").write_text("\n".join(one) + "\n", encoding="utf-8")
    (folder / "two.txt").write_text("\n".join(two) + "\n", encoding="utf-8")
    for name in ("compendium.yml", "entities.yml", "glossary.yml"):  # the import may add
        shutil.copy(ROOT / name, folder / name)                      # entities to its registry
    shutil.copytree(ROOT / "front", folder / "front", dirs_exist_ok=True)
    into = folder / "sources"
    assert run_cli(folder, "import", str(folder / "one.txt"), str(folder / "two.txt"),
                   "--into", str(into)) == 0
    # The records only: the import report under raw/ quotes paragraphs too.
    bodies = fingerprint(" ".join(p.read_text() for p in into.rglob("*.md")
                                  if "raw" not in p.relative_to(into).parts))
    counts = {p[:30]: bodies.count(fingerprint(p)) for p in distinct}
    assert {p: n for p, n in counts.items() if n != 1} == {}
    assert run_cli(folder, "import", str(folder / "one.txt"), str(folder / "two.txt"),
                   "--into", str(into), "--check") == 0
    unodc = [p.read_text() for p in into.glob("unodc/*.md")]
    assert all("partners: [UNFPA]" in t for t in unodc if "period:" in t)


PROFILE_UNDER_A_DATE = [  # the site shows an agency's profile text under a dated entry too
    "Feb 2020 - Sep 2021 | UNODC",
    "Item801 UNODC trained prosecutors in three countries on trafficking cases and "
    "survivor-centred interviews.",
    "Item802 UNODC helps Member States prevent crime and build justice systems that "
    "protect the rights of women and girls.",
    "Item803 UNODC works with police, prosecutors and courts on violence against women, "
    "from prevention to the trial.",
]
PROFILE_LABELLED = [
    "United Nations Office on Drugs and Crime",
    "Background",
    PROFILE_UNDER_A_DATE[2],
    "Areas of Focus",
    PROFILE_UNDER_A_DATE[3],
]


def imported_records(folder: Path, pages: list[Path]) -> dict[str, bytes]:
    """Import ``pages`` (in this order) into a fresh project copy; return its records."""
    project = folder / "project"
    project.mkdir(parents=True)
    for name in ("compendium.yml", "entities.yml", "glossary.yml"):  # the import may add
        shutil.copy(ROOT / name, project / name)                     # entities to it
    shutil.copytree(ROOT / "front", project / "front", dirs_exist_ok=True)
    into = project / "sources"
    assert run_cli(project, "import", *map(str, pages), "--into", str(into)) == 0
    return {str(p.relative_to(into)): p.read_bytes() for p in into.rglob("*.md")
            if "raw" not in p.relative_to(into).parts}


@pytest.mark.slow
def test_the_records_do_not_depend_on_the_order_of_the_pages(tmp_path: Path) -> None:
    (tmp_path / "dated.txt").write_text("\n".join(PROFILE_UNDER_A_DATE) + "\n")
    (tmp_path / "profile.txt").write_text("\n".join(PROFILE_LABELLED) + "\n")
    pages = [*SEEDS[:3], tmp_path / "dated.txt", tmp_path / "profile.txt"]
    orders = list(itertools.permutations(pages))
    first = imported_records(tmp_path / "0", list(orders[0]))
    for n, order in enumerate(random.Random(16).sample(orders, 5), start=1):
        assert imported_records(tmp_path / str(n), list(order)) == first, order
    # The profile's labelled sections keep its paragraphs, whichever page came first; no
    # record is written empty.
    profile = first["unodc/unodc-profile.md"].decode()
    assert "Item802" in profile and "Item803" in profile
    dated = next(text.decode() for name, text in first.items() if "2020-02" in name)
    assert "Item801" in dated and "Item802" not in dated
    assert all(text.decode().split("\n---\n", 1)[1].strip() for text in first.values())


@pytest.mark.slow
@pytest.mark.parametrize("mark", list(".,;:!?)]"))
def test_a_line_starting_with_punctuation_carries_on_the_line_above(
        tmp_path: Path, mark: str) -> None:
    page = tmp_path / "page.txt"
    page.write_text("United Nations Office on Drugs and Crime\n"
                    "Item901 UNODC developed indicators to track protection in missions\n"
                    f"{mark} A roll out of these indicators is expected through 2018.\n"
                    "Item902 UNODC trained police officers on survivor-centred responses.\n")
    records = imported_records(tmp_path, [page])
    # As Markdown: the writer escapes what Markdown would read ("\\]").
    texts = [re.sub(r"\\(.)", r"\1", text.decode()) for text in records.values()]
    joined = [t for t in texts if "Item901" in t]
    assert len(joined) == 1 and f"missions{mark} A roll out" in joined[0]
    assert not any(t.split("\n---\n", 1)[1].lstrip().startswith(mark) for t in texts)


def test_an_entity_is_found_by_its_name_in_any_word_order() -> None:
    from compendium.importer.attribution import Names, name_words

    edition = load_edition(ROOT / "compendium.yml")
    names = Names(edition.entities)
    long_names = [(e.acronym, n) for e in edition.entities for n in (e.name, *e.aliases)
                  if name_words(n) is not None]
    assert len(long_names) >= 10
    rng = random.Random(16)
    for acronym, name in long_names:
        words = name.split()
        rng.shuffle(words)
        shuffled = " ".join(words)
        assert names.lookup(shuffled) in (acronym, None), (name, shuffled)  # None: shared
        assert names.lookup(shuffled + " Extra") is None
    assert names.lookup("United Nations Office of the High Commissioner for Refugees") == \
        "UNHCR"  # the site's heading for UNHCR, not the registry's spelling


@pytest.mark.slow
def test_a_short_line_above_an_entry_leads_it_rather_than_being_a_record(
        tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("United Nations Office on Drugs and Crime\n"
                    "Data Collection\n"
                    "Item701 UNODC collects data on trafficking of women through national "
                    "surveys.\n"
                    "Analysis and research\n"
                    "Item702 UNODC published a global study on femicide with new data.\n")
    records = imported_records(tmp_path, [page])
    bodies = [text.decode().split("\n---\n", 1)[1] for text in records.values()]
    assert sorted(b.split("\n\n")[0].strip() for b in bodies) == ["Analysis and research",
                                                                   "Data Collection"]
    assert all(len(b.strip().split("\n\n")) == 2 for b in bodies)


@pytest.mark.slow
@pytest.mark.parametrize("line", ["|", "•", "—", "/", "·", "...", "* * *", "Measures",
                                  "Mesures", "Medidas", "Agencies"])
def test_a_line_with_no_text_or_a_listing_title_is_residue(tmp_path: Path, line: str) -> None:
    page = tmp_path / "page.txt"
    page.write_text(f"{line}\nUnited Nations Children's Fund\nBackground\n"
                    "Item601 UNICEF works for every child, in every country.\n"
                    f"Resources\nReport on violence (2016)\n{line}\nGuidelines (2017)\n"
                    f"{line}\nItem602 UNESCO trained teachers on school-related violence.\n")
    records = imported_records(tmp_path, [page])
    texts = "\n".join(text.decode() for text in records.values())
    assert "unattributed" not in " ".join(records)
    assert not re.search(rf"(?m)^(- )?\\?{re.escape(line)}$", texts), texts
    assert "Item601" in texts and "Item602" in texts and "Guidelines (2017)" in texts


@pytest.mark.slow
def test_an_entry_led_by_a_category_line_is_the_entity_its_text_names(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Prevention, Including Awareness Raising and Advocacy\n"
                    "Item501 In October 2016, UNESCO held a regional meeting on school "
                    "violence.\n"
                    "Item502 UNFPA supported a campaign on harmful practices in schools.\n")
    records = imported_records(tmp_path, [page])
    assert sorted(name.split("/")[0] for name in records) == ["unesco", "unfpa"]
