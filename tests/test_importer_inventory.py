"""The importer on the whole inventory: every entity, the site's layouts in three languages,
nothing lost or doubled, and re-imports that respect what the editor did."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.importer import page_lines
from compendium.importer import writer
from compendium.importer.attribution import Names, themes_of
from compendium.importer.command import import_pages
from compendium.importer.layout import read_layout
from compendium.importer.periods import parse_header
from compendium.importer.rawpage import read_raw_page
from compendium.importer.report import unclaimed_lines
from compendium.records.config import load_edition
from tests.conftest import (
    ROOT,
    browser_text,
    copy_project,
    fingerprint,
    not_exactly_once,
    pdf_text,
    run_cli,
)

REGISTRY_FILES = ("compendium.yml", "entities.yml", "glossary.yml")


def small_project(target: Path) -> Path:
    """Return a project with the shipped config and registry and no records."""
    target.mkdir(parents=True, exist_ok=True)
    for name in REGISTRY_FILES:
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "front", target / "front")  # the front matter the config names
    (target / "sources").mkdir()
    return target


def write_pages(folder: Path, pages: dict[str, str]) -> list[str]:
    """Write raw pages and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [str(folder / name) for name in pages]


def record_text(project: Path) -> str:
    """Return the text of every record of the project."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(
        (project / "sources").rglob("*.md")) if "raw" not in p.parts)


def times_found(project: Path, paragraphs: list[str]) -> dict[str, int]:
    """Return the paragraphs that the records do not hold exactly once, with their count."""
    haystack = fingerprint(record_text(project))
    counts = {p[:50]: haystack.count(fingerprint(p)) for p in paragraphs}
    return {p: n for p, n in counts.items() if n != 1}


def files_of(project: Path) -> dict[Path, bytes]:
    """Return every file the import may write: records, reports, the registry."""
    return {p: p.read_bytes() for p in [*project.rglob("*"), project / "entities.yml"]
            if p.is_file() and p.suffix != ".txt"}


def import_and_check(project: Path, paths: list[str]) -> None:
    """Import the pages into the project; the import, its check and the build's check pass,
    and importing them again changes no file."""
    assert run_cli(project, "import", *paths) == 0
    first = files_of(project)
    assert run_cli(project, "import", *paths) == 0
    assert files_of(project) == first
    assert run_cli(project, "import", *paths, "--check") == 0
    assert run_cli(project, "check") == 0


# --- The registry ---------------------------------------------------------------------

@pytest.mark.parametrize(("name", "acronym"), [
    ("UN Women", "UN Women"), ("ONU Femmes", "UN Women"), ("ONU Mujeres", "UN Women"),
    ("UNIFEM", "UN Women"), ("Division for the Advancement of Women", "UN Women"),
    ("INSTRAW", "UN Women"), ("OSAGI", "UN Women"), ("DPO", "DPKO"),
    ("Department of Peacekeeping Operations", "DPKO"), ("DFS", "DOS"), ("CEPAL", "ECLAC"),
    ("Commission économique pour l’Afrique", "ECA"), ("UNOCHA", "OCHA"),
    ("Office for Disarmament Affairs", "UNODA"), ("HCR", "UNHCR"), ("ACNUR", "UNHCR"),
    ("PNUD", "UNDP"), ("OIT", "ILO"), ("UN Trust Fund to End Violence against Women",
                                      "UN Trust Fund"),
    ("Inter-Agency Network on Women and Gender Equality", "IANWGE"),
    ("Iniciativa Spotlight", "Spotlight Initiative"), ("Department of Public Information", "DGC"),
])
def test_the_registry_knows_each_name_the_pages_use(name: str, acronym: str) -> None:
    names = Names(load_edition(ROOT / "compendium.yml").entities)
    assert names.lookup(name) == acronym


def test_the_registry_lists_the_entities_that_report_to_the_inventory() -> None:
    acronyms = set(load_edition(ROOT / "compendium.yml").entity_acronyms())
    assert len(acronyms) >= 45
    assert {"DPKO", "DPPA", "OCHA", "UNODA", "DESA", "ECA", "ECE", "ECLAC", "ESCAP", "ESCWA",
            "UN Action", "UN Trust Fund", "IANWGE", "Spotlight Initiative", "UN Women",
            "UNICEF", "WHO", "ILO", "UNESCO", "WFP", "UNRWA", "World Bank"} <= acronyms


def test_a_name_given_to_two_entities_is_reported(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    project = small_project(tmp_path / "p")
    with (project / "entities.yml").open("a", encoding="utf-8") as registry:
        registry.write("XYZ:\n  name: Some Office\n  aliases: [PNUD]\n")
    assert run_cli(project, "check") == 1
    assert "`PNUD` also names UNDP; expected each name to belong to one entity" in (
        capsys.readouterr().err)


# --- Layouts of the site (made from real pages of the inventory) --------------------------

PAGES = Path(__file__).parent / "pages"
"""Pages in the site's layouts, made from real pages of the inventory (see its README)."""


