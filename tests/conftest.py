"""Shared fixtures: real builds, the real PDF read back with poppler, a real Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

# numpy (under matplotlib, which draws the charts) starts OpenBLAS threads of its own: a PDF
# layout run in this process would then never fork a drawing process (pdf/drawing.py forks
# only while no thread but Python's runs), and the tests of that path would test nothing.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Compiled modules are kept (in __pycache__/, which git ignores) even where the environment
# asks Python not to write them (PYTHONDONTWRITEBYTECODE): compiling the package and
# rewriting the tests' asserts again on every run took a third of the quick suite's time.
# Set before the package is first imported (run_cli imports the command line late).
sys.dont_write_bytecode = False

# In CI the generated cases are the same on every run (a fixed derivation of each test's
# name), so a submission passes or fails on its code, not on a draw; locally every run
# draws new cases and keeps the failing ones in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PROJECT_FILES = ("compendium.yml", "entities.yml", "glossary.yml", "front", "templates", "styles")


def fingerprint(text: str) -> str:
    """Return ``text`` reduced to letters and digits, so line breaks and hyphenation vanish."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def pdf_text(pdf: Path) -> str:
    """Return the text of the PDF's text block on every page (running heads cropped off)."""
    # A4 is 595 x 842 pt; the page margins are 24 mm (68 pt) top and bottom.
    result = subprocess.run(["pdftotext", "-x", "0", "-y", "62", "-W", "595", "-H", "718",
                             "-nopgbrk", str(pdf), "-"], capture_output=True, text=True,
                            check=True)
    return result.stdout


def pdf_page_texts(pdf: Path) -> list[str]:
    """Return the full text of each page, running heads included."""
    result = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                            check=True)
    return result.stdout.split("\f")[:-1]


def page_labels(pdf: Path) -> list[str]:
    """Return the label of each page (its printed number): i, ii, … then 1, 2, …"""
    import pypdf

    return list(pypdf.PdfReader(pdf).page_labels)


def copy_project(target: Path, sources: Path | None = None) -> Path:
    """Copy the project's config, templates and styles (and optionally sources) to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, target / name)
        else:
            shutil.copy(src, target / name)
    if sources is not None:
        shutil.copytree(sources, target / "sources")
    else:  # the raw pages records cite: a build checks that they exist
        shutil.copytree(ROOT / "sources" / "raw", target / "sources" / "raw")
    return target


def read_outputs(out: Path) -> dict[str, bytes]:
    """Return every output a reader finds by the documented paths of ``out``
    (``compendium.pdf``, ``chapters/…``: links into the current set), by relative path."""
    found: dict[str, bytes] = {}
    for top in sorted(out.iterdir()):
        if top.name.startswith(".") or top.name == "current":
            continue  # the sets themselves, the lock, links being switched
        paths = sorted(top.iterdir()) if top.is_dir() else [top]
        found.update({str(p.relative_to(out)): p.read_bytes() for p in paths if p.is_file()})
    return found


def run_cli(project: Path, *args: str) -> int:
    """Run the command line in ``project`` as a user would, with paths relative to it."""
    from compendium.cli import main

    before = Path.cwd()
    os.chdir(project)
    try:
        return main(list(args))
    finally:
        os.chdir(before)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return an empty project (config, templates, styles, no records) in a temporary folder."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def small_project(tmp_path: Path) -> Path:
    """Return a project with 12 of the shipped records (the PDF takes about a second)."""
    project = copy_project(tmp_path / "p")
    records = sorted(p for p in (ROOT / "sources").rglob("*.md") if "raw" not in p.parts)
    for path in records[::4] + [ROOT / "sources" / "iom" / "iom-profile.md"]:
        target = project / "sources" / path.relative_to(ROOT / "sources")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return project


RecordFactory = Callable[..., Path]


@pytest.fixture
def make_record(project: Path) -> RecordFactory:
    """Return a factory writing a valid record file; keyword arguments override fields."""
    counter = iter(range(1, 10_000))

    def make(body: str = "Some text about the work.", folder: str = "", **fields: Any) -> Path:
        n = next(counter)
        front: dict[str, Any] = {"id": f"record-{n}", "kind": "activity", "entity": "IOM",
                                 "sources": [{"page": "test.txt", "lines": str(n)}]}
        front.update(fields)
        front = {k: v for k, v in front.items() if v is not None}
        page = project / "sources" / "raw" / "test.txt"  # the raw page it cites, line n
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("".join(f"Line {k} of a raw page.\n" for k in range(1, n + 1)))
        path = project / "sources" / folder / f"{front.get('id', n)}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n{body}\n",
                        encoding="utf-8")
        return path

    return make


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the shipped sources once for the session; return the output folder."""
    out = tmp_path_factory.mktemp("shipped") / "out"
    assert run_cli(ROOT, "build", "--out", str(out)) == 0
    return out


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Return Debian's Chromium driven by Playwright (never a downloaded browser)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run ./setup.sh (installs Debian's chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def wait_for(page: Any, expression: str, timeout: float = 15_000) -> None:
    """Poll a JavaScript ``expression`` in ``page`` until it is true (Playwright's
    wait_for_function evaluates a string, which the draft's Content-Security-Policy forbids;
    page.evaluate is the browser's own). A reload meanwhile is waited out."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error:  # the page is being replaced: ask the next one
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"never true in the page: {expression}")
        time.sleep(0.05)


def browser_text(browser: Any, html: Path, selector: str = "body") -> str:
    """Return the text Chromium shows for ``selector`` of the page at ``html``."""
    page = browser.new_page()
    page.goto(html.as_uri())
    text = str(page.inner_text(selector))
    page.close()
    return text


def not_exactly_once(text: str, paragraphs: Iterable[str]) -> dict[str, int]:
    """Return the paragraphs whose fingerprint does not occur exactly once in ``text``."""
    haystack = fingerprint(text)
    counts = {p[:60]: haystack.count(fingerprint(p)) for p in paragraphs}
    return {p: n for p, n in counts.items() if n != 1}
