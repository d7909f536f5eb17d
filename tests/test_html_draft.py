"""The reviewers' HTML draft, opened in Debian's Chromium as a reviewer would open it."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compendium.html.document import years_of
from compendium.model import Record
from compendium.records.config import load_edition
from compendium.records.countries import with_countries
from compendium.records.sources import read_record_files
from compendium.records.validate import validate_records
from tests.conftest import ROOT, RecordFactory, copy_project, pdf_page_texts, run_cli, wait_for

pytestmark = pytest.mark.slow

TOOLS = ROOT / "tests" / "tools" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def shipped_records() -> list[Record]:
    """Return the shipped records as the build sees them (countries found in the text)."""
    edition = load_edition(ROOT / "compendium.yml")
    files = read_record_files(ROOT / "sources").value
    return [with_countries(r) for r in validate_records(files, edition).value]


class Reader:
    """A Chromium page on an HTML file, recording every request, console error and dialog."""

    def __init__(self, browser: Any, html: Path, width: int = 1280) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = html.as_uri()
        self.page.goto(self.url)
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def visible_ids(self) -> set[str]:
        """Return the ids of the records shown."""
        return set(self.page.eval_on_selector_all(
            "article.record", "rs => rs.filter(r => r.offsetParent !== null).map(r => r.id)"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def reader(browser: Any, shipped_build: Path) -> Iterator[Reader]:
    """Return the shipped draft open in Chromium; afterwards, check it stayed quiet."""
    opened = Reader(browser, shipped_build / "compendium.html")
    yield opened
    assert opened.errors == []
    assert opened.requests == [opened.url]
    opened.close()


def test_draft_is_one_file_that_fetches_nothing(reader: Reader) -> None:
    page = reader.page
    assert page.eval_on_selector_all("[src], link[href], object, iframe", "e => e.length") == 0
    faces = page.evaluate("""() => [...document.fonts].filter(f => f.status === 'loaded')
                                   .map(f => f.family)""")
    assert {"Source Serif Pro", "Source Sans Pro"} <= {f.strip('"') for f in faces}
    body_font = page.eval_on_selector("main p", "p => getComputedStyle(p).fontFamily")
    assert body_font.startswith('"Source Serif Pro"')
    # Each of the 12 faces is inline, and is the format its rule names (a TTF labelled
    # WOFF2 once went unnoticed: browsers sniff).
    inline = re.findall(r"url\(data:font/(\w+);base64,([A-Za-z0-9+/=]+)\) format\(\"(\w+)\"\)",
                        page.content())
    assert len(inline) == 12
    magic = {"woff": b"wOFF", "woff2": b"wOF2"}
    assert all(kind == named and base64.b64decode(data)[:4] == magic[kind]
               for kind, data, named in inline)


def test_draft_banner_names_date_sources_and_comparison(reader: Reader) -> None:
    banner = reader.page.inner_text(".draft-banner")
    assert banner.startswith("DRAFT")  # shown in capitals by the style
    assert re.search(r"built \d{4}-\d{2}-\d{2}", banner)
    assert re.search(r"sources: (git [0-9a-f]{12}|sha256 [0-9a-f]{12} \(uncommitted\))", banner)
    assert "not compared with an earlier draft" in banner


def test_filter_by_entity_year_country_and_words(reader: Reader) -> None:
    records = shipped_records()
    page = reader.page
    assert reader.visible_ids() == {r.id for r in records}

    page.select_option("#filter-entity", "UNODC")
    unodc = {r.id for r in records if "UNODC" in r.entities}
    assert reader.visible_ids() == unodc
    assert page.inner_text("#filter-status") == f"{len(unodc)} of {len(records)} records shown"

    page.select_option("#filter-entity", "")
    page.select_option("#filter-year", "2016")
    assert reader.visible_ids() == {r.id for r in records if "2016" in years_of(r)}

    page.select_option("#filter-year", "")
    page.select_option("#filter-country", "Haiti")
    haiti = {r.id for r in records if "Haiti" in r.countries}
    assert reader.visible_ids() == haiti and len(haiti) >= 2

    page.select_option("#filter-country", "")
    page.fill("#filter-text", "HUMAN trafficking")
    # Every word must occur, in any order (the search box's rule), case ignored.
    words = {r.id for r in records if all(w in r.body.lower() for w in ("human", "trafficking"))}
    assert reader.visible_ids() == words and 0 < len(words) < len(records)

    page.select_option("#filter-entity", "IOM")
    assert reader.visible_ids() == words & {r.id for r in records if "IOM" in r.entities}
    hidden_chapters = page.eval_on_selector_all("section.chapter[hidden]", "s => s.length")
    assert hidden_chapters >= 1  # chapters with nothing left are hidden too

    page.click("button[type=reset]")
    wait_for(page, "document.querySelectorAll('article.record[hidden]').length === 0")
    assert reader.visible_ids() == {r.id for r in records}


def test_the_find_boxs_choices_show_their_text_whole(reader: Reader) -> None:
    """Chromium once drew a select's text below its padding, its descenders cut off."""
    from PIL import Image

    for select in ("#filter-entity", "#filter-year", "#filter-country"):
        shot = Image.open(io.BytesIO(reader.page.locator(select).screenshot())).convert("L")
        width, height = shot.size
        # Inside the border, left of the arrow: the rows holding any dark (text) pixel.
        inside = shot.crop((3, 3, width - 30, height - 3))
        rows = [y for y in range(inside.size[1])
                if inside.crop((0, y, inside.size[0], y + 1)).getextrema()[0] < 128]
        assert rows, select
        above, below = rows[0], inside.size[1] - 1 - rows[-1]
        # Whole and about centred: drawn low and cut, it had 14 px above and 3 below.
        assert below >= 4 and above - below <= 6, (select, above, below)


