"""A persistent cache of build products, keyed by the hash of everything they depend on.

Each entry is a file named by its key whose first 32 bytes are the SHA-256 of the rest:
an entry that was cut short or altered fails that check and is rebuilt, never trusted.
The key always includes a hash of the compendium's own code, so a new version of the tool
never reads what an older one wrote.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from compendium.output import write_atomically

log = logging.getLogger(__name__)
CACHE_FOLDER = ".cache/compendium"
"""Below the project folder (ignored by git)."""


@functools.cache
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

    def get(self, key: str) -> bytes | None:
        """Return the entry for ``key``, or None if absent or damaged (then it is removed)."""
        if self.folder is None:
            return None
        if key in _MEMORY:  # entries are immutable: a key names one content forever
            self.hits += 1
            return _MEMORY[key]
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        payload = blob[32:]
        if len(blob) < 32 or hashlib.sha256(payload).digest() != blob[:32]:
            log.info("cache entry %s is damaged; rebuilding it", key[:12])
            path.unlink(missing_ok=True)
            self.misses += 1
            return None
        self.hits += 1
        _remember(key, payload)
        return payload

    def put(self, key: str, payload: bytes) -> None:
        """Store ``payload`` under ``key`` (atomically: a killed build leaves no half entry)."""
        if self.folder is None:
            return
        _remember(key, payload)
        try:
            write_atomically(self._path(key), hashlib.sha256(payload).digest() + payload)
        except OSError as exc:  # a full disk or read-only cache slows builds, never breaks them
            log.info("cache not written: %s", exc)

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

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / key


_MEMORY: dict[str, bytes] = {}
"""Small entries seen by this process, so a long-running preview skips the disk."""
MEMORY_ENTRY_LIMIT = 256 * 1024
MEMORY_ENTRIES = 50_000


def _remember(key: str, payload: bytes) -> None:
    """Keep a small entry in memory (large ones, such as PDFs, are read from disk)."""
    if len(payload) <= MEMORY_ENTRY_LIMIT:
        if len(_MEMORY) >= MEMORY_ENTRIES:
            _MEMORY.pop(next(iter(_MEMORY)))
        _MEMORY[key] = payload


NO_CACHE = Cache(None)
"""The cache that remembers nothing (clean builds, tests of the uncached path)."""
