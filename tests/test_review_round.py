"""A review round end to end, as an editor and reviewers go through it, in Debian's Chromium:
a named round, a change list with old and new values, comments that come back as data, the
Word edition, citations and the Find box."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from compendium.html.backmatter import plain_text
from compendium.html.text import make_markdown, render_body
from compendium.model import MONTH_ABBREVIATIONS
from tests.conftest import ROOT, copy_project, run_cli, wait_for
from tests.test_html_draft import Reader, axe_violations, nu_errors, shipped_records

UNODC_CHAPTER = "United Nations Office on Drugs and Crime (UNODC)"
IOM_CHAPTER = "International Organization for Migration (IOM)"


@pytest.fixture
def round_one(tmp_path: Path) -> dict[str, Any]:
    """Return a project (not in git) kept as round-1, then edited: a period changed, a record
    moved to another chapter, one removed, and the UNODC chapter removed from the config."""
    project = copy_project(tmp_path / "project", ROOT / "sources")
    assert run_cli(project, "round", "round-1") == 0
    iom = sorted((project / "sources" / "iom").glob("iom-2*.md"))
    changed, moved, removed = iom[0], iom[1], iom[2]
    text = changed.read_text(encoding="utf-8")
    old_period = re.search(r"period: \{start: (\d{4})-(\d{2})\}", text)
    assert old_period
    changed.write_text(text.replace(old_period.group(), "period: {start: 2031-06}", 1),
                       encoding="utf-8")
    moved.write_text(moved.read_text(encoding="utf-8").replace(
        "entity: IOM\n", "entity: IOM\nchapter: inter-agency-coordination\n", 1),
        encoding="utf-8")
    removed_words = " ".join(removed.read_text(encoding="utf-8").split("\n---\n", 1)[1]
                             .split()[:5])
    removed.unlink()
    config = project / "compendium.yml"
    edited = re.sub(r"  - slug: unodc\n(    .*\n)+", "", config.read_text(encoding="utf-8"))
    config.write_text(edited, encoding="utf-8")
    kept = json.loads((project / "rounds" / "round-1" / "compendium.manifest.json").read_text())
    unodc = sorted(rid for rid, slug in kept["edition"]["placement"].items() if slug == "unodc")
    assert unodc
    return {"project": project, "changed": changed.stem, "moved": moved.stem,
            "removed": removed.stem, "removed_words": removed_words, "unodc": unodc,
            "old_month": f"{old_period.group(2)}/{old_period.group(1)}"}


@pytest.mark.slow
def test_a_round_of_edits_shows_every_change_with_old_and_new_values(
        browser: Any, round_one: dict[str, Any]) -> None:
    project = round_one["project"]
    assert run_cli(project, "build", "--format", "html", "--since", "round-1") == 0
    opened = Reader(browser, project / "out" / "compendium.html")
    page = opened.page
    found = page.evaluate(SUMMARY_SCRIPT, [round_one["changed"], round_one["moved"]])
    assert found["heading"] == "What changed since round round-1"
    assert found["count"].startswith("0 added, 2 changed, 1 removed, "
                                     f"{len(round_one['unodc'])} moved")
    assert found["before_acronyms"] and found["toc"][0] == "#changes"
    assert found["broken"] == []
    month, year = round_one["old_month"].split("/")
    old_label = f"{MONTH_ABBREVIATIONS[int(month) - 1]} {year}"
    assert found["changed"]["Period"] == [old_label, "Jun 2031"]
    assert found["moved"]["Chapter"] == [IOM_CHAPTER, "Inter-agency coordination"]
    assert len(found["removed"]) == 1
    assert round_one["removed_words"] in found["removed"][0]
    assert f"was in {IOM_CHAPTER}" in found["removed"][0]
    assert any(f"Chapter “{UNODC_CHAPTER}” removed" in e for e in found["edition"])
    assert sorted(found["moved_links"]) == round_one["unodc"]
    assert opened.errors == [] and opened.requests == [opened.url]
    assert axe_violations(page) == []
    opened.close()
    assert nu_errors(project / "out" / "compendium.html") == ""


SUMMARY_SCRIPT = """([changedId, movedId]) => {
    const changes = document.getElementById('changes');
    const item = (id) => [...changes.querySelectorAll('li.change-changed')].find(
        li => li.querySelector(`a[href="#${id}"]`));
    const fields = (id) => Object.fromEntries([...item(id).querySelectorAll('dl div')]
        .map(d => [d.querySelector('dt').textContent,
                   [d.querySelector('del')?.textContent, d.querySelector('ins')?.textContent]]));
    return {
      heading: document.getElementById('changes-heading').textContent,
      count: changes.querySelector('.changes-count').textContent,
      before_acronyms: !!(changes.compareDocumentPosition(document.getElementById('acronyms'))
                          & Node.DOCUMENT_POSITION_FOLLOWING),
      toc: [...document.querySelectorAll('.toc a')].map(a => a.hash),
      edition: [...changes.querySelectorAll('.edition-change')].map(li => li.textContent),
      moved_links: [...changes.querySelectorAll('.edition-change a:not([href^="#chapter-"])')]
          .map(a => a.hash.slice(1)),
      changed: fields(changedId),
      moved: fields(movedId),
      removed: [...changes.querySelectorAll('li.change-removed')].map(li => li.textContent),
      broken: [...changes.querySelectorAll('a')].filter(
          a => !document.getElementById(a.hash.slice(1))).map(a => a.hash),
    };
}"""


SELECT_WORDS = """([id, skip, take]) => {
    const block = document.getElementById(id);
    // The first run of text long enough: names and acronyms are marked up (nobreak.py).
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let node = walker.nextNode();
    while (node && [...node.textContent.matchAll(/\\S+/g)].length < skip + take) {
        node = walker.nextNode();
    }
    const words = [...node.textContent.matchAll(/\\S+/g)];
    const range = document.createRange();
    range.setStart(node, words[skip].index);
    const last = words[skip + take - 1];
    range.setEnd(node, last.index + last[0].length);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    return range.toString();
}"""


def make_comment(page: Any, button: str, text: str) -> None:
    """Press a Comment button, write ``text`` and save it."""
    page.click(button)
    page.fill(".comment-editor textarea", text)
    page.click(".comment-editor button[type=submit]")


@pytest.mark.slow
def test_a_comment_comes_back_at_its_paragraph_after_the_wording_changed(
        browser: Any, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ROOT / "sources")
    assert run_cli(project, "build", "--format", "html") == 0
    records = [r for r in shipped_records() if not r.is_profile and r.body.count("\n\n") >= 1
               and len(r.body.split("\n\n")[0].split()) > 12 and "[" not in r.body[:200]]
    target, doomed = records[0], records[1]
    # A reviewer comments on words of a paragraph, and on a whole record.
    opened = Reader(browser, project / "out" / "compendium.html")
    page = opened.page
    page.fill("#comment-author", "Ana Reviewer")
    page.dispatch_event("#comment-author", "change")
    quote = page.evaluate(SELECT_WORDS, [f"{target.id}-p1", 2, 6])
    make_comment(page, f"#{target.id}-p1 .comment-on-paragraph", "Which year was this?")
    make_comment(page, f"#{doomed.id} .record-tools .comment-add", "Is this still running?")
    page.reload()  # kept in this browser for this draft
    assert page.eval_on_selector_all(".comment-mine", "a => a.length") == 2
    assert page.eval_on_selector(f"#{target.id}-p1 .comment-mine .comment-text",
                                 "e => e.textContent").strip() == "Which year was this?"
    with page.expect_download() as download:
        page.click(".comments-export")
    exported = tmp_path / "ana.json"
    download.value.save_as(exported)
    sent = json.loads(exported.read_text(encoding="utf-8"))
    assert sent["format"] == "compendium-comments/1" and len(sent["comments"]) == 2
    on_words = next(c for c in sent["comments"] if c["quote"]["exact"])
    assert on_words["quote"]["exact"] == quote and on_words["anchor"] == f"{target.id}-p1"
    assert on_words["quote"]["type"] == "TextQuoteSelector" and on_words["quote"]["prefix"]
    # Nothing fetched but the page (opened twice) and the exported file, made in the page.
    assert opened.errors == [] and {r for r in opened.requests if not r.startswith("blob:")} \
        == {opened.url}
    opened.close()

    # The editor merges it, rewords the paragraph (a word of the quote too), puts a new
    # paragraph above it, and removes the other record.
    assert run_cli(project, "comments", str(exported)) == 0
    assert (project / "sources" / "comments.json").is_file()
    path = project / "sources" / target.path.relative_to(ROOT / "sources")
    head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    words = quote.split()
    reworded = body.replace(quote, " ".join([*words[:3], "plainly", *words[4:]]), 1)
    path.write_text(f"{head}\n---\nA paragraph added above.\n\n{reworded}", encoding="utf-8")
    (project / "sources" / doomed.path.relative_to(ROOT / "sources")).unlink()
    assert run_cli(project, "build", "--format", "html") == 0

    opened = Reader(browser, project / "out" / "compendium.html")
    page = opened.page
    shown = page.eval_on_selector(f"#{target.id}-p2 .comment-ledger", "e => e.textContent")
    # Shown in the paragraph as it now reads (renumbered, one word of the quote changed).
    assert "plainly" in page.inner_text(f"#{target.id}-p2")
    assert "Ana Reviewer" in shown and "Which year was this?" in shown
    listed = page.eval_on_selector_all("#open-comments li", "ls => ls.map(l => l.textContent)")
    assert len(listed) == 2
    orphan = next(t for t in listed if "Orphaned" in t)
    assert "Is this still running?" in orphan and doomed.id in orphan
    assert page.eval_on_selector_all(".toc a[href='#open-comments']", "a => a.length") == 1
    assert opened.errors == [] and opened.requests == [opened.url]
    assert axe_violations(page) == []
    opened.close()
    assert nu_errors(project / "out" / "compendium.html") == ""

    # A publication's HTML shows no reviewer's comment.
    assert run_cli(project, "build", "--format", "html", "--publication") == 0
    published = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    assert "Which year was this?" not in published and 'id="open-comments"' not in published
    assert "Is this still running?" not in published

    # Resolved, it is no longer shown; the orphan stays listed.
    assert run_cli(project, "comments", "--resolve", on_words["id"][:8]) == 0
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    assert "Which year was this?" not in html and "Is this still running?" in html


@pytest.mark.slow
def test_the_word_edition_has_chapters_as_heading_1_and_every_record(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    out = tmp_path / "out"
    assert run_cli(ROOT, "build", "--format", "docx", "--out", str(out)) == 0
    word = docx.Document(str(out / "compendium.docx"))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    chapters = [c.title for c in chapter_list()]
    assert [h for h in headings if h in chapters] == chapters
    # Compared word by word: the HTML's text has spaces around its tags, Word's has none.
    text = " " + " ".join(re.findall(r"\w+", " ".join(p.text for p in word.paragraphs))) + " "
    md = make_markdown()
    missing = [r.id for r in shipped_records() if " " + " ".join(re.findall(r"\w+", plain_text(
        render_body(md, r.body, r.id, 4)))) + " " not in text]
    assert missing == []
    styles = {p.style.name for p in word.paragraphs}
    assert {"Title", "Heading 2", "Heading 3", "List Bullet"} <= styles
    links = {h.url for p in word.paragraphs for h in p.hyperlinks}
    expected = {u for r in shipped_records() for u in re.findall(r"<(https?://[^>\s]+)>", r.body)}
    assert expected and expected <= links
    acronyms = {row.cells[0].text for row in word.tables[0].rows}
    assert {"IOM", "UNODC"} <= acronyms
    again = tmp_path / "again"
    assert run_cli(ROOT, "build", "--format", "docx", "--out", str(again)) == 0
    assert (again / "compendium.docx").read_bytes() == (out / "compendium.docx").read_bytes()


def chapter_list() -> tuple[Any, ...]:
    """Return the shipped edition's chapters as the build assigns them."""
    from compendium.records.chapters import assign_chapters
    from compendium.records.config import load_edition

    return assign_chapters(shipped_records(), load_edition(ROOT / "compendium.yml"))


