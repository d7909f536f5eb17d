"""The live preview, as an editor uses it: open the page, edit a record, see it reload."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, RecordFactory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(project: Path, make_record: RecordFactory) -> Iterator[tuple[str, Path]]:
    """Start `build.py serve` on a small project; return its URL and the record file."""
    record = make_record(id="preview-entry", body="The first version of the text.")
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port",
                                str(port)], cwd=project, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "Serving the draft at" in line:
            break
    else:
        process.kill()
        pytest.fail("the preview did not start")
    yield f"http://127.0.0.1:{port}/", record
    process.terminate()
    process.wait(timeout=10)


def test_edits_reload_the_open_page_and_errors_show_in_it(
        server: tuple[str, Path], browser: Any, project: Path) -> None:
    url, record = server
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    assert "The first version of the text." in page.inner_text("main")

    record.write_text(record.read_text().replace("first version", "second version"))
    page.wait_for_function("document.body.innerText.includes('The second version')",
                           timeout=15_000)

    good = record.read_text()
    record.write_text(good.replace("entity: IOM", "entity: IMO"))
    page.wait_for_function("document.title === 'Build problems'", timeout=15_000)
    assert "unknown entity `IMO`; did you mean `IOM`?" in page.inner_text("ul.problems")

    record.write_text(good.replace("second version", "third version"))
    page.wait_for_function("document.body.innerText.includes('The third version')",
                           timeout=15_000)
    page.close()
    assert errors == []

    # The PDF follows in the background, from the last edit.
    pdf = project / "out" / "compendium.pdf"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "third version" not in pdf_words(pdf):
        time.sleep(0.5)
    assert "third version" in pdf_words(pdf)


def pdf_words(pdf: Path) -> str:
    """Return the PDF's text, or nothing while it does not exist yet."""
    if not pdf.exists():
        return ""
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=False).stdout
