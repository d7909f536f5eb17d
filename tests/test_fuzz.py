"""Random and mutated input: the loader and the importer raise only the project's own errors.

Properties checked beyond "no crash": the importer's records always pass `check`, and
rendered record text never carries an element or attribute that could run or fetch.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compendium.config import Edition, load_edition
from compendium.errors import CompendiumError
from compendium.html import make_markdown, render_body
from compendium.importer.command import ImportResult, import_pages
from compendium.importer.registry import add_learned
from compendium.sources import RecordFile, read_record_file
from compendium.validate import validate_records
from tests.conftest import ROOT

EDITION: Edition = load_edition(ROOT / "compendium.yml")
SEEDS = sorted((ROOT / "sources" / "raw").glob("0*.txt"))
VALID = (ROOT / "sources" / "iom" / "iom-profile.md").read_text(encoding="utf-8")
SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None,
                    derandomize="FUZZ_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow])
DANGEROUS = re.compile(r"<(script|iframe|style|link|img|object|embed|meta|svg)\b|\son\w+=|"
                       r"href=\"(?!https?:|mailto:|#)", re.IGNORECASE)

FRAGMENTS = st.sampled_from([
    "---", "id: x", "kind: profile", "entity: IOM", "period: {start: 2014-13}", "&a [1]", "*a",
    "- ", ": ", "{", "[", "'", '"', "\t", "\x00", "\ufeff", "\r\n", "View More", "<script>",
    "![x](file:///etc/passwd)", "[x](javascript:alert(1))", "2016-09", "Sept 2016 - ",
    "Resources:", "Mail Address:", "UNODC, IOM", "# heading", "    code", "|a|b|\n|-|-|",
])


def mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply (position, deleted length, inserted text) edits to ``text``."""
    for position, length, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + length:]
    return text


EDITS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40),
                           st.one_of(FRAGMENTS, st.text(max_size=30))), max_size=8)


def load(data: bytes) -> None:
    """Read and validate one record file holding ``data``; only Problems may come back."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.md"
        path.write_bytes(data)
        result = read_record_file(path)
        if isinstance(result, RecordFile):
            records, problems = validate_records([result], EDITION)
            assert len(records) + len(problems) >= 1
            for record in records:
                assert not DANGEROUS.search(render_body(make_markdown(), record.body,
                                                        record.id, 4))


@SETTINGS
@given(st.binary(max_size=2000))
def test_loader_survives_random_bytes(data: bytes) -> None:
    load(data)


@SETTINGS
@given(EDITS)
def test_loader_survives_mutated_records(edits: list[tuple[int, int, str]]) -> None:
    load(mutate(VALID, edits).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.text(max_size=400).map(lambda body: f"---\nid: r\nkind: activity\nentity: IOM\n"
                                              f"sources: [{{page: p, lines: '1'}}]\n---\n"
                                              f"{body}\n"))
def test_rendered_text_is_inert_whatever_the_body(text: str) -> None:
    load(text.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.sampled_from(SEEDS), EDITS)
def test_importer_survives_mutated_pages_and_its_records_pass_check(
        seed: Path, edits: list[tuple[int, int, str]]) -> None:
    page = mutate(seed.read_text(encoding="utf-8"), edits)
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / seed.name
        raw.write_bytes(page.encode("utf-8", "surrogatepass"))
        try:
            result = import_pages([raw], EDITION.entities)
        except CompendiumError:
            return
        files = []
        for number, record in enumerate(result.records):
            path = Path(folder) / f"{number}.md"
            path.write_text(record.text, encoding="utf-8")
            loaded = read_record_file(path)
            assert isinstance(loaded, RecordFile), loaded
            files.append(loaded)
        _, problems = validate_records(files, edition_with_learned(Path(folder), result))
        assert problems == []


def edition_with_learned(folder: Path, result: ImportResult) -> Edition:
    """Return the shipped edition with the entities the import learned added to its registry,
    as the import verb adds them."""
    if not result.names.learned:
        return EDITION
    for name in ("compendium.yml", "entities.yml", "glossary.yml"):
        shutil.copy(ROOT / name, folder / name)
    add_learned(folder / "entities.yml", list(result.names.learned.values()))
    return load_edition(folder / "compendium.yml")


@SETTINGS
@given(st.binary(max_size=3000))
def test_importer_survives_random_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "page.txt"
        raw.write_bytes(data)
        try:
            result = import_pages([raw], EDITION.entities)
        except CompendiumError:
            return
        assert result.failures or result.records or not data.strip()
