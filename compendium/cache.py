"""A persistent cache of build products, keyed by the hash of everything they depend on.

Each entry is a file named by its key whose first 32 bytes are the SHA-256 of the rest:
an entry that was cut short or altered fails that check and is rebuilt, never trusted.
The key always includes a hash of the compendium's own code, so a new version of the tool
never reads what an older one wrote. A few entries are rewritten under one key (a part's
index of pieces, the last pagination): ``replace`` writes them and ``latest`` reads them,
from the disk every time.

Every edit leaves entries no later build asks for (the whole PDF of the state before, the
parts that changed), and a new version of the tool leaves all of them: ``prune`` removes
such entries, oldest first, once the cache outgrows CACHE_LIMIT.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compendium.memo import MISSING, Memo, memoized
from compendium.processes import is_running

log = logging.getLogger(__name__)
CACHE_FOLDER = ".cache/compendium"
"""Below the project folder (ignored by git)."""
CACHE_LIMIT = 1 << 30
"""Bytes the cache may hold before prune removes what the last build did not use (a cold
build of 10,000 records stores 0.28 GB)."""
PRUNE_AFTER = 64 << 20
"""Bytes a process writes between two looks at the cache's size."""


@dataclass(slots=True)
class _Writes:
    """What this process wrote to caches since prune last looked at one."""

    bytes: int = 0
    looked: bool = False


_WRITES = _Writes()


@memoized(limit=1)
def code_version() -> str:
    """Return a hash of the compendium package's source: any change to the tool changes it."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def key_of(kind: str, *parts: str | bytes) -> str:
    """Return the cache key of a product of ``kind`` made from ``parts``."""
    digest = hashlib.sha256(f"{kind}\0{code_version()}".encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


class Cache:
    """Products stored under ``folder``; ``None`` as folder turns caching off."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self.used: set[str] = set()
        """Keys this cache was asked for or given: what its build needs, kept by prune."""
        if folder is not None:
            _remove_dead_temporaries(folder / TEMPORARY)

    def get(self, key: str) -> bytes | None:
        """Return the entry for ``key``, or None if absent or damaged (then it is removed)."""
        return self._get(key, remember=True)

    def latest(self, key: str) -> bytes | None:
        """Return the entry for ``key`` as its file holds it now, for an entry rewritten under
        the same key (a part's index of pieces, the last pagination; see ``replace``)."""
        return self._get(key, remember=False)

    def _get(self, key: str, remember: bool) -> bytes | None:
        if self.folder is None:
            return None
        self.used.add(key)
        payload = self._read(key, remember)
        if payload is None:
            self.misses += 1
        else:
            self.hits += 1
        return payload

    def _read(self, key: str, remember: bool = True) -> bytes | None:
        """Return the entry for ``key`` if it is whole: from memory if it is kept there (an
        entry never rewritten: a key names one content forever), else from its file."""
        kept = _MEMORY.find(key) if remember else MISSING
        if kept is not MISSING:
            return kept
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        payload = blob[32:]
        if len(blob) < 32 or hashlib.sha256(payload).digest() != blob[:32]:
            log.info("cache entry %s is damaged; rebuilding it", key[:12])
            path.unlink(missing_ok=True)
            return None
        if remember:
            _remember(key, payload)
        return payload

    def put(self, key: str, payload: bytes) -> None:
        """Store ``payload`` under ``key`` (atomically: a killed build leaves no half entry)."""
        self._put(key, payload, remember=True)

    def replace(self, key: str, payload: bytes) -> None:
        """Store ``payload`` under ``key`` in place of what it held, read back with ``latest``.

        Never kept in memory: the PDF workers are processes, and one that kept an index of
        pieces would go on reading it after another had rewritten it, and lay out again
        pieces the other had remembered (every region edited before, in each later build)."""
        self._put(key, payload, remember=False)

    def _put(self, key: str, payload: bytes, remember: bool) -> None:
        if self.folder is None:
            return
        self.used.add(key)
        if remember:
            _remember(key, payload)
        _WRITES.bytes += len(payload)
        try:
            self._write(self._path(key), hashlib.sha256(payload).digest() + payload)
        except OSError as exc:  # a full disk or read-only cache slows builds, never breaks them
            log.info("cache not written: %s", exc)

    def _write(self, path: Path, entry: bytes) -> None:
        """Write ``entry`` under a temporary name, then rename it into place.

        Not synced to disk, unlike the outputs (output.py): an entry a crash cuts short fails
        its checksum and is made again. (Syncing, and looking for a killed build's leftovers
        beside every entry, slowed a cold build for nothing.)"""
        assert self.folder is not None
        # Named by process and thread: the preview's HTML and PDF builds may write one entry
        # at once.
        temporary = self.folder / TEMPORARY / f"{os.getpid()}.{threading.get_ident()}.{path.name}"
        temporary.parent.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(exist_ok=True)
        temporary.write_bytes(entry)
        os.replace(temporary, path)

    def remember(self, key: str, make: Callable[[], Any]) -> Any:
        """Return the JSON-able value cached under ``key``, making and storing it on a miss."""
        found = self.get(key)
        if found is not None:
            try:
                return json.loads(found)
            except ValueError:
                pass
        value = make()
        self.put(key, json.dumps(value, ensure_ascii=False, sort_keys=True).encode())
        return value

    def bind(self, key: str, keys: Iterable[str]) -> None:
        """Record that the entry ``key`` was made from the entries ``keys``: prune keeps them
        as long as a build uses ``key``. (A build that takes the whole PDF from the cache asks
        for none of its parts, which the next edit needs.)"""
        self.put(key_of("bound", key), "\n".join(sorted(keys)).encode())

    def prune(self, limit: int | None = None) -> int:
        """Remove entries this cache's build did not use, oldest first, while the cache holds
        more than ``limit`` bytes (CACHE_LIMIT, or twice what the build used if more), down
        to three quarters of that; return how many were removed.

        The folder is looked at once per process, then again only after PRUNE_AFTER bytes
        were written: the preview's HTML rebuild, which writes little, seldom pays for the
        look (about 1 ms for each thousand entries)."""
        if self.folder is None or (_WRITES.looked and _WRITES.bytes < PRUNE_AFTER):
            return 0
        _WRITES.bytes, _WRITES.looked = 0, True
        try:
            return self._prune(self.folder, limit)
        except OSError as exc:  # a cache that cannot be pruned slows builds, never breaks them
            log.info("cache not pruned: %s", exc)
            return 0

    def _prune(self, folder: Path, limit: int | None) -> int:
        """Prune ``folder`` (see prune)."""
        entries = list(_entries(folder))
        total = sum(size for _, size, _ in entries)
        limit = CACHE_LIMIT if limit is None else limit
        if total <= limit:
            return 0
        used = set(self.used)
        for key in self.used:
            binding = key_of("bound", key)
            bound = self._read(binding)
            if bound is not None:
                used.update([binding, *bound.decode().split()])
        limit = max(limit, 2 * sum(size for _, size, path in entries if path.name in used))
        removed = 0
        for _, size, path in sorted(e for e in entries if e[2].name not in used):
            if total <= limit * 3 // 4:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        log.info("cache pruned: %d entries removed, %d MB left", removed, total >> 20)
        return removed

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / key


