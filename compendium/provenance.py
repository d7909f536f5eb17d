"""When the sources last changed: the date every output carries, so builds are reproducible."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path


def source_date(sources: Path, files: Sequence[Path]) -> datetime:
    """Return SOURCE_DATE_EPOCH, else the last commit of a clean sources tree, else mtimes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    committed = _clean_commit_time(sources)
    if committed is not None:
        return committed
    latest = max((f.stat().st_mtime for f in files), default=0.0)
    return datetime.fromtimestamp(int(latest), UTC)


def _clean_commit_time(sources: Path) -> datetime | None:
    """Return the last commit time touching ``sources`` when git tracks it unmodified."""
    try:
        if _git(sources, "status", "--porcelain", "--", ".") or not _git(sources, "rev-parse",
                                                                          "HEAD"):
            return None
        stamp = _git(sources, "log", "-1", "--format=%ct", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else None


def source_fingerprint(sources: Path, files: Sequence[tuple[Path, str]]) -> str:
    """Name the state of the sources: the git commit when clean, else a hash of the files
    (given as path and text)."""
    commit = _clean_commit(sources)
    if commit:
        return f"git {commit}"
    digest = hashlib.sha256()
    for path, text in sorted(files):
        digest.update(str(path.relative_to(sources)).encode() + b"\0" + text.encode())
    return f"sha256 {digest.hexdigest()[:12]} (uncommitted)"


def _clean_commit(sources: Path) -> str:
    """Return the short commit id when git tracks ``sources`` unmodified, else ''."""
    try:
        if _git(sources, "status", "--porcelain", "--", "."):
            return ""
        return _git(sources, "rev-parse", "--short=12", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return ""


def _git(cwd: Path, *args: str) -> str:
    """Return git's output in ``cwd``, or '' when git fails (not a repository, no commit)."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                            timeout=10, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""