def test_record_and_paragraph_anchors_resolve(browser: Any, shipped_build: Path) -> None:
    record = next(r for r in shipped_records() if r.body.count("\n\n") >= 1 and not
                  r.is_profile)
    for anchor in (record.id, f"{record.id}-p2"):
        opened = Reader(browser, shipped_build / "compendium.html")
        opened.page.goto(f"{opened.url}#{anchor}")
        top = opened.page.eval_on_selector(f"#{anchor}",
                                           "e => e.getBoundingClientRect().top")
        assert -2 <= top < 100, anchor  # scrolled to the top, give or take subpixels
        opened.close()


def test_copy_link_gives_a_citation_any_copy_resolves(reader: Reader) -> None:
    """Without a review_url, a file path would mean nothing to a colleague: the citation names
    the record, its anchor and the draft's fingerprint; pasted in Find, it goes there."""
    reader.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = reader.page
    record = shipped_records()[3]
    fingerprint = page.inner_text(".fingerprint")
    heading = " ".join(page.inner_text(f"#{record.id}-heading").split())
    page.click(f"#{record.id} button.copy-link")
    wait_for(page, "document.querySelector('.copy-status').dataset.link")
    link = page.eval_on_selector(".copy-status", "e => e.dataset.link")
    assert link == f"{heading}: compendium.html#{record.id}, draft of sources {fingerprint}"
    assert "file:" not in link
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.is_visible(f"#{record.id} button.copy-link")

    page.click(f"#{record.id}-p1 a.para-link")
    wait_for(page, f"document.querySelector('.copy-status').dataset.link.includes("
                   f"'#{record.id}-p1,')")
    cited = page.evaluate("navigator.clipboard.readText()")
    assert cited.startswith(f"{heading}, paragraph 1: compendium.html#{record.id}-p1")
    assert page.evaluate("location.hash") == f"#{record.id}-p1"

    page.evaluate("location.hash = ''")
    page.fill("#filter-text", link)
    wait_for(page, f"location.hash === '#{record.id}'")
    assert reader.visible_ids() == {r.id for r in shipped_records()}


def test_printing_gives_a_clean_document(reader: Reader, tmp_path: Path) -> None:
    """Print from Chromium to PDF: the text is there, the sidebar and controls are not."""
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(reader.page.pdf(format="A4"))
    text = " ".join(" ".join(pdf_page_texts(printed)).split())
    for control in ("Find records", "Copy link", "All entities", "¶", "records shown"):
        assert control not in text
    record = shipped_records()[5]
    assert " ".join(record.body.split()[:8]) in text
    assert "Draft" in text or "DRAFT" in text


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.1 A and AA rules on the page; return the violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run ./setup.sh (installs the HTML checkers)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG_AA)
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:3]]}
            for v in result["violations"]]


