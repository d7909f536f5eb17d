"""The one memoization mechanism: bounded tables, least recently used first out, one forget."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from compendium import memo
from compendium.cache import Cache, key_of
from compendium.memo import MISSING, Memo, memoized


def test_a_table_holds_at_most_its_limit() -> None:
    table: Memo[int, str] = Memo("test", limit=3)
    for n in range(10):
        table.keep(n, str(n))
    assert len(table) == 3
    assert [n for n in range(10) if n in table] == [7, 8, 9]


def test_the_least_recently_used_entry_goes_first() -> None:
    table: Memo[str, int] = Memo("test", limit=3)
    for n, key in enumerate("abc"):
        table.keep(key, n)
    assert table.find("a") == 0  # now the most recently used: b is the oldest
    table.keep("d", 3)
    assert "b" not in table and all(k in table for k in "acd")
    table.keep("c", 2)  # kept again: used too
    table.keep("e", 4)
    assert sorted(k for k in "abcde" if k in table) == ["c", "d", "e"]


def test_a_missing_key_is_told_apart_from_a_kept_none() -> None:
    table: Memo[str, int | None] = Memo("test", limit=2)
    assert table.find("a") is MISSING
    table.keep("a", None)
    assert table.find("a") is None


def test_keep_returns_the_value_kept_first() -> None:
    """Equal keys get the same object: later keys may use its identity."""
    table: Memo[str, list[int]] = Memo("test", limit=2)
    first = table.keep("a", [1])
    assert table.keep("a", [1]) is first


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="expected at least 1"):
        Memo("test", limit=0)
    with pytest.raises(ValueError, match="expected at least 1"):
        memoized(limit=0)


def test_a_memoized_function_runs_once_per_arguments() -> None:
    calls: list[tuple[object, ...]] = []

    @memoized(limit=8)
    def add(a: int, b: int = 0) -> int:
        calls.append((a, b))
        return a + b

    assert [add(1), add(1), add(1, 2), add(1, b=2), add(1, b=2), add(1)] == [1, 1, 3, 3, 3, 1]
    assert calls == [(1, 0), (1, 2), (1, 2)]  # by keyword: another key, as functools has it
    assert add.__name__ == "add"


def test_a_memoized_function_keeps_its_limit_and_order() -> None:
    calls: list[str] = []

    @memoized(limit=2)
    def shout(word: str) -> str:
        calls.append(word)
        return word.upper()

    for word in ("a", "b", "a", "c", "a", "b"):  # at c, b is the least recently used
        shout(word)
    assert calls == ["a", "b", "c", "b"]


def test_a_memoized_none_is_remembered() -> None:
    calls: list[str] = []

    @memoized(limit=2)
    def nothing(word: str) -> None:
        calls.append(word)

    nothing("a")
    nothing("a")
    assert calls == ["a"]


def test_forget_clears_every_table() -> None:
    table: Memo[str, int] = Memo("test", limit=2)
    table.keep("a", 1)
    calls: list[str] = []

    @memoized(limit=2)
    def length(word: str) -> int:
        calls.append(word)
        return len(word)

    length("abc")
    memo.forget()
    assert "a" not in table
    length("abc")
    assert calls == ["abc", "abc"]


def test_threads_sharing_a_table_agree_and_keep_its_bound() -> None:
    """Eight threads hammer a small table: no error, the bound holds, and every thread gets
    for a key the value the table kept for it, one object."""
    table: Memo[int, object] = Memo("test", limit=50)
    results: dict[int, set[int]] = {n: set() for n in range(40)}
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        try:
            start.wait()
            for step in range(4_000):
                key = (step * 7 + offset) % 40
                found = table.find(key)
                value = table.keep(key, object()) if found is MISSING else found
                results[key].add(id(value))
                assert len(table) <= 50
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(len(ids) == 1 for ids in results.values())  # 40 keys fit: nothing was dropped


def test_threads_over_the_bound_still_keep_it() -> None:
    table: Memo[int, int] = Memo("test", limit=16)

    def work(offset: int) -> None:
        for step in range(5_000):
            table.keep((step + offset) % 100, step)
            table.find(step % 100)

    threads = [threading.Thread(target=work, args=(n * 13,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(table) == 16


def test_threads_sharing_a_memoized_function_get_its_results() -> None:
    calls: list[int] = []

    @memoized(limit=16)
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    found: list[bool] = []

    def work(offset: int) -> None:
        found.append(all(square((step + offset) % 40) == ((step + offset) % 40) ** 2
                         for step in range(5_000)))

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [True] * 4
    assert len(calls) >= 40  # 40 arguments through 16 places: some made again


# --- The disk cache's entries in memory ------------------------------------------------

def _rewrite_elsewhere(folder: Path, key: str, payload: bytes) -> None:
    """Rewrite an entry from another process, as a PDF worker does."""
    code = ("import sys; from pathlib import Path; from compendium.cache import Cache; "
            "Cache(Path(sys.argv[1])).replace(sys.argv[2], sys.argv[3].encode())")
    subprocess.run([sys.executable, "-c", code, str(folder), key, payload.decode()],
                   check=True, cwd=Path(__file__).resolve().parent.parent)


def test_an_entry_rewritten_by_another_process_is_read_as_it_now_is(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    key = key_of("test-index", "part")
    cache.replace(key, b"first")
    assert cache.latest(key) == b"first"
    _rewrite_elsewhere(tmp_path, key, b"second")
    assert cache.latest(key) == b"second"  # a piece index read again sees the new pieces
    _rewrite_elsewhere(tmp_path, key, b"third")
    assert Cache(tmp_path).latest(key) == b"third"


def test_an_entry_written_once_is_read_from_memory(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    key = key_of("test-product", "input")
    cache.put(key, b"made")
    for entry in tmp_path.rglob(key):
        entry.unlink()
    assert cache.get(key) == b"made"  # a key names one content: memory may answer
    assert cache.latest(key) is None  # the file is gone
