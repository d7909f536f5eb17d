"""The live preview, as an editor uses it: open the page, edit a record, see it reload."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from compendium import cache, serve
from compendium.errors import BuildStopped
from compendium.pdf.workers import Workers
from compendium.pipeline import PREVIEW_PDF_STAGES, BuildRequest, run
from compendium.progress import Progress
from compendium.serve import PdfRebuilds
from tests.conftest import ROOT, RecordFactory, run_cli


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


def test_the_previews_pdf_follows_edits_and_is_the_clean_builds(small_project: Path) -> None:
    """The preview rebuilds the PDF in a thread, with worker processes it keeps between
    builds; after edits (one of them breaking a record), the PDF is byte for byte the one a
    clean build gives, and a broken record does not stop it."""
    project = small_project
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out")
    record = next((project / "sources").rglob("iom-2*.md"))
    good = record.read_text()
    rebuilds = PdfRebuilds(request)
    try:
        rebuilds.ask()
        assert rebuilds.wait(timeout=120)
        record.write_text(good.replace("entity: IOM", "entity: IMO"))
        rebuilds.ask()
        assert rebuilds.wait(timeout=120)  # reported, not raised: the thread goes on
        record.write_text(good.replace("\n---\n", "\n---\nRevised in the preview. ", 1))
        rebuilds.ask()
        assert rebuilds.wait(timeout=120)
    finally:
        rebuilds.close()
    pdf = (project / "out" / "compendium.pdf").read_bytes()
    assert "Revised in the preview." in pdf_words(project / "out" / "compendium.pdf")
    run(replace(request, out=project / "clean", use_cache=False, formats=frozenset({"pdf"})))
    assert pdf == (project / "clean" / "compendium.pdf").read_bytes()


def test_a_superseded_build_stops_and_writes_nothing(small_project: Path) -> None:
    """A build asked to stop (a newer edit came) raises BuildStopped before its next stage or
    while it waits for parts, and leaves the outputs as they were."""
    cache._MEMORY.clear()  # a new process's memory: this project's parts laid out afresh
    project = small_project
    out = project / "out"
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=out, formats=frozenset({"pdf"}))
    stop = threading.Event()
    stop.set()
    with pytest.raises(BuildStopped):
        run(request, stop=stop)
    assert not out.exists()

    workers = Workers(keep=True)
    try:
        stop = threading.Event()
        with pytest.raises(BuildStopped):  # asked to stop once the first part is back
            run(request, PREVIEW_PDF_STAGES, StopAtFirstPart(stop), workers=workers,
                stop=stop)
        assert not out.exists()
        run(request, PREVIEW_PDF_STAGES, workers=workers)  # the kept workers still work
    finally:
        workers.shutdown(wait=True)
    assert sorted(p.name for p in out.iterdir()) == ["compendium.pdf"]  # the PDF alone


def test_the_previews_pdf_thread_outlives_an_unexpected_error(
        small_project: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A bug in one PDF build is logged with its traceback; the next edit is built."""
    request = BuildRequest(config=small_project / "compendium.yml",
                           sources=small_project / "sources", out=small_project / "out")
    real_run = serve.run
    calls: list[int] = []

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return real_run(*args, **kwargs)

    monkeypatch.setattr(serve, "run", failing_once)
    rebuilds = PdfRebuilds(request)
    try:
        rebuilds.ask()
        assert rebuilds.wait(timeout=60)
        assert "a bug" in caplog.text and not (small_project / "out").exists()
        rebuilds.ask()
        assert rebuilds.wait(timeout=120)
    finally:
        rebuilds.close()
    assert (small_project / "out" / "compendium.pdf").is_file()


class StopAtFirstPart(Progress):
    """Progress that sets ``stop`` when the first part of the PDF comes back."""

    def __init__(self, stop: threading.Event) -> None:
        super().__init__(enabled=False)
        self.stop = stop

    def step(self, text: str) -> None:
        if text.startswith("PDF part"):
            self.stop.set()


def test_a_busy_port_is_said_plainly(project: Path, make_record: RecordFactory,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Another program on the port: one line saying so and what to do, no traceback, and
    nothing built."""
    make_record()
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert run_cli(project, "serve", "--port", str(port)) == 1
    error = capsys.readouterr().err
    assert error == (f"error: cannot serve on 127.0.0.1 port {port}: Address already in use; "
                     "is another preview running? Choose another with --port\n")
    assert not (project / "out").exists()
