"""A build killed with SIGKILL at any moment leaves complete, valid outputs; the next succeeds.

Builds run as real processes. Some are killed at exact points of the write (just before the
k-th rename, or with a temporary file written but not yet renamed), others after a delay.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compendium.processes import is_running
from tests.conftest import ROOT, RecordFactory, copy_project

pytestmark = pytest.mark.slow

KILL_AT = """
import os, signal, sys
sys.path.insert(0, {root!r})
point, k = sys.argv[1], int(sys.argv[2])
real, calls = getattr(os, point), [0]
def hooked(*args, **kwargs):
    if calls[0] == k:
        os.kill(os.getpid(), signal.SIGKILL)
    calls[0] += 1
    return real(*args, **kwargs)
setattr(os, point, hooked)
from compendium.cli import main
sys.exit(main(["build"]))
"""


def build_process(project: Path, *hook: str) -> subprocess.Popen[bytes]:
    """Start ``build.py build`` in ``project``, optionally killing itself at an os call."""
    if hook:
        command = [sys.executable, "-c", KILL_AT.format(root=str(ROOT)), *hook]
    else:
        command = [sys.executable, str(ROOT / "build.py"), "build"]
    return subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def outputs(project: Path, out_name: str = "out") -> dict[str, bytes]:
    """Return every file a reader finds by the output folder's documented paths
    (``compendium.pdf``, ``chapters/…``, temporary files beside them included)."""
    out = project / out_name
    found: dict[str, bytes] = {}
    for top in sorted(out.iterdir()):
        if top.name in ("current", ".lock") or (top.name.startswith(".") and top.is_dir()):
            continue  # the sets themselves, and links to them being switched
        paths = sorted(top.iterdir()) if top.is_dir() else [top]
        found.update({str(p.relative_to(out)): p.read_bytes() for p in paths if p.is_file()})
    return found


def assert_whole(found: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]) -> None:
    """The outputs are the complete old set or the complete new set: no partial file, and
    no mix of new chapters with the old PDF (a later --since would compare wrongly)."""
    visible = {name: data for name, data in found.items() if not name.rpartition("/")[2]
               .startswith(".")}
    assert set(visible) == set(old)
    mixed = {name for name in visible if visible[name] != old[name]} - {
        name for name in visible if visible[name] != new[name]}
    assert visible in (old, new), f"a mix: {sorted(mixed)} new, the rest old"


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes],
                                                               dict[str, bytes]]:
    """Build a small project, then edit a record; return it with the old and new outputs."""
    project = copy_project(tmp_path_factory.mktemp("atomic") / "project")
    for n in range(6):
        (project / "sources" / f"entry-{n}.md").write_text(
            f"---\nid: entry-{n}\nkind: activity\nentity: IOM\nprovenance: {{kind: report, "
            f"note: Annual report {n}, date: 2024-01}}\n---\nEntry {n} text.\n\n"
            f"A second paragraph {n}.\n")
    assert build_process(project).wait() == 0
    old = outputs(project)
    edited = project / "sources" / "entry-0.md"
    edited.write_text(edited.read_text().replace("Entry 0", "Entry zero"))
    new_out = project.parent / "new-out"
    assert subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--out",
                           str(new_out)], cwd=project, check=False).returncode == 0
    new = outputs(project.parent, "new-out")
    assert old.keys() == new.keys() and old != new
    return project, old, new


@pytest.fixture
def edited_project(states: tuple[Path, dict[str, bytes], dict[str, bytes]],
                   tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """Return a fresh copy of the edited project, its outputs still the old ones."""
    project, old, new = states
    copy = tmp_path / "project"
    # Keeps modification times, so the build date holds, and the output folder's links.
    shutil.copytree(project, copy, symlinks=True)
    return copy, old, new


# The set is written (a sync per file and folder), its link made, switched to by a rename,
# then the sets before the one before are removed: a kill at each step.
@pytest.mark.parametrize(("point", "k"), [
    ("fsync", 0), ("fsync", 2), ("fsync", 4), ("fsync", 6), ("fsync", 8), ("symlink", 0),
    ("rmdir", 0)])
def test_killed_at_a_write_leaves_whole_outputs(
        edited_project: tuple[Path, dict[str, bytes], dict[str, bytes]], point: str,
        k: int) -> None:
    project, old, new = edited_project
    process = build_process(project, point, str(k))
    assert process.wait() == -signal.SIGKILL
    assert_whole(outputs(project), old, new)
    check_pdf(project / "out" / "compendium.pdf")
    assert_next_build_succeeds(project, new)  # and cleans the dead one's files


@pytest.mark.parametrize("delay", [0.4, 0.9, 1.4])
def test_killed_after_a_delay_leaves_whole_outputs(
        edited_project: tuple[Path, dict[str, bytes], dict[str, bytes]], delay: float) -> None:
    project, old, new = edited_project
    process = build_process(project)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert_whole(outputs(project), old, new)
    check_pdf(project / "out" / "compendium.pdf")
    assert_next_build_succeeds(project, new)


def assert_next_build_succeeds(project: Path, new: dict[str, bytes]) -> None:
    """Build again: it succeeds, gives the new outputs and leaves no temporary file."""
    process = build_process(project)
    assert process.wait() == 0, process.stderr.read() if process.stderr else ""
    assert outputs(project) == new
    out = project / "out"
    assert [p.name for p in out.iterdir() if p.name.endswith((".tmp", ".old"))] == []
    assert len(list((out / ".sets").iterdir())) <= 2  # the new set, and the one before


def processes_of(project: Path) -> list[int]:
    """Return the live processes whose command line names ``project`` (a build started
    there with ``-c`` passes it to its fork server and workers in their sys.path)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(project).encode() in cmdline.read_bytes() and \
                    (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(int(cmdline.parent.name))
        except (OSError, IndexError):
            continue
    return found


def test_a_killed_build_leaves_no_worker_behind(
        edited_project: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    project, _, _ = edited_project
    # Killed at its first rename (os.replace): the PDF is laid out, its workers idle.
    assert build_process(project, "replace", "0").wait() == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while processes_of(project) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(project) == []


def check_pdf(pdf: Path) -> None:
    """Assert that qpdf finds the PDF's structure sound."""
    result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_live_build_temporary_file_is_left_alone(project: Path,
                                                   make_record: RecordFactory) -> None:
    """Leftovers of dead builds go; a running build's temporary file is not touched."""
    make_record(id="entry")
    out = project / "out"
    out.mkdir()
    alive = out / f".compendium.pdf.{os.getppid()}.abc.tmp"
    dead = out / ".compendium.pdf.999999999.abc.tmp"
    alive.write_bytes(b"partial")
    dead.write_bytes(b"partial")
    assert build_process(project).wait() == 0
    assert alive.exists() and not dead.exists()


def test_a_process_runs_until_it_is_dead_not_until_it_is_reaped() -> None:
    """A zombie (dead, its parent not yet told) writes nothing more: its files may go, and a
    worker whose build is one stops waiting for it."""
    child = subprocess.Popen(["true"])
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        for _ in range(500):
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break
            time.sleep(0.01)
        assert not is_running(child.pid)
    finally:
        child.wait()
    assert is_running(os.getpid())
    assert not is_running(child.pid)


def test_links_planted_in_the_output_folder_are_not_followed(
        project: Path, make_record: RecordFactory, tmp_path: Path) -> None:
    """Old sets are deleted and the current one carried over: never through a link to
    elsewhere (a shared or checked-out out/ could hold one)."""
    make_record()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    out = project / "out"
    out.mkdir()
    (out / ".sets").symlink_to(precious)
    assert build_process(project).wait() == 1
    assert (precious / "keep.txt").read_text() == "mine"
    (out / ".sets").unlink()
    (out / "current").symlink_to(precious)
    assert build_process(project).wait() == 0
    assert (precious / "keep.txt").read_text() == "mine"
    assert not (out / "keep.txt").exists() and (out / "compendium.pdf").is_file()


@pytest.mark.parametrize("delay", [0.1, 0.2, 0.35, 0.5])
def test_ctrl_c_while_the_libraries_load_says_stopped(tmp_path: Path, delay: float) -> None:
    """An attack: Ctrl-C in the first half second of any command printed a traceback (the
    libraries were loading, before the command's own handler)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "check"], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert b"Traceback" not in err, err.decode()
    # Stopped, or killed before Python handles Ctrl-C, or done before the signal came. (Under
    # a loaded machine a C++ library cut short while loading once aborted the interpreter's
    # shutdown after "stopped.": the message was given, and nothing had begun.)
    said = err.strip().split(b"\n")[0] if err.strip() else b""
    assert (process.returncode, said) in ((130, b"stopped."), (-2, b""), (-6, b"stopped.")) \
        or process.returncode == 0, (process.returncode, err.decode())


def test_a_killed_builds_scratch_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    """An attack: a build killed outright left its scratch folder (WeasyPrint's copies of the
    fonts) in the temporary folder for good, 15 MB after 19 kills. The next build removes
    those of builds that are gone, and leaves a running build's and any other folder."""
    from compendium.pdf.workers import SCRATCH_PREFIX, remove_abandoned_scratch

    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = tmp_path / f"{SCRATCH_PREFIX}{gone.pid}-abc"
    (dead / "weasyprint-x").mkdir(parents=True)
    (dead / "weasyprint-x" / "font.ttf").write_bytes(b"font")
    alive = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-def"
    alive.mkdir()
    other = tmp_path / f"{SCRATCH_PREFIX}old-style"
    other.mkdir()
    remove_abandoned_scratch(tmp_path)
    assert not dead.exists() and alive.exists() and other.exists()
