"""End to end: the shipped sources build into chapters, HTML and PDF a reader can trust."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from markdown_it import MarkdownIt

from compendium.records.config import load_edition
from compendium.records.sources import read_record_files
from compendium.records.validate import validate_records
from tests.conftest import (
    ROOT,
    browser_text,
    fingerprint,
    not_exactly_once,
    page_labels,
    pdf_page_texts,
    pdf_text,
    run_cli,
)

pytestmark = pytest.mark.slow

DEFAULT_CHAPTERS = ["Spotlight Initiative", "International Organization for Migration (IOM)",
                    "United Nations Office on Drugs and Crime (UNODC)",
                    "Inter-agency coordination"]
FRONT_MATTER = ["Acronyms", "Introduction", "Methodology", "The compendium in figures"]
BACK_MATTER = ["Annex: sources", "Index of entities", "Index of countries"]


def shipped_blocks() -> list[tuple[str, str]]:
    """Return (record id, plain text) of every paragraph and list item of the shipped records."""
    edition = load_edition(ROOT / "compendium.yml")
    files = read_record_files(ROOT / "sources")
    records = validate_records(files.value, edition)
    assert not files.problems and not records.problems
    md = MarkdownIt("commonmark")
    blocks = []
    for record in records.value:
        for token in md.parse(record.body):
            if token.type == "inline" and token.children is not None:
                text = "".join(c.content for c in token.children if c.type == "text")
                blocks.append((record.id, text))
        blocks += [(record.id, v) for v in (record.mail_address, record.address) if v]
    return blocks


def outline_chapters(pdf: Path) -> list[tuple[str, int]]:
    """Return (title, page number from 1) of the outline's top level."""
    reader = pypdf.PdfReader(pdf)
    return [(item.title, reader.get_destination_page_number(item) + 1)
            for item in reader.outline if not isinstance(item, list)]


def test_build_writes_chapter_markdown_html_and_pdf(shipped_build: Path) -> None:
    names = sorted(p.name for p in (shipped_build / "chapters").iterdir())
    assert names == ["01-spotlight-initiative.md", "02-iom.md", "03-unodc.md",
                     "04-inter-agency-coordination.md"]
    assert (shipped_build / "compendium.html").stat().st_size > 10_000
    assert (shipped_build / "compendium.pdf").read_bytes().startswith(b"%PDF-")


def test_outline_lists_the_chapters_in_config_order(shipped_build: Path) -> None:
    titles = [t for t, _ in outline_chapters(shipped_build / "compendium.pdf")]
    assert titles == [*FRONT_MATTER, *(f"{i}. {t}" for i, t in
                                       enumerate(DEFAULT_CHAPTERS, start=1)), *BACK_MATTER]


def test_outline_nests_sections_inside_chapters(shipped_build: Path) -> None:
    reader = pypdf.PdfReader(shipped_build / "compendium.pdf")
    children: dict[str, list[str]] = {}
    parent = ""
    for item in reader.outline:
        if isinstance(item, list):
            children[parent] = [c.title for c in item if not isinstance(c, list)]
        else:
            parent = item.title
    iom_sections = children["2. International Organization for Migration (IOM)"]
    assert "2.1 Profile" in iom_sections  # numbered, not the chapter's title again
    assert "2014" in iom_sections  # entries grouped by the year they started


def test_toc_page_numbers_are_the_pages_where_chapters_start(shipped_build: Path) -> None:
    pdf = shipped_build / "compendium.pdf"
    pages = pdf_page_texts(pdf)
    toc_page = next(p for p in pages if "Contents" in p)
    labels = page_labels(pdf)
    starts = dict(outline_chapters(pdf))
    for number, title in enumerate(DEFAULT_CHAPTERS, start=1):
        entry = re.search(rf"{number}\. {re.escape(title)}[\s.]*?(\d+)", toc_page)
        assert entry, f"chapter {title} missing from the contents"
        index = labels.index(entry[1])  # the page whose label is the printed number
        assert index + 1 == starts[f"{number}. {title}"]
        assert f"{number}. {title}" in pages[index].replace("\n", " ")
        # The printed page number at the foot of that page (above a draft's stamp) is the
        # same number.
        lines = [line.strip() for line in pages[index].strip().split("\n")
                 if not line.strip().startswith("DRAFT")]
        assert lines[-1] == entry[1]
    # The front matter is numbered i, ii, …; the first chapter opens page 1.
    assert labels[:3] == ["i", "ii", "iii"]
    assert labels[starts[f"1. {DEFAULT_CHAPTERS[0]}"] - 1] == "1"
    front = re.search(r"Acronyms[\s.]*?([ivx]+)", toc_page)
    assert front and "Acronyms" in pages[labels.index(front[1])]


FRONT_SECTIONS = ("Acronyms", "Introduction", "Methodology", "The compendium in figures",
                  "Foreword", "Acknowledgements")