def _entries(folder: Path) -> Iterator[tuple[float, int, Path]]:
    """Yield (modification time, size, path) of every entry below ``folder``."""
    for bucket in os.scandir(folder):
        if bucket.name == TEMPORARY or not bucket.is_dir():
            continue
        for entry in os.scandir(bucket.path):
            try:
                info = entry.stat()
            except OSError:
                continue  # removed meanwhile
            yield info.st_mtime, info.st_size, Path(entry.path)


TEMPORARY = "tmp"
"""Folder of the cache where entries are written before being renamed into place."""


def _remove_dead_temporaries(folder: Path) -> None:
    """Delete what killed builds were writing (each temporary file names its writer)."""
    try:
        found = list(os.scandir(folder))
    except OSError:
        return  # no such folder yet
    for entry in found:
        pid = entry.name.split(".")[0]
        if pid.isdigit() and not is_running(int(pid)):
            Path(entry.path).unlink(missing_ok=True)


MEMORY_ENTRY_LIMIT = 256 * 1024
"""Bytes of the largest entry kept in memory (larger ones, such as PDFs, are read from disk)."""
_MEMORY: Memo[str, bytes] = Memo("cache entries in memory", limit=50_000)
"""Small entries seen by this process, so a long-running preview skips the disk
(``memo.forget()`` leaves only the disk, as for a new process)."""


def _remember(key: str, payload: bytes) -> None:
    """Keep a small entry in memory."""
    if len(payload) <= MEMORY_ENTRY_LIMIT:
        _MEMORY.keep(key, payload)


NO_CACHE = Cache(None)
"""The cache that remembers nothing (clean builds, tests of the uncached path)."""
