"""Progress: stages and pages on a terminal, one summary line otherwise."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from compendium.pipeline import BUILD_STAGES, PREPARE_STEPS, BuildRequest, run
from compendium.progress import Progress
from tests.conftest import ROOT, RecordFactory

pytestmark = pytest.mark.slow


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_each_stage_chapter_and_page(project: Path,
                                                    make_record: RecordFactory) -> None:
    make_record(id="entry", body="Text.")
    terminal = Terminal()
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out", use_cache=False)
    run(request, BUILD_STAGES, Progress(terminal))
    shown = terminal.getvalue()
    names = [*PREPARE_STEPS, *(name for name, _ in BUILD_STAGES)]
    for number, name in enumerate(names, start=1):
        assert f"[{number}/{len(names)}] {name}" in shown
    assert "chapter 2/4: International Organization for Migration (IOM) (1 records)" in shown
    assert "waiting for the PDF worker" in shown  # laid out by a worker meanwhile


def test_not_a_terminal_gets_one_line(project: Path, make_record: RecordFactory) -> None:
    make_record(id="entry", body="Text.")
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build"], cwd=project,
                            capture_output=True, text=True, check=True)
    # No progress: only the notes a one-record edition gets (chapters it leaves empty).
    assert all(line.startswith("note: chapter “") for line in result.stderr.splitlines())
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("built 1 record into 4 chapters")
