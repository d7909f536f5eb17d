"""When and from what state the sources come: the date and fingerprint every output carries.

Both come from one look at git, so builds are reproducible and cost few subprocesses.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from compendium.records.sources import relative_name


@dataclass(frozen=True, slots=True)
class SourceState:
    """The sources' date and a name for their state."""

    date: datetime
    """SOURCE_DATE_EPOCH, else the last commit of a clean sources tree, else the newest mtime."""
    fingerprint: str
    """``git <commit>`` when the tree is clean, else ``sha256 <hash> (uncommitted)``."""


def source_state(sources: Path, files: Sequence[tuple[Path, str]],
                 pages: Sequence[Path] = ()) -> SourceState:
    """Return the state of ``sources``, whose record files are given as (path, text), and
    the raw ``pages`` the build reads (those the records cite)."""
    commit, committed = _clean_commit(sources, [*(path for path, _ in files), *pages])
    epoch = source_date_epoch()
    if epoch is not None:
        date = epoch
    elif committed is not None:
        date = committed
    else:
        latest = max((path.stat().st_mtime for path, _ in files), default=0.0)
        date = datetime.fromtimestamp(min(max(int(latest), 0), LATEST_EPOCH), UTC)
    if commit:
        return SourceState(date, f"git {commit}")
    digest = hashlib.sha256()
    for path, text in sorted(files, key=lambda file: file[0].parts):
        digest.update(relative_name(path, sources).encode() + b"\0" + text.encode())
    return SourceState(date, f"sha256 {digest.hexdigest()[:12]} (uncommitted)")


LATEST_EPOCH = 253_402_300_799
"""9999-12-31T23:59:59Z, the last moment a four-digit year can print."""


def source_date_epoch() -> datetime | None:
    """Return the date SOURCE_DATE_EPOCH sets (whole seconds since 1970), or None when it is
    unset or not such a number: the reproducible-builds rule is to ignore a bad value, not to
    fail on it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isascii() or not epoch.isdigit() or len(epoch) > 12 or \
            int(epoch) > LATEST_EPOCH:
        # Gone for the libraries that read it too (matplotlib's int() would fail on it).
        os.environ.pop("SOURCE_DATE_EPOCH", None)
        return None
    return datetime.fromtimestamp(int(epoch), UTC)


def _clean_commit(sources: Path, read: Sequence[Path]) -> tuple[str, datetime | None]:
    """Return the short commit id and the last commit time touching ``sources`` when git
    tracks it unmodified, every file ``read`` included, else ('', None)."""
    if git_output(sources, "status", "--porcelain", "--", "."):
        return "", None
    # A record git ignores (under `*.egg-info/`, say) is read all the same, and status does
    # not show it: the commit would name sources it does not hold.
    tracked = set(git_output(sources, "ls-files", "-z", "--", ".").decode(
        errors="surrogateescape").split("\0"))
    if any(relative_name(path, sources) not in tracked for path in read):
        return "", None
    commit = git_output(sources, "rev-parse", "--short=12", "HEAD").decode().strip()
    stamp = git_output(sources, "log", "-1", "--format=%ct", "--", ".").decode().strip()
    if not commit:
        return "", None
    return commit, datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else None


def git_output(cwd: Path, *args: str) -> bytes:
    """Return git's output in ``cwd``, or b'' when git fails (not a repository, no commit)."""
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=30,
                                check=False)
    except (OSError, subprocess.SubprocessError):
        return b""
    return result.stdout if result.returncode == 0 else b""