def nu_errors(html: Path) -> str:
    """Return the Nu Html Checker's errors for ``html`` (empty when valid)."""
    if not VNU.exists():
        pytest.fail(f"{VNU} missing: run ./setup.sh (installs the HTML checkers)")
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", str(html)],
                            capture_output=True, text=True, check=False)
    return result.stdout + result.stderr if result.returncode else ""


def test_axe_finds_no_wcag_violation(browser: Any, shipped_build: Path) -> None:
    for width in (1280, 390):
        opened = Reader(browser, shipped_build / "compendium.html", width)
        assert axe_violations(opened.page) == [], width
        opened.close()


def test_nu_html_checker_finds_no_error(shipped_build: Path) -> None:
    assert nu_errors(shipped_build / "compendium.html") == ""


# --- What changed since an earlier state ---------------------------------------------------

PICKED = ("iom-profile", "unodc-profile")


@pytest.fixture
def history(tmp_path: Path) -> dict[str, Any]:
    """Return a small project in git at state A, then edited to state B (not committed)."""
    project = copy_project(tmp_path / "project")
    records = sorted((ROOT / "sources").rglob("*.md"))
    chosen = [p for p in records if p.stem in PICKED] + [
        p for p in records if p.parent.name == "iom"][:5]
    for path in chosen:
        target = project / "sources" / path.relative_to(ROOT / "sources")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)

    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              cwd=project, check=True, capture_output=True,
                              text=True).stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "state A")
    state_a = git("rev-parse", "HEAD")
    assert run_cli(project, "build", "--format", "html", "--out", "out-a") == 0

    iom = sorted((project / "sources" / "iom").glob("iom-2*.md"))
    changed, removed = iom[0], iom[1]
    text = changed.read_text(encoding="utf-8")
    first_word = re.search(r"\n---\n(\S+ \S+)", text)
    assert first_word
    changed.write_text(text.replace(first_word.group(1), "Reworded opening", 1),
                       encoding="utf-8")
    removed.unlink()
    added = project / "sources" / "iom" / "iom-2020-01-new-entry.md"
    added.write_text("---\nid: iom-2020-01-new-entry\nkind: activity\nentity: IOM\n"
                     "period: {start: 2020-01}\n"
                     "provenance: {kind: e-mail, note: IOM reply, date: 2024-01}\n"
                     "---\nA new entry added after the first round of review.\n",
                     encoding="utf-8")
    return {"project": project, "ref": state_a, "changed": changed.stem,
            "removed": removed.stem, "added": added.stem,
            "old_words": first_word.group(1).split()}


def marks(browser: Any, html: Path) -> dict[str, Any]:
    """Return which records carry which change mark, and the summary's links."""
    opened = Reader(browser, html)
    found = opened.page.evaluate("""() => ({
        added: [...document.querySelectorAll('article.change-added')].map(a => a.id),
        changed: [...document.querySelectorAll('article.change-changed')].map(a => a.id),
        removed: [...document.querySelectorAll('article.change-removed')].map(a => a.id),
        summary: [...document.querySelectorAll('#changes li a')].map(a => a.hash.slice(1)),
        ins: [...document.querySelectorAll('article ins')].map(e => e.textContent),
        del: [...document.querySelectorAll('article del')].map(e => e.textContent),
        heading: document.querySelector('#changes-heading')?.textContent ?? null,
        banner: document.querySelector('.draft-compared').textContent,
    })""")
    found["axe"] = axe_violations(opened.page)
    assert opened.errors == [] and opened.requests == [opened.url]
    opened.close()
    return dict(found)


