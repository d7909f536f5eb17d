"""Rebuilds reuse the cache and still give, byte for byte, what a clean build gives."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compendium import cache, memo
from compendium.cache import CACHE_FOLDER, TEMPORARY
from compendium.pipeline import BuildRequest, run
from compendium.records import sources
from tests.conftest import ROOT, pdf_page_texts, read_outputs, run_cli

pytestmark = pytest.mark.slow


def outputs(out: Path) -> dict[str, bytes]:
    """Return every output file by relative path."""
    return read_outputs(out)


def build(project: Path, use_cache: bool = True) -> tuple[dict[str, bytes], int, int]:
    """Build ``project``; return its outputs and the cache's hits and misses."""
    out = project / ("out" if use_cache else "clean-out")
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=out, use_cache=use_cache)
    built, _ = run(request)
    return outputs(out), built.cache.hits, built.cache.misses


def assert_same_as_clean(project: Path) -> tuple[int, int]:
    """Build with the cache and without; the outputs must be identical. Return hits, misses."""
    cached, hits, misses = build(project)
    clean, _, _ = build(project, use_cache=False)
    assert cached == clean
    return hits, misses


@pytest.fixture(autouse=True)
def fresh_process_memory() -> None:
    """Start each test as a new process would: nothing remembered in memory."""
    memo.forget()


def test_a_sequence_of_edits_gives_the_clean_build_each_time(small_project: Path) -> None:
    project = small_project
    _, first_misses = assert_same_as_clean(project)
    assert first_misses > 0

    record = next((project / "sources").rglob("iom-2*.md"))
    front, body = record.read_text().split("\n---\n", 1)
    record.write_text(f"{front}\n---\nEdited: {body}")
    hits, misses = assert_same_as_clean(project)
    assert hits > 10 and misses >= 2  # other bodies, fonts and charts reused; PDF redone

    added = project / "sources" / "iom" / "iom-2021-01-added-entry.md"
    added.write_text("---\nid: iom-2021-01-added-entry\nkind: activity\nentity: IOM\n"
                     "period: {start: 2021-01}\n"
                     "provenance: {kind: e-mail, note: IOM reply, date: 2024-01}\n---\n"
                     "An entry added in Kenya.\n")
    assert_same_as_clean(project)

    next(p for p in (project / "sources").rglob("*.md") if p != added and
         "profile" not in p.name).unlink()
    assert_same_as_clean(project)

    template = project / "templates" / "compendium.html.j2"
    template.write_text(template.read_text().replace("edition</p>", "edition.</p>"))
    assert_same_as_clean(project)

    annex = project / "templates" / "parts" / "annex.html.j2"  # a part's own template
    annex.write_text(annex.read_text().replace("<main>", "<main>\n<p>Sources follow.</p>"))
    assert_same_as_clean(project)

    style = project / "styles" / "print.css"
    style.write_text(style.read_text() + "\nh1 { letter-spacing: 0.01em; }\n")
    assert_same_as_clean(project)


def test_an_unchanged_rebuild_renders_nothing(small_project: Path) -> None:
    build(small_project)
    _, hits, misses = build(small_project)
    assert misses == 0 and hits > 0