def page(name: str) -> str:
    """Return the text of a test page."""
    return (PAGES / f"{name}.txt").read_text(encoding="utf-8")


DPKO, MEASURES, SEARCH = page("dpko"), page("measures"), page("search")
FRENCH, SPANISH, RENAMED, NO_ENTITY = (page("french"), page("spanish"), page("renamed"),
                                       page("no-entity"))
ECA = page("eca-spanish-site")
GLUED_LABEL = re.compile(r"(?<=[.)])(?:Policy framework|Areas of Focus|Resources)$")

def content_paragraphs(text: str) -> list[str]:
    """Return the lines of a test page that are content (long sentences), teasers left out."""
    lines = [line.removeprefix("Hide").split("Voir plus")[-1] for line in text.splitlines()]
    return [GLUED_LABEL.sub("", line.split(" : ", 1)[-1]) for line in lines if len(line) > 80
            and not line.endswith("…") and parse_header(line) is None]


@pytest.mark.slow
@pytest.mark.parametrize("page", [DPKO, MEASURES, SEARCH, FRENCH, SPANISH, RENAMED, NO_ENTITY,
                                  ECA],
                         ids=["dpko", "measures", "search", "french", "spanish", "renamed",
                              "no-entity", "eca"])
def test_each_layout_imports_every_paragraph_once_and_builds(tmp_path: Path, page: str) -> None:
    project = small_project(tmp_path / "p")
    paths = write_pages(tmp_path / "raw", {"page.txt": page})
    import_and_check(project, paths)
    paragraphs = content_paragraphs(page)
    paragraphs = [p.split("Áreas de trabajo")[-1] for p in paragraphs]
    assert paragraphs and times_found(project, paragraphs) == {}


@pytest.mark.slow
def test_labels_glued_to_sentences_and_a_resource_title_land_in_the_profile(
        tmp_path: Path) -> None:
    project = small_project(tmp_path / "p")
    import_and_check(project, write_pages(tmp_path / "raw", {"eca.txt": ECA}))
    body = (project / "sources/eca/eca-profile.md").read_text(encoding="utf-8")
    assert "## Policy framework\n\nECA’s mandate" in body
    assert "## Resources\n\n- The African Gender and Development Index" in body
    assert "ABOUT 4 RESULTS" not in record_text(project)