"""The front matter's sections: each opens the next page, of either side."""


def test_chapters_start_on_right_hand_pages(shipped_build: Path) -> None:
    """Chapters and the parts of the back matter open on a right-hand page; the front
    matter's sections on the next page (a blank verso for each of them made three), and so
    does the index of countries after the index of entities."""
    outline = outline_chapters(shipped_build / "compendium.pdf")
    assert {t for t, _ in outline} >= {"Acronyms", "Introduction", "Index of entities"}
    for title, page in outline:
        if title not in (*FRONT_SECTIONS, "Index of countries"):
            assert page % 2 == 1, f"{title} starts on page {page}, a left-hand page"


def test_pdf_metadata_names_title_language_and_subject(shipped_build: Path) -> None:
    reader = pypdf.PdfReader(shipped_build / "compendium.pdf")
    meta = reader.metadata
    assert meta is not None and meta.title and meta.title.startswith("Compendium of United")
    assert meta.subject == "Inventory of activities reported by United Nations entities"
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_running_heads_carry_the_chapter_title(shipped_build: Path) -> None:
    """Every right-hand page of a chapter but its opening one is headed with the chapter's
    title, every left-hand page with the book's."""
    pages = pdf_page_texts(shipped_build / "compendium.pdf")
    outline = outline_chapters(shipped_build / "compendium.pdf")
    iom = next(i for i, (title, _) in enumerate(outline) if "(IOM)" in title)
    start, end = outline[iom][1], outline[iom + 1][1]  # pages from 1; end is the next start
    title = "2. International Organization for Migration (IOM)"
    book = "Compendium of United Nations System Activities"
    for number in range(start + 1, end - 1):  # the last page before `end` may be blank
        head = " ".join(pages[number - 1].split())
        assert head.startswith(title if number % 2 else book), number
    assert " ".join(pages[start - 1].split()).count(title) == 1  # the heading, no running head


def record_texts() -> list[str]:
    """Return each block of record text long enough to be told apart (20+ letters)."""
    texts = [f"{b}" for _, b in shipped_blocks() if len(fingerprint(b)) >= 20]
    assert len(texts) > 90
    return texts


def test_every_record_text_appears_exactly_once_in_the_pdf(shipped_build: Path) -> None:
    assert not_exactly_once(pdf_text(shipped_build / "compendium.pdf"), record_texts()) == {}


def test_every_record_text_appears_exactly_once_in_the_html(shipped_build: Path,
                                                            browser: Any) -> None:
    text = browser_text(browser, shipped_build / "compendium.html", "main")
    assert not_exactly_once(text, record_texts()) == {}


def test_html_contents_links_reach_every_chapter(shipped_build: Path, browser: Any) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((shipped_build / "compendium.html").as_uri())
    links = page.eval_on_selector_all("nav.toc a", "els => els.map(e => e.hash)")
    assert len(links) == len(FRONT_MATTER) + len(DEFAULT_CHAPTERS) + 1  # + annex
    for hash_ in links:
        heading = page.locator(f"{hash_} h1").first
        assert heading.count() == 1
    page.click("nav.toc >> text=Inter-agency coordination")
    assert page.evaluate("location.hash") == "#chapter-inter-agency-coordination"
    assert page.locator("#chapter-inter-agency-coordination h1").is_visible()
    page.close()
    assert errors == []


def test_cross_references_point_to_records_in_other_chapters(shipped_build: Path) -> None:
    html = (shipped_build / "compendium.html").read_text()
    iom = html[html.index('id="chapter-iom"'):html.index('id="chapter-unodc"')]
    assert 'class="xref" href="#iom-undated-participates-iasc-gender-reference"' in iom
    assert 'id="iom-undated-participates-iasc-gender-reference"' not in iom
    pages = pdf_page_texts(shipped_build / "compendium.pdf")
    first = next(n for n, p in enumerate(pages) if "Also in other chapters" in p and "IOM" in p)
    see_also = pages[first] + pages[first + 1]  # the list may run on to the next page
    # Cited by entry number, the number the entry's heading prints.
    found = re.search(r"(\d+\.\d+) [^“]*“IOM participates in the IASC", " ".join(see_also.split()))
    assert found
    target = next(p for p in pages if re.search(rf"^{re.escape(found.group(1))} ", p, re.M)
                  and "Also in other chapters" not in p)
    assert fingerprint("IOM participates in the IASC Gender Reference Group") in fingerprint(target)


def test_summary_and_exit_code(project: Path, make_record: Any,
                               capsys: pytest.CaptureFixture[str]) -> None:
    make_record(entity="IOM", body="IOM trained border officials in 2020.")
    assert run_cli(project, "build", "--format", "html") == 0
    out = capsys.readouterr().out
    assert re.search(r"built 1 record into 4 chapters in \d+\.\d s", out)
    assert (project / "out" / "compendium.html").exists()
    assert not (project / "out" / "compendium.pdf").exists()