@pytest.mark.slow
def test_find_on_a_phone_shows_the_count_and_the_first_match(browser: Any,
                                                             shipped_build: Path) -> None:
    opened = Reader(browser, shipped_build / "compendium.html", width=390)
    page = opened.page
    page.fill("#filter-text", "trafficking")
    page.wait_for_timeout(700)
    state = page.evaluate("""() => {
        const first = [...document.querySelectorAll('article.record')].find(r => !r.hidden);
        const box = (s) => document.querySelector(s).getBoundingClientRect();
        return {status: box('#filter-status'), input: box('#filter-text'),
                first: first.getBoundingClientRect(), height: innerHeight,
                folded: ['#acronyms', '#annex-sources', '#introduction']
                    .map(s => document.querySelector(s)?.offsetParent === null)};
    }""")
    assert 0 <= state["status"]["top"] < state["height"]  # the count is in view
    assert abs(state["status"]["top"] - state["input"]["top"]) < 60  # beside the box
    assert state["input"]["bottom"] <= state["first"]["top"] + 2 < state["height"]
    assert all(state["folded"])
    assert page.inner_text("#filter-status").endswith("records shown")
    opened.close()


@pytest.mark.slow
def test_copy_link_gives_the_review_url_when_the_config_names_it(browser: Any,
                                                                tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ROOT / "sources")
    config = project / "compendium.yml"
    config.write_text(config.read_text(encoding="utf-8") +
                      "review_url: https://drafts.example.org/compendium.html\n",
                      encoding="utf-8")
    assert run_cli(project, "build", "--format", "html") == 0
    opened = Reader(browser, project / "out" / "compendium.html")
    opened.context.grant_permissions(["clipboard-read", "clipboard-write"])
    record = shipped_records()[3]
    opened.page.click(f"#{record.id} button.copy-link")
    wait_for(opened.page, "document.querySelector('.copy-status').dataset.link")
    assert opened.page.evaluate("navigator.clipboard.readText()") == \
        f"https://drafts.example.org/compendium.html#{record.id}"
    opened.close()


