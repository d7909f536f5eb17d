"""The print edition flows like a book: pages full, breaks only where the design puts them."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pypdf
import pytest

from tests.conftest import ROOT, copy_project, pdf_page_texts, run_cli
from tests.glyphs import wrong_glyphs_in
from tests.pageflow import SECTION_ANCHORS, Page, margin_lines, page_flow, read_pages

pytestmark = pytest.mark.slow


def build_pdf(project: Path, *args: str) -> Path:
    """Build the PDF of ``project`` as the editor would; return it."""
    assert run_cli(project, "build", "--format", "pdf", "--no-cache", *args) == 0
    return project / "out" / "compendium.pdf"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the shipped records' draft PDF."""
    project = copy_project(tmp_path_factory.mktemp("flow") / "p", sources=ROOT / "sources")
    return build_pdf(project)


@pytest.fixture(scope="module", params=[(40, "A4"), (300, "A4"), (300, "letter")],
                ids=["40-A4", "300-A4", "300-letter"])
def synthetic(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the PDF of a synthetic edition (bench/generate.py) of ``param`` records, on
    ``param`` paper (a shorter page is where a figure or a block too tall shows first)."""
    records, paper = request.param
    project = tmp_path_factory.mktemp(f"synthetic{records}{paper}") / "p"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(records),
                    str(project)], check=True)
    config = project / "compendium.yml"
    config.write_text(re.sub(r"(?m)^paper: .*$", f"paper: {paper}",
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    return build_pdf(project)


def assert_flows_like_a_book(pdf: Path) -> None:
    """Assert what a publication designer checks page by page."""
    flow = page_flow(pdf)
    texts = pdf_page_texts(pdf)
    pages = read_pages(pdf)
    margins = margin_lines(pages)
    # The cover has neither folio nor running head: what it shows in the margins is the
    # stamp of a draft (nothing in a publication).
    stamp = sorted(w[2] for w in pages[0].words if round(w[1]) in margins)
    # Nor has the back cover, the book's last page.
    assert sorted(w[2] for w in pages[-1].words if round(w[1]) in margins) == stamp
    # Every page not ending a section is filled to 70 % of the text block at least.
    assert flow.short_pages(0.7) == [], {n: round(flow.fill[n], 2)
                                         for n in flow.short_pages(0.7)}
    for page in flow.blank:
        # A blank page is only ever a verso before a right-hand opening, or the recto before
        # the back cover (the book's last page, a verso), with no folio or running head (the
        # draft stamp may stay).
        assert (page % 2 == 0 and page + 1 in flow.fill) or page == len(texts) - 1, page
        assert sorted(w[2] for w in pages[page - 1].words) == stamp, page
    assert not any("(continued)" in text for text in texts)
    # Only a part opens on a right-hand page that a blank verso may go before: the title
    # page, the front matter after the contents, each chapter, each part of the back matter.
    # The front matter's sections open on the next page, of either side.
    openings = section_openings(pdf)
    front = min(page for page, anchor in openings.items()
                if not anchor.startswith(("toc", "chapter-", "index-", "annex-", "back-")))
    for page in flow.blank - {2, len(texts) - 1}:
        assert page + 1 == front or openings.get(page + 1, "").startswith(
            ("chapter-", "index-entities", "annex-")), (page, openings.get(page + 1))
    # The index of countries runs on after the index of entities, on either side.
    countries = [page for page, anchor in openings.items() if anchor == "index-countries"]
    assert all(page - 1 not in flow.blank for page in countries), countries
    assert_text_block_on_its_side(pages, margins, front)
    # A page where a section opens has no running head: the heads are the margin lines
    # above the text block.
    body = [w for p in pages for w in p.words if round(w[1]) not in margins]
    top = min(w[0] for w in body)
    for page in openings:
        heads = [w[2] for w in pages[page - 1].words if w[1] < top and round(w[1]) in margins]
        assert heads == [], (page, openings[page], heads)


def assert_text_block_on_its_side(pages: list[Page], margins: set[float], front: int) -> None:
    """Assert that every page's body text lies in the text block of its side (the margins
    are mirrored): a part laid out for the other side would stand out by the difference."""
    edges: dict[int, list[tuple[float, float]]] = {0: [], 1: []}
    for page in pages[front - 1:-1]:
        spans = [span for word, span in zip(page.words, page.spans, strict=True)
                 if round(word[1]) not in margins]
        if len(spans) >= 5:
            edges[page.number % 2].append((min(left for left, _ in spans),
                                           max(right for _, right in spans)))
    for side, found in edges.items():
        # Most pages reach both edges of their text block (justified lines); a glyph may
        # overhang a point or two, a list's marker 12 pt. The sides are 73 pt apart.
        left = Counter(round(x) for x, _ in found).most_common(1)[0][0]
        right = Counter(round(x) for _, x in found).most_common(1)[0][0]
        outside = [(x, y) for x, y in found if x < left - 20 or y > right + 20]
        assert outside == [], (side, left, right, outside)


def section_openings(pdf: Path) -> dict[int, str]:
    """Return the physical page (from 1) where each section of the book opens, and its
    anchor (sections opening on one page: the first)."""
    reader = pypdf.PdfReader(pdf)
    found: dict[int, str] = {}
    for name, dest in sorted(reader.named_destinations.items()):
        if SECTION_ANCHORS.match(str(name).lstrip("/")):
            page = reader.get_destination_page_number(dest) + 1
            found.setdefault(page, str(name).lstrip("/"))
    return found


def test_the_shipped_edition_flows_like_a_book(shipped: Path) -> None:
    assert_flows_like_a_book(shipped)


def test_synthetic_editions_flow_like_a_book(synthetic: Path) -> None:
    assert_flows_like_a_book(synthetic)


def test_a_see_also_list_follows_its_chapters_last_entry(shipped: Path) -> None:
    texts = pdf_page_texts(shipped)
    for number, text in enumerate(texts):
        if "Also in other chapters" in text.split("\n", 3)[-1] and \
                text.strip().startswith("Also in other chapters"):
            # On a page of its own only when the last entry filled the page before.
            assert page_flow(shipped).fill[number] > 0.85, number


def test_every_glyph_of_the_book_is_its_faces_own(shipped: Path, synthetic: Path) -> None:
    # The shipped PDF drew its en dashes as a diaeresis when a part's subset had moved the
    # diaeresis to the en dash's id (see pdf/layout.py, subset_keeping_glyph_ids).
    assert wrong_glyphs_in(shipped) == []
    assert wrong_glyphs_in(synthetic) == []


def test_one_embedded_subset_per_face_each_with_its_own_tag(shipped: Path) -> None:
    fonts = subprocess.run(["pdffonts", str(shipped)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    names = [line.split()[0] for line in fonts]
    faces = [name.split("+", 1)[1] for name in names]
    tags = [name.split("+", 1)[0] for name in names]
    assert len(faces) == len(set(faces)), names
    assert len(tags) == len(set(tags)), names
