"""Random and mutated input: the loader and the importer raise only the project's own errors.

Properties checked beyond "no crash": the importer's records always pass `check`, and
rendered record text never carries an element or attribute that could run or fetch.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compendium.errors import CompendiumError, InvalidInput
from compendium.html.text import make_markdown, render_body
from compendium.importer.command import ImportResult, import_pages
from compendium.importer.registry import add_learned
from compendium.records.config import CHAPTER_FIELDS, EDITION_FIELDS, Edition, load_edition
from compendium.records.sources import read_record_file
from compendium.records.validate import RECORD_FIELDS, validate_records
from tests.conftest import ROOT, copy_project, run_cli

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
        result = read_record_file(path).value
        if result is not None:
            records = validate_records([result], EDITION)
            assert len(records.value) + len(records.problems) >= 1
            for record in records.value:
                assert not DANGEROUS.search(render_body(make_markdown(), record.body,
                                                        record.id, 4))


@SETTINGS
@given(st.binary(max_size=2000))
def test_loader_survives_random_bytes(data: bytes) -> None:
    load(data)


@pytest.mark.slow
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


@pytest.mark.slow
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
            assert loaded.value is not None, loaded
            files.append(loaded.value)
        records = validate_records(files, edition_with_learned(Path(folder), result))
        assert records.problems == ()


def edition_with_learned(folder: Path, result: ImportResult) -> Edition:
    """Return the shipped edition with the entities the import learned added to its registry,
    as the import verb adds them."""
    if not result.names.learned:
        return EDITION
    for name in ("compendium.yml", "entities.yml", "glossary.yml"):
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "front", folder / "front", dirs_exist_ok=True)
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


# Any YAML value in any field of the three YAML files or a record's front matter: the
# project's own problems, never a traceback. The values are written as YAML text, with the
# scalars YAML itself cannot turn into values (impossible dates, tagged nonsense, numbers
# past Python's 4,300 digits) among them.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.dates().map(str), st.sampled_from([
        "2016-02-30", "2016-13-01", "!!int x", "!!float", "!!float x", "!!timestamp x",
        "!!bool x", "!!int", "!!null x", "9" * 5000, "!!int 0x" + "f" * 5000, "0x1F", "1e999",
        ".nan", "2016-02-29 10:00:99", "'quoted'", "[]", "{}", "~", "!!str 5", "1:20",
        "<<: 5", "? [a]", "- 1", "&a 1", "*a", "!!binary x", "!python/none ''", '"\\x00"',
    ]).map(lambda raw: _Raw(raw)))


class _Raw(str):
    """YAML text written as it is, not quoted."""


def to_yaml(value: object, indent: int = 0) -> str:
    """Write ``value`` as block YAML, raw scalars left unquoted."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "\n".join(f"{pad}{to_yaml(k)}: {to_yaml(v, indent + 2)}"
                                for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n" + "\n".join(f"{pad}- {to_yaml(v, indent + 2)}" for v in value)
    if isinstance(value, _Raw):
        return str(value)
    return yaml.safe_dump(value, default_flow_style=True, width=10**9).removesuffix(
        "\n...\n").strip()


VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.one_of(st.text(min_size=1, max_size=8), st.integers(0, 9)), inner,
                    max_size=3)), max_leaves=8)


def fields(names: list[str]) -> st.SearchStrategy[dict[object, object]]:
    """Return mappings of some of ``names`` (and other keys) to any value."""
    known = st.sampled_from(names)
    return st.dictionaries(st.one_of(known, known, known, st.text(min_size=1, max_size=8)),
                           VALUES, max_size=6)


def fuzz_project(folder: Path, edits: dict[str, str]) -> Path:
    """Write a small project whose files are the shipped ones except ``edits``."""
    for name in ("compendium.yml", "entities.yml", "glossary.yml"):
        (folder / name).write_text(edits.get(name, (ROOT / name).read_text(encoding="utf-8")),
                                   encoding="utf-8")
    return folder / "compendium.yml"


def only_own_problems(config: Path, record: str | None = None) -> None:
    """Load the edition (and a record beside it): only InvalidInput may come out, and each
    problem names its file."""
    try:
        edition = load_edition(config)
    except InvalidInput as exc:
        assert exc.problems and all(p.path for p in exc.problems)
        return
    if record is not None:
        path = config.parent / "r.md"
        path.write_text(record, encoding="utf-8")
        loaded = read_record_file(path).value
        if loaded is not None:
            validate_records([loaded], edition)


def shipped_with(name: str, extra: dict[object, object]) -> str:
    """Return the shipped YAML file ``name`` with ``extra`` top-level entries appended."""
    return (ROOT / name).read_text(encoding="utf-8") + to_yaml(extra) + "\n"


CONFIG_FIELDS = [*EDITION_FIELDS]
CHAPTER = fields([*CHAPTER_FIELDS]).map(lambda c: {"slug": "x", "title": "t", **c})


@pytest.mark.slow
@SETTINGS
@given(fields(CONFIG_FIELDS), st.lists(CHAPTER, max_size=2))
def test_any_values_in_compendium_yml(values: dict[object, object],
                                      chapters: list[object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        body = {"title": "T", "edition": 2026, "publisher": "P", "chapters": chapters or
                [{"slug": "x", "title": "t", "catch_all": True}], **values}
        only_own_problems(fuzz_project(Path(folder), {"compendium.yml": to_yaml(body)}))


@pytest.mark.slow
@SETTINGS
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.one_of(
    VALUES, fields(["name", "aliases"]).map(lambda e: {"name": "N", **e}),
    VALUES.map(lambda aliases: {"name": "N", "aliases": aliases})), min_size=1, max_size=3))