def assert_marked(found: dict[str, Any], history: dict[str, Any]) -> None:
    """The three records, and only they, are marked; the words changed are visible."""
    assert found["added"] == [history["added"]]
    assert found["changed"] == [history["changed"]]
    assert found["removed"] == [history["removed"]]
    assert sorted(found["summary"]) == sorted([history["added"], history["changed"],
                                               history["removed"]])
    changed_ins = [t for t in found["ins"] if "Reworded" in t]
    assert changed_ins and "opening" in changed_ins[0]
    assert " ".join(history["old_words"]) in " ".join(found["del"])
    assert found["axe"] == []


def test_since_a_git_revision_marks_exactly_what_changed(browser: Any,
                                                         history: dict[str, Any]) -> None:
    project = history["project"]
    assert run_cli(project, "build", "--draft", "--since", history["ref"]) == 0
    found = marks(browser, project / "out" / "compendium.html")
    assert_marked(found, history)
    assert found["heading"] == f"What changed since git {history['ref'][:12]}"
    assert nu_errors(project / "out" / "compendium.html") == ""


def test_since_an_earlier_manifest_marks_the_same(browser: Any, history: dict[str, Any]) -> None:
    project = history["project"]
    manifest = project / "out-a" / "compendium.manifest.json"
    assert json.loads(manifest.read_text())["format"] == 1
    assert run_cli(project, "build", "--format", "html", "--since", str(manifest)) == 0
    assert_marked(marks(browser, project / "out" / "compendium.html"), history)


def test_without_since_nothing_is_marked(browser: Any, history: dict[str, Any]) -> None:
    project = history["project"]
    assert run_cli(project, "build", "--format", "html") == 0
    found = marks(browser, project / "out" / "compendium.html")
    assert (found["added"], found["changed"], found["removed"], found["ins"], found["del"]) == (
        [], [], [], [], [])
    assert found["heading"] is None
    assert found["banner"] == "not compared with an earlier draft"


def test_since_an_unknown_reference_is_a_clear_error(history: dict[str, Any],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(history["project"], "build", "--since", "no-such-ref") == 1
    assert "--since no-such-ref: neither a manifest file nor a git revision" in \
        capsys.readouterr().err


@pytest.mark.parametrize("acronym", ["UN|PIPE", "A'B", 'Q"R', "Ünï Çode"])
def test_filter_finds_an_entity_whatever_its_acronym_holds(
        browser: Any, project: Path, make_record: RecordFactory, acronym: str) -> None:
    """The records' entities, years and countries are JSON lists for the filter: an acronym
    holding "|" (the list's old separator) showed 0 records."""
    registry = project / "entities.yml"
    registry.write_text(registry.read_text(encoding="utf-8")
                        + f"{json.dumps(acronym)}: {{name: Pipe Entity of Testing}}\n",
                        encoding="utf-8")
    make_record(id="piped", entity=acronym, countries=["Mali"])
    make_record(id="other", entity="IOM")
    assert run_cli(project, "build", "--format", "html") == 0
    opened = Reader(browser, project / "out" / "compendium.html")
    opened.page.select_option("#filter-entity", acronym)
    assert opened.visible_ids() == {"piped"}
    opened.page.select_option("#filter-entity", "")
    opened.page.select_option("#filter-country", "Mali")
    assert opened.visible_ids() == {"piped"}
    assert opened.errors == []
    opened.close()


@pytest.mark.parametrize("typed", ["women's shelters", "WOMEN’S", "2021-2025", "report - mapping",
                                   '"safe cities"'])
def test_find_matches_what_a_reviewer_types_straight(
        browser: Any, project: Path, make_record: RecordFactory, typed: str) -> None:
    """The text prints curled quotes and en dashes (html/text.py); a reviewer types them
    straight, and the Find box must still find the record."""
    make_record(id="typeset", body="It ran women's shelters under the 2021-2025 plan and the "
                                   "Global Report - Mapping, with \"Safe Cities\".")
    make_record(id="other", body="Nothing of the kind here.")
    assert run_cli(project, "build", "--format", "html") == 0
    opened = Reader(browser, project / "out" / "compendium.html")
    assert "women’s" in opened.page.inner_text("#typeset")  # printed curled
    opened.page.fill("#filter-text", typed)
    assert opened.visible_ids() == {"typeset"}
    assert opened.errors == []
    opened.close()
