"""The same sources give byte-identical outputs, whatever the process, folder or hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from tests.conftest import ROOT, copy_project, read_outputs

pytestmark = pytest.mark.slow


def build(project: Path, out: Path, **env: str) -> dict[str, bytes]:
    """Build ``project`` into ``out`` in a new process; return the outputs by relative path."""
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | env
    subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--out", str(out)],
                   cwd=project, env=environment, check=True, capture_output=True)
    return read_outputs(out)


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    """Different hash seeds and output folders: any unordered iteration or path would show."""
    one = copy_project(tmp_path / "one", sources=ROOT / "sources")
    first = build(one, tmp_path / "out-a", PYTHONHASHSEED="1")
    second = build(one, tmp_path / "out-b", PYTHONHASHSEED="2")
    assert set(first) >= {"compendium.pdf", "compendium.html"}
    assert first == second


def test_the_date_comes_from_source_date_epoch(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", sources=ROOT / "sources")
    first = build(project, tmp_path / "a", SOURCE_DATE_EPOCH="1700000000")
    (project / "sources" / "iom" / "iom-profile.md").touch()  # a newer mtime must not matter
    second = build(project, tmp_path / "b", SOURCE_DATE_EPOCH="1700000000")
    assert first == second
    info = pypdf.PdfReader(tmp_path / "a" / "compendium.pdf").metadata
    assert info is not None and str(info["/CreationDate"]).startswith("D:20231114")
    assert b'content="2023-11-14T22:13:20Z"' in first["compendium.html"]


def test_without_epoch_the_date_is_the_last_source_change(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", sources=ROOT / "sources")
    record = project / "sources" / "iom" / "iom-profile.md"
    os.utime(record, (1_750_000_000, 1_750_000_000))
    for other in (project / "sources").rglob("*.md"):
        if other != record:
            os.utime(other, (1_600_000_000, 1_600_000_000))
    html = build(project, tmp_path / "a")["compendium.html"]
    assert b'content="2025-06-15T15:06:40Z"' in html


def test_pieces_drawn_in_forked_processes_give_the_same_bytes(tmp_path: Path) -> None:
    """A worker alone draws its pieces in processes forked while it lays out the next
    pages (pdf/drawing.py); whether it is alone depends on timing, so the bytes must not."""
    apart = copy_project(tmp_path / "apart", sources=ROOT / "sources")
    in_turn = copy_project(tmp_path / "turn", sources=ROOT / "sources")
    drawn_apart = build(apart, tmp_path / "out-a", COMPENDIUM_DRAW_APART="always")
    assert drawn_apart == build(in_turn, tmp_path / "out-b", COMPENDIUM_DRAW_APART="never")