def changes_text(project: Path) -> str:
    """Return the text of the change list of the project's HTML draft (no browser needed)."""
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    start = html.index('<section class="changes"')
    return " ".join(re.sub(r"<[^>]+>", " ", html[start:html.index("</section>", start)]).split())


@pytest.mark.slow
def test_since_a_git_revision_reads_the_chapters_of_the_config_then(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ROOT / "sources")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "round 1"]):
        subprocess.run([*git, *args], cwd=project, check=True, capture_output=True)
    config = project / "compendium.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"  - slug: unodc\n(    .*\n)+", "", text).replace(
        "title: Inter-agency coordination", "title: Working together", 1), encoding="utf-8")
    assert "Working together" in config.read_text(encoding="utf-8")
    assert run_cli(project, "build", "--format", "html", "--since", "HEAD") == 0
    listed = changes_text(project)
    assert f"Chapter “{UNODC_CHAPTER}” removed" in listed
    assert "Chapter “Inter-agency coordination” renamed “Working together”" in listed
    assert "moved by the chapter rules" in listed


@pytest.mark.slow
def test_a_manifest_from_before_chapters_were_kept_still_compares(round_one: dict[str, Any]
                                                                  ) -> None:
    project = round_one["project"]
    kept = project / "rounds" / "round-1" / "compendium.manifest.json"
    document = json.loads(kept.read_text(encoding="utf-8"))
    del document["edition"]
    old = project / "old.manifest.json"
    old.write_text(json.dumps(document), encoding="utf-8")
    assert run_cli(project, "build", "--format", "html", "--since", str(old)) == 0
    listed = changes_text(project)
    # Today's chapters applied to both states: no chapter change, no record moved by them.
    assert "0 added, 2 changed, 1 removed, 0 moved; 0 change(s) to the chapters" in listed
    assert f"Chapter {IOM_CHAPTER} → Inter-agency coordination" in listed


