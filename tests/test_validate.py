"""`check` reports every problem in one run, located and with what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RecordFactory, run_cli


def check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run `check`; return the exit code and the problem lines."""
    code = run_cli(project, "check")
    return code, [line for line in capsys.readouterr().err.splitlines() if ": " in line]


def test_all_problems_reported_in_one_run_with_locations(
        project: Path, make_record: RecordFactory, capsys: pytest.CaptureFixture[str]) -> None:
    make_record(id="a", entitty="IOM", entity=None)
    make_record(id="b", period={"start": "2014-13"})
    make_record(id="c", period={"start": "2016-03", "end": "2014-03"})
    make_record(id="d", entity="IMO")
    make_record(id="e", chapter="unodc-chapter")
    code, problems = check(project, capsys)
    assert code == 1
    assert problems == [
        "sources/a.md:7: a: entitty: unknown field; did you mean `entity`?",
        "sources/a.md:2: a: entity: missing; expected a value",
        "sources/b.md:8: b: period: start `2014-13` has month 13; expected a month from 01 to 12",
        "sources/c.md:8: c: period: end 2014-03 is before start 2016-03; "
        "expected end on or after start",
        "sources/d.md:4: d: entity: unknown entity `IMO`; did you mean `IOM`?; "
        "expected an acronym from entities.yml",
        "sources/e.md:8: e: chapter: unknown chapter `unodc-chapter`; did you mean `unodc`?",
    ]


def test_duplicate_ids_name_both_files(project: Path, make_record: RecordFactory,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    make_record(id="same", folder="one")
    make_record(id="same", folder="two")
    code, problems = check(project, capsys)
    assert code == 1
    assert problems == ["sources/two/same.md:2: same: id: already used by "
                        "sources/one/same.md:2; expected a unique id"]


def test_config_misspelt_and_missing_keys(project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = project / "compendium.yml"
    config.write_text(config.read_text().replace("publisher:", "publsher:"))
    code, problems = check(project, capsys)
    assert code == 1
    assert problems == [
        "compendium.yml:8: publsher: unknown field; did you mean `publisher`?",
        "compendium.yml:5: publisher: missing; expected a value"]


@pytest.mark.slow
def test_build_with_problems_writes_nothing(project: Path, make_record: RecordFactory,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    make_record(id="ok")
    assert run_cli(project, "build", "--format", "html") == 0
    good = (project / "out" / "compendium.html").read_bytes()
    make_record(id="bad", kind="activty")
    assert run_cli(project, "build", "--format", "html") == 1
    assert "nothing was written" in capsys.readouterr().err
    assert (project / "out" / "compendium.html").read_bytes() == good