def test_a_damaged_cache_is_detected_and_rebuilt(small_project: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    project = small_project
    good, _, _ = build(project)
    entries = [p for p in (project / CACHE_FOLDER).rglob("*") if p.is_file()]
    assert entries
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        # Cut some short, flip a byte in others: both must fail the check.
        entry.write_bytes(data[: len(data) // 2] if number % 2 else
                          data[:-1] + bytes([data[-1] ^ 1]))
    caplog.set_level("INFO", logger="compendium.cache")
    memo.forget()  # as a new process would start: only the disk remains
    rebuilt, _, misses = build(project)
    assert rebuilt == good
    # Every damaged entry was refused and made anew (or left unused and removed); the only
    # hits are of entries this build made (the PDF workers look up the pieces they kept).
    after = [p for p in (project / CACHE_FOLDER).rglob("*") if p.is_file()
             and TEMPORARY not in p.parts]
    assert all(hashlib.sha256(p.read_bytes()[32:]).digest() == p.read_bytes()[:32]
               for p in after)
    assert misses >= len(entries) // 2
    assert any("damaged" in m for m in caplog.messages)
    _, _, misses = build(project)
    assert misses == 0  # the damaged entries were replaced by good ones


def test_no_cache_flag_leaves_the_cache_alone(small_project: Path) -> None:
    assert run_cli(small_project, "build", "--format", "html", "--no-cache") == 0
    assert not (small_project / CACHE_FOLDER).exists()


def parted_build(project: Path, use_cache: bool = True) -> tuple[dict[str, bytes], list[str],
                                                                 list[str]]:
    """Build ``project``; return its outputs, the PDF parts' names, and the names of those
    laid out again (not taken from the cache)."""
    out = project / ("out" if use_cache else "clean-out")
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=out, use_cache=use_cache, formats=frozenset({"pdf"}))
    built, _ = run(request)
    laid = built.printing.print_run
    if laid is None:  # the whole PDF came from the cache
        return outputs(out), [], []
    return outputs(out), [p.name for p in laid.parts], laid.sent


def test_after_an_edit_only_its_part_is_laid_out_again(small_project: Path) -> None:
    project = small_project
    _, parts, sent = parted_build(project)
    chapter_parts = [n for n in parts if n.startswith("chapter-")]
    # Cold: every part (one that runs on as its two sides, laid out while the part before
    # it is, and taken from the cache).
    assert len(chapter_parts) >= 4 and set(parts) <= {n.split(" (")[0] for n in sent}
    record = next((project / "sources").rglob("iom-2*.md"))
    record.write_text(record.read_text() + "\nReviewed.\n")  # its excerpt stays the same
    cached, parts, sent = parted_build(project)
    relaid = [n for n in sent if n in parts]
    # The edited record's chapter, and the title page, which names the sources' state; not
    # the contents, whose numbers did not move.
    assert len(relaid) == 2 and "title" in relaid, relaid
    assert next(n for n in relaid if n != "title") in chapter_parts, relaid
    text = " ".join(pdf_page_texts(project / "out" / "compendium.pdf"))
    assert text.count("Reviewed.") == 1
    assert cached == parted_build(project, use_cache=False)[0]  # as a clean build
    memo.forget()
    assert parted_build(project)[2] == []  # and nothing at all when nothing changed


def test_what_a_long_running_process_remembers_never_goes_stale(small_project: Path) -> None:
    """The preview keeps validated records, rendered bodies and each record's article in
    memory. After edits to a record's text, a field, the acronyms and the record template,
    its HTML is the HTML a new process makes from nothing."""
    project = small_project
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out", formats=frozenset({"html"}))
    run(request)
    record = next((project / "sources").rglob("iom-2*.md"))
    front, body = record.read_text().split("\n---\n", 1)
    record.write_text(f"{front}\n---\n"
                      f"The Quiet Harbour Network (QHN) grew. {body}")
    run(request)
    record.write_text(record.read_text().replace("entity: IOM", "entity: UNODC"))
    run(request)
    template = project / "templates" / "record.html.j2"
    template.write_text(template.read_text().replace('class="record entry',
                                                     'class="record entry edited'))
    run(request)
    memory = (project / "out" / "compendium.html").read_bytes()
    assert b"record entry edited" in memory and b"Quiet Harbour Network" in memory

    fresh = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--format", "html",
                            "--no-cache", "--out", "fresh-out"], cwd=project, check=True,
                           capture_output=True)
    assert fresh.returncode == 0
    assert memory == (project / "fresh-out" / "compendium.html").read_bytes()