@pytest.mark.slow
def test_comments_verb_lists_the_ledger_per_record(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path / "project", ROOT / "sources")
    assert run_cli(project, "comments") == 0
    assert "no comments yet" in capsys.readouterr().out
    sent = tmp_path / "sent.json"
    sent.write_text(json.dumps({"format": "compendium-comments/1", "comments": [
        {"id": "k1", "record": "iom-profile", "anchor": "iom-profile", "text": "Check the name",
         "quote": {"exact": ""}}]}), encoding="utf-8")
    assert run_cli(project, "comments", str(sent)) == 0
    out = capsys.readouterr().out
    assert "iom-profile: 1 open, 0 resolved" in out and "1 comment(s) added" in out
    assert run_cli(project, "check") == 0  # the ledger is not read as a record
    assert run_cli(project, "comments", "--resolve", "k1") == 0
    assert "iom-profile: 0 open, 1 resolved" in capsys.readouterr().out
    assert run_cli(project, "comments", "--resolve", "nope") == 1
    assert "--resolve nope: no comment has that id" in capsys.readouterr().err


@pytest.mark.slow
def test_records_that_named_a_chapter_since_removed_still_compare(tmp_path: Path) -> None:
    """Old records may name a chapter (or an entity) the config has dropped since: that is
    a change to list, not a problem in the old records."""
    project = copy_project(tmp_path / "project", ROOT / "sources")
    record = sorted((project / "sources" / "unodc").glob("unodc-2*.md"))[0]
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("entity: UNODC\n", "entity: UNODC\nchapter: unodc\n", 1),
                      encoding="utf-8")
    assert run_cli(project, "round", "round-1") == 0
    record.write_text(text, encoding="utf-8")
    config = project / "compendium.yml"
    config.write_text(re.sub(r"  - slug: unodc\n(    .*\n)+", "",
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    assert run_cli(project, "build", "--format", "html", "--since", "round-1") == 0
    listed = changes_text(project)
    assert "Chapter set in the record unodc → none" in listed
    assert f"Chapter {UNODC_CHAPTER} → Other entities" in listed
    assert f"Chapter “{UNODC_CHAPTER}” removed" in listed


def test_a_review_url_that_is_not_a_web_address_is_a_problem(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = project / "compendium.yml"
    config.write_text(config.read_text(encoding="utf-8") + "review_url: drafts/x.html\n",
                      encoding="utf-8")
    assert run_cli(project, "check") == 1
    assert "review_url: `drafts/x.html` is not a web address; expected the https://" in \
        capsys.readouterr().err


@pytest.mark.slow
def test_the_record_comment_button_takes_the_words_selected_in_it(browser: Any,
                                                                   shipped_build: Path) -> None:
    record = next(r for r in shipped_records() if not r.is_profile and "\n\n" in r.body)
    opened = Reader(browser, shipped_build / "compendium.html")
    page = opened.page
    quote = page.evaluate(SELECT_WORDS, [f"{record.id}-p2", 0, 3])
    make_comment(page, f"#{record.id} .record-tools .comment-add", "On these words")
    kept = page.evaluate("Object.entries(localStorage).filter(([k]) => "
                         "k.startsWith('compendium-comments:')).map(([, v]) => JSON.parse(v))")
    made = [c for comments in kept for c in comments if c["text"] == "On these words"]
    assert [(c["anchor"], c["quote"]["exact"]) for c in made] == [(f"{record.id}-p2", quote)]
    assert page.eval_on_selector(f"#{record.id}-p2 .comment-mine .comment-text",
                                 "e => e.textContent").strip() == "On these words"
    opened.close()


@pytest.mark.slow
def test_a_chapter_chosen_on_a_phone_folds_the_contents_away(browser: Any,
                                                              shipped_build: Path) -> None:
    """The unfolded contents stayed open over 730 of the screen's 900 pixels, the chosen
    chapter's heading under them."""
    opened = Reader(browser, shipped_build / "compendium.html", width=390)
    page = opened.page
    page.click(".sidebar-toggle")
    assert page.get_attribute(".sidebar-toggle", "aria-expanded") == "true"
    link = page.locator('.sidebar .toc a[href^="#chapter-"]').nth(1)
    target = link.get_attribute("href")
    link.click()
    page.wait_for_timeout(500)
    state = page.evaluate("""(target) => ({
        open: document.querySelector('.sidebar').classList.contains('open'),
        sidebar: document.querySelector('.sidebar').getBoundingClientRect().bottom,
        heading: document.querySelector(target).getBoundingClientRect().top,
        height: innerHeight})""", target)
    assert not state["open"]
    assert page.get_attribute(".sidebar-toggle", "aria-expanded") == "false"
    assert state["sidebar"] <= state["heading"] < state["height"], state
    assert opened.errors == []
    opened.close()


@pytest.mark.slow
def test_a_comment_on_a_paragraph_opened_by_its_entry_number_quotes_only_its_words(
        browser: Any, shipped_build: Path) -> None:
    """The number run into an entry's first paragraph is not the record's text: quoted, it
    would not be found in the record when the comments come back."""
    opened = Reader(browser, shipped_build / "compendium.html")
    page = opened.page
    paragraph = page.eval_on_selector(".run-in", "e => e.parentElement.id")
    record_id = paragraph.removesuffix("-p1")
    record = next(r for r in shipped_records() if r.id == record_id)
    make_comment(page, f"#{paragraph} .comment-add", "On this paragraph")
    kept = page.evaluate("Object.entries(localStorage).filter(([k]) => "
                         "k.startsWith('compendium-comments:')).map(([, v]) => JSON.parse(v))")
    [made] = [c for comments in kept for c in comments if c["text"] == "On this paragraph"]
    first = " ".join(record.body.split("\n\n")[0].split())
    assert made["quote"]["exact"] == first[:400]
    opened.close()