@pytest.mark.slow
def test_french_and_spanish_pages_read_labels_months_and_entities(tmp_path: Path) -> None:
    project = small_project(tmp_path / "p")
    import_and_check(project, write_pages(tmp_path / "raw", {"fr.txt": FRENCH,
                                                             "es.txt": SPANISH}))
    fr = yaml.safe_load((project / "sources/un-women/un-women-profile.md").read_text(
        encoding="utf-8").split("---")[1])
    assert fr["name"] == ("United Nations Entity for Gender Equality and the Empowerment of "
                          "Women")
    body = (project / "sources/un-women/un-women-profile.md").read_text(encoding="utf-8")
    assert "## Policy framework\n\nLe travail" in body and "## Resources\n\n- Manuel" in body
    dated = list((project / "sources/eclac").glob("eclac-2013-03-*.md"))
    assert len(dated) == 1
    front = yaml.safe_load(dated[0].read_text(encoding="utf-8").split("---")[1])
    assert front["period"] == {"start": "2013-03", "end": "2014-12"}
    assert front["partners"] == ["UN Women", "PAHO"]


@pytest.mark.parametrize("text", [
    "UNFPA co-chairs the task force on gender-based violence in emergencies in the region.",
    "La CEPAL coordonne le groupe de travail sur les statistiques de genre de la région.",
    "ONU Mujeres lidera el programa conjunto contra la violencia hacia las mujeres en Haití.",
])
def test_mechanisms_named_in_any_language_make_an_inter_agency_entry(text: str) -> None:
    assert themes_of(text, "UNFPA") == ("inter-agency",)


@pytest.mark.slow
@pytest.mark.parametrize("logo", [True, False], ids=["after-its-logo", "without-logo"])
def test_a_renamed_agency_gets_its_own_profile_and_joins_the_registry(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], logo: bool) -> None:
    project = small_project(tmp_path / "p")
    text = RENAMED if logo else RENAMED.replace("Spotlight Initiative Logo\n", "")
    import_and_check(project, write_pages(tmp_path / "raw", {"renamed.txt": text}))
    assert "added: entity `FBO` (Foo Bar Organisation for Women)" in capsys.readouterr().err
    registry = yaml.safe_load((project / "entities.yml").read_text(encoding="utf-8"))
    assert registry["FBO"]["added_by"] == "import"
    assert registry["FBO"]["name"] == "Foo Bar Organisation for Women"
    assert "Foo Bar Organisation for Women" not in registry  # one entity, not two
    fbo = (project / "sources/fbo/fbo-profile.md").read_text(encoding="utf-8")
    spotlight = (project / "sources/spotlight-initiative/spotlight-initiative-profile.md"
                 ).read_text(encoding="utf-8")
    assert "committed to ending violence" in fbo and "220 East" not in fbo
    assert "Launched in 2017" not in fbo
    assert "220 East 42nd Street" in spotlight and "Launched in 2017" in spotlight


