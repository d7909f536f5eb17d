"""When the sources last changed: the date every output carries, so builds are reproducible."""

from __future__ import annotations

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
    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=sources, capture_output=True, text=True,
                                timeout=10, check=False)
        return result.stdout.strip() if result.returncode == 0 else ""

    try:
        if git("status", "--porcelain", "--", ".") or not git("rev-parse", "HEAD"):
            return None
        stamp = git("log", "-1", "--format=%ct", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else None
