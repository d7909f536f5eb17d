"""The importer writes no record `check` would refuse, and reads no file without end."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_project, run_cli

SEED = ROOT / "sources" / "raw" / "001_9c41119528698876.txt"


def test_a_page_whose_record_check_would_refuse_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    longest = max(range(len(lines)), key=lambda n: len(lines[n]))
    # A word no line break can split (a long paragraph is written on several lines).
    lines[longest] += " " + "w" * 25_000
    page = tmp_path / "long.txt"
    page.write_text("\n".join(lines), encoding="utf-8")
    into = tmp_path / "into"
    assert run_cli(ROOT, "import", str(page), "--into", str(into)) == 1
    err = capsys.readouterr().err
    assert "body: a line of 2" in err and "expected at most 20,000" in err
    # Named at the page it comes from: the record's file is not written.
    assert re.search(r"^long\.txt:\d+: .*\(in the record it makes, .*\.md, from lines ",
                     err, re.MULTILINE), err
    assert err.rstrip().endswith("nothing was written.")
    assert not into.exists()


@pytest.mark.parametrize("device", ["/dev/zero", "fifo"])
def test_a_file_without_end_is_refused_at_once(tmp_path: Path, device: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    if device == "fifo":
        device = str(tmp_path / "pipe")
        os.mkfifo(device)
    started = time.monotonic()
    assert run_cli(ROOT, "import", device, "--into", str(tmp_path / "into")) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert f"error: {device}: " in err and "expected a" in err and "Traceback" not in err


def test_a_record_linked_to_a_device_is_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "zero.md").symlink_to("/dev/zero")
    assert run_cli(ROOT, "check", "--sources", str(tmp_path / "sources")) == 1
    assert "zero.md: a link to /dev/zero, outside the sources folder" in \
        capsys.readouterr().err


@pytest.mark.slow
def test_a_page_of_thousands_of_entries_imports_in_linear_time(tmp_path: Path) -> None:
    """4,000 entries in the site's three forms (dated, plain, "View More"): a few seconds
    when the importer is linear; the quadratic one the attack found took minutes."""
    lines = ["International Organization for Migration", ""]
    for n in range(4000):
        text = (f"IOM entry number {n} supported {n * 7} survivors of violence in region "
                f"{n % 97} with services and training.")
        if n % 3 == 0:
            lines += [f"Mar 20{10 + n % 10} - Sept 20{11 + n % 10} | IOM;", "", text, ""]
        elif n % 3 == 1:
            lines += [text, ""]
        else:
            lines += [text[:50], "View More" + text, ""]
    page = tmp_path / "big.txt"
    page.write_text("\n".join(lines), encoding="utf-8")
    started = time.monotonic()
    assert run_cli(ROOT, "import", str(page), "--into", str(tmp_path / "into")) == 0
    assert time.monotonic() - started < 30


def test_a_page_whose_name_is_not_utf8_is_named_and_skipped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = os.path.join(os.fsencode(tmp_path), b"page-\xff.txt")
    with open(name, "wb") as page:
        page.write(SEED.read_bytes())
    assert run_cli(ROOT, "import", os.fsdecode(name), "--into", str(tmp_path / "into")) == 1
    err = capsys.readouterr().err
    assert "page-\\udcff.txt: file name is not UTF-8; expected a UTF-8 name" in err
    assert "Traceback" not in err


def _imported_project(tmp_path: Path) -> Path:
    """Return a sources folder one import of the shipped pages filled."""
    into = tmp_path / "sources"
    assert run_cli(ROOT, "import", *map(str, sorted((ROOT / "sources" / "raw").glob("*.txt"))),
                   "--into", str(into)) == 0
    return into


@pytest.mark.parametrize("named", ["absolute", "../outside.md", "raw/../../outside.md",
                                   "raw/import-report.md", "linked/record.md"])
def test_a_crafted_manifest_deletes_nothing_outside_the_records(
        tmp_path: Path, named: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The manifest is committed with the sources: whoever edits it named /tmp/x or
    ../README.md with its hash, and the next import deleted it."""
    import hashlib
    import json

    into = _imported_project(tmp_path)
    victim = tmp_path / "outside.md"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "record.md").write_text("precious\n", encoding="utf-8")
    (into / "linked").symlink_to(tmp_path / "elsewhere")
    key = str(victim) if named == "absolute" else named
    target = into / "raw" / "import-report.md" if named.startswith("raw/import") else (
        tmp_path / "elsewhere" / "record.md" if named.startswith("linked") else victim)
    before = target.read_bytes()
    manifest = into / "raw" / "import-manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data[key] = hashlib.sha256(before).hexdigest()
    manifest.write_text(json.dumps(data), encoding="utf-8")
    (into / "linked").unlink()  # the link only for the hash; its target must survive too
    (into / "linked").symlink_to(tmp_path / "elsewhere")
    capsys.readouterr()
    run_cli(ROOT, "import", *map(str, sorted((into / "raw").glob("*.txt"))), "--into", str(into))
    err = capsys.readouterr().err
    assert target.exists(), err
    assert f'named "{key}", no record file of the sources folder' in err
    assert key not in json.loads(manifest.read_text(encoding="utf-8"))