@pytest.mark.slow
def test_text_of_no_known_entity_goes_to_a_record_check_lists(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = small_project(tmp_path / "p")
    import_and_check(project, write_pages(tmp_path / "raw", {"page.txt": NO_ENTITY}))
    out = capsys.readouterr().out
    assert "note: " in out and "review: the import could not tell which entity" in out
    # The third paragraph names no entity: given UNICEF's, the entry's above, to be checked.
    assert "2 to review" in out
    flagged = list((project / "sources/unattributed").glob("*.md"))
    assert len(flagged) == 1 and "A workshop on violence" in flagged[0].read_text()
    guessed = [p.read_text() for p in (project / "sources/unicef").glob("*.md")]
    assert sum("the import gave it UNICEF, that of the entry above" in t for t in guessed) == 1


@pytest.mark.slow
def test_dated_entries_of_entities_outside_the_registry_build(tmp_path: Path) -> None:
    page = ("Sep 2010 - Feb 2011 | UNMIK; ZZTOP\n\nUNMIK trained the police of the region on "
            "the handling of domestic violence cases, with the help of ZZTOP's experts.\n")
    project = small_project(tmp_path / "p")
    import_and_check(project, write_pages(tmp_path / "raw", {"page.txt": page}))
    registry = yaml.safe_load((project / "entities.yml").read_text(encoding="utf-8"))
    assert registry["UNMIK"]["added_by"] == registry["ZZTOP"]["added_by"] == "import"


def test_a_page_with_no_trace_of_the_inventory_is_still_refused(tmp_path: Path) -> None:
    result = import_pages([Path(write_pages(tmp_path, {"x.txt": "Fresh bread\nCakes.\n"})[0])],
                          load_edition(ROOT / "compendium.yml").entities)
    assert result.failures and "does not look like a page" in result.failures[0]


@pytest.mark.slow
def test_every_layout_reaches_the_html_and_the_pdf_once(tmp_path: Path, browser: Any) -> None:
    project = copy_project(tmp_path / "p")
    shutil.rmtree(project / "sources" / "raw")  # the shipped import's manifest: not this one
    pages = {p.name: p.read_text(encoding="utf-8") for p in sorted(PAGES.glob("*.txt"))}
    import_and_check(project, write_pages(tmp_path / "raw", pages))
    assert run_cli(project, "build", "--out", str(tmp_path / "out")) == 0
    paragraphs = [p.split("Áreas de trabajo")[-1] for text in pages.values()
                  for p in content_paragraphs(text)]
    assert len(paragraphs) > 25
    assert not_exactly_once(pdf_text(tmp_path / "out" / "compendium.pdf"), paragraphs) == {}
    html = browser_text(browser, tmp_path / "out" / "compendium.html", "main")
    assert not_exactly_once(html, paragraphs) == {}


# --- Generated pages: every layout, entities in and out of the registry ------------------

WORDS = ["support", "survivors", "shelter", "training", "justice", "data", "prevention",
         "response", "community", "police", "health", "services", "migrants", "national",
         "capacity", "the", "and", "for", "with", "in", "of", "legal", "aid", "schools"]
REGISTRY_NAMES = [("UNICEF", "United Nations Children's Fund"), ("DPKO", "Department of Peace "
                  "Operations"), ("ECA", "Economic Commission for Africa"),
                  ("OCHA", "Office for the Coordination of Humanitarian Affairs"),
                  ("UNODA", "United Nations Office for Disarmament Affairs"),
                  ("UN Women", "ONU Mujeres"), ("UNHCR", "Haut-Commissariat des Nations "
                  "Unies pour les réfugiés")]
LABEL_WORDS = {"en": ("Background", "Policy Framework", "Areas of Work", "Mail Address"),
               "fr": ("Contexte", "Cadre politique", "Domaines de travail", "Adresse postale"),
               "es": ("Antecedentes", "Marco normativo", "Áreas de trabajo", "Dirección postal")}
MONTHS = {"en": ("Mar", "Sept"), "fr": ("mars", "sept."), "es": ("marzo de", "sep")}
VIEW_MORE = {"en": "View More", "fr": "Voir plus", "es": "Ver más"}
SHARED = ("Launched in 2017 with an initial investment from the European Union, Spotlight "
          "Initiative is the Secretary-General’s initiative to end violence against women.")


@st.composite
def sentence(draw: Any, counter: list[int], subject: str) -> str:
    """Return a unique paragraph about ``subject``, ending with a full stop."""
    counter[0] += 1
    words = draw(st.lists(st.sampled_from(WORDS), min_size=14, max_size=30))
    return (f"{subject} reported work number {counter[0]} against violence towards women, "
            + " ".join(words) + ".")


@st.composite
def entity(draw: Any, counter: list[int]) -> tuple[str, str]:
    """Return (acronym, name) of an entity in the registry or an invented one."""
    if draw(st.booleans()):
        return draw(st.sampled_from(REGISTRY_NAMES))
    counter[0] += 1
    return f"QZ{counter[0]}X", f"Quorum Zeta Organization for Region {counter[0]}"


@st.composite
def inventory_page(draw: Any) -> tuple[str, list[str]]:
    """Return a page in one of the site's layouts and its distinct content paragraphs."""
    counter = [0]
    language = draw(st.sampled_from(sorted(LABEL_WORDS)))
    acronym, name = draw(entity(counter))
    lines: list[str] = []
    distinct: list[str] = []
    heading = draw(st.sampled_from(["none", "acronym", "name", "both", "name (acronym)",
                                    "acronym – name"]))
    lines += {"none": [], "acronym": [acronym], "name": [name], "both": [acronym, name],
              "name (acronym)": [f"{name} ({acronym})"],
              "acronym – name": [f"{acronym} – {name}"]}[heading]
    if draw(st.booleans()):  # the Spotlight Initiative's block, shared by many pages
        lines += ["Spotlight Initiative Logo", "Background", SHARED]
        distinct.append(SHARED)
    if heading != "none" and draw(st.booleans()):
        fields = draw(st.permutations(range(4)))
        style = draw(st.sampled_from(["own line", "colon", "glued", "glued at end"]))
        lines.append("Item ID")
        lines.append("{C9087B68-2F65-4C68-A6EB-F94C2C28298F}")
        for index in fields[:draw(st.integers(1, 4))]:
            label = LABEL_WORDS[language][index]
            text = (f"Route {counter[0]} des Morillons. Geneva. Switzerland" if index == 3
                    else draw(sentence(counter, acronym)))
            distinct.append(text)
            if style == "glued at end" and lines[-1].endswith("."):
                lines[-1] += label
                lines.append(text)
            else:
                lines += {"own line": [label, text], "colon": [f"{label}: {text}"],
                          "glued": [label + text]}.get(style, [label, text])
        if draw(st.booleans()):
            lines += ["Agency Type", "Title", name, "Icon", acronym]
    months = MONTHS[language]
    for n in range(draw(st.integers(0, 3))):
        lead, _ = draw(entity(counter))
        partner, _ = draw(entity(counter))
        header = f"{months[0]} 20{10 + n} - {months[1]} 20{11 + n} | {lead};"
        lines += [header, partner] if draw(st.booleans()) else [f"{header} {partner}"]
        text = draw(sentence(counter, lead))
        distinct.append(text)
        if draw(st.booleans()):
            lines += [text[:draw(st.integers(45, len(text) - 5))], f"{VIEW_MORE[language]}{text}"]
        else:
            lines.append(text)
    if not any(parse_header(line) for line in lines):
        for _ in range(draw(st.integers(1, 3))):
            subject, _ = draw(entity(counter))
            text = draw(sentence(counter, subject))
            distinct.append(text)
            lines.append(draw(st.sampled_from(["", "Hide"])) + text)
            lines += draw(st.sampled_from([[], ["Search"], ["1 - 10 of 10 Results"]]))
    if draw(st.booleans()) and distinct:  # the page is cut mid-sentence
        lines[-1] = lines[-1].removesuffix(".")
        distinct[-1] = distinct[-1].removesuffix(".")
    blank = draw(st.booleans())
    return ("\n\n" if blank else "\n").join(lines) + "\n", distinct


@pytest.mark.slow
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated=st.lists(inventory_page(), min_size=1, max_size=3))
def test_generated_pages_import_and_build_with_every_paragraph_once(
        tmp_path_factory: pytest.TempPathFactory, generated: list[tuple[str, list[str]]]) -> None:
    folder = tmp_path_factory.mktemp("inventory")
    project = small_project(folder / "p")
    paths = write_pages(folder / "raw", {f"page{i}.txt": text
                                         for i, (text, _) in enumerate(generated)})
    import_and_check(project, paths)
    assert times_found(project, [p for _, ps in generated for p in ps]) == {}


