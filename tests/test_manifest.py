"""The manifest every build writes (read back by `--since`) and the record files it lists."""

from __future__ import annotations

import json
from pathlib import Path

from compendium.records.history import _manifest_texts, manifest_json
from compendium.records.sources import find_record_files, read_record_files

TEXTS = {
    "iom/b.md": '---\nid: b\n---\nQuotes " and \\ backslashes, tabs\there.\n',
    "iom/a.md": "---\nid: a\n---\nCôte d'Ivoire, 日本, an emoji 🙂 and \u2028 a separator.\n",
    "a-b/c.md": "---\nid: c\n---\n</script><!-- text is data -->\n",
    "a/x.md": "---\nid: x\n---\nText.\n",
    "z.md": "---\nid: z\n---\n\n",
}


def write_sources(root: Path) -> Path:
    sources = root / "sources"
    for name, text in TEXTS.items():
        (sources / name).parent.mkdir(parents=True, exist_ok=True)
        (sources / name).write_text(text, encoding="utf-8")
    (sources / "raw").mkdir()
    (sources / "raw" / "page.md").write_text("not a record", encoding="utf-8")
    (sources / ".hidden").mkdir()
    (sources / ".hidden" / "x.md").write_text("not a record", encoding="utf-8")
    return sources


def test_manifest_is_the_json_of_every_record(tmp_path: Path) -> None:
    sources = write_sources(tmp_path)
    files = read_record_files(sources)
    assert not files.problems
    manifest = manifest_json(sources, files.value, 'sha256 "abc" (uncommitted)')
    document = json.loads(manifest)
    expected = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    assert manifest == expected.encode()  # the same bytes json writes, pieces joined or not
    assert {name: entry["text"] for name, entry in document["records"].items()} == TEXTS
    assert document["sources"] == 'sha256 "abc" (uncommitted)'
    (tmp_path / "m.json").write_bytes(manifest)
    assert _manifest_texts(tmp_path / "m.json") == TEXTS


def test_manifest_of_no_records(tmp_path: Path) -> None:
    manifest = manifest_json(tmp_path, [], "git abc")
    assert json.loads(manifest) == {"format": 1, "records": {}, "sources": "git abc"}
    assert manifest == (json.dumps(json.loads(manifest), ensure_ascii=False, indent=1,
                                   sort_keys=True) + "\n").encode()


def test_record_files_in_path_order_skipping_data_and_hidden_folders(tmp_path: Path) -> None:
    sources = write_sources(tmp_path)
    found = find_record_files(sources)
    assert found == sorted(sources / name for name in TEXTS)  # a/… before a-b/…, as Path sorts
    assert [p.relative_to(sources).as_posix() for p in found] == \
        ["a/x.md", "a-b/c.md", "iom/a.md", "iom/b.md", "z.md"]