@pytest.mark.parametrize("link", ["page copy", "record folder", "raw folder"])
def test_the_import_writes_through_no_link_out_of_the_sources(
        tmp_path: Path, link: str, capsys: pytest.CaptureFixture[str]) -> None:
    into = tmp_path / "sources"
    into.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "page.txt").write_text("precious\n", encoding="utf-8")
    page = tmp_path / "page.txt"
    page.write_bytes((ROOT / "tests" / "pages" / "dpko.txt").read_bytes())
    if link == "page copy":
        (into / "raw").mkdir()
        (into / "raw" / "page.txt").symlink_to(outside / "page.txt")
    elif link == "record folder":
        (into / "dpko").symlink_to(outside)
    else:
        (into / "raw").symlink_to(outside)
    assert run_cli(ROOT, "import", str(page), "--into", str(into)) == 1
    err = capsys.readouterr().err
    assert "a link in the sources folder would take it outside the project" in err
    assert err.rstrip().endswith("nothing was written.")
    assert sorted(p.name for p in outside.iterdir()) == ["page.txt"]
    assert (outside / "page.txt").read_text(encoding="utf-8") == "precious\n"


def test_a_page_name_with_line_breaks_writes_no_yaml_of_its_own(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The registry's comment named the page: a name holding a line break wrote an entity
    of the page's choosing into entities.yml, unmarked as the import's."""
    import shutil

    import yaml

    project = tmp_path / "project"
    project.mkdir()
    for name in ("compendium.yml", "entities.yml", "glossary.yml"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "front", project / "front")
    page = tmp_path / "p\nEVIL:\n  name: Injected Entity\n#.txt"
    page.write_bytes((ROOT / "tests" / "pages" / "renamed.txt").read_bytes())
    before = yaml.safe_load((project / "entities.yml").read_text(encoding="utf-8"))
    assert run_cli(ROOT, "import", str(page), "--config", str(project / "compendium.yml"),
                   "--into", str(project / "sources")) == 0, capsys.readouterr().err
    after = yaml.safe_load((project / "entities.yml").read_text(encoding="utf-8"))
    added = set(after) - set(before)
    assert added and "EVIL" not in added
    assert all(after[key]["added_by"] == "import" for key in added)


@pytest.mark.parametrize("name", ["import-manifest.json", "import-report.md",
                                  "import-report.json", "import-pending.json", ".hidden.txt"])
def test_a_page_named_as_the_imports_own_file_is_refused_and_loses_nothing(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A page saved under the name of one of the import's own files in raw/ was imported,
    then its kept copy overwritten by the manifest: its text was lost, and the next import
    removed its records as "in another record now"."""
    into = _imported_project(tmp_path)
    before = {p: p.read_bytes() for p in into.rglob("*") if p.is_file()}
    page = tmp_path / "given" / name
    page.parent.mkdir()
    page.write_text(SEED.read_text(encoding="utf-8").replace("2014", "2016"), encoding="utf-8")
    capsys.readouterr()
    assert run_cli(ROOT, "import", str(page), "--into", str(into)) == 1
    err = capsys.readouterr().err
    assert f"a page cannot be named {name!r}" in err
    assert "removed:" not in err
    after = {p: p.read_bytes() for p in into.rglob("*") if p.is_file()}
    assert {p for p in after if "import-report" not in p.name} == \
        {p for p in before if "import-report" not in p.name}
    assert all(after[p] == before[p] for p in before if p.suffix == ".md" and
               "import-report" not in p.name)


@pytest.mark.parametrize("length", [25, 300, 5000])
def test_a_long_word_makes_no_id_too_long_for_a_file_name(
        tmp_path: Path, length: int, capsys: pytest.CaptureFixture[str]) -> None:
    """An entry opening with a 300-letter word made an id, and a file name, too long: the
    import stopped on the file system's error after writing other files."""
    page = tmp_path / "p1.txt"
    page.write_text("Search\nMar 2014 | UNFPA\nSupported women " + "Q" * length
                    + " against violence in Mali with shelters and legal aid.\n"
                    "Apr 2014 | UNFPA\nTrained nurses on violence against women.\n",
                    encoding="utf-8")
    into = tmp_path / "sources"
    assert run_cli(ROOT, "import", str(page), "--into", str(into)) == 0, \
        capsys.readouterr().err
    records = sorted(into.rglob("*.md"))
    assert len([p for p in records if "raw" not in p.parts]) == 2
    assert all(len(p.stem) <= 120 for p in records)


def test_an_id_longer_than_a_file_name_allows_is_named_by_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p"
    for name in ("compendium.yml", "entities.yml", "glossary.yml", "front"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, project / name)
        else:
            project.mkdir(exist_ok=True)
            (project / name).write_bytes(src.read_bytes())
    rid = "-".join(["word"] * 40)
    (project / "sources").mkdir()
    (project / "sources" / "long.md").write_text(
        f"---\nid: {rid}\nkind: activity\nentity: IOM\nprovenance: {{kind: e-mail, "
        "note: From the office, date: 2024-03-04}\n---\nText.\n", encoding="utf-8")
    assert run_cli(project, "check") == 1
    assert f"is {len(rid)} characters long; expected at most 120" in capsys.readouterr().err


ANNEX_PAGES = {
    "a label first": ("Address/Websites\n\nAvenue Appia 20. 1211 Geneva 27. Switzerland\n\n"
                      "http://www.who.int/en/\n\nBackground\n{text}\n", "http://www.who.int/en/"),
    "a dated header first": ("Feb 2020 - Sep 2021 | UNFPA\n{text}\n{text2}\n", ""),
    "addresses in and under the text": ("Search\n{text} (see http://www.plusnews.org/R.aspx?Id=8 "
                                        "for the report).\nResources on it:\n"
                                        "http://www.pseataskforce.org/\n", ""),
}


@pytest.mark.parametrize("case", ANNEX_PAGES)
def test_the_annex_names_a_page_by_no_label_date_or_address_from_its_text(
        tmp_path: Path, case: str) -> None:
    """The annex took a page's first short line for its title ("Address/Websites", "Feb 2020
    - Sep 2021 | DPKO") and the first address anywhere for its address (one in an entry)."""
    template, address = ANNEX_PAGES[case]
    project = copy_project(tmp_path / "p")
    shutil.rmtree(project / "sources")
    page = tmp_path / "page.txt"
    page.write_text(template.format(
        text="UNFPA trained 40 midwives on the clinical management of rape in three provinces "
             "of the country, with the health ministry",
        text2="UNFPA also opened two shelters for survivors of violence in the capital."),
        encoding="utf-8")
    assert run_cli(ROOT, "import", str(page), "--into", str(project / "sources")) == 0
    assert run_cli(project, "build", "--format", "html") == 0
    html = (project / "out" / "compendium.html").read_text(encoding="utf-8")
    heading = re.search(r'<h2 class="annex-page"[^>]*>(.*?)</h2>', html, re.DOTALL)
    assert heading, html[-2000:]
    title = re.sub(r"<[^>]+>", "", heading[1])
    for wrong in ("Address/Websites", "Feb 2020", "|", "Search", "pseataskforce", "plusnews",
                  "Avenue Appia"):
        assert wrong not in title.replace(address, ""), title
    assert not address or address in title, title