# --- Re-import respects the editor -------------------------------------------------------

SEEDS = sorted((ROOT / "sources" / "raw").glob("0*.txt"))


def seeded(tmp_path: Path) -> Path:
    """Return a project whose records were just imported from the seed pages."""
    project = small_project(tmp_path / "p")
    assert run_cli(project, "import", *map(str, SEEDS)) == 0
    return project


@pytest.mark.slow
def test_a_deleted_record_is_reported_not_restored_unless_forced(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = seeded(tmp_path)
    gone = project / "sources" / "fao" / "fao-undated-november-hosted-session-unite.md"
    gone.unlink()
    capsys.readouterr()
    assert run_cli(project, "import", *map(str, SEEDS)) == 0
    captured = capsys.readouterr()
    assert f"not restored: {Path('sources') / gone.relative_to(project / 'sources')}" in (
        captured.err)
    assert "1 deleted by the editor" in captured.out and not gone.exists()
    assert run_cli(project, "import", *map(str, SEEDS), "--force") == 0
    assert gone.exists()


@pytest.mark.slow
def test_a_moved_record_is_found_by_its_id_and_updated_where_it_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = seeded(tmp_path)
    old = project / "sources" / "fao" / "fao-undated-november-hosted-session-unite.md"
    moved = project / "sources" / "chapter-four" / "fao-event.md"
    moved.parent.mkdir()
    old.rename(moved)
    raw = tmp_path / "raw"
    paths = write_pages(raw, {p.name: p.read_text(encoding="utf-8") for p in SEEDS})
    page = raw / SEEDS[2].name
    page.write_text(page.read_text(encoding="utf-8").replace("UNiTE Campaign", "UNiTE campaign"),
                    encoding="utf-8")
    capsys.readouterr()
    assert run_cli(project, "import", *paths) == 0
    assert "1 updated" in capsys.readouterr().out
    assert not old.exists() and "UNiTE campaign" in moved.read_text(encoding="utf-8")
    assert run_cli(project, "import", *paths, "--check") == 0


@pytest.mark.slow
def test_a_stopped_import_is_not_taken_for_edits(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project = seeded(tmp_path)
    raw = tmp_path / "raw"
    paths = write_pages(raw, {p.name: p.read_text(encoding="utf-8") for p in SEEDS})
    page = raw / SEEDS[2].name
    page.write_text(page.read_text(encoding="utf-8").replace("UNiTE Campaign", "UNiTE campaign"),
                    encoding="utf-8")

    def stop(*_: object) -> None:
        raise KeyboardInterrupt  # the editor pressed Ctrl-C once the files were written

    monkeypatch.setattr(writer, "write_if_changed", stop)
    try:  # the command line says "interrupted" and exits non-zero
        code = run_cli(project, "import", *paths)
    except KeyboardInterrupt:
        code = 130
    assert code != 0
    monkeypatch.undo()
    assert (project / "sources" / writer.PENDING).exists()
    capsys.readouterr()
    assert run_cli(project, "import", *paths) == 0
    out = capsys.readouterr()
    assert "0 kept edits" in out.out and "kept:" not in out.err
    assert not (project / "sources" / writer.PENDING).exists()
    manifest = json.loads((project / "sources" / writer.MANIFEST).read_text())
    assert len(manifest) == 53


# --- Import time is linear in the page's size ---------------------------------------------

@pytest.mark.slow
def test_import_time_grows_linearly_with_the_page() -> None:
    def seconds(entries: int, folder: Path) -> float:
        page = folder / f"p{entries}.txt"
        page.write_text("\n".join(page_lines(entries)) + "\n", encoding="utf-8")
        start = time.perf_counter()
        assert not import_pages([page], entities).failures
        return time.perf_counter() - start

    entities = load_edition(ROOT / "compendium.yml").entities
    with tempfile.TemporaryDirectory() as folder:
        small, large = seconds(500, Path(folder)), seconds(4000, Path(folder))
    assert large < small * 8 * 2.5  # 8 times the entries; quadratic would be 64 times


def test_a_line_no_rule_reads_is_named_by_the_accounting(tmp_path: Path) -> None:
    raw = Path(write_pages(tmp_path, {"p.txt": SEARCH})[0])
    page = read_raw_page(raw)
    names = Names(load_edition(ROOT / "compendium.yml").entities)
    layout = read_layout(page, names)
    assert unclaimed_lines(page, layout) == []
    stream = layout.streams[0]
    lost = stream.paras.pop(1)  # as if a rule had dropped a paragraph
    assert [d.line for d in unclaimed_lines(page, layout)] == [lost.line]


def test_the_shipped_registry_has_no_entity_left_to_check() -> None:
    registry = yaml.safe_load((ROOT / "entities.yml").read_text(encoding="utf-8"))
    assert [key for key, value in registry.items() if "added_by" in value] == []


@pytest.mark.slow
def test_a_paragraph_longer_than_the_build_takes_on_one_line_still_builds(
        tmp_path: Path) -> None:
    words = " ".join(f"survivors{n % 97} shelter" for n in range(4500))
    text = f"UNICEF supported women and girls: {words}."
    assert len(text) > 45_000
    project = small_project(tmp_path / "p")
    import_and_check(project, write_pages(tmp_path / "raw", {"long.txt": text + "\n"}))
    assert times_found(project, [text]) == {}


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_importing_one_page_again_keeps_what_the_other_pages_gave(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int) -> None:
    """A record fed by several pages (a profile, an entry a page dates and another repeats)
    keeps every page's text when one page is imported alone: the pages the project keeps
    are read with it. Nothing changes, no record is added."""
    project = seeded(tmp_path)
    before = files_of(project)
    capsys.readouterr()
    assert run_cli(project, "import", str(SEEDS[seed])) == 0
    captured = capsys.readouterr()
    assert f"also reading the {len(SEEDS) - 1} pages" in captured.err
    assert files_of(project) == before, captured.out


@pytest.mark.slow
def test_a_failed_import_of_a_missing_page_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = seeded(tmp_path)
    before = files_of(project)
    assert run_cli(project, "import", str(tmp_path / "nowhere.txt")) == 1
    assert "nowhere.txt" in capsys.readouterr().err
    assert files_of(project) == before


def test_a_header_ending_before_it_starts_is_read_and_warned_about(tmp_path: Path) -> None:
    """The entry under it stays an entry (not text of the profile above), dated by the
    months between, and the import says which line to check."""
    page = ("UNHCR\nBackground\nUNHCR protects refugees and works to end violence against "
            "women.\nMar 2014 - Feb 2014 | UNHCR\nUNHCR trained 40 protection officers on "
            "the prevention of sexual violence in camps.\n")
    result = import_pages([Path(write_pages(tmp_path, {"p.txt": page})[0])],
                          load_edition(ROOT / "compendium.yml").entities)
    paths = sorted(str(r.path) for r in result.records)
    assert paths == ["unhcr/unhcr-2014-02-trained-protection-officers-prevention.md",
                     "unhcr/unhcr-profile.md"], paths
    assert ("p.txt", 4, "dated header ends before it starts; read as Feb 2014 – Mar 2014, "
            "check the page") in result.work.warnings


@pytest.mark.slow
def test_pages_kept_under_any_name_are_read_again_and_nothing_else_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Pages saved as .html (or any name) are the import's as .txt are; an editor's note
    beside them in raw/ is never imported."""
    project = small_project(tmp_path / "p")
    pages = write_pages(tmp_path / "in", {p.stem + ".html": p.read_text(encoding="utf-8")
                                          for p in SEEDS})
    assert run_cli(project, "import", *pages) == 0
    (project / "sources" / "raw" / "editor-notes.txt").write_text(
        "Ask IOM about the 2014 dates before round 2.\n", encoding="utf-8")
    before = files_of(project)
    capsys.readouterr()
    assert run_cli(project, "import", pages[0]) == 0
    assert f"also reading the {len(SEEDS) - 1} pages" in capsys.readouterr().err
    assert files_of(project) == before
    assert "Ask IOM" not in record_text(project)


@pytest.mark.slow
def test_a_page_named_in_decomposed_letters_is_cited_as_kept(tmp_path: Path) -> None:
    """A page saved with a decomposed name (NFD, as a Mac may): the records cite it by the
    name the project keeps it under, and check finds it."""
    project = small_project(tmp_path / "p")
    name = unicodedata.normalize("NFD", "005_página.txt")
    page = write_pages(tmp_path / "in", {name: SEEDS[0].read_text(encoding="utf-8")})
    import_and_check(project, page)
    assert (project / "sources" / "raw" / unicodedata.normalize("NFC", name)).is_file()


@pytest.mark.slow
def test_a_report_naming_what_is_no_page_makes_the_import_read_nothing_more(
        tmp_path: Path) -> None:
    """The pages read again are those the last report names that raw/ holds as pages: never
    the import's own files, a path, or a name the file system refuses."""
    project = seeded(tmp_path)
    before = files_of(project)
    report = project / "sources" / "raw" / "import-report.json"
    data = json.loads(report.read_text(encoding="utf-8"))
    data["pages"] += [{"page": name} for name in (
        "import-manifest.json", "import-report.md", "../../compendium.yml", "/etc/hostname",
        "x" * 300 + ".txt", ".hidden.txt")]
    report.write_text(json.dumps(data), encoding="utf-8")
    assert run_cli(project, "import", str(SEEDS[0])) == 0
    assert files_of(project) == before


@pytest.mark.slow
def test_pages_imported_one_at_a_time_give_the_records_of_all_at_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page imported later may give an entry its date (renaming its record) or hold it in
    a profile: the record the earlier import made for it goes, unless an editor changed it,
    and the records are those of importing the pages together."""
    entry = ("UN-HABITAT, in collaboration with UNICEF and UN-Women, developed a toolkit on "
             "safe cities for women and girls in ten countries.")
    pages = write_pages(tmp_path / "in", {
        "1_dated.txt": f"Mar 2012 - Feb 2013 | UN-Habitat\n{entry}\n",
        "2_undated.txt": f"UN-Habitat\n{entry}\n"})
    together = small_project(tmp_path / "together")
    assert run_cli(together, "import", *pages) == 0
    one_by_one = small_project(tmp_path / "one")
    assert run_cli(one_by_one, "import", pages[1]) == 0
    undated = sorted((one_by_one / "sources").rglob("*undated*.md"))
    assert len(undated) == 1
    capsys.readouterr()
    assert run_cli(one_by_one, "import", pages[0]) == 0
    assert f"removed: {Path('sources') / undated[0].relative_to(one_by_one / 'sources')}" in \
        capsys.readouterr().err
    def records(project: Path) -> dict[str, str]:
        return {str(p.relative_to(project)): p.read_text(encoding="utf-8")
                for p in (project / "sources").rglob("*.md") if "raw" not in p.parts}
    assert records(one_by_one) == records(together)
    assert fingerprint(record_text(one_by_one)).count(fingerprint(entry)) == 1


@pytest.mark.slow
def test_a_record_no_page_makes_any_more_but_edited_is_kept_and_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = ("UNRWA trained 40 social workers in Gaza and the West Bank on case management "
             "for survivors of gender-based violence.")
    pages = write_pages(tmp_path / "in", {"1_dated.txt": f"Mar 2012 | UNRWA\n{entry}\n",
                                          "2_undated.txt": f"UNRWA\n{entry}\n"})
    project = small_project(tmp_path / "p")
    assert run_cli(project, "import", pages[1]) == 0
    (undated,) = sorted((project / "sources").rglob("*undated*.md"))
    undated.write_text(undated.read_text(encoding="utf-8") + "\nAn editor's note.\n",
                       encoding="utf-8")
    capsys.readouterr()
    assert run_cli(project, "import", pages[0]) == 0
    assert "no page makes it any more, but it was edited" in capsys.readouterr().err
    assert undated.is_file()