def test_a_build_with_a_warm_cache_loads_neither_weasyprint_nor_matplotlib(
        small_project: Path) -> None:
    """The build process hands layout to the workers and finds charts and font subsets in
    the cache: loading WeasyPrint, matplotlib and fontTools cost 0.65 s of every rebuild."""
    assert run_cli(small_project, "build", "--format", "html") == 0
    check = ("import sys\nfrom pathlib import Path\n"
             "from compendium.pipeline import BuildRequest, run\n"
             "p = Path(sys.argv[1])\n"
             "run(BuildRequest(config=p / 'compendium.yml', sources=p / 'sources', "
             "out=p / 'out', formats=frozenset({'html'})))\n"
             "print(sorted(m for m in ('weasyprint', 'matplotlib', 'fontTools') "
             "if m in sys.modules))\n")
    loaded = subprocess.run([sys.executable, "-c", check, str(small_project)], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_a_killed_builds_half_written_entries_are_swept(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    (folder / cache.TEMPORARY).mkdir(parents=True)
    dead = folder / cache.TEMPORARY / "999999999.0123abcd"  # no such process
    alive = folder / cache.TEMPORARY / f"{os.getpid()}.4567ef"
    dead.write_bytes(b"half")
    alive.write_bytes(b"being written")
    store = cache.Cache(folder)
    assert not dead.exists() and alive.exists()
    key = "ab" + "0" * 62
    store.put(key, b"entry")
    assert (folder / "ab" / key).read_bytes()[32:] == b"entry"  # checksum, then the entry
    assert sorted(p.name for p in (folder / cache.TEMPORARY).iterdir()) == [alive.name]


def test_a_record_file_is_read_again_when_it_changes_and_only_then(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview reads only the files that changed since its last rebuild: a file whose
    times, size and inode are unchanged is taken from memory, any other is read again, even
    one rewritten to the same size with its modification time put back."""
    monkeypatch.setattr(sources, "SETTLED_NS", 0)  # remember files however new
    reads: list[Path] = []
    read = sources._read_text
    monkeypatch.setattr(sources, "_read_text",
                        lambda path, size: reads.append(path) or read(path, size))
    record = tmp_path / "record.md"
    record.write_text("---\nid: a\n---\nFirst text.\n")
    assert sources.read_text(record).value == sources.read_text(record).value == \
        "---\nid: a\n---\nFirst text.\n"
    assert reads == [record]
    times = record.stat()
    record.write_text("---\nid: a\n---\nOther text.\n")  # the same size
    os.utime(record, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert sources.read_text(record).value == "---\nid: a\n---\nOther text.\n"
    assert reads == [record, record]


def test_a_file_that_just_changed_is_not_remembered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written twice within one tick of the clock that dates changes, a file would keep its
    times: what was read of a file that changed under SETTLED_NS ago is not trusted later."""
    reads: list[Path] = []
    read = sources._read_text
    monkeypatch.setattr(sources, "_read_text",
                        lambda path, size: reads.append(path) or read(path, size))
    record = tmp_path / "record.md"
    record.write_text("---\nid: a\n---\nFirst text.\n")
    sources.read_text(record)
    sources.read_text(record)
    assert reads == [record, record]


def test_prune_removes_unused_entries_oldest_first(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the limit, entries the build did not use go, oldest first, down to three quarters
    of the limit; those it used stay, however old; under the limit nothing goes."""
    monkeypatch.setattr(cache, "_WRITES", cache._Writes())
    folder = tmp_path / "cache"
    keys = [f"{n:02x}" + "0" * 62 for n in range(8)]
    writer = cache.Cache(folder)
    for age, key in enumerate(keys):
        writer.put(key, bytes(1000))
        os.utime(folder / key[:2] / key, (1_000 + age, 1_000 + age))
    store = cache.Cache(folder)
    memo.forget()
    assert store.get(keys[0]) is not None and store.get(keys[7]) is not None  # used: kept
    assert store.prune(limit=8 * 1032) == 0  # 8 entries of 1,032 bytes: not over
    monkeypatch.setattr(cache, "_WRITES", cache._Writes())
    assert store.prune(limit=6 * 1032) == 4  # down to 4.5 entries: the 4 oldest unused go
    left = sorted(p.name for p in folder.glob("??/*"))
    assert left == [keys[0], keys[5], keys[6], keys[7]]


def test_an_outgrown_cache_keeps_what_the_build_and_the_next_edit_use(
        small_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build over the limit removes an older state's entries and nothing the current state
    needs: the PDF's parts stay, though that build took the whole PDF from the cache, so an
    edit after it lays out only its own part and the title page."""
    first, parts, _ = parted_build(small_project)
    folder = small_project / CACHE_FOLDER
    entries = sorted(folder.glob("??/*"))
    stale = folder / "ff" / ("ff" + "1" * 62)  # an entry no build asks for
    stale.parent.mkdir(exist_ok=True)
    stale.write_bytes(bytes(32) + bytes(10_000_000))
    os.utime(stale, (1_000, 1_000))
    monkeypatch.setattr(cache, "_WRITES", cache._Writes())
    monkeypatch.setattr(cache, "CACHE_LIMIT", 100_000)  # below what the state needs
    memo.forget()
    again, _, sent = parted_build(small_project)
    assert sorted(folder.glob("??/*")) == entries  # all but the stale entry
    assert again == first and sent == []  # the whole PDF, from the cache
    record = next((small_project / "sources").rglob("iom-2*.md"))
    record.write_text(record.read_text() + "\nReviewed.\n")
    memo.forget()
    _, _, sent = parted_build(small_project)
    relaid = [n for n in sent if n in parts]  # not the draft stamp, new after any edit
    assert len(relaid) == 2 and "title" in relaid, relaid