def test_any_values_in_entities_yml(extra: dict[object, object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        only_own_problems(fuzz_project(Path(folder), {
            "entities.yml": shipped_with("entities.yml", extra)}))


@pytest.mark.slow
@SETTINGS
@given(st.dictionaries(st.text(min_size=1, max_size=8), VALUES, min_size=1, max_size=3))
def test_any_values_in_glossary_yml(extra: dict[object, object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        only_own_problems(fuzz_project(Path(folder), {
            "glossary.yml": shipped_with("glossary.yml", extra)}))


@pytest.mark.slow
@SETTINGS
@given(fields([*RECORD_FIELDS]))
def test_any_values_in_a_record(values: dict[object, object]) -> None:
    front = {"id": "r", "kind": "activity", "entity": "IOM",
             "sources": [{"page": "p", "lines": "1"}], **values}
    with tempfile.TemporaryDirectory() as folder:
        only_own_problems(fuzz_project(Path(folder), {}),
                          f"---{to_yaml(front)}\n---\nText.\n")


# Templates, stylesheets and the whole build: a project whose template or stylesheet is
# mutated at random builds, or stops with the project's own message and writes nothing;
# never a traceback, never past a bound.
TEMPLATE_FRAGMENTS = st.sampled_from([
    "{{", "}}", "{%", "%}", "{#", "{{ 1/0 }}", "{{ x }}", "{% for %}", "{% endfor %}",
    "{% if %}", "{{ record.nope }}", "{{ cycler.__init__.__globals__.os }}", "{{ ''.__class__ }}",
    "{{ 'a' * 10**9 }}", "{{ 9 ** 999999 }}", "{{ range(10**9) | list }}", "{{ [].append(1) }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "{% include 'nope.j2' %}",
    "{% include 'compendium.html.j2' %}", "{{ '%d' % 'x' }}", "{{ {}.x.y }}", "{% raw %}",
    "{{ 1 + 'a' }}", "{% set x = 1 %}", "\udcff", "{{ doc.nope() }}",
])
CSS_FRAGMENTS = st.sampled_from([
    "}", "{", "@import url(http://127.0.0.1:9/x.css);", "url(file:///etc/passwd)", "@page {",
    "body { background: url(http://127.0.0.1:9/b.png) }", "*/", "/*", "\\", "\x00", "\udcff",
    "@font-face { font-family: X; src: url(x.woff) }", "::marker { content: '\\25E6' }",
    "li { list-style: circle }", "p { font-size: 1e9px }", "p { columns: 999 }", "</style>",
    "html { font-family: nonexistent }", "p { counter-increment: a 99999999999 }",
])
MUTATIONS = st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 20),
                               st.one_of(TEMPLATE_FRAGMENTS, st.text(max_size=10))),
                     min_size=1, max_size=4)
CSS_MUTATIONS = st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 20),
                                   st.one_of(CSS_FRAGMENTS, st.text(max_size=10))),
                         min_size=1, max_size=4)
BUILD_BOUND = 60
"""Seconds a build of one record may take, whatever its templates or stylesheets say."""
FEW = settings(SETTINGS, max_examples=max(5, SETTINGS.max_examples // 4))


@contextlib.contextmanager
def bounded(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, when the block takes longer than ``seconds``."""
    def stop(*_: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def build_mutated(name: str, edits: list[tuple[int, int, str]], *args: str) -> None:
    """Build a one-record copy of the project with file ``name`` mutated: it must succeed,
    or fail with the project's own message and no output written."""
    with tempfile.TemporaryDirectory() as folder:
        project = copy_project(Path(folder) / "p")
        (project / "sources" / "r.md").write_text(VALID, encoding="utf-8")
        target = project / name
        target.write_bytes(mutate(target.read_text(encoding="utf-8"), edits).encode(
            "utf-8", "surrogateescape"))
        with bounded(BUILD_BOUND), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()) as err:
            code = run_cli(project, "build", "--no-cache", *args)
        assert code in (0, 1), err.getvalue()
        assert "Traceback" not in err.getvalue()
        if code == 1:
            assert err.getvalue().strip(), "refused without a message"
            assert not (project / "out").exists(), "refused, yet wrote"


@pytest.mark.slow
@FEW
@given(st.sampled_from(["templates/compendium.html.j2", "templates/record.html.j2",
                        "templates/record-label.html.j2"]), MUTATIONS)
def test_mutated_html_templates(name: str, edits: list[tuple[int, int, str]]) -> None:
    build_mutated(name, edits, "--format", "html")


@pytest.mark.slow
@FEW
@given(MUTATIONS)
def test_mutated_markdown_template(edits: list[tuple[int, int, str]]) -> None:
    build_mutated("templates/chapter.md.j2", edits, "--format", "html")


@pytest.mark.slow
@FEW
@given(st.sampled_from(["styles/common.css", "styles/screen.css"]), CSS_MUTATIONS)
def test_mutated_stylesheets_in_the_draft(name: str,
                                          edits: list[tuple[int, int, str]]) -> None:
    build_mutated(name, edits, "--format", "html")


@pytest.mark.slow
@settings(FEW, max_examples=max(3, SETTINGS.max_examples // 10))
@given(CSS_MUTATIONS)
def test_mutated_print_stylesheet(edits: list[tuple[int, int, str]]) -> None:
    build_mutated("styles/print.css", edits, "--format", "pdf")
